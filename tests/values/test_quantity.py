"""Tests for envc.values.quantity: the Kubernetes quantity grammar and value, and emitted text."""

from __future__ import annotations

import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

try:
    from envc.values.quantity import parse_quantity, quantity_text
except ImportError:  # pragma: no cover - package not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "compiler"))
    from envc.values.quantity import parse_quantity, quantity_text

F = Fraction


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", F(0)),
        ("2", F(2)),
        ("0.5", F(1, 2)),
        ("500m", F(1, 2)),
        ("1e3", F(1000)),
        ("1E3", F(1000)),
        ("1e+3", F(1000)),
        ("1e-3", F(1, 1000)),
        ("1E", F(10**18)),  # exa, not an exponent
        ("1.5e1", F(15)),
        (".5", F(1, 2)),
        ("5.", F(5)),
        ("+1", F(1)),
        ("-0", F(0)),
        ("007", F(7)),
        ("1n", F(1, 10**9)),
        ("1u", F(1, 10**6)),
        ("1k", F(1000)),
        ("1M", F(10**6)),
        ("1G", F(10**9)),
        ("1T", F(10**12)),
        ("1P", F(10**15)),
        ("1Ki", F(1024)),
        ("1Mi", F(2**20)),
        ("1.5Gi", F(3 * 2**29)),
        ("1Ti", F(2**40)),
        ("1Pi", F(2**50)),
        ("1Ei", F(2**60)),
        ("1.2345", F(12345, 10000)),
        # ParseQuantity rounds a non-zero value up to whole nano units ...
        ("0.9n", F(1, 10**9)),
        ("0.0000000001", F(1, 10**9)),
        ("1.0000000001", F(10**9 + 1, 10**9)),
        # ... and caps a binarySI value at 2^63-1.
        ("8Ei", F(2**63 - 1)),
        ("9Ei", F(2**63 - 1)),
        ("9E", F(9 * 10**18)),  # decimal: no cap
    ],
)
def test_parse_quantity_valid(text: str, value: Fraction) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "+",
        "-",
        ".",
        "1.5.3",
        "1e",
        "e3",
        "1e1.5",
        "1K",
        "1ki",
        "1KiB",
        "1GB",
        "1g",
        "1 Gi",
        " 1",
        "1 ",
        "1\n",
        "1_000",
        "0x10",
        ".inf",
        "nan",
        "1m1",
        "Gi",
        "١",  # a non-ASCII digit
    ],
)
def test_parse_quantity_invalid(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_quantity(text)
    assert str(info.value) == f"{text!r} is not a Kubernetes quantity"


@pytest.mark.parametrize("text", ["-1", "-0.5", "-1Gi", "-1e3", "-1n", "-0.0000000001"])
def test_parse_quantity_negative(text: str) -> None:
    with pytest.raises(ValueError, match=r"^quantity must not be negative$"):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1e1001", "'1e1001' has an exponent beyond ±1000"),
        ("1e-1001", "'1e-1001' has an exponent beyond ±1000"),
        ("1" * 101, f"{'1' * 101!r} has more than 100 digits"),
    ],
)
def test_parse_quantity_out_of_range(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_quantity(text)
    assert str(info.value) == message


def test_parse_quantity_bounds_are_accepted() -> None:
    assert parse_quantity("1e1000") == F(10**1000)
    assert parse_quantity("9" * 100) == F(int("9" * 100))


@pytest.mark.parametrize(
    ("value", "raw", "text"),
    [
        (1000.0, "1e3", "1e3"),
        (2, "2", "2"),
        (0.5, "0.5", "0.5"),
        (755, "0755", "0755"),
        (0.5, ".5", ".5"),
        ("1Gi", None, "1Gi"),
        ("1e3", None, "1e3"),
        (2, None, "2"),
        (0.5, None, "0.5"),
    ],
)
def test_quantity_text(value: float | str, raw: str | None, text: str) -> None:
    assert quantity_text(value, raw) == text


def test_quantity_text_rejects_booleans() -> None:
    with pytest.raises(ValueError, match=r"^expected a quantity, got true$"):
        quantity_text(True, "true")


def test_quantity_text_of_a_yaml_number_parses_to_its_value() -> None:
    assert parse_quantity(quantity_text(1000.0, "1e3")) == 1000


@given(st.integers(min_value=0, max_value=10**30))
def test_integers_round_trip(n: int) -> None:
    assert parse_quantity(str(n)) == n


@given(st.decimals(min_value=0, max_value=10**12, places=9, allow_nan=False))
def test_decimals_with_nano_precision_are_exact(d: Decimal) -> None:
    text = f"{d:f}"
    assert parse_quantity(text) == Fraction(text)


@given(st.text(alphabet="0123456789.+-eEKMGTPinumk ", max_size=12))
def test_never_raises_anything_but_value_error(text: str) -> None:
    try:
        value = parse_quantity(text)
    except ValueError:
        return
    assert value >= 0
