"""Loading every source file (compiler/envc/sources.py): on both cores for a large project,
with exactly the documents, positions and diagnostics of a load in one process."""

from __future__ import annotations

from pathlib import Path

import pytest

from envc.diagnostics import Sink
from envc.sources import load_files
from projectcopy import copy_project

REPO = Path(__file__).resolve().parents[1]

BROKEN = {
    "envs/z-syntax.yaml": "kind: TaskEnvironment\nname: [unclosed\n",
    "envs/z-kind.yaml": "kind: TaskEnviroment\nname: typo\n",
    "envs/z-schema.yaml": "kind: TaskEnvironment\nname: bad-schema\nretries: many\n",
    "envs/z-alias.yaml": "kind: TaskEnvironment\nname: shared\nresources: {cpu: 1.5e0}\nenv_vars: &v {A: '1'}\n"
                         "tasks: {t: {env_vars: *v}}\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    p = tmp_path / "proj"
    copy_project(REPO / "examples" / "ml-platform", p)
    for rel, text in BROKEN.items():
        (p / rel).write_text(text)
    (p / "envs" / "z-latin1.yaml").write_bytes(b"kind: TaskEnvironment\nname: caf\xe9\n")
    return p


def load(project: Path) -> tuple[list[object], list[str]]:
    files = sorted(project.glob("envs/*.yaml"))
    sink = Sink()
    loaded = load_files(project, files, sink)
    plain = [(rel, text, [(d.file, d.index, d.data, d.pos, d.tags, d.raw, d.comments, kind) for d, kind in docs])
             for rel, text, docs in loaded]
    return plain, [f"{d.span} {d.code.id} {d.message}" for d in sink.sorted()]


def test_both_cores_load_what_one_does(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVC_JOBS", "1")
    serial = load(project)
    monkeypatch.setattr("envc.sources.PARALLEL_MIN_BYTES", 0)
    monkeypatch.setenv("ENVC_JOBS", "2")
    parallel = load(project)
    assert parallel == serial
    codes = {d.split()[1] for d in serial[1]}
    assert {"E101", "E102", "E205", "E209"} <= codes, codes  # the broken files were read, by either process


def test_aliased_values_stay_shared(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("envc.sources.PARALLEL_MIN_BYTES", 0)
    monkeypatch.setenv("ENVC_JOBS", "2")
    files = sorted(project.glob("envs/*.yaml"))
    loaded = {rel: docs for rel, _, docs in load_files(project, files, Sink())}
    ((doc, _),) = loaded["envs/z-alias.yaml"]
    assert doc.data["env_vars"] is doc.data["tasks"]["t"]["env_vars"]
    assert doc.raw[("resources", "cpu")] == "1.5e0"
