"""A plaintext secret found in the YAML never reaches the rendered diagnostics (SPEC §10.3):
the human excerpt stops at the value; json, github and sarif carry no source text."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from envc.cli import main

SECRET = "AKIAQWERTYUIOPASDFGH"  # not the registry example's key, which SARIF rules carry


@pytest.mark.parametrize("fmt", ["human", "json", "github", "sarif"])
def test_the_secret_value_is_not_printed(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "envc.yaml").write_text("envc: 1\nproject: t\n")
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "a.yaml").write_text(f"kind: TaskEnvironment\nname: a\nenv_vars: {{AWS_KEY: {SECRET}}}\n")
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path), "--format", fmt])
    assert result.exit_code == 1
    text = result.output
    assert "E902" in text or "plaintext-secret" in text
    assert SECRET not in text
    if fmt == "human":
        assert " 3 | env_vars: {AWS_KEY: ********" in text
