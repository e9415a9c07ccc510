"""The field table: which kinds have a field, which tiers may set it, its built-in
default (as written), and how `!append` identifies its items (SPEC §4.2, §5.2)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

from envc.values.secret_ref import derived_env_var

TASK, APP = "TaskEnvironment", "AppEnvironment"


class Field(NamedTuple):
    name: str
    kinds: frozenset[str]
    env: bool  # settable on the environment (and by extends/defaults)
    task: bool  # settable on a task
    invocation: bool  # settable in a Workflow override
    default: Any = None
    identity: Callable[[Any], Any] | None = None  # !append duplicate detection


def _secret_identity(item: Any) -> Any:
    if isinstance(item, str):
        return ("env", derived_env_var(item, None))
    if item.get("mount"):
        return ("file", item.get("mount"), item.get("group"), item.get("key"))
    return ("env", item.get("as_env_var") or derived_env_var(str(item.get("key")), item.get("group")))


def _whole(item: Any) -> Any:
    import json

    return json.dumps(item, sort_keys=True)


def _by_name(item: Any) -> Any:
    return item.get("name") if isinstance(item, dict) else item


_BOTH = frozenset({TASK, APP})
_T = frozenset({TASK})
_A = frozenset({APP})

FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("description", _BOTH, True, False, False),
        Field("image", _BOTH, True, False, False, "auto"),
        Field("module", _T, True, False, False),
        Field("resources", _BOTH, True, False, True, {}),
        Field("env_vars", _BOTH, True, False, True, {}),
        Field("secrets", _BOTH, True, False, True, [], _secret_identity),
        Field("service_account", _BOTH, True, True, True),
        Field("pod_template", _BOTH, True, True, True),
        Field("interruptible", _BOTH, True, True, True, False),
        Field("queue", _T, True, True, True),
        Field("cache", _T, True, True, True, "disable"),
        Field("depends_on", _BOTH, True, False, False, [], _by_name),
        Field("reusable", _T, True, False, True),
        Field("short_name", _T, False, True, True),
        Field("retries", _T, False, True, True, 0),
        Field("timeout", _T, False, True, True, 0),
        Field("max_inline_io_bytes", _T, False, True, True, 10485760),
        Field("port", _A, True, False, False, 8080),
        Field("command", _A, True, False, False),
        Field("args", _A, True, False, False),
        Field("parameters", _A, True, False, False, [], _by_name),
        Field("scaling", _A, True, False, False, {}),
        Field("requires_auth", _A, True, False, False, True),
        Field("domain", _A, True, False, False),
    )
}

# Nested sequences whose !append items have an identity (SPEC §4.2).
NESTED_IDENTITY: dict[str, Callable[[Any], Any]] = {"tolerations": _whole}

# Values emitted as their YAML source text (SPEC §5.1 env_vars, §6.1 quantities).
AS_TEXT_PREFIXES: tuple[tuple[str, ...], ...] = (("resources",), ("env_vars",))


# FIELDS never changes: each selection is made once (resolution asks for one per task).
@cache
def env_fields(kind: str) -> tuple[Field, ...]:
    return tuple(f for f in FIELDS.values() if kind in f.kinds and f.env)


@cache
def task_fields() -> tuple[Field, ...]:
    return tuple(f for f in FIELDS.values() if TASK in f.kinds and f.task)


@cache
def invocation_fields() -> tuple[Field, ...]:
    return tuple(f for f in FIELDS.values() if f.invocation)
