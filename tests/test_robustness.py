"""No input crashes or hangs envc (issue 6; SPEC §11.1, §11.3).

Property tests generate valid projects (tests/robust_projects.py), check that they compile
cleanly, then damage them — deleted keys and lines, swapped types, unicode, truncated files,
random tags, huge numbers, deep nesting, broken Python — and run the real CLI on them
(`validate`; `compile --stdout` and `explain --all` when that passes; `fmt --check`).  Every
run must:

* exit 0 or 1, never 3 (the internal-error status), with no traceback;
* finish in bounded time;
* report every diagnostic with a registered code at a location inside the project: a file of
  the project, a line of that file and a column of that line (related locations too).

By default each property runs a bounded, derandomized number of examples; `pytest
--hypothesis-profile=fuzz` runs them long and random (docs/robustness.md).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from envc import codes
from envc.cli import main
from robust_projects import Project, bounded, mutated_projects, robust_settings, valid_projects

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 10.0  # of CPU per CLI run: a run takes milliseconds; a hang is stopped after 60 s


def example_project(name: str) -> Project:
    base = ROOT / "examples" / name
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*"))
            if p.is_file() and "manifests" not in p.parts and "__pycache__" not in p.parts}


EXAMPLES = [example_project(n) for n in ("quickstart", "ml-platform")]


def materialise(project: Project, root: Path) -> None:
    for name, data in project.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def envc(root: Path, *args: str) -> tuple[int, str, str]:
    """The CLI in-process, as a user runs it, in bounded time: exit status, stdout, stderr."""
    with bounded(SECONDS):
        result = CliRunner().invoke(main, [*args, "--project", str(root)])
    return result.exit_code, result.stdout, result.stderr


def check_run(project: Project, root: Path, *args: str) -> tuple[int, dict[str, Any] | None]:
    status, out, err = envc(root, *args)
    assert "Traceback" not in err + out, err
    assert status in (0, 1), f"exit {status}: {err}"
    if "--format" not in args:
        return status, None
    report = json.loads(err[: err.rindex("}") + 1])
    for d in report["diagnostics"]:
        assert codes.BY_ID[d["code"]].name == d["name"], d
        check_location(project, d)
        for r in d["related"]:
            check_location(project, r)
    assert (status == 1) == (report["errors"] > 0), report
    return status, report


def check_location(project: Project, where: dict[str, Any]) -> None:
    """A file of the project, a line of it, a column of that line (or just past its end)."""
    assert "file" in where, f"no location: {where}"
    name = where["file"]
    assert name in project, f"{name} is not a file of the project: {where}"
    lines = re.split("\r\n|\r|\n", project[name].decode("utf-8", "replace"))  # YAML's and Python's breaks
    line, col = where["line"], where["col"]
    assert 1 <= line <= len(lines), f"{name}:{line} is past the end ({len(lines)} lines): {where}"
    text = lines[line - 1]
    assert 1 <= col <= len(text) + 1, f"{name}:{line}:{col} is past the end of `{text[:80]}`: {where}"


def run_all(project: Project) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        materialise(project, root)
        status, _ = check_run(project, root, "validate", "--format", "json")
        if status == 0:
            assert check_run(project, root, "compile", "--stdout", "--format", "json")[0] == 0
            assert check_run(project, root, "explain", "--all", "--json")[0] == 0
        check_run(project, root, "fmt", "--check")  # reads every file on its own: 0 or 1, never 3


@robust_settings(40)
@given(valid_projects())
def test_generated_projects_are_valid_and_compile(project: Project) -> None:
    """The generator is honest: what the mutations start from is a valid project."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        materialise(project, root)
        status, report = check_run(project, root, "validate", "--format", "json")
        assert status == 0 and report is not None and report["errors"] == 0, report
        status, out, err = envc(root, "compile", "--stdout")
        assert status == 0, err
        objects = [o for o in yaml.safe_load_all(out) if o is not None]
        assert objects and all(o["apiVersion"] and o["metadata"]["name"] for o in objects)


@robust_settings(250)
@given(mutated_projects())
def test_mutated_projects_never_crash(project: Project) -> None:
    run_all(project)


@robust_settings(120)
@given(mutated_projects(st.sampled_from(EXAMPLES)))
def test_mutated_examples_never_crash(project: Project) -> None:
    run_all(project)


# --- situations a case file cannot hold ---------------------------------------------------


def _project(tmp_path: Path, files: dict[str, bytes]) -> Path:
    materialise({"envc.yaml": b"envc: 1\nproject: t\n", **files}, tmp_path)
    return tmp_path


def test_latin1_source_is_e102(tmp_path: Path) -> None:
    root = _project(tmp_path, {"envs/a.yaml": "kind: TaskEnvironment\nname: a\ndescription: café\n".encode("latin-1")})
    status, _, err = envc(root, "validate", "--format", "json")
    d = json.loads(err)["diagnostics"]
    assert status == 1 and [(x["code"], x["file"], x["line"], x["col"]) for x in d] == [("E102", "envs/a.yaml", 3, 17)]


def test_unreadable_source_is_e100(tmp_path: Path) -> None:
    """A source that matches `sources` but cannot be read: unreadable mode for a normal user,
    and for root (who reads anything) a link to /proc/self/mem, whose first page fails with EIO."""
    root = _project(tmp_path, {})
    source = root / "envs" / "a.yaml"
    source.parent.mkdir()
    if os.geteuid() == 0:
        source.symlink_to("/proc/self/mem")
    else:
        source.write_text("kind: TaskEnvironment\nname: a\n")
        source.chmod(0)
    status, _, err = envc(root, "validate", "--format", "json")
    d = json.loads(err)["diagnostics"]
    assert status == 1 and [(x["code"], x["file"], x["line"], x["col"]) for x in d] == [("E100", "envs/a.yaml", 1, 1)]


def test_unwritable_output_is_e802(tmp_path: Path) -> None:
    """The output directory cannot be created (its parent is a file): E802, exit 1, no traceback."""
    root = _project(tmp_path, {"envs/a.yaml": b"kind: TaskEnvironment\nname: a\n", "blocker": b"a file\n"})
    status, _, err = envc(root, "compile", "--out", str(root / "blocker" / "manifests"), "--format", "json")
    assert status == 1 and "Traceback" not in err, err
    d = json.loads(err)["diagnostics"]
    assert [(x["code"], x["line"], x["col"]) for x in d] == [("E802", 1, 1)]
    assert d[0]["file"].startswith("blocker"), d


@pytest.mark.parametrize("number", ["1" * 5000, "0x" + "f" * 4000, "!!int " + "9" * 4500])
def test_a_huge_integer_is_e202_at_the_number(tmp_path: Path, number: str) -> None:
    """Python refuses to convert (or print) integers of more than 4,300 digits: envc reports
    them instead of crashing (docs/robustness.md)."""
    root = _project(tmp_path, {"envs/a.yaml": f"kind: TaskEnvironment\nname: a\nresources:\n  cpu: {number}\n".encode()})
    status, _, err = envc(root, "validate", "--format", "json")
    d = json.loads(err)["diagnostics"]
    assert status == 1 and [(x["code"], x["line"], x["col"]) for x in d] == [("E202", 4, 8)], d
    assert "too large" in d[0]["message"]


def test_a_large_integer_within_the_limit_is_read(tmp_path: Path) -> None:
    root = _project(tmp_path, {"envs/a.yaml": f"kind: TaskEnvironment\nname: a\nresources:\n  cpu: {'1' * 3800}\n".encode()})
    status, _, err = envc(root, "validate", "--format", "json")
    d = json.loads(err)["diagnostics"]  # read as a number, then refused as a quantity by the rule
    assert status == 1 and [(x["code"], x["line"], x["col"]) for x in d] == [("E501", 4, 8)], d
