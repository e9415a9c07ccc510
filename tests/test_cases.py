"""Runs every case of tests/cases/ through the whole pipeline (as `envc validate`
does) and compares the diagnostics: code, name, file:line:col and message."""

from __future__ import annotations

from pathlib import Path

import pytest

from casefile import Case, materialise, parse, write_expect
from envc.diagnostics import Sink
from envc.pipeline import run

CASES = sorted((Path(__file__).parent / "cases").glob("*.txt"))


def diagnose(case: Case, root: Path) -> list[str]:
    materialise(case, root)
    sink = Sink()
    run(root, None, sink)
    lines = []
    for d in sink.sorted():
        lines.append(f"{d.code.id} {d.code.name} {d.span}: {d.message}")
        lines.extend(f"  related {r.span}: {r.message}" for r in d.related)
    return lines


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path, tmp_path: Path, update_golden: bool) -> None:
    case = parse(path)
    got = diagnose(case, tmp_path)
    if update_golden:
        write_expect(case, got)
        return
    assert case.expect is not None, f"{path.name} has no `-- expect --` section: run `pytest --update-golden`"
    assert got == case.expect, f"{path.name}: run `pytest --update-golden` if the change is intended"


def test_cases_cover_something() -> None:
    assert len(CASES) >= 1
