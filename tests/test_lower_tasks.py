"""Task pods (compiler/envc/lower/tasks.py): the pod is built once per environment and
shared by its tasks, so each task's args and deadline must land on its own copy."""

from __future__ import annotations

from pathlib import Path

from envc.diagnostics import Sink
from envc.pipeline import run


def project(tmp_path: Path, env_yaml: str) -> dict[str, dict]:
    (tmp_path / "envc.yaml").write_text("envc: 1\nproject: t\n")
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "a.yaml").write_text(env_yaml)
    (tmp_path / "jobs.py").write_text("def f(): ...\n\ndef g(): ...\n")
    sink = Sink()
    _, objs = run(tmp_path, None, sink)
    assert objs is not None, [f"{d.code} {d.span} {d.message}" for d in sink.items]
    return {o.name: o.manifest for o in objs}


ENV = """\
kind: PodTemplate
name: side-first
spec:
  containers:
    - {name: shipper, image: fluent/fluent-bit:3.1.9, args: [--keep]}
    - {name: primary}
---
kind: TaskEnvironment
name: a
module: jobs
pod_template: side-first
tasks:
  f: {timeout: 1h}
  g: {}
"""


def test_args_go_to_the_primary_even_when_a_sidecar_comes_first(tmp_path: Path) -> None:
    objs = project(tmp_path, ENV)
    for name, fn in (("a-f", "f"), ("a-g", "g")):
        containers = objs[name]["template"]["spec"]["containers"]
        assert [c["name"] for c in containers] == ["shipper", "primary"]
        assert containers[0]["args"] == ["--keep"]
        assert containers[1]["args"][-2:] == ["instance", fn]


def test_each_task_keeps_its_own_deadline(tmp_path: Path) -> None:
    objs = project(tmp_path, ENV)
    assert objs["a-f"]["template"]["spec"]["activeDeadlineSeconds"] == 3600
    assert "activeDeadlineSeconds" not in objs["a-g"]["template"]["spec"]


def test_tasks_share_the_unchanged_parts_of_their_pod(tmp_path: Path) -> None:
    objs = project(tmp_path, ENV)
    f, g = (objs[n]["template"]["spec"]["containers"][1] for n in ("a-f", "a-g"))
    assert f["securityContext"] is g["securityContext"]  # built once per environment
    assert f["args"] is not g["args"]


def test_a_task_level_override_gets_its_own_pod(tmp_path: Path) -> None:
    objs = project(tmp_path, ENV.replace("  g: {}", "  g: {interruptible: true}"))
    assert objs["a-g"]["template"]["metadata"]["labels"]["envc.dev/interruptible"] == "true"
    assert "envc.dev/interruptible" not in objs["a-f"]["template"]["metadata"]["labels"]
