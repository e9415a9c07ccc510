"""`envc validate PATH...` as the pre-commit hook calls it: every changed file, each project once."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from envc.cli import main


def project(root: Path) -> Path:
    (root / "envs" / "sub").mkdir(parents=True)
    (root / "envc.yaml").write_text("envc: 1\nproject: t\n")
    (root / "envs" / "a.yaml").write_text("kind: TaskEnvironment\nname: a\nextends: zz\n")
    (root / "envs" / "sub" / "b.yaml").write_text("kind: TaskEnvironment\nname: b\n")
    return root


def test_each_project_is_validated_once(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    result = CliRunner().invoke(main, ["validate", str(root / "envs" / "a.yaml"), str(root / "envs" / "sub" / "b.yaml"),
                                       str(root / "envc.yaml")])
    assert result.exit_code == 1
    assert result.stderr.count("envs/a.yaml:3:10: error E302 unknown-parent") == 1


def test_paths_outside_any_project_are_skipped(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    (root / "envs" / "a.yaml").write_text("kind: TaskEnvironment\nname: a\n")
    (tmp_path / "ci.yaml").write_text("on: push\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "ci.yaml"), str(root / "envs" / "a.yaml")])
    assert (result.exit_code, result.stderr) == (0, "")


def test_only_paths_outside_any_project_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "ci.yaml").write_text("on: push\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "ci.yaml")])
    assert result.exit_code == 2 and "no envc.yaml found" in result.stderr
