"""The case corpus (tests/cases/*.txt) against the code registry.

* every diagnostic the corpus produces has a registered code and a location inside its case's
  project (a file of the case, a line of it, a column of that line);
* every registered code is produced by at least one case, except the few that a text file in
  a case cannot hold — each listed with its reason and the test that produces it instead;
* every expectation written in the corpus names a registered code with its own name;
* there are at least 80 cases.

tests/test_cases.py compares each case's diagnostics with its expectations; this file looks at
the corpus as a whole.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from casefile import materialise, parse
from envc import codes
from envc.diagnostics import Diagnostic, Sink
from envc.pipeline import run

CASES = sorted((Path(__file__).parent / "cases").glob("*.txt"))

# Codes no case can produce: a case is UTF-8 text run by `envc validate` (without --validate) in
# a project that has an envc.yaml.  Each names the test that produces the code for real.
NOT_IN_CASES = {
    "E100": "an unreadable file: tests/test_robustness.py::test_unreadable_source_is_e100",
    "E102": "bytes that are not UTF-8: tests/test_robustness.py::test_latin1_source_is_e102, tests/test_load_limits.py",
    "E103": "an 11 MiB file: tests/test_load_limits.py::test_file_one_byte_over_10_mib_is_e103_at_1_1",
    "E200": "no envc.yaml, a usage error: tests/test_render_formats.py::test_no_project_is_usage_error_e200",
    "E801": "an output directory, `envc compile`: tests/test_outdir.py::test_foreign_file_in_the_way_is_an_error",
    "E802": "an unwritable output, `envc compile`: tests/test_robustness.py::test_unwritable_output_is_e802",
    "E903": "needs --validate, which the case runner does not pass: tests/test_kube_schema.py::"
            "test_validate_with_schemas_reports_e903_at_the_task, and its example in tests/test_codes.py",
    "E907": "envc's own labels always win over a template's, so only a bug produces it: "
            "tests/test_pod_output.py::test_selector_not_in_pod_labels",
    "W901": "needs --validate and an object kind envc emits without a schema, which none is today: "
            "tests/test_kube_schema.py::test_an_object_without_a_schema_is_a_warning_not_a_pass",
}


def diagnose(path: Path, root: Path) -> tuple[dict[str, str], list[Diagnostic]]:
    case = parse(path)
    materialise(case, root)
    sink = Sink()
    run(root, None, sink)
    return case.files, sink.sorted()


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """code id -> the cases that produce it; checks each diagnostic on the way."""
    out: dict[str, set[str]] = {}
    for path in CASES:
        files, diags = diagnose(path, tmp_path_factory.mktemp(path.stem))
        for d in diags:
            assert codes.BY_ID.get(d.code.id) is d.code, f"{path.name}: {d.code} is not the registered code"
            for span in (d.span, *(r.span for r in d.related)):
                assert span is not None, f"{path.name}: {d.code} has no location"
                assert span.file in files, f"{path.name}: {d.code} at {span}, not a file of the case"
                lines = re.split("\r\n|\r|\n", files[span.file])
                assert 1 <= span.line <= len(lines), f"{path.name}: {d.code} at {span}: past the end"
                assert 1 <= span.col <= len(lines[span.line - 1]) + 1, f"{path.name}: {d.code} at {span}: past the line"
            out.setdefault(d.code.id, set()).add(path.stem)
    return out


def test_at_least_80_cases() -> None:
    assert len(CASES) >= 80, len(CASES)


def test_every_registered_code_is_produced_by_a_case(produced: dict[str, set[str]]) -> None:
    missing = sorted(c.id for c in codes.ALL if c.id not in produced and c.id not in NOT_IN_CASES)
    assert not missing, f"no case produces {', '.join(str(codes.BY_ID[m]) for m in missing)}: add one under tests/cases/"


def test_the_exceptions_are_needed(produced: dict[str, set[str]]) -> None:
    """An exception a case does produce should leave the list; an unknown id is a typo."""
    for cid in NOT_IN_CASES:
        assert cid in codes.BY_ID, cid
        assert cid not in produced, f"{cid} is produced by {sorted(produced[cid])}: drop it from NOT_IN_CASES"


EXPECT = re.compile(r"^([EW]\d{3}) (\S+) ", re.MULTILINE)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_expectations_name_registered_codes(path: Path) -> None:
    case = parse(path)
    for line in case.expect or []:
        if line.startswith("  related "):
            continue
        match = EXPECT.match(line)
        assert match, f"{path.name}: `{line}` is not `<id> <name> <file>:<line>:<col>: <message>`"
        cid, name = match.groups()
        assert cid in codes.BY_ID and codes.BY_ID[cid].name == name, f"{path.name}: {cid} {name}"


REFERENCE = re.compile(r"(tests/[\w/]+\.py)::(\w+)")


def test_the_exceptions_name_real_tests() -> None:
    root = Path(__file__).resolve().parents[1]
    for cid, reason in NOT_IN_CASES.items():
        refs = REFERENCE.findall(reason)
        assert refs, f"{cid}: name the test that produces it"
        for path, name in refs:
            assert f"def {name}(" in (root / path).read_text("utf-8"), f"{cid}: {path}::{name} does not exist"
