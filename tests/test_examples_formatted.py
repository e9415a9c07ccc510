"""The examples are documentation: they are kept in envc's canonical format (`envc fmt --check`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from envc.cli import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.name for p in (REPO / "examples").iterdir() if (p / "envc.yaml").is_file())


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_is_fmt_clean(example: str) -> None:
    result = CliRunner().invoke(main, ["fmt", "--check", str(REPO / "examples" / example)])
    assert result.exit_code == 0, result.output
