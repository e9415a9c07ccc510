"""The phase order of compiler/envc/pipeline.py, and its `early` hook: a compile starts
lowering as soon as the resolution is known to be lowerable, before the rules run, and
what is reported is the same as without the hook."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from envc import parallel, pipeline
from envc.diagnostics import Sink


@pytest.fixture
def project(ml_platform: Path) -> Path:
    return ml_platform


def analyse(project: Path, monkeypatch: pytest.MonkeyPatch, hook: bool) -> tuple[list[str], list[str]]:
    """(the order of events, the diagnostics as `file:line:col code`)."""
    events: list[str] = []
    real = pipeline.run_write_rules

    def rules(project: object, sink: Sink) -> None:
        events.append("write rules")
        real(project, sink)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "run_write_rules", rules)
    sink = Sink()
    loaded = pipeline.load_project(project, None, sink)
    assert loaded is not None
    early = (lambda resolved, code: events.append(f"early {len(resolved.environments)} {len(code)}")) if hook else None
    pipeline.analyse(loaded, sink, early)
    return events, [f"{d.span} {d.code.id}" for d in sink.sorted()]


def edit(project: Path, file: str, old: str, new: str) -> None:
    f = project / "envs" / file
    assert old in f.read_text()
    f.write_text(f.read_text().replace(old, new))


def test_lowering_may_start_before_the_rules(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events, diags = analyse(project, monkeypatch, hook=True)
    assert events[0].startswith("early ") and events[1] == "write rules"
    assert events[0] != "early 0 0" and diags == []


def test_not_when_resolution_fails(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(project, "etl.yaml", "extends: base", "extends: nowhere")
    events, diags = analyse(project, monkeypatch, hook=True)
    assert events == ["write rules"]
    assert diags == analyse(project, monkeypatch, hook=False)[1] and diags


def test_not_when_an_entry_point_is_missing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(project, "etl.yaml", "module: pipelines.etl", "module: pipelines.nowhere")
    events, diags = analyse(project, monkeypatch, hook=True)
    assert events == ["write rules"]
    assert diags == analyse(project, monkeypatch, hook=False)[1] and diags


def test_a_failing_write_rule_still_hides_entry_point_errors(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Phase order as before the hook: write-rule errors stop the run before entry points are reported."""
    edit(project, "etl.yaml", "module: pipelines.etl", "module: pipelines.nowhere")
    edit(project, "base.yaml", "    timeout: 30m", "    timeout: soon")
    _, diags = analyse(project, monkeypatch, hook=True)
    assert {d.split()[1] for d in diags} == {"E515"}
    assert diags == analyse(project, monkeypatch, hook=False)[1]


# --------------------------------------------------------------------------- write rules aside

def diagnostics(project: Path, monkeypatch: pytest.MonkeyPatch, aside: bool) -> list[tuple[object, ...]]:
    """Every diagnostic of load + analyse in the order reported, with the write rules run in a
    forked process (`aside`) or here."""
    monkeypatch.setattr(pipeline, "RULES_ASIDE_MIN_DOCUMENTS", 0 if aside else 10**9)
    sink = Sink()
    loaded = pipeline.load_project(project, None, sink)
    assert loaded is not None
    pipeline.analyse(loaded, sink)
    return [(d.code.id, d.span, d.message, d.related) for d in sink.items]


def test_write_rules_aside_report_exactly_what_they_report_here(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(project, "etl.yaml", "extends: base", "extends: nowhere")  # a resolution error (E302)
    edit(project, "base.yaml", "    timeout: 30m", "    timeout: soon")  # a write-rule error (E515)
    here = diagnostics(project, monkeypatch, aside=False)
    assert {d[0] for d in here} >= {"E302", "E515"}
    assert diagnostics(project, monkeypatch, aside=True) == here


def test_write_rules_aside_run_in_another_process(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[int] = []
    real = pipeline.run_write_rules

    def rules(project: object, sink: Sink) -> None:
        ran.append(1)  # appended in the process that runs them
        real(project, sink)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "run_write_rules", rules)
    edit(project, "base.yaml", "    timeout: 30m", "    timeout: soon")
    assert {d[0] for d in diagnostics(project, monkeypatch, aside=True)} == {"E515"} and ran == []
    assert {d[0] for d in diagnostics(project, monkeypatch, aside=False)} == {"E515"} and ran == [1]


def test_a_failure_aside_is_raised_here_and_leaves_no_process(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(project: object, sink: Sink) -> None:
        raise KeyError("a bug in a rule")

    monkeypatch.setattr(pipeline, "run_write_rules", broken)
    parallel.reap(wait=True)  # earlier tests' finished workers
    with pytest.raises(KeyError, match="a bug in a rule"):
        diagnostics(project, monkeypatch, aside=True)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind

    def resolve_fails(project: object, sink: Sink) -> None:
        raise RuntimeError("a bug in resolve")

    monkeypatch.setattr(pipeline, "resolve", resolve_fails)
    with pytest.raises(RuntimeError, match="a bug in resolve"):
        diagnostics(project, monkeypatch, aside=True)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
