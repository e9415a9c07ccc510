"""The human and JSON renderings of diagnostics (SPEC §11.1), pinned byte for byte.

`human` prints, per diagnostic, the header `file:line:col: <severity> <id> <name>:
<message>`, the source line with a caret under the column, one `note:` line per
related location, and at the end `N errors, M warnings`.  Colour only with
`color=True`.  The messages here are written by the tests: only the formatter is
under test.
"""

from __future__ import annotations

import json

from envc import codes
from envc.diagnostics import Related, Sink, Span
from envc.render import as_json, human

A = "kind: TaskEnvironment\nname: a\nextends: c\n---\nkind: TaskEnvironment\nname: b\nextends: a\n"
C = "kind: TaskEnvironment\nname: c\nextends: b\n"
TWO = "`cpu`: 'two' is not a Kubernetes quantity"


def cycle_sink() -> Sink:
    sink = Sink()
    sink.sources.update({"envs/a.yaml": A, "envs/c.yaml": C})
    sink.report(
        codes.EXTENDS_CYCLE,
        Span("envs/a.yaml", 3, 10),
        "extends cycle: a -> c -> b -> a",
        (
            Related("`a` extends `c`", Span("envs/a.yaml", 3, 10)),
            Related("`c` extends `b`", Span("envs/c.yaml", 3, 10)),
            Related("`b` extends `a`", Span("envs/a.yaml", 7, 10)),
        ),
    )
    return sink


def test_error_with_related_locations() -> None:
    sink = cycle_sink()
    assert human(sink, sink.sorted()) == (
        "envs/a.yaml:3:10: error E301 extends-cycle: extends cycle: a -> c -> b -> a\n"
        " 3 | extends: c\n"
        "   |          ^\n"
        "  note: envs/a.yaml:3:10: `a` extends `c`\n"
        "  note: envs/c.yaml:3:10: `c` extends `b`\n"
        "  note: envs/a.yaml:7:10: `b` extends `a`\n"
        "1 error, 0 warnings\n"
    )


def test_several_diagnostics_sorted_with_counts_and_gutter_widths() -> None:
    text = "".join(f"k{i}: v\n" for i in range(1, 12))  # lines 1..11
    sink = Sink(sources={"envs/a.yaml": text})
    sink.report(codes.UNKNOWN_KEY, Span("envs/a.yaml", 11, 1), "unknown key `k11`")
    sink.report(codes.UNPINNED_IMAGE, Span("envs/a.yaml", 2, 5), "image `v` is not pinned")
    sink.report(codes.UNKNOWN_KEY, Span("envs/a.yaml", 9, 1), "unknown key `k9`")
    assert human(sink, sink.sorted()) == (
        "envs/a.yaml:2:5: warning W501 unpinned-image: image `v` is not pinned\n"
        " 2 | k2: v\n"
        "   |     ^\n"
        "envs/a.yaml:9:1: error E201 unknown-key: unknown key `k9`\n"
        " 9 | k9: v\n"
        "   | ^\n"
        "envs/a.yaml:11:1: error E201 unknown-key: unknown key `k11`\n"
        " 11 | k11: v\n"
        "    | ^\n"
        "2 errors, 1 warning\n"
    )


def test_warnings_only() -> None:
    sink = Sink(sources={"envc.yaml": "envc: 1\nsources: [x]\n"})
    sink.report(codes.NO_SOURCES, Span("envc.yaml", 2, 10), "the `sources` globs match no file: x")
    assert human(sink, sink.sorted()) == (
        "envc.yaml:2:10: warning W201 no-sources: the `sources` globs match no file: x\n"
        " 2 | sources: [x]\n"
        "   |          ^\n"
        "0 errors, 1 warning\n"
    )


def test_no_diagnostics_renders_nothing() -> None:
    assert human(Sink(), []) == ""


def test_without_source_text_there_is_no_excerpt() -> None:
    """E102: the file could not be decoded, so there is no line to show."""
    sink = Sink()
    sink.report(codes.NOT_UTF8, Span("envs/a.yaml", 2, 7), "byte 0xff is not UTF-8")
    assert human(sink, sink.sorted()) == (
        "envs/a.yaml:2:7: error E102 not-utf8: byte 0xff is not UTF-8\n"
        "1 error, 0 warnings\n"
    )


def test_a_line_past_the_end_has_no_excerpt() -> None:
    sink = Sink(sources={"envs/a.yaml": "a: [1\n"})
    sink.report(codes.YAML_SYNTAX, Span("envs/a.yaml", 9, 1), "did not find expected ',' or ']'")
    assert human(sink, sink.sorted()) == (
        "envs/a.yaml:9:1: error E101 yaml-syntax: did not find expected ',' or ']'\n"
        "1 error, 0 warnings\n"
    )


def test_crlf_line_endings_are_not_shown() -> None:
    sink = Sink(sources={"envs/a.yaml": "kind: TaskEnvironment\r\nqueu: gpu\r\n"})
    sink.report(codes.UNKNOWN_KEY, Span("envs/a.yaml", 2, 1), "unknown key `queu`")
    assert human(sink, sink.sorted()) == (
        "envs/a.yaml:2:1: error E201 unknown-key: unknown key `queu`\n"
        " 2 | queu: gpu\n"
        "   | ^\n"
        "1 error, 0 warnings\n"
    )


def test_caret_under_a_value_after_non_ascii_text() -> None:
    sink = Sink(sources={"envs/a.yaml": "description: é\nqueue: [x]\nx: {é: ü, cpu: two}\n"})
    sink.report(codes.BAD_QUANTITY, Span("envs/a.yaml", 3, 16), TWO)
    out = human(sink, sink.sorted()).split("\n")
    assert out[1:3] == [" 3 | x: {é: ü, cpu: two}", "   |                ^"]


def _caret_column(source: str, caret: str, tabsize: int) -> tuple[int, int]:
    """Where `two` starts and where the caret is, as a terminal with `tabsize` shows them."""
    return source.expandtabs(tabsize).index("two"), caret.expandtabs(tabsize).index("^")


def test_caret_under_the_value_on_a_line_with_a_tab() -> None:
    """YAML allows a tab between `key:` and its value; libyaml counts it as one column.
    Whatever the terminal's tab stops, the caret must stand under the value."""
    text = "kind: TaskEnvironment\nname: a\nresources:\n  cpu:\t  two\n"
    sink = Sink(sources={"envs/a.yaml": text})
    sink.report(codes.BAD_QUANTITY, Span("envs/a.yaml", 4, 10), TWO)
    lines = human(sink, sink.sorted()).split("\n")
    assert lines[0] == f"envs/a.yaml:4:10: error E501 invalid-quantity: {TWO}"
    assert lines[1].startswith(" 4 | ") and lines[2].startswith("   | ")
    for tabsize in (8, 4, 2):
        value_at, caret_at = _caret_column(lines[1], lines[2], tabsize)
        assert caret_at == value_at, f"tab stops {tabsize}: caret {caret_at}, value {value_at}"
    assert lines[3:] == ["1 error, 0 warnings", ""]


def test_colour_only_when_asked() -> None:
    sink = cycle_sink()
    plain = human(sink, sink.sorted(), color=False)
    assert "\x1b" not in plain
    coloured = human(sink, sink.sorted(), color=True)
    assert coloured.split("\n") == [
        "\x1b[1menvs/a.yaml:3:10: \x1b[0m\x1b[1;31merror\x1b[0m"
        " E301 extends-cycle: extends cycle: a -> c -> b -> a",
        " 3 | extends: c",
        "   | \x1b[1;31m         ^\x1b[0m",
        "  \x1b[1;36mnote\x1b[0m: envs/a.yaml:3:10: `a` extends `c`",
        "  \x1b[1;36mnote\x1b[0m: envs/c.yaml:3:10: `c` extends `b`",
        "  \x1b[1;36mnote\x1b[0m: envs/a.yaml:7:10: `b` extends `a`",
        "1 error, 0 warnings",
        "",
    ]


def test_warning_colour_is_yellow() -> None:
    sink = Sink()
    sink.report(codes.REPLACE_DROPS, Span("envs/a.yaml", 8, 12), "`resources` drops `cpu`")
    header = human(sink, sink.sorted(), color=True).split("\n")[0]
    assert header == (
        "\x1b[1menvs/a.yaml:8:12: \x1b[0m\x1b[1;33mwarning\x1b[0m"
        " W301 replace-drops: `resources` drops `cpu`"
    )


def test_json_has_every_field() -> None:
    sink = cycle_sink()
    sink.report(codes.UNPINNED_IMAGE, Span("envs/c.yaml", 1, 1), "image `x` is not pinned")
    doc = json.loads(as_json(sink.sorted()))
    assert doc["errors"] == 1 and doc["warnings"] == 1
    first, second = doc["diagnostics"]
    assert first == {
        "code": "E301",
        "name": "extends-cycle",
        "severity": "error",
        "message": "extends cycle: a -> c -> b -> a",
        "file": "envs/a.yaml",
        "line": 3,
        "col": 10,
        "related": [
            {"message": "`a` extends `c`", "file": "envs/a.yaml", "line": 3, "col": 10},
            {"message": "`c` extends `b`", "file": "envs/c.yaml", "line": 3, "col": 10},
            {"message": "`b` extends `a`", "file": "envs/a.yaml", "line": 7, "col": 10},
        ],
    }
    assert second["code"] == "W501" and second["severity"] == "warning" and second["related"] == []
    assert (second["file"], second["line"], second["col"]) == ("envs/c.yaml", 1, 1)


def test_json_keeps_non_ascii_and_ends_with_a_newline() -> None:
    sink = Sink()
    sink.report(codes.UNKNOWN_KEY, Span("envs/é.yaml", 1, 1), "unknown key `größe`")
    out = as_json(sink.sorted())
    assert out.endswith("}\n")
    assert "größe" in out and "envs/é.yaml" in out
    assert json.loads(out)["diagnostics"][0]["message"] == "unknown key `größe`"


def test_sorted_removes_exact_duplicates() -> None:
    """The same diagnostic reported twice (e.g. once per task of an environment) is shown once."""
    sink = Sink()
    for _ in range(2):
        sink.report(codes.BAD_QUANTITY, Span("envs/a.yaml", 3, 18), TWO)
    assert len(sink.sorted()) == 1
    assert human(sink, sink.sorted()).endswith("1 error, 0 warnings\n")
