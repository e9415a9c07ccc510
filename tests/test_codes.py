"""The code registry (compiler/envc/codes.py) and docs/diagnostics.md, generated from it.

* every code is well formed: a unique id and name, a severity, a one-line description, a fix
  and a failing example;
* every example produces its code when envc runs on it (the docs cannot show a rotten one);
* the docs page is exactly what the registry renders (`pytest --update-golden` rewrites it);
* statically, every `codes.X` the package uses is a registered code, and no module formats a
  code by hand: diagnostics go through the sink and `render.py`.

The dynamic half of "every emitted diagnostic is registered" is tests/test_case_coverage.py
(the case corpus) and tests/test_robustness.py (generated projects).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from casefile import DEFAULT_PROJECT
from envc import codes, render
from envc.cli import main
from envc.codes_doc import HEADER, markdown, split_example

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "compiler" / "envc"
DOCS = ROOT / "docs" / "diagnostics.md"

# Examples that describe a situation instead of holding it (they are `#` comments only, or
# cannot hold the bytes); each names the test that produces the code for real.
DESCRIBED = {
    "E100": "an unreadable source file: tests/test_robustness.py::test_unreadable_source_is_e100",
    "E102": "bytes that are not UTF-8 cannot be written in a Python string: tests/test_robustness.py::test_latin1_source_is_e102",
    "E103": "an 11 MiB file: tests/test_load_limits.py::test_file_one_byte_over_10_mib_is_e103_at_1_1",
    "E105": "10,001 aliases: tests/test_load_limits.py::test_10001_aliases_are_e105_at_the_10001st_alias",
    "E200": "no envc.yaml: a usage error (exit 2), tests/test_cli.py::test_no_project_is_a_usage_error",
    "E801": "a file in the output directory: tests/test_outdir.py::test_foreign_file_in_the_way_is_an_error",
    "E802": "an output directory that cannot be created: tests/test_robustness.py::test_unwritable_output_is_e802",
    "E907": "only an envc bug can produce it: tests/test_pod_output.py::test_selector_not_in_pod_labels",
    "W901": "needs --validate: tests/test_kube_schema.py::test_an_object_without_a_schema_is_a_warning_not_a_pass",
}

ID = re.compile(r"[EW]\d{3}\Z")
NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\Z")

# Diagnostic names SPEC.md writes `like-this`, with their severity there: binding.
SPEC_NAMES = {
    "yaml-merge-key": "error",
    "extends-cycle": "error",
    "replace-drops": "warning",
    "node-selector-conflict": "error",
    "secret-mount-and-env": "error",
    "name-collision": "error",
    "unpinned-image": "warning",
    "external-template-unsupported": "error",
    "hpa-needs-cpu-request": "error",
    "no-scale-to-zero": "warning",
    "uid-unverifiable": "warning",
    "plaintext-secret": "error",
    "reuse-override-ineffective": "warning",
    "unfilled-placeholder": "warning",
    "knative-feature-disabled": "error",
    "metric-ignored": "warning",
    "auth-not-enforced": "warning",
}


def test_ids_and_names_are_unique_and_well_formed() -> None:
    assert len({c.id for c in codes.ALL}) == len(codes.ALL), "two codes share an id"
    assert len({c.name for c in codes.ALL}) == len(codes.ALL), "two codes share a name"
    for c in codes.ALL:
        assert ID.match(c.id), f"{c.id}: ids are E or W and three digits"
        assert NAME.match(c.name), f"{c.id} {c.name}: names are kebab-case"
        assert codes.BY_ID[c.id] is c and codes.BY_NAME[c.name] is c


@pytest.mark.parametrize("code", codes.ALL, ids=[c.id for c in codes.ALL])
def test_every_code_is_documented(code: codes.Code) -> None:
    expected = codes.Severity.ERROR if code.id.startswith("E") else codes.Severity.WARNING
    assert code.severity is expected
    for text in (code.summary, code.fix):
        assert text and "\n" not in text and text == text.strip(), f"{code}: one line, not empty"
        assert not text.endswith("."), f"{code}: the docs add the full stop"
    assert code.example.endswith("\n") and code.example.strip(), f"{code} has no failing example"


def test_examples_have_one_entry_per_registered_code() -> None:
    """A dict literal keeps the last of two equal keys silently: check the source."""
    tree = ast.parse((PACKAGE / "codes.py").read_text("utf-8"))
    (node,) = [n for n in ast.walk(tree) if isinstance(n, ast.AnnAssign)
               and isinstance(n.target, ast.Name) and n.target.id == "EXAMPLES"]
    assert isinstance(node.value, ast.Dict)
    keys = [k.value for k in node.value.keys if isinstance(k, ast.Constant)]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    assert set(keys) <= set(codes.BY_ID), sorted(set(keys) - set(codes.BY_ID))


def test_binding_spec_names_are_registered_with_their_severity() -> None:
    for name, severity in SPEC_NAMES.items():
        assert name in codes.BY_NAME, f"SPEC names `{name}`"
        assert codes.BY_NAME[name].severity.value == severity, name


# --- examples ------------------------------------------------------------------------------


FLAGS = re.compile(r"# envc validate((?: --[a-z-]+)*)")


def run_example(code: codes.Code, root: Path) -> tuple[list[dict[str, Any]], str]:
    """Materialise the example as a project and run `envc validate` on it, as a user would:
    its diagnostics (JSON) and what it prints (human).  An example whose first file starts with
    the line `# envc validate --flag ...` runs with those flags."""
    example = split_example(code.example)
    files = {"envc.yaml": DEFAULT_PROJECT, **example}
    for name, body in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, "utf-8")
    first = FLAGS.match(next(iter(example.values())))
    args = ["validate", "--project", str(root), *(first.group(1).split() if first else [])]
    as_json = CliRunner().invoke(main, [*args, "--format", "json"])
    as_text = CliRunner().invoke(main, args)
    assert as_json.exit_code in (0, 1) and as_text.exit_code == as_json.exit_code, as_json.stderr
    return json.loads(as_json.stderr)["diagnostics"], as_text.stderr


RUNNABLE = [c for c in codes.ALL if c.id not in DESCRIBED]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {c.id: run_example(c, tmp_path_factory.mktemp(c.id))[1] for c in RUNNABLE}


@pytest.mark.parametrize("code", RUNNABLE, ids=[c.id for c in RUNNABLE])
def test_example_produces_its_code_and_only_it(code: codes.Code, tmp_path: Path) -> None:
    diags, text = run_example(code, tmp_path)
    assert diags, f"{code}: the example produces no diagnostic"
    assert {(d["code"], d["name"]) for d in diags} == {(code.id, code.name)}, text
    for d in diags:
        assert (tmp_path / d["file"]).is_file(), text


@pytest.mark.parametrize("cid", sorted(DESCRIBED))
def test_described_examples_are_registered_comments(cid: str) -> None:
    assert cid in codes.BY_ID
    assert codes.BY_ID[cid].example.startswith("# "), f"{cid}: a described example starts with a comment"
    refs = re.findall(r"(tests/[\w/]+\.py)::(\w+)", DESCRIBED[cid])
    assert refs, f"{cid}: name the test that produces it"
    for path, name in refs:
        assert f"def {name}(" in (ROOT / path).read_text("utf-8"), f"{cid}: {path}::{name} does not exist"


# --- docs/diagnostics.md -------------------------------------------------------------------


def test_docs_page_is_up_to_date(outputs: dict[str, str], update_golden: bool) -> None:
    page = markdown(outputs)
    if update_golden:
        DOCS.write_text(page, "utf-8", newline="\n")
        return
    assert DOCS.exists(), f"{DOCS} is missing: run `pytest --update-golden`"
    assert DOCS.read_text("utf-8") == page, (
        "docs/diagnostics.md differs from what compiler/envc/codes.py renders: "
        "run `pytest --update-golden` and review the diff"
    )


def test_docs_page_lists_every_code_once(outputs: dict[str, str]) -> None:
    page = markdown(outputs)
    assert page.splitlines()[0] == HEADER
    for c in codes.ALL:
        assert page.count(f"\n### {c.id} {c.name}\n") == 1, c
        assert f"| [{c.id}](#{c.id.lower()}-{c.name}) | `{c.name}` | {c.severity.value} |" in page
    assert markdown(dict(reversed(list(outputs.items())))) == page, "the page must not depend on order"


# --- static checks over the package --------------------------------------------------------


def modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text("utf-8"), filename=str(path))


NOT_CODES = {"Code", "Severity", "ALL", "BY_ID", "BY_NAME", "EXAMPLES"}


def test_every_code_the_package_references_is_registered() -> None:
    used: set[str] = set()
    for path, tree in modules():
        aliases = {"codes"} | {a.asname for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                               and n.module == "envc" for a in n.names if a.name == "codes" and a.asname}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr not in NOT_CODES):
                assert isinstance(getattr(codes, node.attr, None), codes.Code), f"{path.name}: codes.{node.attr}"
                used.add(node.attr)
            if isinstance(node, ast.ImportFrom) and node.module == "envc.codes":
                for a in node.names:
                    assert a.name in NOT_CODES or isinstance(getattr(codes, a.name, None), codes.Code), a.name
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("Code", "_c"):
                assert path.name == "codes.py", f"{path.name} builds a Code: register it in codes.py"
    assert used, "the scan found no use of the registry: is it still `codes.X`?"


CODE_TEXT = re.compile(r"\b([EW]\d{3})\s+([a-z][a-z0-9]*(?:-[a-z0-9]+)+)")


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def test_no_module_formats_a_code_by_hand() -> None:
    """`error E801 foreign-file-collision: ...` written into a string bypasses the sink, the
    formats and --strict.  Docstrings may cite codes, but must cite them right."""
    for path, tree in modules():
        if path.name in ("codes.py", "codes_doc.py"):
            continue
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            for cid, name in CODE_TEXT.findall(node.value):
                if id(node) in docs:
                    assert cid in codes.BY_ID and codes.BY_ID[cid].name == name, f"{path.name} cites {cid} {name}"
                else:
                    raise AssertionError(f"{path.name}:{node.lineno} formats `{cid} {name}` by hand: report it to the sink")


def test_the_cli_offers_every_format() -> None:
    from envc.cli import validate

    fmt = next(p for p in validate.params if p.name == "fmt")
    assert tuple(fmt.type.choices) == render.FORMATS  # type: ignore[attr-defined]
