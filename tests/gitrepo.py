"""Real git repositories for end-to-end tests (envc diff, pre-commit).

Every command runs the real `git` with a fixed identity and dates, isolated from
the user's and the machine's git configuration.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "envc tests", "GIT_AUTHOR_EMAIL": "tests@envc.invalid",
    "GIT_COMMITTER_NAME": "envc tests", "GIT_COMMITTER_EMAIL": "tests@envc.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    out.update(GIT_ENV)
    return out


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(("git", *args), cwd=cwd, env=env(), capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def init(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def commit(path: Path, message: str) -> str:
    git(path, "add", "-A")
    git(path, "commit", "-q", "--allow-empty", "-m", message)
    return git(path, "rev-parse", "HEAD").strip()


def copy_example(name: str, dest: Path) -> Path:
    shutil.copytree(EXAMPLES / name, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "manifests"))
    return dest


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace `old` by `new` in a file; the test fails if `old` is not there `count` times."""
    text = path.read_text("utf-8")
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), "utf-8")
