"""`envc fmt`: canonical key order and layout, comments kept, idempotent, meaning unchanged."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envc.cli import main
from envc.diagnostics import Sink
from envc.emit import render_tree
from envc.explain import explain_all
from envc.fmt import format_text, order, reorder
from envc.pipeline import run
from envc.schema import schema

REPO = Path(__file__).resolve().parents[1]


def fmt(text: str, project_file: bool = False) -> str:
    result = format_text(text, "envs/a.yaml", project_file)
    assert result is not None and not result.unsafe
    return result.text


def test_top_level_keys_follow_the_schema_and_comments_move_with_their_key() -> None:
    text = """\
# yaml-language-server: $schema=../envc.schema.json
# about this document
name: a   # the name
kind: TaskEnvironment
# the image, pinned
image: ghcr.io/a/b:1
extends: base
"""
    assert fmt(text) == """\
# yaml-language-server: $schema=../envc.schema.json
# about this document
kind: TaskEnvironment
name: a   # the name
extends: base
# the image, pinned
image: ghcr.io/a/b:1
"""


def test_nested_schema_mappings_are_ordered_and_user_mappings_are_not() -> None:
    text = """\
kind: TaskEnvironment
name: a
env_vars:
  ZED: "1"
  ALPHA: "2"
resources:
    memory: 4Gi
    cpu: "2"
module: pipelines.jobs
tasks:
  second:
    timeout: 1h
    retries: {backoff: {cap: 5m, base: 10s}, count: 3}
  first: {}
"""
    assert fmt(text) == """\
kind: TaskEnvironment
name: a
module: pipelines.jobs
resources:
  cpu: "2"
  memory: 4Gi
env_vars:
  ZED: "1"
  ALPHA: "2"
tasks:
  second:
    retries: {count: 3, backoff: {base: 10s, cap: 5m}}
    timeout: 1h
  first: {}
"""


def test_sequence_items_keep_their_dash_and_documents_their_separators() -> None:
    text = """\
---
steps:
- override:
    retries: 5
  name: big
  task: a.t
name: wf
kind: Workflow
---
# the second document
secrets:
- group: g
  key: k
- {as_env_var: X, key: k2}
name: b
kind: TaskEnvironment
"""
    assert fmt(text) == """\
---
kind: Workflow
name: wf
steps:
  - task: a.t
    name: big
    override:
      retries: 5
---
# the second document
kind: TaskEnvironment
name: b
secrets:
  - key: k
    group: g
  - {key: k2, as_env_var: X}
"""


def test_tags_quotes_numbers_and_block_scalars_are_kept() -> None:
    text = """\
kind: TaskEnvironment
name: a
resources: !merge
  memory: 1e3
  cpu: 0755
description: |
  # not a comment
  two lines
env_vars: !replace {B: 'single', A: "double", C: yes}
extends: base
"""
    assert fmt(text) == """\
kind: TaskEnvironment
name: a
extends: base
description: |
  # not a comment
  two lines
resources: !merge
  cpu: 0755
  memory: 1e3
env_vars: !replace {B: 'single', A: "double", C: yes}
"""


def test_project_file_order() -> None:
    text = "labels: {team: a}\nproject: p\nenvc: 1\nruntime:\n  code_bundle: s3://b/{version}.tgz\n  raw_data_path: s3://x\n"
    assert fmt(text, project_file=True) == (
        "envc: 1\nproject: p\nruntime:\n  raw_data_path: s3://x\n  code_bundle: s3://b/{version}.tgz\nlabels: {team: a}\n")


def test_anchors_keep_their_order() -> None:
    text = "name: a\nkind: TaskEnvironment\nenv_vars: &e {A: '1'}\n---\nkind: TaskEnvironment\nname: b\nenv_vars: *e\n"
    assert reorder(text, False) == text


def test_unknown_keys_follow_known_ones_as_written() -> None:
    assert order({"properties": {"a": {}, "b": {}}}, ["zz", "b", "yy", "a"]) == ["a", "b", "zz", "yy"]


def test_every_schema_object_has_an_order() -> None:
    """The canonical order IS the schema's `properties` order: each object definition has one."""
    for name, definition in schema()["$defs"].items():
        if definition.get("type") == "object" and "additionalProperties" not in definition:
            assert definition.get("properties"), name


def test_quickstart_is_formatted() -> None:
    result = CliRunner().invoke(main, ["fmt", "--check", "--project", str(REPO / "examples" / "quickstart")])
    assert result.exit_code == 0, result.output


# --- through the CLI ---------------------------------------------------------

def project(root: Path, doc: str) -> Path:
    (root / "envs").mkdir(parents=True)
    (root / "pipelines").mkdir()
    (root / "envc.yaml").write_text("project: p\nenvc: 1\n")
    (root / "envs" / "a.yaml").write_text(doc)
    (root / "pipelines" / "__init__.py").write_text("")
    (root / "pipelines" / "jobs.py").write_text("def first():\n    pass\n\n\nasync def second():\n    pass\n")
    return root


def test_cli_check_then_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, "name: a\nkind: TaskEnvironment\n")
    monkeypatch.chdir(root / "envs")  # the project is found by walking up
    runner = CliRunner()
    result = runner.invoke(main, ["fmt", "--check"])
    assert result.exit_code == 1
    assert "--- a/envs/a.yaml\n+++ b/envs/a.yaml\n@@ -1,2 +1,2 @@\n+kind: TaskEnvironment\n name: a\n-kind: TaskEnvironment\n" in result.stdout
    assert "would reformat envc.yaml" in result.stderr and "would reformat envs/a.yaml" in result.stderr
    assert (root / "envs" / "a.yaml").read_text() == "name: a\nkind: TaskEnvironment\n"  # --check writes nothing
    result = runner.invoke(main, ["fmt"])
    assert result.exit_code == 0, result.output
    assert (root / "envs" / "a.yaml").read_text() == "kind: TaskEnvironment\nname: a\n"
    assert (root / "envc.yaml").read_text() == "envc: 1\nproject: p\n"
    assert "2 files reformatted, 0 files already formatted" in result.stderr
    assert runner.invoke(main, ["fmt", "--check"]).exit_code == 0


def test_cli_paths_skip_generated_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, "name: a\nkind: TaskEnvironment\n")
    (root / "manifests").mkdir()
    generated = "# Generated by envc from envs/a.yaml. DO NOT EDIT.\nkind: PodTemplate\napiVersion: v1\n"
    (root / "manifests" / "x.yaml").write_text(generated)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["fmt", "."])
    assert result.exit_code == 0, result.output
    assert (root / "manifests" / "x.yaml").read_text() == generated
    assert "reformatted envs/a.yaml" in result.stderr


def test_cli_reports_yaml_errors_with_their_position(tmp_path: Path) -> None:
    root = project(tmp_path, "kind: TaskEnvironment\nname: [a\n")
    result = CliRunner().invoke(main, ["fmt", "--project", str(root)])
    assert result.exit_code == 1
    assert "envs/a.yaml:3:1: error E101 yaml-syntax" in result.stderr
    assert "Traceback" not in result.output


# --- properties: idempotent, and the compiled project does not change ----------

FIELDS: dict[str, list[str]] = {
    "description": ["description: Nightly\n", "description: |\n  two\n  lines\n"],
    "image": ["image: ghcr.io/a/b:1\n", "image: auto  # the default\n"],
    "resources": ["resources:\n  memory: 4Gi\n  cpu: \"2\"\n", "resources: {memory: [1Gi, 2Gi], cpu: 500m}\n",
                  "resources: !merge\n  # more memory\n  memory: 8Gi\n"],
    "env_vars": ["env_vars:\n  ZED: \"1\"\n  ALPHA: two\n", "env_vars: !merge {B: '2', A: \"1\"}\n"],
    "secrets": ["secrets:\n- group: g\n  key: k\n- key2\n", "secrets: !append\n  - {as_env_var: TOK, key: t}\n"],
    "interruptible": ["interruptible: true\n"],
    "queue": ["queue: fast\n"],
    "cache": ["cache: auto\n", "cache: {serialize: true, behavior: override, version_override: v1}\n"],
    "tasks": ["tasks:\n  second:\n    timeout: 1h\n    retries: 2\n  first: {}\n",
              "tasks:\n  first:\n    # a comment\n    cache: disable\n    short_name: f\n"],
}


@st.composite
def documents(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from(sorted(FIELDS)), unique=True))
    keys = ["kind: TaskEnvironment\n", "name: child\n", "extends: base\n", "module: pipelines.jobs\n"]
    keys += [draw(st.sampled_from(FIELDS[n])) for n in names]
    seed = draw(st.integers(0, 2**16))
    random.Random(seed).shuffle(keys)
    comments = draw(st.lists(st.booleans(), min_size=len(keys), max_size=len(keys)))
    body = "".join((f"# about {k.split(':')[0]}\n" if c else "") + k for k, c in zip(keys, comments, strict=True))
    return "kind: TaskEnvironment\nname: base\nresources: {cpu: \"1\"}\n---\n" + body


def compiled(root: Path) -> tuple[Any, dict[str, bytes]]:
    sink = Sink()
    analysis, objs = run(root, str(root / "envc.yaml"), sink)
    assert analysis is not None and objs is not None, [str(d.message) for d in sink.items]
    data = explain_all(analysis.resolved, analysis.code)
    text = json.dumps(data, sort_keys=True)
    return json.loads(text.replace('"from"', '"_from"')) | {}, render_tree(objs)


def without_lines(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: without_lines(v) for k, v in data.items() if k not in ("_from", "merged_from")}
    if isinstance(data, list):
        return [without_lines(v) for v in data]
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_fmt_is_idempotent_and_keeps_the_meaning(text: str) -> None:
    once = fmt(text)
    assert fmt(once) == once
    with tempfile.TemporaryDirectory() as tmp:
        before_root = project(Path(tmp) / "before", text)
        after_root = project(Path(tmp) / "after", once)
        before, after = compiled(before_root), compiled(after_root)
    assert without_lines(before[0]) == without_lines(after[0])
    assert before[1] == after[1]  # the emitted bytes
