"""Python entrypoints (compiler/envc/entrypoints.py, SPEC §5.3): read with `ast`, never
imported or executed; each file parsed once per run; never outside the project root."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from envc.cli import main
from envc.diagnostics import Sink
from envc.pipeline import run


def project(root: Path, envs: str, files: dict[str, str]) -> None:
    (root / "envc.yaml").write_text("envc: 1\nproject: t\n")
    (root / "envs").mkdir(exist_ok=True)
    (root / "envs" / "a.yaml").write_text(envs)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_user_code_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    hostile = (f"open({str(marker)!r}, 'w').write('ran')\n"
               "import sys\nsys.exit(7)\nraise RuntimeError('imported!')\n\n"
               "def f(): ...\n\nasync def g(): ...\n")
    project(tmp_path, "kind: TaskEnvironment\nname: a\nmodule: jobs\ntasks:\n  f: {}\n  g: {}\n",
            {"jobs.py": hostile})
    result = CliRunner().invoke(main, ["compile", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    out = (tmp_path / "manifests" / "a" / "podtemplate-a-g.yaml").read_text()
    assert "- jobs\n" in out and "- g\n" in out


def test_each_python_file_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    envs = "".join(f"---\nkind: TaskEnvironment\nname: e{i}\ntasks:\n  f: {{entrypoint: jobs.py:f}}\n"
                   f"  g: {{entrypoint: 'jobs:g'}}\n" for i in range(5))
    project(tmp_path, envs, {"jobs.py": "def f(): ...\n\nasync def g(): ...\n"})
    calls: list[str] = []
    real = ast.parse

    def counting(source: object, filename: str = "<unknown>", *a: object, **k: object) -> ast.AST:
        calls.append(filename)
        return real(source, filename, *a, **k)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr("envc.entrypoints.ast.parse", counting)
    sink = Sink()
    _, objs = run(tmp_path, None, sink)
    assert objs is not None and len(objs) == 10
    assert calls == ["jobs.py"]


def test_a_symlink_out_of_the_project_is_an_error(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "jobs.py").write_text("def f(): ...\n")
    root = tmp_path / "proj"
    root.mkdir()
    project(root, "kind: TaskEnvironment\nname: a\ntasks:\n  f: {entrypoint: pipelines/jobs.py:f}\n", {})
    (root / "pipelines").mkdir()
    os.symlink(outside / "jobs.py", root / "pipelines" / "jobs.py")
    sink = Sink()
    run(root, None, sink)
    got = [(d.code.name, str(d.span)) for d in sink.sorted()]
    assert got == [("path-escapes-project", "envs/a.yaml:4:19")]  # the entrypoint value


def test_a_syntax_error_points_at_the_python_line(tmp_path: Path) -> None:
    project(tmp_path, "kind: TaskEnvironment\nname: a\nmodule: jobs\ntasks:\n  f: {}\n",
            {"jobs.py": "def f():\n    x = = 1\n"})
    sink = Sink()
    run(tmp_path, None, sink)
    (d,) = sink.sorted()
    assert d.code.name == "python-syntax" and d.span is not None
    assert (d.span.file, d.span.line) == ("jobs.py", 2)


def test_a_syntax_error_shows_the_python_line(tmp_path: Path) -> None:
    project(tmp_path, "kind: TaskEnvironment\nname: a\nmodule: jobs\ntasks:\n  f: {}\n",
            {"jobs.py": "def f():\n    x = = 1\n"})
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path)])
    assert result.exit_code == 1
    assert " 2 |     x = = 1\n" in result.output
