"""Resolved values in their normalised form (SPEC §11.2): what `explain --json`
prints, what the content hash covers (§9.3) and what `lower` reads.

Runs only on values the checks accepted: it does not re-validate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from envc import apps
from envc.project import Settings
from envc.values.duration import parse_duration
from envc.values.secret_ref import derived_env_var

DESCRIPTION_MAX = 255
_CACHE_ALIASES = {
    "auto": "auto", "override": "override", "disable": "disable",
    "enable": "auto", "enabled": "auto", "on": "auto", "yes": "auto", "true": "auto",
    "off": "disable", "no": "disable", "none": "disable", "false": "disable",
}
REUSE_DEFAULTS = {"replicas": 2, "concurrency": 1, "idle_ttl": 30, "scaledown_ttl": 30, "scope": "global"}


def image(value: Any, settings: Settings) -> str:
    return settings.default_image if value in (None, "auto") else str(value)


def description(value: Any) -> str | None:
    """Flyte truncates a description over 255 characters to 247 + "...(tr.)" (SPEC §12.7)."""
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= DESCRIPTION_MAX else text[:247] + "...(tr.)"


def resources(value: Any) -> dict[str, Any]:
    return dict(value or {})


def env_vars(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()}


def secret(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        item = {"key": item}
    key, group, mount = item["key"], item.get("group"), item.get("mount")
    as_env = None if mount else (item.get("as_env_var") or derived_env_var(key, group))
    return {"key": key, "group": group, "mount": mount, "as_env_var": as_env}


def secrets(value: Any) -> list[dict[str, Any]]:
    return [secret(s) for s in value or []]


def cache(value: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"behavior": "disable", "version_override": None, "serialize": False,
                            "ignored_inputs": [], "salt": ""}
    if isinstance(value, bool):
        return {**base, "behavior": "auto" if value else "disable"}
    if isinstance(value, str):
        return {**base, "behavior": _CACHE_ALIASES[value]}
    if isinstance(value, dict):
        return {**base, **{k: v for k, v in value.items() if v is not None or k == "version_override"}}
    return base


def replicas(value: Any) -> list[int]:
    if isinstance(value, list):
        return [int(value[0]), int(value[1])]
    return [int(value), int(value)]


def reusable(value: Any) -> dict[str, Any] | None:
    if value is None or value is False or value == "off":
        return None
    policy = {**REUSE_DEFAULTS, **{k: v for k, v in value.items() if v is not None}}
    return {
        "replicas": replicas(policy["replicas"]),
        "concurrency": int(policy["concurrency"]),
        "idle_ttl": parse_duration(policy["idle_ttl"]),
        "scaledown_ttl": parse_duration(policy["scaledown_ttl"]),
        "scope": policy["scope"],
    }


def retries(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        backoff = value.get("backoff")
        if backoff is not None:
            backoff = {
                "base": parse_duration(backoff["base"]) if backoff.get("base") is not None else None,
                "factor": backoff.get("factor"),
                "cap": parse_duration(backoff["cap"]) if backoff.get("cap") is not None else None,
            }
        return {"count": int(value.get("count") or 0), "backoff": backoff}
    return {"count": int(value or 0), "backoff": None}


def timeout(value: Any) -> dict[str, int]:
    if isinstance(value, dict):
        return {k: parse_duration(value.get(k) or 0) for k in ("max_runtime", "max_queued_time", "deadline")}
    return {"max_runtime": parse_duration(value or 0), "max_queued_time": 0, "deadline": 0}


def parameter(item: Any) -> dict[str, Any]:
    """An app parameter with Flyte's `Parameter` defaults filled in (SPEC §7)."""
    return {
        "name": item["name"],
        "value": item.get("value"),
        "type": item.get("type") or "string",
        "env_var": item.get("env_var"),
        "download": item.get("download", True),
        "mount": item.get("mount"),
        "ignore_patterns": list(item.get("ignore_patterns") or []),
    }


def parameters(value: Any) -> list[dict[str, Any]]:
    return [parameter(p) for p in value or []]


def _identity(value: Any) -> Any:
    return value


def _list(value: Any) -> list[Any]:
    return list(value or [])


def _bool(value: Any) -> bool:
    return bool(value)


def _args(value: Any) -> list[str]:
    return apps.split(value) or []


NORMALISERS: Mapping[str, Callable[[Any], Any]] = {
    "description": description,
    "resources": resources,
    "env_vars": env_vars,
    "secrets": secrets,
    "cache": cache,
    "reusable": reusable,
    "retries": retries,
    "timeout": timeout,
    "depends_on": _list,
    "interruptible": _bool,
    "parameters": parameters,
    "port": apps.port,
    "command": apps.split,
    "args": _args,
    "domain": apps.domain,
}


def normalise(name: str, value: Any, settings: Settings) -> Any:
    if name == "image":
        return image(value, settings)
    if name == "scaling":
        return apps.scaling(value, settings)  # the default replicas depend on apps.target
    return NORMALISERS.get(name, _identity)(value)
