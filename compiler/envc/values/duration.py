"""Durations (SPEC §3): whole seconds, or a string such as `30s`, `10m`, `1h30m`.

envc's own grammar, `^(\\d+h)?(\\d+m)?(\\d+s)?$` with at least one part (ASCII digits only). It
stands in for the `int` seconds or `timedelta` that Flyte takes (`flyte/_reusable_environment.py`,
`flyte/_timeout.py`). Floats and booleans are errors (YAML 1.2 reads `true` as a boolean, `1.5` as a
float): a duration is never a fraction of a second.
"""

from __future__ import annotations

import re
from functools import lru_cache

_DURATION = re.compile(r"(?:(?P<h>[0-9]+)h)?(?:(?P<m>[0-9]+)m)?(?:(?P<s>[0-9]+)s)?")
_EXPECTED = "expected seconds or a duration like 30s, 10m, 1h30m"
_MAX_LENGTH = 64


def parse_duration(value: object) -> int:
    """Seconds of a duration: a non-negative int, or a string like `30s`, `10m`, `1h30m`."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{_EXPECTED}, got {_shown(value)}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("duration must not be negative")
        return value
    return _parse_text(value)


@lru_cache(maxsize=4096)  # a project writes a handful of distinct durations, thousands of times
def _parse_text(text: str) -> int:
    match = _DURATION.fullmatch(text) if len(text) <= _MAX_LENGTH else None
    if match is None or not text:
        raise ValueError(f"{_EXPECTED}, got {text!r}")
    hours, minutes, seconds = (int(match[part] or 0) for part in ("h", "m", "s"))
    return hours * 3600 + minutes * 60 + seconds


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value)
