"""Field-level differences between two manifests, with readable paths.

`changes(old, new)` lists every leaf that differs as `(path, old, new)`, `ABSENT`
standing for a missing side.  Paths read like the manifest:
`spec.template.spec.containers[primary].env[LOG_LEVEL].value`; lists of objects
that all carry a `name` (or `fqn`) are matched by it, other lists item by item
with a longest-common-subsequence match, so an inserted argument shows as one
insertion and not as every later argument changed.  Annotations envc writes as
compact JSON (`envc.dev/tasks`, `envc.dev/cache`, ...) are compared inside.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from typing import Any, Final


class _Absent:
    """The side of a change where the field does not exist (one instance: `ABSENT`)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()
Change = tuple[str, Any, Any]
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
_IDENTITIES = ("name", "fqn")


def changes(old: Any, new: Any, path: str = "") -> list[Change]:
    return list(_walk(old, new, path))


def _walk(old: Any, new: Any, path: str) -> Iterator[Change]:
    if old == new and type(old) is type(new):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        yield from _mapping(old, new, path)
    elif isinstance(old, list) and isinstance(new, list):
        yield from _sequence(old, new, path)
    elif isinstance(old, str) and isinstance(new, str) and _json_annotation(path):
        yield from _json_string(old, new, path)
    else:
        yield path, old, new


def key_path(path: str, key: str) -> str:
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _mapping(old: dict[str, Any], new: dict[str, Any], path: str) -> Iterator[Change]:
    for key in [*new, *(k for k in old if k not in new)]:
        sub = key_path(path, str(key))
        yield from _walk(old.get(key, ABSENT), new.get(key, ABSENT), sub)


def _identity(items: list[Any]) -> str | None:
    for ident in _IDENTITIES:
        names = [i.get(ident) for i in items if isinstance(i, dict)]
        if items and len(names) == len(items) and all(isinstance(n, str) for n in names):
            return ident
    return None


def _sequence(old: list[Any], new: list[Any], path: str) -> Iterator[Change]:
    ident = _identity(old) if old else None
    if ident is not None and _identity(new) == ident and _unique(old, ident) and _unique(new, ident):
        before = {i[ident]: i for i in old}
        after = {i[ident]: i for i in new}
        for name in [*after, *(n for n in before if n not in after)]:
            yield from _walk(before.get(name, ABSENT), after.get(name, ABSENT), f"{path}[{name}]")
        return
    yield from _by_position(old, new, path)


def _unique(items: list[dict[str, Any]], ident: str) -> bool:
    return len({i[ident] for i in items}) == len(items)


def _by_position(old: list[Any], new: list[Any], path: str) -> Iterator[Change]:
    canon = [json.dumps(x, sort_keys=True, ensure_ascii=False) for x in old]
    canon_new = [json.dumps(x, sort_keys=True, ensure_ascii=False) for x in new]
    matcher = difflib.SequenceMatcher(None, canon, canon_new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):
            yield from _walk(old[i1 + k], new[j1 + k], f"{path}[{j1 + k}]")
        for i in range(i1 + paired, i2):
            yield f"{path}[{i}]", old[i], ABSENT
        for j in range(j1 + paired, j2):
            yield f"{path}[{j}]", ABSENT, new[j]


def _json_annotation(path: str) -> bool:
    return '["envc.dev/' in path.rpartition(".annotations")[2]


def _json_string(old: str, new: str, path: str) -> Iterator[Change]:
    try:
        before, after = json.loads(old), json.loads(new)
    except ValueError:
        yield path, old, new
        return
    if isinstance(before, (dict, list)) and isinstance(after, (dict, list)):
        yield from _walk(before, after, path)
    else:
        yield path, old, new


def show(value: Any, limit: int = 0) -> str:
    """A value as one line: strings as written, the rest as compact JSON."""
    if value is ABSENT:
        return "(absent)"
    if isinstance(value, str) and value and value.strip() == value and "\n" not in value:
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if not limit or len(text) <= limit else text[: limit - 1] + "…"


def plain(value: Any) -> Any:
    """A value for JSON output: ABSENT becomes None (the key says which side is missing)."""
    return None if value is ABSENT else value
