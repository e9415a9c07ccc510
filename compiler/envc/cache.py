"""The compile cache: what the last successful compile wrote, so the next one can
skip work whose inputs did not change (docs/performance.md).

It lives in `<project>/.envc-cache/` (with a `.gitignore` of its own) as one JSON
file per output directory.  It records, per unit content key, the files the unit
produced with their sha256 and stat; and a fingerprint of every input byte with
the diagnostics of that run, so an unchanged project is a stat walk away from
"up to date".  A missing, stale or corrupt cache only costs time: every decision
is re-checked against the files on disk (size and mtime, as git's index does).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from envc import __version__
from envc.codes import BY_ID
from envc.diagnostics import Diagnostic, Related, Span

CACHE_DIR = ".envc-cache"
FORMAT = 1


class FileRecord(NamedTuple):
    """One output file as the cache records it (a NamedTuple: a cache holds one per output
    file, 28,000 at 10,000 environments, and a tuple is made several times faster than a
    frozen dataclass)."""

    path: str
    sha: str
    size: int
    mtime_ns: int
    order: tuple[Any, ...] = ()
    identity: tuple[Any, ...] = ()
    origin: tuple[str, int, int] | None = None

    def to_json(self) -> list[Any]:
        return list(self)

    @staticmethod
    def from_json(row: list[Any]) -> FileRecord:
        order = tuple([tuple(x) if type(x) is list else x for x in row[4]])
        origin = (str(row[6][0]), int(row[6][1]), int(row[6][2])) if row[6] else None
        return FileRecord(row[0], row[1], row[2], row[3], order, tuple(row[5]), origin)


@dataclass(slots=True)
class Cache:
    path: Path | None = None
    units: dict[str, list[FileRecord]] = field(default_factory=dict)
    files: dict[str, FileRecord] = field(default_factory=dict)
    fingerprint: str | None = None
    inputs: list[str] = field(default_factory=list)  # Python files the last run read
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    unit_diagnostics: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def record(self, results: Iterable[Any], kfile: Any, out: Path) -> None:
        """Remember what a successful write produced (stat after the files are in place)."""
        units: dict[str, list[FileRecord]] = {}
        diags: dict[str, list[dict[str, Any]]] = {}
        for r in results:
            units[r.key] = [_stat(out, f.path, f.sha, f.order, f.identity, f.origin, f.stat) for f in r.files]
            if r.diagnostics:
                diags[r.key] = diagnostics_to_json(r.diagnostics)
        self.units, self.unit_diagnostics = units, diags
        self.files = {rec.path: rec for recs in units.values() for rec in recs}
        self.files[kfile.path] = _stat(out, kfile.path, kfile.sha, (), (), None, kfile.stat)


def _stat(out: Path, path: str, sha: str, order: tuple[Any, ...], identity: tuple[Any, ...], origin: Span | None,
          known: tuple[int, int] | None) -> FileRecord:
    """The record of a file in place; `known` is (size, mtime_ns) as the worker that wrote it saw it."""
    if known is None:
        st = os.stat(out / path)
        known = (st.st_size, st.st_mtime_ns)
    where = (origin.file, origin.line, origin.col) if origin is not None else None
    return FileRecord(path, sha, known[0], known[1], order, identity, where)


def cache_file(root: Path, out: Path) -> Path:
    key = hashlib.sha256(str(out.resolve()).encode("utf-8")).hexdigest()[:16]
    return root / CACHE_DIR / f"compile-{key}.json"


def load(root: Path, out: Path) -> Cache:
    path = cache_file(root, out)
    try:
        data = orjson.loads(path.read_bytes())
        if data.get("format") != FORMAT or data.get("envc") != __version__:
            return Cache(path)
        units = {k: [FileRecord.from_json(r) for r in rows] for k, rows in data["units"].items()}
        files = {r.path: r for recs in units.values() for r in recs}
        if data.get("kustomization"):
            k = FileRecord.from_json(data["kustomization"])
            files[k.path] = k
        return Cache(path, units, files, data.get("fingerprint"), data.get("inputs", []),
                     data.get("diagnostics", []), data.get("unit_diagnostics", {}))
    except (OSError, ValueError, KeyError, TypeError, IndexError):  # orjson.JSONDecodeError is a ValueError
        return Cache(path)


def _dumps(data: Any) -> bytes:
    """Compact JSON: orjson (10x the standard library on a 28,000-file cache), which refuses
    integers beyond 64 bits; those take the standard library's path."""
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return json.dumps(data, separators=(",", ":")).encode("utf-8")


def save(cache: Cache, kustomization_path: str) -> None:
    """Write the cache atomically; failures are ignored (a cache is an optimisation)."""
    if cache.path is None:
        return
    data = {
        "format": FORMAT,
        "envc": __version__,
        "fingerprint": cache.fingerprint,
        "inputs": cache.inputs,
        "diagnostics": cache.diagnostics,
        "unit_diagnostics": cache.unit_diagnostics,
        "units": {k: [r.to_json() for r in recs] for k, recs in sorted(cache.units.items())},
        "kustomization": cache.files[kustomization_path].to_json() if kustomization_path in cache.files else None,
    }
    try:
        cache.path.parent.mkdir(parents=True, exist_ok=True)
        ignore = cache.path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by envc: a local cache, never committed.\n*\n", "utf-8")
        tmp = cache.path.with_name(cache.path.name + ".tmp")
        tmp.write_bytes(_dumps(data))
        os.replace(tmp, cache.path)
    except OSError:
        pass


def fingerprint(files: Sequence[tuple[str, bytes]], extra: Sequence[str]) -> str:
    """sha256 over envc's version, the options that shape output, and every input file's path and bytes."""
    h = hashlib.sha256()
    for part in (__version__, *extra):
        h.update(part.encode("utf-8") + b"\x00")
    for name, data in files:
        h.update(name.encode("utf-8") + b"\x00" + hashlib.sha256(data).digest())
    return h.hexdigest()


def diagnostics_to_json(diags: Iterable[Diagnostic]) -> list[dict[str, Any]]:
    return [{"code": d.code.id, "message": d.message, "span": _span(d.span),
             "related": [[r.message, _span(r.span)] for r in d.related]} for d in diags]


def diagnostics_from_json(rows: list[dict[str, Any]]) -> list[Diagnostic]:
    return [Diagnostic(BY_ID[r["code"]], r["message"], _unspan(r["span"]),
                       tuple(Related(m, _unspan(s)) for m, s in r["related"])) for r in rows]  # type: ignore[arg-type]


def _span(s: Span | None) -> list[Any] | None:
    return [s.file, s.line, s.col] if s is not None else None


def _unspan(v: list[Any] | None) -> Span | None:
    return Span(v[0], v[1], v[2]) if v else None
