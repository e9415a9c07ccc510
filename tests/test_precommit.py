""".pre-commit-hooks.yaml, run by the real pre-commit (`pre-commit try-repo`).

The hooks repository is a throwaway git repository holding this checkout's
package sources and hooks file (so the test sees the working tree, committed or
not); the project is another throwaway repository holding examples/quickstart.
Both are local paths: nothing is cloned from a remote.  pre-commit builds the
hooks' virtualenv with `pip install .` (`language: python`), which takes the
build and runtime dependencies from the package index.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gitrepo import REPO, commit, copy_example, edit, env, init

HOOKS = ("envc-validate", "envc-compile-check")


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = init(tmp_path_factory.mktemp("hooks") / "envc")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(REPO / "compiler", dest / "compiler", ignore=ignore)
    shutil.copytree(REPO / "schemas", dest / "schemas", ignore=ignore)
    commit(dest, "envc hooks")
    return dest


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def project(tmp_path: Path) -> Path:
    """examples/quickstart with its compiled manifests, committed in a fresh repository."""
    root = copy_example("quickstart", init(tmp_path / "project"))
    from click.testing import CliRunner

    from envc.cli import main

    result = CliRunner().invoke(main, ["compile", "--project", str(root)])
    assert result.exit_code == 0, result.output
    commit(root, "project")
    return root


def try_repo(root: Path, hooks: Path, home: Path, hook: str) -> tuple[int, str]:
    run_env = env() | {"PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    done = subprocess.run(
        (sys.executable, "-m", "pre_commit", "try-repo", str(hooks), hook, "--all-files"),
        cwd=root, env=run_env, capture_output=True, text=True, check=False, timeout=600,
    )
    return done.returncode, done.stdout + done.stderr


def test_hooks_file_declares_both_hooks() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == set(HOOKS)
    assert by_id["envc-validate"]["entry"] == "envc validate"
    assert by_id["envc-compile-check"]["entry"] == "envc compile --check"
    assert by_id["envc-compile-check"]["pass_filenames"] is False
    assert all(h["language"] == "python" for h in hooks)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_passes_on_a_good_project(tmp_path: Path, hooks_repo: Path, pre_commit_home: Path, hook: str) -> None:
    code, out = try_repo(project(tmp_path), hooks_repo, pre_commit_home, hook)
    assert code == 0, out
    assert "Passed" in out


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_fails_on_a_broken_project(tmp_path: Path, hooks_repo: Path, pre_commit_home: Path, hook: str) -> None:
    root = project(tmp_path)
    edit(root / "envs" / "environments.yaml", "extends: base\nresources: !replace", "extends: basee\nresources: !replace")
    commit(root, "break it")
    code, out = try_repo(root, hooks_repo, pre_commit_home, hook)
    assert code == 1, out
    assert "Failed" in out
    assert "envs/environments.yaml:19:10: error E302 unknown-parent" in out


def test_compile_check_fails_on_drift_that_validate_accepts(tmp_path: Path, hooks_repo: Path, pre_commit_home: Path) -> None:
    root = project(tmp_path)
    edit(root / "envs" / "environments.yaml", "    retries: 3", "    retries: 4")
    commit(root, "edit without recompiling")
    code, out = try_repo(root, hooks_repo, pre_commit_home, "envc-validate")
    assert code == 0, out
    code, out = try_repo(root, hooks_repo, pre_commit_home, "envc-compile-check")
    assert code == 1, out
    assert '-    envc.dev/retries: "3"' in out and '+    envc.dev/retries: "4"' in out
    assert "stale: analytics-env/podtemplate-analytics-env-process-data.yaml" in out
    assert "run `envc compile` to update it" in out
