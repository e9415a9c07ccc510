"""Resolution (compiler/envc/resolve.py): clone_with, tags, null, defaults, tiers and
provenance, read through `explain --all --json` (SPEC §4, §5.2, §11.2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from envc.cli import main

PY = "def f(): ...\n\nasync def g(): ...\n"


def explain(tmp_path: Path, envs: str, project: str = "envc: 1\nproject: t\n") -> dict[str, Any]:
    (tmp_path / "envc.yaml").write_text(project)
    (tmp_path / "envs").mkdir(exist_ok=True)
    (tmp_path / "envs" / "a.yaml").write_text(envs)
    (tmp_path / "jobs.py").write_text(PY)
    result = CliRunner().invoke(main, ["explain", "--all", "--json", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def env(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in data["environments"] if e["name"] == name)["fields"]


BASE = """\
kind: TaskEnvironment
name: base
image: img:1
resources: {cpu: "2", memory: 4Gi}
env_vars: {A: "1", B: "2"}
secrets: [s1]
queue: q
cache: auto
---
"""


def test_child_replaces_whole_and_inherits_the_rest(tmp_path: Path) -> None:
    d = explain(tmp_path, BASE + "kind: TaskEnvironment\nname: c\nextends: base\nresources: !replace {memory: 16Gi}\n")
    c = env(d, "c")
    assert c["resources"]["value"] == {"memory": "16Gi"}
    assert c["resources"]["from"] == {"file": "envs/a.yaml", "line": 13, "document": "c", "tier": "environment"}
    assert c["queue"]["value"] == "q" and c["queue"]["from"]["document"] == "base"
    assert c["image"]["value"] == "img:1"


def test_merge_keeps_parent_order_and_records_both_writers(tmp_path: Path) -> None:
    d = explain(tmp_path, BASE + "kind: TaskEnvironment\nname: c\nextends: base\n"
                "env_vars: !merge {C: '3', A: '9', B: null}\n")
    c = env(d, "c")["env_vars"]
    assert c["value"] == {"A": "9", "C": "3"}
    assert list(c["value"]) == ["A", "C"]
    assert c["from"]["document"] == "c"
    assert [o["document"] for o in c["merged_from"]] == ["base"]


def test_append_adds_after_the_inherited_items(tmp_path: Path) -> None:
    d = explain(tmp_path, BASE + "kind: TaskEnvironment\nname: c\nextends: base\nsecrets: !append [s2]\n")
    assert [s["key"] for s in env(d, "c")["secrets"]["value"]] == ["s1", "s2"]


def test_null_resets_to_the_built_in_default(tmp_path: Path) -> None:
    d = explain(tmp_path, BASE + "kind: TaskEnvironment\nname: c\nextends: base\nqueue: null\ncache: null\n")
    c = env(d, "c")
    assert c["queue"]["value"] is None and c["queue"]["from"]["tier"] == "environment"
    assert c["cache"]["value"]["behavior"] == "disable"


def test_project_defaults_sit_under_every_chain(tmp_path: Path) -> None:
    project = "envc: 1\nproject: t\ndefaults:\n  env_vars: {LOG: info}\n  queue: dq\n"
    d = explain(tmp_path, "kind: TaskEnvironment\nname: a\nenv_vars: !merge {X: '1'}\n", project)
    a = env(d, "a")
    assert a["env_vars"]["value"] == {"LOG": "info", "X": "1"}
    assert a["queue"] == {"value": "dq", "from": {"file": "envc.yaml", "line": 5, "document": None, "tier": "project"}}


def test_explicit_falsy_values_win_at_every_tier(tmp_path: Path) -> None:
    d = explain(tmp_path, BASE + """\
kind: TaskEnvironment
name: c
extends: base
interruptible: true
env_vars: {}
tasks:
  f: {entrypoint: jobs.py:f, retries: 0, timeout: 0, interruptible: false}
---
kind: Workflow
name: wf
steps:
  - task: c.f
    override: {queue: "", interruptible: true, retries: 4}
""")
    c = next(e for e in d["environments"] if e["name"] == "c")
    assert c["fields"]["env_vars"]["value"] == {}
    task = c["tasks"][0]["fields"]
    assert task["interruptible"]["value"] is False and task["interruptible"]["from"]["tier"] == "task"
    assert task["retries"]["value"] == {"count": 0, "backoff": None}
    step = d["invocations"][0]["fields"]
    assert step["queue"] == {"value": "", "from": {"file": "envs/a.yaml", "line": 22, "document": "wf", "tier": "invocation"}}
    assert step["interruptible"]["value"] is True
    assert step["retries"]["value"]["count"] == 4
    assert step["env_vars"]["from"]["tier"] == "environment"


def test_tasks_are_never_inherited(tmp_path: Path) -> None:
    d = explain(tmp_path, "kind: TaskEnvironment\nname: a\ntasks:\n  f: {entrypoint: jobs.py:f}\n---\n"
                          "kind: TaskEnvironment\nname: b\nextends: a\n")
    b = next(e for e in d["environments"] if e["name"] == "b")
    assert b["tasks"] == [] and b["extends"] == "a"


def test_every_field_is_present_with_its_tier(tmp_path: Path) -> None:
    d = explain(tmp_path, "kind: TaskEnvironment\nname: a\ntasks:\n  g: {entrypoint: jobs.py:g}\n")
    a = next(e for e in d["environments"] if e["name"] == "a")
    assert set(a["fields"]) == {"cache", "depends_on", "description", "env_vars", "image", "interruptible",
                                "module", "pod_template", "queue", "resources", "reusable", "secrets",
                                "service_account"}
    assert all(f["from"] == {"tier": "default"} for f in a["fields"].values())
    t = a["tasks"][0]
    assert t["async"] is True and t["module"] == "jobs" and t["function"] == "g"
    assert t["fields"]["short_name"]["value"] == "g"
    assert t["fields"]["max_inline_io_bytes"]["value"] == 10485760
    assert t["fields"]["timeout"]["value"] == {"max_runtime": 0, "max_queued_time": 0, "deadline": 0}


def test_quantities_and_env_values_keep_their_source_text(tmp_path: Path) -> None:
    d = explain(tmp_path, "kind: TaskEnvironment\nname: a\nresources: {cpu: 1e3, memory: [0.5, 1]}\n"
                          "env_vars: {N: 0755, F: 1.50, B: true, S: on}\n")
    a = env(d, "a")
    assert a["resources"]["value"] == {"cpu": "1e3", "memory": ["0.5", "1"]}
    assert a["env_vars"]["value"] == {"N": "0755", "F": "1.50", "B": "true", "S": "on"}
