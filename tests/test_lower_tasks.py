"""Task pods (compiler/envc/lower/tasks.py): the pod is built once per environment and
shared by its tasks, so each task's args and deadline must land on its own copy."""

from __future__ import annotations

from pathlib import Path

from envc.diagnostics import Sink
from envc.lower import tasks
from envc.pipeline import run


def project(tmp_path: Path, env_yaml: str) -> dict[str, dict]:
    (tmp_path / "envc.yaml").write_text("envc: 1\nproject: t\n")
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "a.yaml").write_text(env_yaml)
    (tmp_path / "jobs.py").write_text("def f(): ...\n\ndef g(): ...\n\ndef h(): ...\n")
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


def test_remembered_task_settings_keep_true_and_1_apart() -> None:
    """The texts derived from a task's retries, timeout and cache are remembered per scalar
    value, typed: `cache: true` is "auto", `cache: 1` is no cache setting at all."""
    assert '"behavior":"disable"' in tasks._cache_text(1)
    assert '"behavior":"auto"' in tasks._cache_text(True)
    assert '"behavior":"disable"' in tasks._cache_text(1)
    assert tasks._timeout("1h") == (3600, 0, 0)
    assert tasks._timeout({"max_runtime": "1m", "deadline": 30}) == (60, 0, 30)  # a mapping: not remembered
    assert tasks._retries_texts(3) == ("3", None)
    assert tasks._retries_texts({"count": 2, "backoff": {"base": "1s"}}) == (
        "2", '{"base":1,"cap":null,"factor":null}')


def test_tasks_with_the_same_settings_get_equal_annotations(tmp_path: Path) -> None:
    objs = project(tmp_path, ENV.replace("  f: {timeout: 1h}", "  f: {timeout: 1h, retries: 2, cache: true}")
                   .replace("  g: {}", "  g: {timeout: 1h, retries: 2, cache: true}"))
    f, g = (objs[n]["metadata"]["annotations"] for n in ("a-f", "a-g"))
    assert {k: v for k, v in f.items() if k not in ("envc.dev/fqn", "envc.dev/short-name")} == \
        {k: v for k, v in g.items() if k not in ("envc.dev/fqn", "envc.dev/short-name")}
    assert f["envc.dev/retries"] == "2"
    assert objs["a-f"]["template"]["spec"]["activeDeadlineSeconds"] == 3600


INTERRUPTIBLE = """\
kind: TaskEnvironment
name: a
module: jobs
interruptible: true
tasks:
  f: {}
  g: {interruptible: true}
  h: {interruptible: false}
"""


def test_a_task_restating_its_environment_s_interruptible_shares_its_pod(tmp_path: Path) -> None:
    objs = project(tmp_path, INTERRUPTIBLE)
    f, g, h = (objs[n]["template"]["spec"]["containers"][0] for n in ("a-f", "a-g", "a-h"))
    assert f["securityContext"] is g["securityContext"]
    assert f["securityContext"] is not h["securityContext"]
    labels = {n: objs[n]["template"]["metadata"]["labels"].get("envc.dev/interruptible") for n in ("a-f", "a-g", "a-h")}
    assert labels == {"a-f": "true", "a-g": "true", "a-h": None}


def test_a_task_restating_interruptible_still_reports_its_own_conflict(tmp_path: Path) -> None:
    """A pod whose build reported something is not shared by value: each task reports at its line."""
    (tmp_path / "envc.yaml").write_text("envc: 1\nproject: t\ninterruptible:\n  node_selector: {pool: spot}\n")
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "a.yaml").write_text(
        "kind: PodTemplate\nname: od\nspec:\n  nodeSelector: {pool: on-demand}\n---\n"
        + INTERRUPTIBLE.replace("module: jobs\n", "module: jobs\npod_template: od\n"))
    (tmp_path / "jobs.py").write_text("def f(): ...\n\ndef g(): ...\n\ndef h(): ...\n")
    sink = Sink()
    run(tmp_path, None, sink)
    assert [(d.code.id, str(d.span)) for d in sink.sorted()] == [
        ("E603", "envs/a.yaml:10:16"), ("E603", "envs/a.yaml:13:22")]
