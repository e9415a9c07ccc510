"""`envc compile --check`: drift is a unified diff, the stale/missing/extra lists and the exact
command that updates the output (exit 1); no drift is exit 0.  Nothing is ever written."""

from __future__ import annotations

import shlex
from pathlib import Path

from click.testing import CliRunner

from envc.cli import main
from gitrepo import copy_example, edit


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def compiled(tmp_path: Path) -> Path:
    root = copy_example("quickstart", tmp_path / "quick start")  # a space: the command is quoted
    assert invoke("compile", "--project", str(root))[0] == 0
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "manifests").rglob("*")) if p.is_file()}


def test_up_to_date(tmp_path: Path) -> None:
    root = compiled(tmp_path)
    code, out, err = invoke("compile", "--check", "--project", str(root))
    assert (code, out) == (0, "")
    assert "up to date" in err


def test_stale_file_shows_the_diff_and_the_command(tmp_path: Path) -> None:
    root = compiled(tmp_path)
    before = snapshot(root)
    edit(root / "envs" / "environments.yaml", "    retries: 3", "    retries: 4")
    code, out, err = invoke("compile", "--check", "--project", str(root))
    assert code == 1
    path = "analytics-env/podtemplate-analytics-env-process-data.yaml"
    assert f"--- a/{path}\n+++ b/{path}\n" in out
    assert '-    envc.dev/retries: "3"\n+    envc.dev/retries: "4"\n' in out
    assert f"stale: {path}\n" in out
    assert err.endswith(f"is out of date (1 stale, 0 missing, 0 extra): run "
                        f"`envc compile --project {shlex.quote(str(root))}` to update it\n")
    assert snapshot(root) == before  # --check writes nothing


def test_missing_and_extra_files(tmp_path: Path) -> None:
    root = compiled(tmp_path)
    manifests = root / "manifests"
    produced = manifests / "analytics-env" / "podtemplate-analytics-env-process-data.yaml"
    stray = manifests / "old-env" / "podtemplate-old-env-task.yaml"
    stray.parent.mkdir()
    stray.write_bytes(produced.read_bytes())  # an envc file nothing produces any more
    produced.unlink()
    code, out, err = invoke("compile", "--check", "--project", str(root))
    assert code == 1
    assert "missing: analytics-env/podtemplate-analytics-env-process-data.yaml\n" in out
    assert "extra: old-env/podtemplate-old-env-task.yaml\n" in out
    assert "(0 stale, 1 missing, 1 extra)" in err
    assert not produced.exists() and stray.exists()


def test_the_command_names_the_output_directory(tmp_path: Path) -> None:
    root = compiled(tmp_path)
    out_dir = tmp_path / "elsewhere"
    code, _, err = invoke("compile", "--check", "--project", str(root), "--out", str(out_dir))
    assert code == 1
    assert f"run `envc compile --project {shlex.quote(str(root))} --out {shlex.quote(str(out_dir))}` to update it" in err
    assert not out_dir.exists()


def test_many_stale_files_show_the_first_diffs_only(tmp_path: Path) -> None:
    root = compiled(tmp_path)
    for i in range(4):
        text = (root / "envs" / "environments.yaml").read_text()
        (root / "envs" / "environments.yaml").write_text(
            text + f"---\nkind: TaskEnvironment\nname: extra{i}\nextends: base\nmodule: pipelines.analytics\n"
                   "tasks:\n  process_data: {}\n")
    assert invoke("compile", "--project", str(root))[0] == 0
    edit(root / "envs" / "environments.yaml", "image: my-custom-image:v1", "image: my-custom-image:v2")
    code, out, err = invoke("compile", "--check", "--project", str(root))
    assert code == 1
    assert out.count("\n--- a/") + out.startswith("--- a/") == 3
    assert "... 2 more stale file(s) not shown\n" in out
    assert out.count("stale: ") == 5
    assert "(5 stale, 0 missing, 0 extra)" in err
