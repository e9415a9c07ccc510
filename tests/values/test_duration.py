"""Tests for envc.values.duration: seconds or `1h30m`-style strings, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

try:
    from envc.values.duration import parse_duration
except ImportError:  # pragma: no cover - package not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "compiler"))
    from envc.values.duration import parse_duration

EXPECTED = "expected seconds or a duration like 30s, 10m, 1h30m"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (0, 0),
        (30, 30),
        (3600, 3600),
        ("30s", 30),
        ("10m", 600),
        ("1h", 3600),
        ("1h30m", 5400),
        ("1h30s", 3630),
        ("2m5s", 125),
        ("1h1m1s", 3661),
        ("0s", 0),
        ("90m", 5400),
        ("0001s", 1),
        ("100h", 360000),
    ],
)
def test_parse_duration_valid(value: int | str, seconds: int) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", f"{EXPECTED}, got ''"),
        ("30", f"{EXPECTED}, got '30'"),
        ("1.5h", f"{EXPECTED}, got '1.5h'"),
        ("30m1h", f"{EXPECTED}, got '30m1h'"),
        ("1h 30m", f"{EXPECTED}, got '1h 30m'"),
        ("1H", f"{EXPECTED}, got '1H'"),
        ("1d", f"{EXPECTED}, got '1d'"),
        ("1ms", f"{EXPECTED}, got '1ms'"),
        ("-5s", f"{EXPECTED}, got '-5s'"),
        ("5s\n", f"{EXPECTED}, got '5s\\n'"),
        ("h", f"{EXPECTED}, got 'h'"),
        ("١s", f"{EXPECTED}, got '١s'"),  # a non-ASCII digit
        ("1" * 64 + "s", f"{EXPECTED}, got {'1' * 64 + 's'!r}"),
        (1.5, f"{EXPECTED}, got 1.5"),
        (30.0, f"{EXPECTED}, got 30.0"),
        (True, f"{EXPECTED}, got true"),
        (False, f"{EXPECTED}, got false"),
        (None, f"{EXPECTED}, got null"),
        ([30], f"{EXPECTED}, got [30]"),
        (-1, "duration must not be negative"),
    ],
)
def test_parse_duration_invalid(value: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(value)
    assert str(info.value) == message


@given(st.integers(min_value=0, max_value=999), st.integers(0, 999), st.integers(0, 999))
def test_parts_add_up(h: int, m: int, s: int) -> None:
    assert parse_duration(f"{h}h{m}m{s}s") == h * 3600 + m * 60 + s
