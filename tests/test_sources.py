"""Loading every source file (compiler/envc/sources.py): on both cores for a large project,
with exactly the documents, positions and diagnostics of a load in one process."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from envc import sources
from envc.diagnostics import Sink
from envc.sources import load_files

BROKEN = {
    "envs/z-syntax.yaml": "kind: TaskEnvironment\nname: [unclosed\n",
    "envs/z-kind.yaml": "kind: TaskEnviroment\nname: typo\n",
    "envs/z-schema.yaml": "kind: TaskEnvironment\nname: bad-schema\nretries: many\n",
    "envs/z-alias.yaml": "kind: TaskEnvironment\nname: shared\nresources: {cpu: 1.5e0}\nenv_vars: &v {A: '1'}\n"
                         "tasks: {t: {env_vars: *v}}\n",
}


@pytest.fixture
def project(ml_platform: Path) -> Path:
    p = ml_platform
    for rel, text in BROKEN.items():
        (p / rel).write_text(text)
    (p / "envs" / "z-latin1.yaml").write_bytes(b"kind: TaskEnvironment\nname: caf\xe9\n")
    return p


def load(project: Path, meanwhile: Callable[[], None] | None = None) -> tuple[list[object], list[str]]:
    """(every file's documents, every diagnostic in the order reported)."""
    files = sorted(project.glob("envs/*.yaml"))
    sink = Sink()
    loaded = load_files(project, files, sink, meanwhile)
    plain = [(rel, text, [(d.file, d.index, d.data, d.pos, d.tags, d.raw, d.comments, kind) for d, kind in docs])
             for rel, text, docs in loaded]
    return plain, [f"{d.span} {d.code.id} {d.message}" for d in sink.items]


@pytest.fixture
def on_both_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("envc.sources.PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr("envc.sources.CHUNK_BYTES", 1)  # one file per chunk
    monkeypatch.setenv("ENVC_JOBS", "2")


def test_both_cores_load_what_one_does(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVC_JOBS", "1")
    serial = load(project)
    monkeypatch.setattr("envc.sources.PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr("envc.sources.CHUNK_BYTES", 1)
    for jobs in ("2", "3"):
        monkeypatch.setenv("ENVC_JOBS", jobs)
        assert load(project) == serial  # documents, and diagnostics in file order
    codes = {d.split()[1] for d in serial[1]}
    assert {"E101", "E102", "E205", "E209"} <= codes, codes  # the broken files were read, by either process


def test_meanwhile_runs_once_while_the_workers_parse(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, on_both_cores: None,
) -> None:
    """This process runs `meanwhile` first and then takes what is left: here, nothing (it
    waits until the worker has taken every file), and the result is the same."""
    log = tmp_path / "pids"
    real = sources.load_share

    def logged(root: Path, files: Sequence[Path], sink: Sink) -> list[sources.Loaded]:
        with log.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(root, files, sink)

    count = len(list(project.glob("envs/*.yaml")))
    calls: list[int] = []

    def wait_for_the_worker() -> None:
        calls.append(os.getpid())
        deadline = time.monotonic() + 60
        while (len(log.read_text().split()) if log.exists() else 0) < count and time.monotonic() < deadline:
            time.sleep(0.01)

    monkeypatch.setenv("ENVC_JOBS", "1")
    serial = load(project)
    monkeypatch.setenv("ENVC_JOBS", "2")
    monkeypatch.setattr(sources, "load_share", logged)
    assert load(project, wait_for_the_worker) == serial
    assert calls == [os.getpid()]
    pids = set(log.read_text().split())
    assert len(pids) == 1 and str(os.getpid()) not in pids


def test_meanwhile_runs_once_after_a_small_load(project: Path) -> None:
    calls: list[int] = []
    load(project, lambda: calls.append(1))
    assert calls == [1]


def test_aliased_values_stay_shared(project: Path, on_both_cores: None) -> None:
    files = sorted(project.glob("envs/*.yaml"))
    loaded = {rel: docs for rel, _, docs in load_files(project, files, Sink())}
    ((doc, _),) = loaded["envs/z-alias.yaml"]
    assert doc.data["env_vars"] is doc.data["tasks"]["t"]["env_vars"]
    assert doc.raw[("resources", "cpu")] == "1.5e0"
