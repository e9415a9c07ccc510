"""The same static checks everywhere (STYLE.md habit 10): ruff over compiler/ and tests/, and
mypy --strict over compiler/envc, with the settings in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff() -> None:
    result = run("ruff", "check", "--output-format", "concise", "compiler", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run("mypy", "--no-error-summary", "--cache-dir", str(REPO / ".mypy_cache"))
    assert result.returncode == 0, result.stdout + result.stderr
