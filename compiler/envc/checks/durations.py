"""Durations (SPEC §3): a non-negative integer of seconds, or a string like `1h30m`.

The schema checks their form, but JSON has a single number type: to it `600.0` is the integer
600, while SPEC §3 says floats are errors.  This rule reads every duration of a task's or an
invocation's `timeout` and `retries` as envc will, and reports what it cannot read.

PASS::   timeout: 1h
PASS::   retries: {count: 3, backoff: {base: 10s, factor: 2, cap: 5m}}
FAIL::   timeout: 600.0                           # E515 invalid-duration
FAIL::   timeout: {max_runtime: 30.5}             # E515 invalid-duration
"""

from __future__ import annotations

from typing import Any

from envc import codes
from envc.checks import Write
from envc.diagnostics import Sink
from envc.values.duration import parse_duration

# Where a field's durations are, below the field.
DURATIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "timeout": ((), ("max_runtime",), ("max_queued_time",), ("deadline",)),
    "retries": (("backoff", "base"), ("backoff", "cap")),
}


def check_durations(w: Write, sink: Sink) -> None:
    written = w.value
    for sub in DURATIONS.get(w.field, ()):
        value = _at(written, sub)
        if value is None or isinstance(value, (bool, dict, list)):
            continue  # absent, or a shape the schema has ruled on
        try:
            parse_duration(value)
        except ValueError as exc:
            sink.report(codes.BAD_DURATION, w.doc.span((*w.path, *sub)), f"`{'.'.join((w.field, *sub))}`: {exc}")


def _at(value: Any, sub: tuple[str, ...]) -> Any:
    for key in sub:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
