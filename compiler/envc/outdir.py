"""The output directory: compare it with a rendered tree, or write the tree safely (SPEC §9.4).

Files that do not start with the envc header are never moved, changed or deleted.
A write either completes or leaves the directory as it was: the new tree goes to
the sibling `<output>.envc-tmp/` and is swapped in with two renames, or, when the
directory holds files envc did not generate, each changed file is written as
`<file>.envc-tmp` and `os.replace`d.  Unchanged files are not rewritten.
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from envc.emit import is_generated

TMP_SUFFIX = ".envc-tmp"


@dataclass(frozen=True, slots=True)
class Existing:
    generated: dict[str, bytes]
    foreign: frozenset[str]


@dataclass(frozen=True, slots=True)
class Drift:
    stale: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    diffs: tuple[str, ...] = field(default=())

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra)


def scan(out: Path) -> Existing:
    generated: dict[str, bytes] = {}
    foreign: set[str] = set()
    if not out.is_dir():
        return Existing({}, frozenset())
    for dirpath, dirnames, filenames in os.walk(out):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            rel = p.relative_to(out).as_posix()
            data = p.read_bytes()
            if is_generated(data[:64]) and not name.endswith(TMP_SUFFIX):
                generated[rel] = data
            else:
                foreign.add(rel)
    return Existing(generated, frozenset(foreign))


def collisions(files: Mapping[str, bytes], existing: Existing) -> list[str]:
    """Foreign files in the way of a generated path."""
    return sorted(p for p in files if p in existing.foreign)


def compare(files: Mapping[str, bytes], existing: Existing, max_diffs: int = 3) -> Drift:
    stale = [p for p in files if p in existing.generated and existing.generated[p] != files[p]]
    missing = [p for p in files if p not in existing.generated]
    extra = sorted(p for p in existing.generated if p not in files)
    diffs = tuple(unified_diff(p, existing.generated[p], files[p]) for p in stale[:max_diffs])
    return Drift(tuple(stale), tuple(missing), tuple(extra), diffs)


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    lines = difflib.unified_diff(
        old.decode("utf-8", "replace").splitlines(keepends=True),
        new.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=f"a/{path}", tofile=f"b/{path}", n=2,
    )
    return "".join(list(lines)[:60])


def write(out: Path, files: Mapping[str, bytes], existing: Existing) -> Drift:
    """Make `out` hold exactly `files` plus any foreign files; returns what changed."""
    drift = compare(files, existing, max_diffs=0)
    if drift.clean:
        return drift
    if existing.foreign:
        _write_in_place(out, files, drift)
    else:
        _swap(out, files)
    return drift


def _swap(out: Path, files: Mapping[str, bytes]) -> None:
    tmp = out.with_name(out.name + TMP_SUFFIX)
    old = out.with_name(out.name + ".envc-old")
    for d in (tmp, old):
        if d.exists():
            shutil.rmtree(d)
    for rel, data in files.items():
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if out.exists():
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(out)


def _write_in_place(out: Path, files: Mapping[str, bytes], drift: Drift) -> None:
    for rel in (*drift.stale, *drift.missing):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + TMP_SUFFIX)
        tmp.write_bytes(files[rel])
        os.replace(tmp, target)
    for rel in drift.extra:
        (out / rel).unlink()
        _prune(out, (out / rel).parent)


def _prune(out: Path, d: Path) -> None:
    while d != out and d.is_dir() and not any(d.iterdir()):
        d.rmdir()
        d = d.parent
