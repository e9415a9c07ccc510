"""The CI formats of diagnostics and the terminal rules (SPEC §11.1; docs/diagnostics.md).

* `github`: workflow commands, escaped as @actions/core escapes them;
* `sarif`: SARIF 2.1.0, validated against the official OASIS schema shipped in tests/sarif/;
* `--strict` makes every warning an error in every format;
* `human` is coloured only when stderr is a terminal (a real pty here) and NO_COLOR is unset
  or empty, and shows a window of a very long line;
* `github` and `sarif` name files relative to the repository ($GITHUB_WORKSPACE).
"""

from __future__ import annotations

import hashlib
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from envc import codes, render
from envc.cli import main
from envc.diagnostics import Related, Sink, Span

TESTS = Path(__file__).resolve().parent
SARIF_SCHEMA = TESTS / "sarif" / "sarif-schema-2.1.0.json"

A = "kind: TaskEnvironment\nname: a\nextends: b\n---\nkind: TaskEnvironment\nname: b\nextends: a\nimage: python:latest\n"


def sink() -> Sink:
    s = Sink(sources={"envs/a.yaml": A})
    s.report(codes.EXTENDS_CYCLE, Span("envs/a.yaml", 3, 10), "extends cycle: a -> b -> a",
             (Related("`a` extends `b`", Span("envs/a.yaml", 3, 10)),
              Related("`b` extends `a`", Span("envs/a.yaml", 7, 10))))
    s.report(codes.UNPINNED_IMAGE, Span("envs/a.yaml", 8, 8), "image `python:latest` is not pinned")
    return s


# --- github -----------------------------------------------------------------------------------


def test_github_workflow_commands() -> None:
    s = sink()
    assert render.github(s.sorted()) == (
        "::error file=envs/a.yaml,line=3,col=10,title=E301 extends-cycle::extends cycle: a -> b -> a"
        "%0A  note: envs/a.yaml:3:10: `a` extends `b`%0A  note: envs/a.yaml:7:10: `b` extends `a`\n"
        "::warning file=envs/a.yaml,line=8,col=8,title=W501 unpinned-image::image `python:latest` is not pinned\n"
    )


def test_github_strict_and_repository_prefix() -> None:
    out = render.github(sink().sorted(), strict=True, prefix="deploy/")
    assert out.splitlines()[1].startswith("::error file=deploy/envs/a.yaml,line=8,col=8,title=W501 unpinned-image::")
    assert "note: deploy/envs/a.yaml:7:10:" in out


def test_github_escapes_data_and_properties() -> None:
    s = Sink()
    s.report(codes.UNKNOWN_KEY, Span("envs/a,b:c%.yaml", 1, 1), "100% wrong\r\nkey: x")
    s.report(codes.NO_SOURCES, None, "no location")
    assert render.github(s.sorted()) == (
        "::warning title=W201 no-sources::no location\n"
        "::error file=envs/a%2Cb%3Ac%25.yaml,line=1,col=1,title=E201 unknown-key::100%25 wrong%0D%0Akey: x\n"
    )


# --- sarif ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    assert schema["id"].endswith("/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_the_shipped_schema_is_the_official_one() -> None:
    digest = hashlib.sha256(SARIF_SCHEMA.read_bytes()).hexdigest()
    assert digest == "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def test_sarif_is_valid_and_complete(validator: jsonschema.Draft4Validator) -> None:
    s = sink()
    log = json.loads(render.sarif(s.sorted()))
    validator.validate(log)
    assert log["version"] == "2.1.0" and log["$schema"] == render.SARIF_SCHEMA
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(c.id for c in codes.ALL)
    assert {r["id"]: r["defaultConfiguration"]["level"] for r in rules} == {c.id: c.severity.value for c in codes.ALL}
    assert run["columnKind"] == "unicodeCodePoints"
    first, second = run["results"]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "E301" and first["level"] == "error"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "envs/a.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 10},
    }
    assert [(r["id"], r["message"]["text"], r["physicalLocation"]["region"]["startLine"])
            for r in first["relatedLocations"]] == [(1, "`a` extends `b`", 3), (2, "`b` extends `a`", 7)]
    assert second["ruleId"] == "W501" and second["level"] == "warning" and "relatedLocations" not in second


def test_sarif_strict_prefix_and_odd_paths(validator: jsonschema.Draft4Validator) -> None:
    s = Sink()
    s.report(codes.NAME_COLLISION, Span("envs/é x(1).yaml", 2, 3), "collision")
    s.report(codes.NO_SOURCES, None, "no location")
    log = json.loads(render.sarif(s.sorted(), strict=True, prefix="deploy/"))
    validator.validate(log)
    results = log["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "error"]
    assert "locations" not in results[0]
    uri = results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "deploy/envs/%C3%A9%20x%281%29.yaml"


def test_sarif_of_no_diagnostics_is_a_valid_empty_run(validator: jsonschema.Draft4Validator) -> None:
    log = json.loads(render.sarif([]))
    validator.validate(log)
    assert log["runs"][0]["results"] == []


# --- through the CLI ---------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "deploy"
    (root / "envs").mkdir(parents=True)
    (root / "envc.yaml").write_text("envc: 1\nproject: t\n")
    (root / "envs" / "a.yaml").write_text(A)
    return root


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", render.FORMATS)
def test_every_format_goes_to_stderr_with_exit_1(project: Path, fmt: str) -> None:
    code, out, err = invoke("validate", "--project", str(project), "--format", fmt)
    assert code == 1 and out == "" and "E301" in err


def test_cli_sarif_validates_and_is_relative_to_the_workspace(
    project: Path, validator: jsonschema.Draft4Validator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(project.parent))
    code, _, err = invoke("validate", "--project", str(project), "--format", "sarif")
    log = json.loads(err)
    validator.validate(log)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"] for loc in r["locations"]}
    assert code == 1 and uris == {"deploy/envs/a.yaml"}
    code, _, err = invoke("validate", "--project", str(project), "--format", "github")
    assert err.startswith("::error file=deploy/envs/a.yaml,line=3,col=10,title=E301 extends-cycle::")


def test_paths_stay_project_relative_outside_the_workspace(project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "elsewhere"))
    _, _, err = invoke("validate", "--project", str(project), "--format", "github")
    assert err.startswith("::error file=envs/a.yaml,")


def test_strict_in_json_and_exit_status(tmp_path: Path) -> None:
    (tmp_path / "envs").mkdir()
    (tmp_path / "envc.yaml").write_text("envc: 1\nproject: t\n")
    (tmp_path / "envs" / "a.yaml").write_text("kind: TaskEnvironment\nname: a\nimage: python:latest\n")
    code, _, err = invoke("validate", "--project", str(tmp_path), "--format", "json")
    assert code == 0 and json.loads(err)["diagnostics"][0]["severity"] == "warning"
    code, _, err = invoke("validate", "--project", str(tmp_path), "--format", "json", "--strict")
    report = json.loads(err)
    assert code == 1 and (report["errors"], report["warnings"]) == (1, 0)
    assert report["diagnostics"][0]["severity"] == "error" and report["diagnostics"][0]["code"] == "W501"
    code, _, err = invoke("validate", "--project", str(tmp_path), "--strict")
    assert code == 1 and err.startswith("envs/a.yaml:3:8: error W501 unpinned-image:") and "1 error, 0 warnings" in err


def test_no_project_is_usage_error_e200(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("validate", "--format", "sarif")
    assert code == 2 and "E200 no-project: no envc.yaml found" in err


# --- human: colour on a terminal only ------------------------------------------------------------


def run_on_a_pty(project: Path, env: dict[str, str]) -> str:
    """`envc validate` with stderr on a pseudo-terminal, as in an interactive shell."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "envc", "validate", "--project", str(project)],
                              stderr=follower, stdout=subprocess.DEVNULL, env=env, timeout=60, check=False)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert proc.returncode == 1
    return b"".join(chunks).decode()


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    return {**env, "TERM": "xterm", **extra}


def test_colour_on_a_terminal(project: Path) -> None:
    out = run_on_a_pty(project, clean_env())
    assert "\x1b[1;31merror\x1b[0m E301 extends-cycle" in out


def test_no_colour_with_no_color_or_a_dumb_terminal(project: Path) -> None:
    for env in (clean_env(NO_COLOR="1"), clean_env(TERM="dumb")):
        out = run_on_a_pty(project, env)
        assert "E301 extends-cycle" in out and "\x1b[" not in out


def test_an_empty_no_color_does_not_disable_colour(project: Path) -> None:
    """no-color.org: NO_COLOR disables colour "when present and not an empty string"."""
    assert "\x1b[1;31m" in run_on_a_pty(project, clean_env(NO_COLOR=""))


def test_no_colour_into_a_pipe(project: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "envc", "validate", "--project", str(project)],
                          capture_output=True, env=clean_env(), timeout=60, check=False)
    assert proc.returncode == 1 and b"E301" in proc.stderr and b"\x1b[" not in proc.stderr


# --- human: a very long line ------------------------------------------------------------------


def test_a_long_line_is_shown_as_a_window_around_the_column() -> None:
    line = "x: [" + "a, " * 200 + "zz: 1" + ", b" * 200 + "]"
    s = Sink(sources={"envs/a.yaml": line + "\n"})
    col = line.index("zz") + 1
    s.report(codes.YAML_SYNTAX, Span("envs/a.yaml", 1, col), "bad")
    _, excerpt, caret = render.human(s, s.sorted()).split("\n")[:3]
    shown = excerpt.removeprefix(" 1 | ")
    assert shown.startswith("...") and shown.endswith("...") and len(shown) == render.EXCERPT_WIDTH + 6
    assert shown[caret.index("^") - len(" 1 | ") :].startswith("zz: 1, b")


def test_a_long_line_near_its_end_keeps_the_end() -> None:
    line = "d: " + "y" * 300
    s = Sink(sources={"envs/a.yaml": line})
    s.report(codes.YAML_SYNTAX, Span("envs/a.yaml", 1, len(line) + 1), "end")
    _, excerpt, caret = render.human(s, s.sorted()).split("\n")[:3]
    assert excerpt.endswith("y" * 10) and not excerpt.endswith("...")
    assert caret.index("^") == len(excerpt)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_compile_stderr_is_one_document_in_machine_formats(tmp_path: Path, fmt: str) -> None:
    """No "wrote N files" line after the JSON or SARIF document, first run or cached."""
    import shutil

    root = tmp_path / "p"
    shutil.copytree(TESTS.parent / "examples" / "quickstart", root, ignore=shutil.ignore_patterns("manifests"))
    for _ in range(2):  # a fresh compile, then one replayed from the cache
        code, _, err = invoke("compile", "--project", str(root), "--format", fmt)
        doc = json.loads(err)
        assert code == 0 and (doc.get("errors") == 0 or doc.get("version") == "2.1.0"), err


@pytest.mark.parametrize(("root", "base", "prefix"), [
    ("/ws/deploy", "/ws", "deploy/"),
    ("/ws/a/b", "/ws", "a/b/"),
    ("/ws", "/ws", ""),
    ("/elsewhere/p", "/ws", ""),   # outside the workspace: project-relative, as in human and json
    ("/ws", "/ws/envs", ""),       # run from inside the project
])
def test_repo_prefix(root: str, base: str, prefix: str) -> None:
    assert render.repo_prefix(root, base) == prefix


def test_explain_of_an_unknown_name_suggests_one() -> None:
    quickstart = TESTS.parent / "examples" / "quickstart"
    code, _, err = invoke("explain", "analytics_env.proces_data", "--project", str(quickstart))
    assert code == 2 and "(did you mean `analytics_env.process_data`?)" in err
