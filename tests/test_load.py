"""The loader's fast paths (compiler/envc/load.py): plain strings read in place, and alias
bookkeeping only in files that can hold an alias.  Both must give exactly what the general
path gives; test_load_limits.py covers the rules themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casefile import parse
from envc import codes
from envc.diagnostics import Sink
from envc.load import _plain_str, load_documents, resolve_plain

TESTS = Path(__file__).resolve().parent

TRICKY = ["", "~", "null", "Null", "NULL", "true", "True", "false", "FALSE", "yes", "on", "0", "-1", "+1",
          ".5", "1e3", "0x1F", "0o17", ".inf", "-.inf", ".nan", "1_000", "١٢", "²", "-", ".", "a1", "<<",
          "1a", "x:y", "s3://b/*"]


def read_as_itself(text: str) -> bool:
    value = resolve_plain(text)
    return type(value) is str and value == text


@pytest.mark.parametrize("text", TRICKY)
def test_the_fast_path_reads_a_plain_scalar_as_the_rules_do(text: str) -> None:
    """The fast path takes a plain scalar as the string it is only where the YAML 1.2 rules do
    (it may leave a string to the general path: `<<` and the merge key go there)."""
    assert not _plain_str(text) or read_as_itself(text)


@given(st.text(min_size=1, max_size=12))
def test_any_text_the_fast_path_takes_is_read_as_itself(text: str) -> None:
    assert not _plain_str(text) or read_as_itself(text)


def loaded(text: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    sink = Sink()
    docs = load_documents(text, "f.yaml", sink)
    return ([(d.index, repr(d.data), d.pos, d.tags, d.raw) for d in docs],
            [(d.code.id, d.span, d.message) for d in sink.items])


def yaml_files() -> list[tuple[str, str]]:
    """Every YAML file of the cases and examples without a `*` (so without an alias) that parses
    (a syntax error at the end of the input would move with the added comment)."""
    out = []
    for case in sorted((TESTS / "cases").glob("*.txt")):
        out += [(f"{case.stem}/{name}", body) for name, body in parse(case).files.items() if name.endswith(".yaml")]
    for path in sorted((TESTS.parent / "examples").rglob("*.yaml")):
        if "manifests" not in path.parts:
            out.append((str(path.relative_to(TESTS.parent)), path.read_text()))
    return [(name, text) for name, text in out if "*" not in text and codes.YAML_SYNTAX.id not in str(loaded(text)[1])]


@pytest.mark.parametrize(("name", "text"), yaml_files(), ids=lambda v: v if "/" in str(v) else None)
def test_with_and_without_alias_bookkeeping_the_same_documents(name: str, text: str) -> None:
    """A `*` in a trailing comment switches the alias bookkeeping on and changes nothing else."""
    assert loaded(text) == loaded(text + ("" if text.endswith("\n") else "\n") + "# *\n")
