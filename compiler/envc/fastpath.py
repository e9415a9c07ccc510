"""The no-op fast path: when every input byte and every output file is as the last
successful compile left them, the answer is known without parsing anything.

Inputs are envc.yaml, the files `sources` matches and the Python files the last
run read; the cache stores their fingerprint and the diagnostics of that run,
which are replayed so a warm run reports exactly what a cold one would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from envc.cache import Cache, diagnostics_from_json, fingerprint
from envc.diagnostics import Sink
from envc.load import load_documents
from envc.project import PROJECT_FILE, find_project_file, relpath, settings_from, source_files


@dataclass(frozen=True, slots=True)
class Inputs:
    root: Path
    out: Path
    files: tuple[tuple[str, bytes], ...]  # project-relative path -> bytes


def read_inputs(cwd: Path, explicit: str | None, out: str | None) -> Inputs | None:
    pfile = find_project_file(cwd, explicit)
    if pfile is None:
        return None
    root = pfile.parent
    text = pfile.read_bytes()
    scratch = Sink()
    docs = load_documents(text.decode("utf-8", "replace"), PROJECT_FILE, scratch)
    data = docs[0].data if len(docs) == 1 and not scratch.has_errors else {}
    settings = settings_from(data, root)
    target = Path(out) if out else root / settings.output
    files = [(PROJECT_FILE, text)] + [(relpath(f, root), f.read_bytes()) for f in source_files(root, settings)]
    return Inputs(root, target, tuple(files))


def fingerprint_with(inputs: Inputs, python: list[str]) -> str:
    """The fingerprint of the inputs plus the Python files a run read (their bytes as they
    are now): computed only when a cache is there to compare with, or to be written."""
    extra = [(p, _read(inputs.root / p)) for p in python]
    return fingerprint([*inputs.files, *extra], [str(inputs.out.resolve())])


def up_to_date(inputs: Inputs, cache: Cache) -> Sink | None:
    """The replayed diagnostics when nothing changed since the cached run, else None."""
    if cache.fingerprint is None:
        return None
    if fingerprint_with(inputs, cache.inputs) != cache.fingerprint:
        return None
    if not _outputs_unchanged(inputs.out, cache):
        return None
    sink = Sink()
    sink.items.extend(diagnostics_from_json(cache.diagnostics))
    sink.sources.update({name: data.decode("utf-8", "replace") for name, data in inputs.files})
    return sink


def _outputs_unchanged(out: Path, cache: Cache) -> bool:
    seen = 0
    for dirpath, _dirs, names in os.walk(out):
        for name in names:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, out).replace(os.sep, "/")
            rec = cache.files.get(rel)
            st = os.stat(full)
            if rec is None or (rec.size, rec.mtime_ns) != (st.st_size, st.st_mtime_ns):
                return False
            seen += 1
    return seen == len(cache.files)


def _read(p: Path) -> bytes:
    try:
        return p.read_bytes()
    except OSError:
        return b""


__all__ = ["Inputs", "read_inputs", "up_to_date", "fingerprint_with"]
