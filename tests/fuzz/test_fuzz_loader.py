"""Fuzzing the loader (SPEC §3, §11.3): no bytes make it crash, hang or misplace an error.

Three generators feed `loader_target.fuzz_yaml`: raw bytes; a soup of YAML tokens (indicators,
tags, anchors, aliases, merge keys, flow brackets, document markers, odd numbers and unicode)
that reaches deep into the parser; and the YAML of every case and example, mutated byte by
byte.  In CI each runs a bounded, derandomized number of examples (a few seconds); for a long
random run (docs/robustness.md):

    pytest tests/fuzz --hypothesis-profile=fuzz

and, coverage-guided with libFuzzer (`pip install -e '.[fuzz]'`, Linux):

    python tests/fuzz/atheris_loader.py -max_total_time=600
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from loader_target import fuzz_yaml

from casefile import parse
from robust_projects import bounded, robust_settings

TESTS = Path(__file__).resolve().parents[1]
SECONDS = 5.0  # of CPU per input: a run takes milliseconds


def seeds() -> list[bytes]:
    """The YAML of every case and example: realistic documents to mutate."""
    out = []
    for case in sorted((TESTS / "cases").glob("*.txt")):
        out += [body.encode() for name, body in parse(case).files.items() if name.endswith(".yaml")]
    for path in sorted((TESTS.parent / "examples").rglob("*.yaml")):
        if "manifests" not in path.parts:
            out.append(path.read_bytes())
    return out


SEEDS = seeds()

TOKENS = [
    "kind: TaskEnvironment", "kind: Workflow", "name: a", "extends: b", "resources", "tasks", "steps",
    ": ", ":", "- ", "-", "? ", "[", "]", "{", "}", ", ", "\n", "\n  ", "\n    ", "  ", "\t", "\r\n", "\r",
    "&a ", "*a", "&b ", "*b", "!merge ", "!append ", "!replace ", "!x ", "!!str ", "!!int ", "!!float ",
    "!!binary ", "!!python/object:os.system ", "!<tag:yaml.org,2002:str> ", "<<: ", "---\n", "...\n",
    "%YAML 1.2\n", "%TAG ! tag:x,2024:\n", "# c\n", "'", '"', "|\n", ">-\n", "\\", "\\u2028",
    "1" * 5000, "0x" + "f" * 200, "1e400", ".nan", "-.inf", "0o17", "1_000", "1:30", "~", "null",
    "yes", "on", "true", "é", "\u2028", "\x85", "\ufeff", "\u202e", "😀", "\x00", "\x07",
]


@st.composite
def token_soup(draw: st.DrawFn) -> bytes:
    parts = draw(st.lists(st.sampled_from(TOKENS) | st.text(max_size=4), max_size=60))
    return "".join(parts).encode("utf-8", "surrogatepass")


@st.composite
def mutated_seed(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "token", "truncate", "repeat"]))
        if op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        elif op == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS)).encode("utf-8", "surrogatepass")
        elif op == "truncate":
            del data[at:]
        elif op == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 40))] * draw(st.integers(2, 50))
    return bytes(data)


def run(data: bytes) -> None:
    with bounded(SECONDS):
        fuzz_yaml(data)


@robust_settings(300)
@given(st.binary(max_size=512))
def test_random_bytes(data: bytes) -> None:
    run(data)


@robust_settings(600)
@given(token_soup())
def test_token_soup(data: bytes) -> None:
    run(data)


@robust_settings(600)
@given(mutated_seed())
def test_mutated_seeds(data: bytes) -> None:
    run(data)


# Inputs fuzzing found, each once a crash or a misplaced error: kept as regression tests.
FOUND = [
    b"\r@",  # a lone CR: libyaml counted a line the excerpts did not (now read as LF)
    b"a: 1\xe2\x80\xa8b: [",  # U+2028: a line to libyaml, not to an editor (now E101)
    b"kind: TaskEnvironment\nname: a\nresources:\n  cpu: " + b"1" * 5000,  # int() refuses 4,300+ digits
    b"kind: TaskEnvironment\nname: a\nenv_vars:\n  ? Z[A, B]\n   entrypoint:skEnv#iro",  # atheris: an empty
    # value at the end of a file without a final newline was marked one line past the end
    b"kind: PodTemplate\nn",  # a syntax error at the end was marked one line past the end
]


@pytest.mark.parametrize("data", FOUND, ids=range(len(FOUND)))
def test_inputs_fuzzing_found(data: bytes) -> None:
    run(data)


def test_the_seeds_load() -> None:
    """The seeds are real: the harness sees the case corpus and the examples."""
    assert len(SEEDS) >= 80
    for data in SEEDS[:5]:
        run(data)
