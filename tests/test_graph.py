"""`envc graph` (compiler/envc/graph.py): extends, depends_on and Workflow -> task edges,
deterministic, in Mermaid and dot."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from envc.cli import main

ENVS = """\
kind: TaskEnvironment
name: base
---
kind: TaskEnvironment
name: etl
extends: base
depends_on: [store]
tasks:
  f: {entrypoint: jobs.py:f}
---
kind: TaskEnvironment
name: store
---
kind: Workflow
name: nightly
steps:
  - {task: etl.f, name: big}
"""


def graph(tmp_path: Path, *args: str) -> str:
    (tmp_path / "envc.yaml").write_text("envc: 1\nproject: t\n")
    (tmp_path / "envs").mkdir(exist_ok=True)
    (tmp_path / "envs" / "a.yaml").write_text(ENVS)
    (tmp_path / "jobs.py").write_text("def f(): ...\n")
    result = CliRunner().invoke(main, ["graph", "--project", str(tmp_path), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_mermaid(tmp_path: Path) -> None:
    assert graph(tmp_path) == """\
flowchart LR
  n0["base<br/><small>TaskEnvironment</small>"]
  n1["etl<br/><small>TaskEnvironment</small>"]
  n2["store<br/><small>TaskEnvironment</small>"]
  n3[["nightly<br/><small>Workflow</small>"]]
  n1 -.->|"depends_on"| n2
  n1 -->|"extends"| n0
  n3 ==>|"big: etl.f"| n1
"""


def test_dot(tmp_path: Path) -> None:
    out = graph(tmp_path, "--format", "dot")
    assert out.startswith("digraph envc {\n  rankdir=LR;\n")
    assert '  "etl" -> "base" [label="extends", style=solid];\n' in out
    assert '  "etl" -> "store" [label="depends_on", style=dashed];\n' in out
    assert '  "nightly" -> "etl" [label="big: etl.f", style=bold];\n' in out
    assert out.endswith("}\n")


def test_deterministic_across_document_order(tmp_path: Path) -> None:
    first = graph(tmp_path)
    docs = ENVS.split("---\n")
    (tmp_path / "envs" / "a.yaml").write_text("---\n".join(reversed(docs)))
    result = CliRunner().invoke(main, ["graph", "--project", str(tmp_path)])
    assert result.stdout == first
