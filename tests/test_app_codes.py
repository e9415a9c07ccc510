"""The app diagnostics (7xx, SPEC §7, §8.3): the names SPEC.md makes binding are registered
with their severity, and every 7xx code is asserted, with its file:line:col, by a case of
tests/cases/apps_*.txt."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from envc import codes

CASES = Path(__file__).parent / "cases"
SPEC_APP_NAMES = {
    "knative-feature-disabled": "error",
    "no-scale-to-zero": "warning",
    "metric-ignored": "warning",
    "auth-not-enforced": "warning",
    "unfilled-placeholder": "warning",
    "hpa-needs-cpu-request": "error",
    "name-collision": "error",
}
APP_CODES = [c for c in codes.ALL if c.id[1] == "7"]


@pytest.mark.parametrize("name,severity", sorted(SPEC_APP_NAMES.items()))
def test_binding_names(name: str, severity: str) -> None:
    assert codes.BY_NAME[name].severity.value == severity


def expectations() -> str:
    return "".join(p.read_text("utf-8").split("-- expect --")[-1] for p in sorted(CASES.glob("apps_*.txt")))


@pytest.mark.parametrize("code", APP_CODES, ids=[c.id for c in APP_CODES])
def test_every_app_code_has_a_case(code: codes.Code) -> None:
    pattern = re.compile(rf"^{code.id} {code.name} \S+:\d+:\d+: ", re.MULTILINE)
    assert pattern.search(expectations()), f"{code} is asserted by no tests/cases/apps_*.txt"


def test_there_are_app_codes() -> None:
    assert len(APP_CODES) >= 20
