"""`lower/build.check`, what `envc validate` runs after the analysis: every unit lowered and
checked without keeping the objects, on every core for a large project, reporting exactly
what one process reports, in the same order."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from envc import pipeline
from envc.cli import main
from envc.diagnostics import Sink, Span
from envc.lower import Obj
from envc.lower.build import check

# Diagnostics that only lowering finds: a pod check (W601: `run_as_user: null` in every pod,
# reported at envc.yaml) and a collision (E509: `a` + `b_c` and `a-b` + `c` are both `a-b-c`).
COLLIDING = """\
kind: TaskEnvironment
name: a
tasks:
  b_c: {entrypoint: pipelines/jobs.py:b_c}
---
kind: TaskEnvironment
name: a-b
tasks:
  c: {entrypoint: pipelines/jobs.py:c}
"""


@pytest.fixture
def project(ml_platform: Path) -> Path:
    p = ml_platform
    (p / "envs" / "z-colliding.yaml").write_text(COLLIDING)
    (p / "pipelines" / "jobs.py").write_text("def b_c(): ...\n\n\ndef c(): ...\n")
    with (p / "envc.yaml").open("a") as fh:
        fh.write("security:\n  run_as_user: null\n")
    return p


def checked(project: Path, jobs: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Every diagnostic of `check` in the order reported, with `jobs` processes from one unit on;
    the stand-in schema check reports each object it is given."""
    monkeypatch.setenv("ENVC_JOBS", jobs)
    monkeypatch.setattr("envc.lower.build.PARALLEL_MIN_UNITS", 1)
    sink = Sink()
    loaded = pipeline.load_project(project, None, sink)
    assert loaded is not None
    analysis = pipeline.analyse(loaded, sink)
    assert analysis is not None, [str(d) for d in sink.items]

    def schema(objs: list[Obj], found: Sink) -> None:
        from envc import codes

        for o in objs:
            found.report(codes.SCHEMA_UNAVAILABLE, Span(o.source, 1, 1), f"{o.kind} {o.name}")

    check(analysis.resolved, analysis.code, sink, schema)
    return [(d.code.id, d.span, d.message, d.related) for d in sink.items]


def test_every_core_reports_what_one_does_in_the_same_order(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = checked(project, "1", monkeypatch)
    codes = [d[0] for d in one]
    assert {"W601", "E509", "W901"} <= set(codes)
    # each unit's diagnostics, then collisions, then the schema check's
    assert max(i for i, c in enumerate(codes) if c == "W601") < codes.index("E509") < codes.index("W901")
    assert checked(project, "2", monkeypatch) == one
    assert checked(project, "3", monkeypatch) == one


def test_envc_validate_prints_the_same_on_every_core(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("envc.lower.build.PARALLEL_MIN_UNITS", 1)
    outputs = []
    for jobs in ("1", "2"):
        monkeypatch.setenv("ENVC_JOBS", jobs)
        result = CliRunner().invoke(main, ["validate", "--project", str(project), "--format", "json"])
        assert result.exit_code == 1
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    assert '"E509"' in outputs[0] and '"W601"' in outputs[0]
