"""`envc diff` end to end: real git repositories, commits and branches, through the CLI.

The project below is written here (not taken from examples/) so the line numbers
the assertions name are fixed: `base` is the parent of `etl`, `reports` and
`big`; `big` writes its own resources; the workflow `nightly` runs `etl.ingest`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from envc.cli import main
from gitrepo import commit, edit, git, init

PROJECT = {
    "envc.yaml": "envc: 1\nproject: shop\nlabels:\n  team: data\n",
    "envs/base.yaml": """\
kind: TaskEnvironment
name: base
image: ghcr.io/acme/base:1.0
resources:
  cpu: "1"
  memory: 2Gi
env_vars:
  LOG_LEVEL: info
secrets:
  - {key: token, group: github}
---
kind: TaskEnvironment
name: etl
extends: base
module: pipelines.jobs
tasks:
  ingest:
    retries: 2
---
kind: TaskEnvironment
name: reports
extends: base
module: pipelines.jobs
tasks:
  summarize: {}
---
kind: TaskEnvironment
name: big
extends: base
module: pipelines.jobs
resources: {cpu: "4", memory: 16Gi}
pod_template: sidecar
tasks:
  train: {}
""",
    "envs/templates.yaml": """\
kind: PodTemplate
name: sidecar
spec:
  containers:
    - name: primary
    - name: log-shipper
      image: fluent/fluent-bit:3.1.9
""",
    "envs/workflows.yaml": """\
kind: Workflow
name: nightly
steps:
  - task: etl.ingest
    override:
      retries: 5
""",
    "pipelines/__init__.py": "",
    "pipelines/jobs.py": "def ingest():\n    pass\n\n\ndef summarize():\n    pass\n\n\ndef train():\n    pass\n",
}


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, "utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init(tmp_path / "repo")
    write(root, PROJECT)
    commit(root, "the project")
    return root


def diff(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["diff", "--project", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def diff_json(root: Path, *args: str) -> dict[str, Any]:
    code, out, err = diff(root, "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def groups(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["name"]: g for g in report["groups"]}


def edits(report: dict[str, Any]) -> dict[str, list[str]]:
    return {f"{e['file']}:{e['line']}" + (" (before)" if e["side"] == "old" else ""): e["reaches"] for e in report["edits"]}


def test_no_change(repo: Path) -> None:
    code, out, _ = diff(repo)
    assert code == 0
    assert "no change to the emitted objects" in out
    assert diff(repo, "--exit-code")[0] == 0
    assert diff_json(repo)["changed"] is False


def test_a_base_edit_fans_out_to_every_child_that_inherits_it(repo: Path) -> None:
    edit(repo / "envs" / "base.yaml", "  memory: 2Gi", "  memory: 4Gi")
    report = diff_json(repo)
    # `big` writes its own resources: the edit does not reach it
    assert edits(report) == {"envs/base.yaml:6": ["base", "etl", "nightly", "reports"]}
    g = groups(report)
    assert set(g) == {"base", "etl", "nightly", "reports"}
    assert g["base"]["objects"] == []  # base has no tasks: its resolved values change, no object
    assert g["base"]["values"] == [{
        "scope": "base", "field": "resources.memory", "old": "2Gi", "new": "4Gi",
        "sources": [{"file": "envs/base.yaml", "line": 6, "side": "new", "document": "base",
                     "field": "resources.memory", "tier": "environment"}],
    }]
    (obj,) = g["etl"]["objects"]
    assert (obj["status"], obj["path"], obj["kind"]) == ("changed", "etl/podtemplate-etl-ingest.yaml", "PodTemplate")
    by_path = {f["path"]: f for f in obj["fields"]}
    memory = by_path["template.spec.containers[primary].resources.limits.memory"]
    assert (memory["old"], memory["new"]) == ("2Gi", "4Gi")
    assert [(s["file"], s["line"], s["document"]) for s in memory["sources"]] == [("envs/base.yaml", 6, "base")]
    (step,) = g["nightly"]["objects"]
    assert step["path"] == "nightly/podtemplate-nightly-ingest.yaml"


def test_text_and_exit_code(repo: Path) -> None:
    edit(repo / "envs" / "base.yaml", "  memory: 2Gi", "  memory: 4Gi")
    code, out, _ = diff(repo)
    assert code == 0
    assert out.startswith("envc diff: HEAD (")
    assert "~ etl  TaskEnvironment  changed" in out
    assert ("      template.spec.containers[primary].resources.limits.memory: 2Gi -> 4Gi"
            "   [envs/base.yaml:6 base.resources.memory]") in out
    assert "  envs/base.yaml:6  base.resources.memory  -> base, etl, nightly, reports (4)" in out
    assert diff(repo, "--exit-code")[0] == 1


def test_markdown_is_a_pr_comment(repo: Path) -> None:
    edit(repo / "envs" / "base.yaml", "  memory: 2Gi", "  memory: 4Gi")
    code, out, _ = diff(repo, "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "<!-- envc-diff -->"
    assert lines[1].startswith("### envc diff: HEAD (")
    table = lines.index("| | environment | kind | objects | changed by |")
    assert lines[table + 2] == "| ~ | `base` | TaskEnvironment | values only | `envs/base.yaml:6` base.resources.memory |"
    assert "| `envs/base.yaml:6` | `base.resources.memory` | `base`, `etl`, `nightly`, `reports` (4) |" in lines
    # details are folded, one block per environment, after the summary
    assert out.count("<details>") == out.count("</details>") == 4
    assert out.index("| | environment |") < out.index("<details>")
    assert "<summary><b>etl</b> (TaskEnvironment) — changed</summary>" in out
    assert ("| `template.spec.containers[primary].resources.limits.memory` | `2Gi` | `4Gi` | "
            "`envs/base.yaml:6` base.resources.memory |") in lines


def test_task_and_override_edits_stay_local(repo: Path) -> None:
    edit(repo / "envs" / "base.yaml", "    retries: 2", "    retries: 3")
    report = diff_json(repo)
    assert edits(report) == {"envs/base.yaml:18": ["etl"]}  # nightly overrides retries: unchanged
    (obj,) = groups(report)["etl"]["objects"]
    retries = next(f for f in obj["fields"] if f["path"] == 'metadata.annotations["envc.dev/retries"]')
    assert (retries["old"], retries["new"]) == ("2", "3")


def test_pod_template_document_edit(repo: Path) -> None:
    edit(repo / "envs" / "templates.yaml", "fluent-bit:3.1.9", "fluent-bit:3.2.0")
    report = diff_json(repo)
    assert edits(report) == {"envs/templates.yaml:7": ["big"]}
    (obj,) = groups(report)["big"]["objects"]
    image = next(f for f in obj["fields"] if f["path"] == "template.spec.containers[log-shipper].image")
    assert image["new"] == "fluent/fluent-bit:3.2.0"
    assert image["sources"][0]["document"] == "sidecar"


def test_project_file_edit_reaches_everything(repo: Path) -> None:
    edit(repo / "envc.yaml", "  team: data", "  team: analytics")
    report = diff_json(repo)
    assert edits(report) == {"envc.yaml:4": ["big", "etl", "nightly", "reports"]}


def test_python_code_edit_moves_the_version(repo: Path) -> None:
    edit(repo / "pipelines" / "jobs.py", "def summarize():\n    pass", "def summarize():\n    return 1")
    report = diff_json(repo)
    assert edits(report) == {"pipelines/jobs.py:6": ["big", "etl", "nightly", "reports"]}
    (obj,) = groups(report)["reports"]["objects"]
    assert {f["path"] for f in obj["fields"]} == {"template.spec.containers[primary].args[6]"}  # --version <hash>


def test_added_and_removed_environments(repo: Path) -> None:
    base = (repo / "envs" / "base.yaml").read_text()
    reports_doc = "---\nkind: TaskEnvironment\nname: reports\nextends: base\nmodule: pipelines.jobs\ntasks:\n  summarize: {}\n"
    assert reports_doc in base
    (repo / "envs" / "base.yaml").write_text(base.replace(reports_doc, ""))
    (repo / "envs" / "more.yaml").write_text("kind: TaskEnvironment\nname: scoring\nextends: base\n"
                                             "module: pipelines.jobs\ntasks:\n  train: {}\n")
    report = diff_json(repo)
    g = groups(report)
    assert g["reports"]["status"] == "removed"
    assert [(o["status"], o["path"]) for o in g["reports"]["objects"]] == [("removed", "reports/podtemplate-reports-summarize.yaml")]
    assert g["scoring"]["status"] == "added"
    assert [(o["status"], o["path"]) for o in g["scoring"]["objects"]] == [("added", "scoring/podtemplate-scoring-train.yaml")]
    assert edits(report) == {"envs/base.yaml:21 (before)": ["reports"], "envs/more.yaml:2": ["scoring"]}
    assert report["objects"] == {"added": 1, "removed": 1, "changed": 0}
    _, text, _ = diff(repo)
    assert "+ scoring  TaskEnvironment  added   [envs/more.yaml:2 scoring.name]" in text
    assert "- reports  TaskEnvironment  removed   [envs/base.yaml:21 (before) reports.name]" in text


def test_rename_is_one_change(repo: Path) -> None:
    edit(repo / "envs" / "base.yaml", "name: reports\n", "name: weekly\n")
    report = diff_json(repo)
    g = groups(report)
    assert set(g) == {"weekly"}
    assert (g["weekly"]["status"], g["weekly"]["renamed_from"]) == ("renamed", "reports")
    (obj,) = g["weekly"]["objects"]
    assert (obj["status"], obj["path"], obj["old_path"]) == (
        "changed", "weekly/podtemplate-weekly-summarize.yaml", "reports/podtemplate-reports-summarize.yaml")
    paths = {f["path"]: (f["old"], f["new"]) for f in obj["fields"]}
    assert paths["metadata.name"] == ("reports-summarize", "weekly-summarize")
    assert paths['metadata.annotations["envc.dev/fqn"]'] == ("reports.summarize", "weekly.summarize")
    _, text, _ = diff(repo)
    assert "> weekly  TaskEnvironment  renamed (renamed from reports)" in text


def test_rename_together_with_a_base_edit(repo: Path) -> None:
    edit(repo / "envs" / "base.yaml", "name: reports\n", "name: weekly\n")
    edit(repo / "envs" / "base.yaml", "  memory: 2Gi", "  memory: 4Gi")
    report = diff_json(repo)
    g = groups(report)
    assert (g["weekly"]["status"], g["weekly"]["renamed_from"]) == ("renamed", "reports")
    assert [(v["field"], v["old"], v["new"]) for v in g["weekly"]["values"]] == [("resources.memory", "2Gi", "4Gi")]
    assert edits(report) == {
        "envs/base.yaml:6": ["base", "etl", "nightly", "weekly"],
        "envs/base.yaml:21": ["weekly"],
        "envs/base.yaml:21 (before)": ["weekly"],
    }
    (obj,) = g["weekly"]["objects"]
    by_path = {f["path"]: [(s["line"], s["field"]) for s in f["sources"]] for f in obj["fields"]}
    assert by_path["metadata.name"] == [(21, "name"), (21, "name")]
    assert by_path["template.spec.containers[primary].resources.limits.memory"] == [(6, "resources.memory")]


def test_markdown_stays_under_the_comment_limit(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import envc.diff_render

    edit(repo / "envs" / "base.yaml", "  memory: 2Gi", "  memory: 4Gi")
    monkeypatch.setattr(envc.diff_render, "COMMENT_BUDGET", 2500)
    code, out, _ = diff(repo, "--format", "markdown")
    assert code == 0
    assert 0 < out.count("<details>") < 4
    assert out.rstrip().endswith("Run `envc diff` locally for the whole report._")
    assert "more environment(s) left out to fit a comment: " in out


def test_a_new_task(repo: Path) -> None:
    edit(repo / "envs" / "base.yaml", "  summarize: {}\n", "  summarize: {}\n  train: {}\n")
    report = diff_json(repo)
    objs = {o["path"]: o for o in groups(report)["reports"]["objects"]}
    obj = objs["reports/podtemplate-reports-train.yaml"]
    assert obj["status"] == "added"
    assert [(s["file"], s["line"]) for s in obj["sources"]] == [("envs/base.yaml", 26)]
    # the tasks are part of the environment's content hash: the other task's --version moves
    other = objs["reports/podtemplate-reports-summarize.yaml"]
    assert other["status"] == "changed"
    assert [f["path"] for f in other["fields"]] == ["template.spec.containers[primary].args[6]"]


def test_secrets_are_references(repo: Path) -> None:
    edit(repo / "envs" / "base.yaml", "{key: token, group: github}", "{key: token2, group: github}")
    report = diff_json(repo)
    (obj,) = groups(report)["etl"]["objects"]
    env = {f["path"]: f for f in obj["fields"] if ".env" in f["path"]}
    assert env["template.spec.containers[primary].env[GITHUB_TOKEN2]"]["new"] == {
        "name": "GITHUB_TOKEN2", "valueFrom": {"secretKeyRef": {"name": "github", "key": "token2"}}}
    assert "old" not in env["template.spec.containers[primary].env[GITHUB_TOKEN2]"]


def test_base_revision_with_errors_is_a_clear_message(repo: Path) -> None:
    edit(repo / "envs" / "base.yaml", "name: etl\nextends: base\n", "name: etl\nextends: basse\n")
    broken = commit(repo, "broken")
    edit(repo / "envs" / "base.yaml", "extends: basse\n", "extends: base\n")
    code, out, err = diff(repo)
    assert code == 1 and out == ""
    assert f"envc diff: HEAD ({broken[:12]}) does not compile (2 errors); nothing was compared:" in err
    assert "envs/base.yaml:14:10: error E302 unknown-parent" in err
    assert "Traceback" not in err
    assert diff(repo, "--base", "HEAD~1")[0] == 0  # the commit before compiles


def test_working_tree_with_errors(repo: Path) -> None:
    edit(repo / "envs" / "base.yaml", "name: etl\nextends: base\n", "name: etl\nextends: basse\n")
    code, out, err = diff(repo)
    assert code == 1 and out == ""
    assert "envc diff: the working tree does not compile (2 errors)" in err
    assert "envs/base.yaml:14:10: error E302 unknown-parent" in err


def test_branches_and_a_project_in_a_subdirectory(tmp_path: Path) -> None:
    root = init(tmp_path / "mono")
    write(root / "deploy" / "flyte", PROJECT)
    (root / "README.md").write_text("a monorepo\n")
    commit(root, "main")
    git(root, "checkout", "-q", "-b", "feature")
    edit(root / "deploy" / "flyte" / "envs" / "base.yaml", "base:1.0", "base:1.1")
    commit(root, "bump the image")
    project = root / "deploy" / "flyte"
    assert diff(project, "--base", "feature")[1].endswith("no change to the emitted objects\n")
    report = diff_json(project, "--base", "main")
    assert report["base"]["rev"] == "main"
    assert report["base"]["sha"] == git(root, "rev-parse", "main").strip()
    assert edits(report) == {"envs/base.yaml:3": ["base", "big", "etl", "nightly", "reports"]}


def test_base_without_a_project_adds_everything(tmp_path: Path) -> None:
    root = init(tmp_path / "repo")
    (root / "README.md").write_text("empty\n")
    commit(root, "before envc")
    write(root, PROJECT)
    report = diff_json(root)
    assert report["base"]["has_project"] is False
    assert {g["name"]: g["status"] for g in report["groups"]} == {
        "base": "added", "big": "added", "etl": "added", "nightly": "added", "reports": "added"}


def test_the_checkout_is_not_touched(repo: Path) -> None:
    edit(repo / "envs" / "base.yaml", "  memory: 2Gi", "  memory: 4Gi")
    (repo / "untracked.txt").write_text("mine\n")
    before = (git(repo, "status", "--porcelain", "--untracked-files=all"), git(repo, "worktree", "list"),
              git(repo, "rev-parse", "HEAD"), git(repo, "stash", "list"), (repo / ".git" / "index").read_bytes())
    assert diff(repo)[0] == 0
    after = (git(repo, "status", "--porcelain", "--untracked-files=all"), git(repo, "worktree", "list"),
             git(repo, "rev-parse", "HEAD"), git(repo, "stash", "list"), (repo / ".git" / "index").read_bytes())
    assert before == after


def test_usage_errors(tmp_path: Path, repo: Path) -> None:
    code, _, err = diff(repo, "--base", "no-such-branch")
    assert code == 2 and "unknown revision `no-such-branch`" in err
    plain = tmp_path / "plain"
    write(plain, PROJECT)
    code, _, err = diff(plain)
    assert code == 2 and "is not inside a git repository" in err


def test_console_script_end_to_end(repo: Path) -> None:
    """The installed `envc` binary, as CI runs it."""
    import shutil
    import sys

    edit(repo / "envs" / "base.yaml", "  memory: 2Gi", "  memory: 4Gi")
    exe = shutil.which("envc", path=str(Path(sys.executable).parent))
    assert exe is not None
    done = subprocess.run((exe, "diff", "--format", "markdown", "--exit-code"), cwd=repo / "envs",
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("<!-- envc-diff -->\n")
