"""`envc init`: a new project that compiles cleanly out of the box, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from envc.cli import main
from envc.init import SCHEMA_FILE, TEMPLATES
from envc.schema import schema_text


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_compiles_cleanly_and_is_formatted(tmp_path: Path) -> None:
    root = tmp_path / "acme-ml"
    code, _, err = invoke("init", str(root))
    assert code == 0, err
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == sorted(
        [*TEMPLATES, SCHEMA_FILE])
    # every check, warnings as errors: not a single diagnostic
    assert invoke("validate", "--strict", "--project", str(root)) == (0, "", "")
    code, _, err = invoke("compile", "--strict", "--project", str(root))
    assert code == 0, err
    manifests = sorted(p.relative_to(root / "manifests").as_posix() for p in (root / "manifests").rglob("*.yaml"))
    assert manifests == [
        "dashboard/service-dashboard.yaml",
        "etl/podtemplate-etl-ingest.yaml",
        "etl/podtemplate-etl-report.yaml",
        "kustomization.yaml",
        "nightly/podtemplate-nightly-big-ingest.yaml",
    ]
    assert invoke("compile", "--check", "--project", str(root))[0] == 0
    assert invoke("fmt", "--check", "--project", str(root))[0] == 0


def test_one_document_of_each_kind(tmp_path: Path) -> None:
    assert invoke("init", str(tmp_path / "p"))[0] == 0
    code, out, err = invoke("explain", "--all", "--json", "--project", str(tmp_path / "p"))
    assert code == 0, err
    data = json.loads(out)
    assert {e["kind"] for e in data["environments"]} == {"TaskEnvironment", "AppEnvironment"}
    assert [(i["workflow"], i["step"]) for i in data["invocations"]] == [("nightly", "big-ingest")]
    assert "kind: PodTemplate" in (tmp_path / "p" / "envs" / "templates.yaml").read_text()


def test_names_come_from_the_directory_or_the_option(tmp_path: Path) -> None:
    assert invoke("init", str(tmp_path / "shop"), "--domain", "production")[0] == 0
    text = (tmp_path / "shop" / "envc.yaml").read_text()
    assert "project: shop\ndomain: production\n" in text
    assert invoke("init", str(tmp_path / "Not_A_Label"), "--name", "billing")[0] == 0
    assert "project: billing\n" in (tmp_path / "Not_A_Label" / "envc.yaml").read_text()


def test_bad_names_write_nothing(tmp_path: Path) -> None:
    code, _, err = invoke("init", str(tmp_path / "Not_A_Label"))
    assert code == 1
    assert "the directory name `Not_A_Label` is not one: pass --name" in err
    assert not (tmp_path / "Not_A_Label").exists()
    code, _, err = invoke("init", str(tmp_path / "x"), "--name", "UPPER")
    assert code == 1 and "must be a DNS-1123 label" in err


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "envs").mkdir(parents=True)
    (root / "envs" / "tasks.yaml").write_text("mine\n")
    code, _, err = invoke("init", str(root))
    assert code == 1
    assert "already has envs/tasks.yaml: nothing was written" in err
    assert (root / "envs" / "tasks.yaml").read_text() == "mine\n"
    assert sorted(p.name for p in root.rglob("*")) == ["envs", "tasks.yaml"]


def test_the_schema_beside_the_modelines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("init", "--name", "p")[0] == 0  # DIRECTORY defaults to the current one
    assert (tmp_path / SCHEMA_FILE).read_text() == schema_text()
    first_lines = {rel: (tmp_path / rel).read_text().splitlines()[0] for rel in TEMPLATES if rel.endswith(".yaml")}
    assert first_lines == {
        "envc.yaml": "# yaml-language-server: $schema=envc.schema.json#/$defs/Project",
        "envs/tasks.yaml": "# yaml-language-server: $schema=../envc.schema.json",
        "envs/apps.yaml": "# yaml-language-server: $schema=../envc.schema.json",
        "envs/templates.yaml": "# yaml-language-server: $schema=../envc.schema.json",
        "envs/workflows.yaml": "# yaml-language-server: $schema=../envc.schema.json",
    }
