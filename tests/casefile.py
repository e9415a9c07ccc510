"""The data-driven case format of `tests/cases/*.txt` (txtar-like).

A case is a comment (the first lines, up to the first `-- name --` line), then
files, each introduced by `-- <path> --`, and one `-- expect --` section: one line
per diagnostic, `<id> <name> <file>:<line>:<col>: <message>`, each followed by
its related locations as `  related <file>:<line>:<col>: <message>`, in the order
envc reports them (sorted by location).  Without an `envc.yaml` section the case gets
`envc: 1` / `project: t`.  `pytest --update-golden` rewrites the expect sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_SECTION = re.compile(r"^-- (.+) --$", re.M)
DEFAULT_PROJECT = "envc: 1\nproject: t\n"


@dataclass(frozen=True)
class Case:
    path: Path
    comment: str
    files: dict[str, str]
    expect: list[str] | None  # None: the case has no expect section yet


def parse(path: Path) -> Case:
    text = path.read_text("utf-8")
    parts = _SECTION.split(text)
    comment, rest = parts[0], parts[1:]
    files: dict[str, str] = {}
    expect: list[str] | None = None
    for name, body in zip(rest[::2], rest[1::2], strict=True):
        body = body[1:] if body.startswith("\n") else body
        if name == "expect":
            expect = [line.rstrip() for line in body.splitlines() if line.strip()]
        else:
            files[name] = body
    files.setdefault("envc.yaml", DEFAULT_PROJECT)
    return Case(path, comment, files, expect)


def write_expect(case: Case, lines: list[str]) -> None:
    text = case.path.read_text("utf-8")
    head = text.split("\n-- expect --")[0].rstrip("\n") + "\n"
    case.path.write_text(head + "-- expect --\n" + "".join(f"{line}\n" for line in lines), "utf-8")


def materialise(case: Case, root: Path) -> None:
    for name, body in case.files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, "utf-8")
