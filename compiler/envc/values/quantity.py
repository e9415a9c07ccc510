"""Kubernetes resource quantities (SPEC §3, §6.1).

Grammar from Kubernetes apimachinery, `pkg/api/resource/quantity.go` (the `Quantity` doc comment,
`parseQuantityString`, `ParseQuantity`) and `suffix.go` (`quantitySuffixer.interpret`)::

    <quantity>        ::= <signedNumber><suffix>
    <signedNumber>    ::= <number> | <sign><number>
    <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
    <sign>            ::= "+" | "-"
    <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
    <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
    <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
    <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>

The scanner reads the exponent as an integer (`[+-]?[0-9]+`), so `1e1.5` is invalid, and `1E` is
one exa while `1E3` is a thousand. The value is the one `ParseQuantity` stores: a non-zero value is
rounded away from zero to whole nano units (`0.9n` is `1n`) and a binarySI value is capped at
2^63-1 (`8Ei`). Stricter than the scanner on purpose: a lone sign or `.` (which it reads as 0) is
rejected, and so are over 100 digits or an exponent beyond ±1000 (no hang on hostile input).
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

_QUANTITY = re.compile(
    r"(?P<sign>[+-]?)(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?"
    r"(?P<suffix>[KMGTPE]i|[numkMGTPE]|[eE](?P<exp>[+-]?[0-9]+))?"
)
_BINARY_SI = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SI = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_NANO = 10**9
_BINARY_MAX = Fraction(2**63 - 1)
_MAX_DIGITS = 100
_MAX_EXPONENT = 1000


@lru_cache(maxsize=4096)  # a project writes a few dozen distinct quantities, thousands of times
def parse_quantity(text: str) -> Fraction:
    """The value of a Kubernetes quantity such as `500m`, `1.5Gi` or `1e3`; it must be >= 0.
    Remembered per text (a Fraction is immutable; a ValueError is raised again each time)."""
    match = _QUANTITY.fullmatch(text)
    if match is None or not (match["int"] or match["frac"]):
        raise ValueError(f"{text!r} is not a Kubernetes quantity")
    digits = match["int"] + (match["frac"] or "")
    if len(digits) > _MAX_DIGITS:
        raise ValueError(f"{text!r} has more than {_MAX_DIGITS} digits")
    value = Fraction(int(digits), 10 ** len(match["frac"] or ""))
    value = _rounded_to_nano(value * _scale(text, match["suffix"] or "", match["exp"]))
    if match["suffix"] in _BINARY_SI:
        value = min(value, _BINARY_MAX)
    if match["sign"] == "-" and value != 0:
        raise ValueError("quantity must not be negative")
    return value


def _scale(text: str, suffix: str, exponent: str | None) -> Fraction:
    if suffix in _BINARY_SI:
        return Fraction(2 ** _BINARY_SI[suffix])
    power = _DECIMAL_SI[suffix] if exponent is None else int(exponent)
    if abs(power) > _MAX_EXPONENT:
        raise ValueError(f"{text!r} has an exponent beyond ±{_MAX_EXPONENT}")
    return Fraction(10) ** power


def _rounded_to_nano(value: Fraction) -> Fraction:
    # ParseQuantity: amount.Round(amount, Nano.infScale(), inf.RoundUp) for non-zero values.
    nanos = value * _NANO
    whole = -((-nanos.numerator) // nanos.denominator)  # ceil, the value is not negative here
    return Fraction(whole, _NANO)


def quantity_text(value: float | str, raw: str | None) -> str:
    """The string to emit for a quantity: a YAML number as its source text (`1e3` -> "1e3").

    `raw` is the scalar's source text when the YAML value is a number. A string is emitted as is.
    The result is not validated here: callers pass it to `parse_quantity`.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a quantity, got {str(value).lower()}")
    if isinstance(value, str):
        return value
    return raw if raw is not None else repr(value)
