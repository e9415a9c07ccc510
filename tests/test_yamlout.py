"""Tests for envc.yamlout: exact bytes, quoting table, and round-trip properties.

The round-trip property reads the output back three ways:
* YAML 1.1 through libyaml (``yaml.CSafeLoader``) and through PyYAML's pure
  Python parser (``yaml.SafeLoader``);
* YAML 1.2 core schema (``_Yaml12Loader`` below: PyYAML's parser with a resolver
  table holding only the 1.2 core resolvers);
* go-yaml's plain-scalar resolution (``_go_kind`` below emulates
  ``resolve()`` of gopkg.in/yaml.v2 and v3, which Kubernetes uses): every plain
  scalar in the output must resolve to the same kind as under YAML 1.1.
"""

from __future__ import annotations

import collections
import copy
import enum
import math
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    from envc.yamlout import Memo, dump
except ImportError:  # pragma: no cover - package not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "compiler"))
    from envc.yamlout import Memo, dump


# --------------------------------------------------------------------------- readers


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML's parser with the YAML 1.2 core schema's resolvers only."""

    yaml_implicit_resolvers: dict[Any, Any] = {}


_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$"
    ),
    list("-+0123456789."),
)


def _construct_int12(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float12(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if text == ".nan":
        return math.nan
    return float(text)


def _construct_bool12(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return loader.construct_scalar(node).lower() == "true"


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int12)
_Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _construct_float12)
_Yaml12Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool12)


_GO_MAP = {
    **dict.fromkeys(
        ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE", "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"],
        "bool",
    ),
    **dict.fromkeys(["~", "null", "Null", "NULL", ""], "null"),
    **dict.fromkeys(
        [s + w for s in ("", "+", "-") for w in (".inf", ".Inf", ".INF")]
        + [".nan", ".NaN", ".NAN"],
        "float",
    ),
    "<<": "merge",
}
_GO_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_GO_YAML_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_GO_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?")
_GO_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:?[0-9]{2})?)?"
)


def _go_kind(text: str) -> str:
    """Emulate go-yaml v2/v3 ``resolve()`` for an untagged plain scalar.

    v2 and v3 differ only in v3 dropping y/yes/on/... booleans, so the union
    (v2's table plus v3's ``0o`` octals) is the stricter oracle.  Integer range
    is ignored: out-of-range numbers become floats in go-yaml, still not str.
    """
    if text in _GO_MAP:
        return _GO_MAP[text]
    hint = text[0]
    if hint == ".":
        return "float" if _GO_DOT_FLOAT.fullmatch(text) else "str"
    if hint in "+-0123456789":
        if _GO_TIMESTAMP.fullmatch(text):
            return "timestamp"
        plain = text.replace("_", "")
        if _GO_INT.fullmatch(plain):
            return "int"
        if _GO_YAML_FLOAT.fullmatch(plain):
            return "float"
    return "str"


_PYYAML_KIND = {
    "tag:yaml.org,2002:" + name: name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "merge")
}


def _check_go_agrees(text: str) -> None:
    """Every plain scalar must resolve in go-yaml as it does in YAML 1.1."""
    pending = [yaml.compose(text, Loader=yaml.CSafeLoader)]
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                pending += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            pending += node.value
        elif isinstance(node, yaml.ScalarNode) and node.style is None:
            assert _go_kind(node.value) == _PYYAML_KIND[node.tag], (node.value, text)


def _same(a: object, b: object) -> bool:
    """Equality that also requires equal types (so True != 1, "1" != 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b


def _assert_round_trips(obj: dict[str, Any]) -> str:
    text = dump(obj)
    assert "\r" not in text
    assert text.endswith("\n") and not text.endswith("\n\n")
    for loader in (yaml.CSafeLoader, yaml.SafeLoader, _Yaml12Loader):
        back = yaml.load(text, Loader=loader)  # noqa: S506 - safe loaders only
        assert _same(back, obj), (loader.__name__, obj, text, back)
    _check_go_agrees(text)
    return text


# --------------------------------------------------------------------------- exact bytes

POD_TEMPLATE = {
    "kind": "PodTemplate",
    "apiVersion": "v1",
    "metadata": {"name": "a-b", "labels": {"z": "1", "app.kubernetes.io/name": "a"}},
    "template": {
        "spec": {
            "containers": [
                {
                    "name": "primary",
                    "image": "x:1",
                    "args": ["a0", "--inputs", "{{.input}}"],
                    "resources": {},
                }
            ]
        }
    },
}

POD_TEMPLATE_YAML = """\
apiVersion: v1
kind: PodTemplate
metadata:
  name: a-b
  labels:
    app.kubernetes.io/name: a
    z: "1"
template:
  spec:
    containers:
      - name: primary
        args:
          - a0
          - --inputs
          - "{{.input}}"
        image: x:1
        resources: {}
"""


def test_spec_example_exact_bytes() -> None:
    assert dump(POD_TEMPLATE) == POD_TEMPLATE_YAML
    _assert_round_trips(POD_TEMPLATE)


def test_deterministic_and_independent_of_insertion_order() -> None:
    first = dump(POD_TEMPLATE)
    reordered = {k: POD_TEMPLATE[k] for k in reversed(list(POD_TEMPLATE))}
    assert dump(reordered) == first
    assert dump(copy.deepcopy(POD_TEMPLATE)) == first


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"a": "x\ny\n"}, "a: |\n  x\n  y\n"),
        ({"a": "x\ny"}, "a: |-\n  x\n  y\n"),
        ({"a": "x\n\n"}, "a: |+\n  x\n  \n"),
        ({"a": "x\n\n\n", "b": 1}, "a: |+\n  x\n  \n  \nb: 1\n"),
        ({"a": " x\ny"}, "a: |2-\n   x\n  y\n"),
        ({"a": "\n  x\n"}, "a: |2\n\n    x\n"),
        ({"a": "x\n\ny\n"}, "a: |\n  x\n\n  y\n"),
        ({"a": "\tx\ny \n"}, "a: |2\n  \tx\n  y \n"),
        ({"a": "x\n\ty\n"}, "a: |\n  x\n  \ty\n"),
        ({"l": ["x\ny\n"]}, "l:\n  - |\n    x\n    y\n"),
        ({"l": [" x\ny"]}, "l:\n  - |2-\n     x\n    y\n"),
        (
            {"l": [{"s": "a\nb\n", "name": "p"}]},
            "l:\n  - name: p\n    s: |\n      a\n      b\n",
        ),
        ({"m": {"k": "é\n日本\n"}}, "m:\n  k: |\n    é\n    日本\n"),
    ],
)
def test_block_literals(obj: dict[str, Any], expected: str) -> None:
    assert dump(obj) == expected
    _assert_round_trips(obj)


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"a": "x\r\ny"}, 'a: "x\\r\\ny"\n'),  # CR cannot live in a literal
        ({"a": "\n"}, 'a: "\\n"\n'),  # only newlines: a literal would read back as ""
        ({"a": "\n\n"}, 'a: "\\n\\n"\n'),
        ({"a": "x\n\x00"}, 'a: "x\\n\\u0000"\n'),
        ({"a": "x\u2028y\nz"}, 'a: "x\\u2028y\\nz"\n'),  # a line break in YAML 1.1
        ({"a\nb": 1}, '"a\\nb": 1\n'),  # keys never become literals
    ],
)
def test_multiline_fallback_to_double_quotes(obj: dict[str, Any], expected: str) -> None:
    assert dump(obj) == expected
    _assert_round_trips(obj)


def test_empty_containers() -> None:
    obj = {"a": {}, "b": [], "c": [{}, [], {"d": {}, "e": []}]}
    assert dump(obj) == "a: {}\nb: []\nc:\n  - {}\n  - []\n  - d: {}\n    e: []\n"
    assert dump({}) == "{}\n"
    assert dump({}, top_level=False) == "{}\n"
    _assert_round_trips(obj)


def test_nested_lists_use_compact_block_form() -> None:
    obj = {"l": [[1, [2, 3]], ["a", {"k": "v", "name": "p"}], [[]]]}
    assert dump(obj) == (
        "l:\n"
        "  - - 1\n"
        "    - - 2\n"
        "      - 3\n"
        "  - - a\n"
        "    - name: p\n"
        "      k: v\n"
        "  - - []\n"
    )
    _assert_round_trips(obj)


def test_tuples_are_sequences() -> None:
    assert dump({"t": ("a", (1, 2))}) == "t:\n  - a\n  - - 1\n    - 2\n"


def test_top_level_key_order() -> None:
    obj = {k: 1 for k in ["zeta", "data", "Zeta", "template", "name", "spec", "metadata",
                          "kind", "apiVersion", "_x", "a"]}
    assert dump(obj).split(": 1\n")[:-1] == [
        "apiVersion", "kind", "metadata", "spec", "template", "data",
        "Zeta", "_x", "a", "name", "zeta",
    ]


def test_top_level_false_uses_nested_order() -> None:
    obj = {"kind": 1, "apiVersion": 1, "name": 1, "B": 1, "a": 1}
    keys = dump(obj, top_level=False).split(": 1\n")[:-1]
    assert keys == ["name", "B", "a", "apiVersion", "kind"]


def test_nested_key_order_name_first_then_code_points() -> None:
    inner = {k: 1 for k in ["b", "name", "B", "_", "apiVersion", "kind", "é", "a"]}
    text = dump({"metadata": inner, "spec": {"l": [inner]}})
    assert text == (
        "metadata:\n"
        "  name: 1\n  B: 1\n  _: 1\n  a: 1\n  apiVersion: 1\n  b: 1\n  kind: 1\n  é: 1\n"
        "spec:\n"
        "  l:\n"
        "    - name: 1\n      B: 1\n      _: 1\n      a: 1\n      apiVersion: 1\n"
        "      b: 1\n      kind: 1\n      é: 1\n"
    )


def test_unicode_is_raw_utf8_and_lines_are_never_wrapped() -> None:
    long = "ü" * 500 + " word" * 200
    obj = {"ключ": "значение", "emoji": "🙂 ok", "long": long, "nbsp": "a\xa0b"}
    text = dump(obj)
    assert text == (
        f'emoji: 🙂 ok\nlong: {long}\nnbsp: "a\xa0b"\nключ: значение\n'
    )
    _assert_round_trips(obj)


def test_other_scalars() -> None:
    obj = {"t": True, "f": False, "n": None, "i": -12, "big": 10**30, "x": 1.5,
           "e": 1e20, "s": 1e-7, "inf": math.inf, "ninf": -math.inf, "nan": math.nan}
    assert dump(obj) == (
        "big: 1000000000000000000000000000000\ne: 1.0e+20\nf: false\ni: -12\n"
        "\"inf\": .inf\n\"n\": null\n\"nan\": .nan\nninf: -.inf\ns: 1.0e-07\nt: true\nx: 1.5\n"
    )
    _assert_round_trips(obj)


def test_mapping_types_and_subclasses() -> None:
    class Color(enum.StrEnum):
        RED = "red"
        YES = "yes"

    class Size(enum.IntEnum):
        BIG = 3

    obj = {
        "proxy": types.MappingProxyType({"b": 1, "name": "x"}),
        "ordered": collections.OrderedDict([("z", Color.RED), ("a", Color.YES)]),
        "l": [types.MappingProxyType({"k": Size.BIG}), Color.YES],
    }
    assert dump(obj) == (
        'l:\n  - k: 3\n  - "yes"\nordered:\n  a: "yes"\n  z: red\n'
        "proxy:\n  name: x\n  b: 1\n"
    )
    top = types.MappingProxyType({"kind": "K", "apiVersion": "v1"})
    assert dump(top) == "apiVersion: v1\nkind: K\n"


def test_very_long_key_uses_explicit_key() -> None:
    key = "k" * 1500
    obj = {key: {"a": 1}, "b": [{key: "v"}]}
    assert dump(obj) == f"b:\n  - ? {key}\n    : v\n? {key}\n:\n  a: 1\n"
    _assert_round_trips(obj)


def test_rejects_unsupported_values() -> None:
    with pytest.raises(TypeError):
        dump({"a": object()})
    with pytest.raises(TypeError):
        dump({1: "a"})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        dump(["a"])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- quoting table

MUST_QUOTE = [
    "", " ", "~", "null", "Null", "NULL",
    "y", "Y", "n", "N",
    "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    "true", "True", "TRUE", "false", "False", "FALSE",
    "0", "12", "-3", "+4", "0x1F", "0X1f", "-0x1F", "0o17", "0O17", "017", "08", "0b101",
    "-0b101", "0B1", "1_000", "1_", "+_1", "1.5", "1.", ".5", "-.5", "1e3", "1E-3", "1.0e+20",
    "6.8523015e+5", "685.230_15e+03", "+12_345", ".inf", "-.Inf", "+.INF", ".nan", ".NaN",
    "1:30", "190:20:30", "190:20:30.15", "-1:30",
    "2001-12-14", "2001-1-2", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
    "2001-12-15T02:59:43.1Z", "2001-12-14-rest",
    "<<", "=",
    "-", "?", ":", "- x", "? x", ": x", "-\tx",
    ",x", "[x", "]x", "{x", "}x", "#x", "&x", "*x", "!x", "|x", ">x", "'x", '"x', "%x",
    "@", "@x", "`x", "{{.input}}",
    "a: b", "a #b", "a:", "a::", " a", "a ", "a\tb", "\tx",
    "\x00", "x\x07", "x\x7f", "x\x85y", "x\u2028y", "x\u2029y", "\ufeffx", "x\u200b", "\xa0x",
    "---", "--- x", "...", "...x",
]

MUST_STAY_PLAIN = [
    "a0", "primary", "v1", "a-b", "a b", "a,b", "x[0]", "a{b}", "a#b", "a:b", "x:1",
    "--inputs", "-x", "-.x", "--", "?x", ":x", "http://example.com/a#frag",
    "app.kubernetes.io/name", "nginx:1.25", "1Gi", "500m", "10.0.0.1", "1.2.3",
    "0.0.0.0/0", "e3", "x1", "_1", "yes-no", "onx", "nullable", "True2", "2001-12",
    "café", "日本語", "🙂", "~x", "<", "<<<", "==", "a'b", 'a"b', "a!b", "a&b",
    "12:30:x", "1:2:3:x", "Infinity-ish", "-y", "+x", ".x", ".",
]


@pytest.mark.parametrize("s", MUST_QUOTE)
def test_must_quote(s: str) -> None:
    value_line = dump({"k": s})
    assert value_line.startswith('k: "'), value_line
    key_line = dump({s: 1})
    assert key_line.startswith('"'), key_line
    _assert_round_trips({"k": s, s: [s]})


@pytest.mark.parametrize("s", MUST_STAY_PLAIN)
def test_must_stay_plain(s: str) -> None:
    assert dump({"k": s}) == f"k: {s}\n"
    assert dump({s: 1}) == f"{s}: 1\n"
    assert dump({"l": [s]}) == f"l:\n  - {s}\n"
    _assert_round_trips({"k": s, s: [s]})


def test_double_quotes_use_json_escapes() -> None:
    assert dump({"k": 'a"b\\c\td'}) == 'k: "a\\"b\\\\c\\td"\n'
    assert dump({"k": "é\x01"}) == 'k: "é\\u0001"\n'


# --------------------------------------------------------------------------- properties

_PIECES = [
    "0", "1", "7", "9", "_", ".", ":", "-", "+", "e", "E", "x", "X", "o", "b", "p",
    "inf", "Inf", "nan", "NaN", "yes", "No", "ON", "off", "y", "N", "true", "False",
    "null", "NULL", "~", "<<", "<", "=", "#", " ", "  ", "\t", "\n", "\n\n", "\r", "'", '"',
    "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "%", "@", "`", "?",
    "2001-12-14", "2001-1-2", "t", "T", "Z", "21:59:43.10", "-05:00", "---", "...",
    "\x85", "\u2028", "\u2029", "\ufeff", "\xa0", "\x00", "\x7f", "\x9f", "\u200b",
    "é", "日本", "🙂", "0x", "0o", "0b", "1_000", "190:20:30", ".5", "1e3", "name", "a",
]

_texts = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=6).map("".join),
    st.text(max_size=12),
    st.text(alphabet="ab01 :#-\n\t.", max_size=12),
)
_scalars = st.one_of(
    _texts,
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
)
_trees = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_texts, children, max_size=4)
    ),
    max_leaves=25,
)
_documents = st.dictionaries(_texts, _trees, max_size=5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents)
def test_round_trip_yaml11_yaml12_go(obj: dict[str, Any]) -> None:
    text = _assert_round_trips(obj)
    assert dump(obj) == text
    assert dump(copy.deepcopy(obj)) == text


@settings(max_examples=300, deadline=None)
@given(_texts)
def test_any_string_round_trips_as_value_key_and_item(s: str) -> None:
    _assert_round_trips({"k": s, s: [s, {s: s}]})


# --------------------------------------------------------------------------- memo (a batch of objects)


def test_a_memo_gives_the_same_bytes_as_none() -> None:
    """Lowering shares subtrees between the objects of a unit (the tasks of an environment
    share one pod); with a memo a shared sequence is written once and copied after that,
    and the bytes must not change, wherever it sits: at another indentation, in a sequence,
    or twice in one object."""
    env = [{"name": "A", "value": "1"}, {"name": "B", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]
    drop = ["ALL"]
    first = {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "a"},
             "template": {"spec": {"containers": [{"name": "p", "env": env, "args": drop}]}}}
    second = {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "b", "env": env},
              "template": {"spec": {"containers": [{"name": "p", "env": env, "x": [env, {"env": env}]}]}},
              "data": {"env": env, "again": env, "drop": drop}}
    batch = [first, second, first, {"env": env}]
    memo = Memo()
    assert [dump(o, memo=memo) for o in batch] == [dump(o) for o in batch]
    assert dump({"env": env}, top_level=False, memo=memo) == dump({"env": env}, top_level=False)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents, _documents)
def test_a_memo_gives_the_same_bytes_for_any_shared_subtrees(a: dict[str, Any], b: dict[str, Any]) -> None:
    lists = [v for v in a.values() if isinstance(v, list)]
    shared = {**b, "a": a, "deep": {"x": {"y": a, "lists": lists}}, "items": [a, lists, *lists]}
    batch = [a, shared, a, shared]
    memo = Memo()
    assert [dump(o, memo=memo) for o in batch] == [dump(o) for o in batch]


def test_key_sets_in_any_insertion_order_share_no_layout_by_mistake() -> None:
    """The writer remembers the key order of each key set as its dict holds it: dicts with
    the same keys in another order, or with one more key, are laid out on their own."""
    assert dump({"m": {"b": 1, "name": 2, "a": 3}}) == "m:\n  name: 2\n  a: 3\n  b: 1\n"
    assert dump({"m": {"a": 3, "b": 1, "name": 2}}) == "m:\n  name: 2\n  a: 3\n  b: 1\n"
    assert dump({"m": {"a": 3, "b": 1}}) == "m:\n  a: 3\n  b: 1\n"
    assert dump({"m": {"a": 3, "b": 1, "c": [{"name": "x", "a": True}]}}) == (
        "m:\n  a: 3\n  b: 1\n  c:\n    - name: x\n      a: true\n")
