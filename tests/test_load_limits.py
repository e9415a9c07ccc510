"""The loader against SPEC §3 (YAML 1.2 core) and §11.3 (limits on input).

Every limit is an error with a code and a location — never a crash, a hang or a
traceback.  Each test asserts the code and the file:line:col.  Columns are 1-based
and count characters (code points), as libyaml's marks do.

Nesting depth: the root node is at depth 0 and a value one level inside it is at
depth 1; "deeper than 100" means a node at depth 101 (e.g. the scalar inside the
root mapping and 100 nested sequences), reported at that node.
"""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml

from envc import codes
from envc.diagnostics import Diagnostic, Sink, Span
from envc.load import MAX_FILE_BYTES, Document, decode, load_documents, read_source

F = "f.yaml"


def load(text: str) -> tuple[list[Document], list[Diagnostic]]:
    sink = Sink()
    docs = load_documents(text, F, sink)
    return docs, sink.sorted()


def only(diags: list[Diagnostic]) -> Diagnostic:
    assert len(diags) == 1, [(d.code.id, str(d.span), d.message) for d in diags]
    return diags[0]


def where(d: Diagnostic) -> tuple[str, str]:
    return d.code.id, str(d.span)


# --- E103: file size -------------------------------------------------------------------


def _file_of_size(path: Path, size: int) -> Path:
    head = b"kind: TaskEnvironment\nname: a\n# "
    path.write_bytes(head + b"x" * (size - len(head) - 1) + b"\n")
    assert path.stat().st_size == size
    return path


def test_file_of_exactly_10_mib_loads(tmp_path: Path) -> None:
    path = _file_of_size(tmp_path / "big.yaml", MAX_FILE_BYTES)
    sink = Sink()
    text = read_source(str(path), "envs/big.yaml", sink)
    assert text is not None and sink.items == []
    docs = load_documents(text, "envs/big.yaml", sink)
    assert sink.items == []
    assert [d.data for d in docs] == [{"kind": "TaskEnvironment", "name": "a"}]


def test_file_one_byte_over_10_mib_is_e103_at_1_1(tmp_path: Path) -> None:
    path = _file_of_size(tmp_path / "big.yaml", MAX_FILE_BYTES + 1)
    sink = Sink()
    assert read_source(str(path), "envs/big.yaml", sink) is None
    d = only(sink.sorted())
    assert d.code is codes.FILE_TOO_LARGE
    assert d.span == Span("envs/big.yaml", 1, 1)


def test_unreadable_source_is_e100_at_1_1(tmp_path: Path) -> None:
    sink = Sink()
    assert read_source(str(tmp_path / "missing.yaml"), "envs/missing.yaml", sink) is None
    d = only(sink.sorted())
    assert d.code is codes.IO_ERROR
    assert d.span == Span("envs/missing.yaml", 1, 1)


# --- E104: nesting -----------------------------------------------------------------------


def _nested(levels: int) -> str:
    """A scalar at depth `levels`: inside the root mapping and levels - 1 sequences."""
    return "x: " + "[" * (levels - 1) + "1" + "]" * (levels - 1) + "\n"


def test_nesting_of_exactly_100_levels_loads() -> None:
    docs, diags = load(_nested(100))
    assert diags == []
    value: Any = docs[0].data["x"]
    for _ in range(99):
        value = value[0]
    assert value == 1


def test_nesting_of_101_levels_is_e104_at_the_deepest_node() -> None:
    docs, diags = load(_nested(101))
    assert docs == []
    d = only(diags)
    assert where(d) == ("E104", "f.yaml:1:104")  # `x: ` + 100 `[`: the scalar is at column 104


def test_block_mapping_nesting_of_101_levels_is_e104() -> None:
    text = "".join(" " * i + f"k{i}:\n" for i in range(100)) + " " * 100 + "leaf: 1\n"
    docs, diags = load(text)
    d = only(diags)
    # k0's value is at depth 1, ..., `leaf`'s value `1` is at depth 101
    assert where(d) == ("E104", "f.yaml:101:107")


def test_very_deep_nesting_is_e104_not_a_syntax_error() -> None:
    """2,000 levels trip libyaml's own limit (1,000); the document is still nested
    deeper than 100, and the first node below the limit is where E104 points."""
    docs, diags = load("x: " + "[" * 2000 + "]" * 2000 + "\n")
    d = only(diags)
    assert where(d) == ("E104", "f.yaml:1:104")


# --- E105: aliases -----------------------------------------------------------------------


def _aliases(n: int) -> str:
    return "a: &a x\nb:\n" + "  - *a\n" * n


def test_10000_aliases_load() -> None:
    docs, diags = load(_aliases(10_000))
    assert diags == []
    assert len(docs[0].data["b"]) == 10_000


def test_10001_aliases_are_e105_at_the_10001st_alias() -> None:
    docs, diags = load(_aliases(10_001))
    d = only(diags)
    assert d.code is codes.TOO_MANY_ALIASES
    assert str(d.span) == "f.yaml:10003:5"  # line 3 holds the first alias


def test_aliases_are_counted_per_file_not_per_document() -> None:
    """SPEC §11.3: more than 10,000 aliases *in a file*; two documents of 6,000 each."""
    doc = _aliases(6_000)
    docs, diags = load(doc + "---\n" + doc)
    d = only(diags)
    assert d.code is codes.TOO_MANY_ALIASES
    # document 2 starts at line 6004; its 4,001st alias is the file's 10,001st
    assert str(d.span) == "f.yaml:10006:5"


# --- E106: alias expansion ---------------------------------------------------------------


def _billion_laughs() -> str:
    lines = ['l0: &l0 ["lol"]']
    for i in range(1, 10):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_e106_without_expanding() -> None:
    tracemalloc.start()
    try:
        docs, diags = load(_billion_laughs())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert docs == []
    assert [d.code for d in diags] == [codes.ALIAS_BOMB]
    assert peak < 50 * 1024 * 1024, f"peak {peak} bytes: the document was expanded"


def test_billion_laughs_e106_points_at_the_alias_that_crosses_the_limit() -> None:
    """l5 expands to 211,111 nodes; the 4th `*l5` on line 7 takes the document past
    1,000,000.  The location is that alias, not the anchor `&l5` it refers to."""
    d = only(load(_billion_laughs())[1])
    assert where(d) == ("E106", "f.yaml:7:25")


def test_recursive_alias_is_e106_not_a_recursion_error() -> None:
    docs, diags = load("a: &a [*a]\n")
    assert docs == []
    assert [d.code for d in diags] == [codes.ALIAS_BOMB]


def test_recursive_alias_e106_points_at_the_alias() -> None:
    d = only(load("a: &a [*a]\n")[1])
    assert where(d) == ("E106", "f.yaml:1:8")


def test_recursive_mapping_alias_is_e106() -> None:
    docs, diags = load("a: &a {b: *a}\n")
    assert docs == []
    assert [where(d) for d in diags] == [("E106", "f.yaml:1:11")]


# --- E107 / E108 / E109: keys and tags ---------------------------------------------------


def test_duplicate_key_is_e107_at_the_second_key_with_the_first_as_related() -> None:
    docs, diags = load("kind: TaskEnvironment\nname: a\nenv:\n  A: 1\n  A: 2\nname: b\n")
    assert [where(d) for d in diags] == [("E107", "f.yaml:5:3"), ("E107", "f.yaml:6:1")]
    related = [[(r.message, str(r.span)) for r in d.related] for d in diags]
    first = "first written here"
    assert related == [[(first, "f.yaml:4:3")], [(first, "f.yaml:2:1")]]
    assert docs[0].data["name"] == "a"  # the first one is kept


def test_duplicate_key_in_flow_mapping() -> None:
    _, diags = load("a: {x: 1, x: 2}\n")
    d = only(diags)
    assert where(d) == ("E107", "f.yaml:1:11")
    assert [str(r.span) for r in d.related] == ["f.yaml:1:5"]


def test_merge_key_is_e108_at_the_key() -> None:
    _, diags = load("base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n")
    assert [where(d) for d in diags] == [("E108", "f.yaml:3:3")]


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    docs, diags = load('a: {"<<": 1}\n')
    assert diags == []
    assert docs[0].data == {"a": {"<<": 1}}


def test_unknown_local_tag_is_e109_at_the_tag() -> None:
    _, diags = load("a: !foo bar\n")
    assert [where(d) for d in diags] == [("E109", "f.yaml:1:4")]


def test_python_tag_on_a_scalar_is_e109() -> None:
    _, diags = load("a: !!python/object/apply:os.system id\n")
    assert [where(d) for d in diags] == [("E109", "f.yaml:1:4")]


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object:os.system {x: 1}\n",
        "a: !!python/object/apply:os.system [id]\n",
        "a: !!python/tuple [1, 2]\n",
    ],
)
def test_python_tag_on_a_collection_is_e109(text: str) -> None:
    _, diags = load(text)
    assert [where(d) for d in diags] == [("E109", "f.yaml:1:4")]


@pytest.mark.parametrize("text", ["a: !!set {x, y}\n", "a: !!omap [{x: 1}]\n"])
def test_yaml11_collection_tags_are_e109(text: str) -> None:
    """YAML 1.2 core has only str, int, float, bool, null, seq and map."""
    _, diags = load(text)
    assert [where(d) for d in diags] == [("E109", "f.yaml:1:4")]


def test_core_tags_are_accepted() -> None:
    docs, diags = load(
        'a: !!str 1\nb: !!int "2"\nc: !!float 3\nd: !!map {x: 1}\ne: !!seq [1]\nf: !!null ""\n'
    )
    assert diags == []
    assert docs[0].data == {"a": "1", "b": 2, "c": 3.0, "d": {"x": 1}, "e": [1], "f": None}


def test_merge_tags_are_recorded() -> None:
    docs, diags = load("a: !merge {x: 1}\nb: !append [1]\nc: !replace 3\n")
    assert diags == []
    assert docs[0].tags == {("a",): "merge", ("b",): "append", ("c",): "replace"}


# --- E102: encoding ----------------------------------------------------------------------


def test_non_utf8_byte_is_e102_at_its_line_and_column() -> None:
    sink = Sink()
    assert decode(b"kind: TaskEnvironment\nname: \xff\n", "envs/a.yaml", sink) is None
    d = only(sink.sorted())
    assert d.code is codes.NOT_UTF8
    assert d.span == Span("envs/a.yaml", 2, 7)
    assert "0xff" in d.message


def test_non_utf8_byte_on_the_first_line() -> None:
    sink = Sink()
    assert decode(b"\xc3\x28", "f.yaml", sink) is None  # a truncated 2-byte sequence
    assert where(only(sink.sorted())) == ("E102", "f.yaml:1:1")


def test_non_utf8_column_counts_characters_not_bytes() -> None:
    """`é` is two bytes but one column, as in every other diagnostic."""
    sink = Sink()
    assert decode("name: é".encode() + b"\xff\n", "f.yaml", sink) is None
    assert where(only(sink.sorted())) == ("E102", "f.yaml:1:8")


def test_latin1_file_is_e102_via_read_source(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes("kind: TaskEnvironment\nname: a\ndescription: café\n".encode("latin-1"))
    sink = Sink()
    assert read_source(str(path), "envs/a.yaml", sink) is None
    assert where(only(sink.sorted())) == ("E102", "envs/a.yaml:3:17")


def test_utf8_bom_is_accepted_and_positions_are_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"\xef\xbb\xbfkind: TaskEnvironment\nname: a\n")
    sink = Sink()
    text = read_source(str(path), "envs/a.yaml", sink)
    assert text is not None and not text.startswith("\ufeff")
    docs = load_documents(text, "envs/a.yaml", sink)
    assert sink.items == []
    assert docs[0].data == {"kind": "TaskEnvironment", "name": "a"}
    assert docs[0].key_span(("kind",)) == Span("envs/a.yaml", 1, 1)
    assert docs[0].span(("name",)) == Span("envs/a.yaml", 2, 7)


# --- YAML 1.2 core schema (SPEC §3) ------------------------------------------------------

CORE = [
    # YAML 1.1 booleans are strings
    ("on", "on"), ("off", "off"), ("yes", "yes"), ("no", "no"), ("y", "y"), ("Y", "Y"),
    ("n", "n"), ("On", "On"), ("NO", "NO"),
    # only true/false (three spellings each) are booleans
    ("true", True), ("false", False), ("True", True), ("FALSE", False), ("tRUE", "tRUE"),
    # integers: decimal (leading zeros are decimal), 0o octal, 0x hex
    ("0755", 755), ("0o17", 15), ("0x1F", 31), ("0xff", 255), ("+12", 12), ("-3", -3), ("0", 0),
    # not integers in 1.2 core
    ("1:30", "1:30"), ("0b101", "0b101"), ("1_000", "1_000"), ("-0x1F", "-0x1F"), ("0o8", "0o8"),
    ("2001-12-14", "2001-12-14"),
    # floats
    ("1e3", 1000.0), ("1E3", 1000.0), (".5", 0.5), ("5.", 5.0), ("-1.5e-2", -0.015),
    (".inf", math.inf), ("-.Inf", -math.inf),
    # nulls
    ("~", None), ("null", None), ("Null", None), ("NULL", None), ("", None), ("nULL", "nULL"),
    # quoted scalars are always strings
    ('"1"', "1"), ("'true'", "true"), ('"~"', "~"), ("'0x1F'", "0x1F"),
]


@pytest.mark.parametrize(("written", "expected"), CORE, ids=[w or "<empty>" for w, _ in CORE])
def test_yaml12_core_resolution(written: str, expected: Any) -> None:
    docs, diags = load(f"v: {written}\n")
    assert diags == []
    value = docs[0].data["v"]
    assert type(value) is type(expected)
    assert value == expected


def test_nan_is_a_float() -> None:
    docs, _ = load("v: .nan\n")
    assert math.isnan(docs[0].data["v"])


@pytest.mark.parametrize("written", ["1e3", "0755", "0x1F", "1.50", "true"])
def test_number_and_boolean_source_text_is_kept(written: str) -> None:
    """Numbers are emitted as written (SPEC §6.1: `1e3` -> "1e3")."""
    docs, _ = load(f"resources: {{cpu: {written}}}\n")
    assert docs[0].raw[("resources", "cpu")] == written


def test_strings_have_no_raw_text() -> None:
    docs, _ = load("v: on\nw: '1'\n")
    assert docs[0].raw == {}


# --- positions ---------------------------------------------------------------------------


def test_multi_document_positions_are_per_document() -> None:
    text = (
        "# header\nkind: TaskEnvironment\nname: a\n---\n"
        "kind: TaskEnvironment\nname: b\nqueue: gpu\n"
    )
    docs, diags = load(text)
    assert diags == []
    assert [d.index for d in docs] == [0, 1]
    assert docs[0].span(("name",)) == Span(F, 3, 7)
    assert docs[1].span() == Span(F, 5, 1)
    assert docs[1].span(("queue",)) == Span(F, 7, 8)
    assert docs[1].key_span(("queue",)) == Span(F, 7, 1)


def test_an_error_in_one_document_keeps_the_others() -> None:
    docs, diags = load("a: 1\n---\n- not a mapping\n---\nb: 2\n")
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}]
    assert [where(d) for d in diags] == [("E111", "f.yaml:3:1")]


def test_positions_inside_sequences_and_flow_collections() -> None:
    docs, _ = load("s:\n  - a\n  - {k: v}\nf: [1, [2, 3]]\n")
    d = docs[0]
    assert d.span(("s", 0)) == Span(F, 2, 5)
    assert d.span(("s", 1, "k")) == Span(F, 3, 9)
    assert d.key_span(("s", 1, "k")) == Span(F, 3, 6)
    assert d.span(("f", 1, 1)) == Span(F, 4, 12)


def test_a_tab_counts_as_one_column() -> None:
    docs, _ = load("a:\tb\n")
    assert docs[0].span(("a",)) == Span(F, 1, 4)


# --- E101: syntax ------------------------------------------------------------------------

SYNTAX = [
    ("key: value\n  bad: indent\n", 2, 6),
    ("a: [1, 2\nb: 3\n", 2, 2),
    ('a: "unterminated\n', 2, 1),
    ("a: b: c\n", 1, 5),
    ("\tkey: v\n", 1, 1),
]


@pytest.mark.parametrize(("text", "line", "col"), SYNTAX)
def test_syntax_error_is_e101_at_libyamls_position(text: str, line: int, col: int) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as exc:  # what libyaml itself reports
        yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506 - CSafeLoader is safe
    mark = exc.value.problem_mark
    assert mark is not None and (mark.line + 1, mark.column + 1) == (line, col)
    _, diags = load(text)
    d = only(diags)
    assert d.code is codes.YAML_SYNTAX
    assert d.span == Span(F, line, col)
    assert exc.value.problem and exc.value.problem in d.message


def test_documents_before_a_syntax_error_are_kept() -> None:
    docs, diags = load("a: 1\n---\nb: [\n")
    assert [d.data for d in docs] == [{"a": 1}]
    assert [d.code for d in diags] == [codes.YAML_SYNTAX]
