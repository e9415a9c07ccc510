"""Shared pytest configuration.

`--update-golden` is the one switch that rewrites golden files and expected outputs instead of
comparing with them (STYLE.md habit 11); a reviewer then reads the diff like code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from projectcopy import copy_project

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files and expected outputs instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was started with `--update-golden`."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def ml_platform(tmp_path: Path) -> Path:
    """A copy of examples/ml-platform (sources only) to change freely: `tmp_path/proj`."""
    p = tmp_path / "proj"
    copy_project(EXAMPLES / "ml-platform", p)
    return p


# `pytest --hypothesis-profile=fuzz` (docs/robustness.md): long, random runs of the property
# tests (tests/test_robustness.py) and the loader fuzz harness (tests/fuzz/).  Without it they
# run a bounded, derandomized number of examples (`robust_settings` in tests/robust_projects.py).
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "fuzz", max_examples=200_000, deadline=None, suppress_health_check=list(HealthCheck), print_blob=True
)
