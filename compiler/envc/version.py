"""The deploy version of an environment (SPEC §9.3): the project's `version`, or the
first 12 hex digits of sha256 over the environment's resolved form, the project
settings that shape its output, and the bytes of its Python files."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import orjson

from envc.explain import Memo, env_entry
from envc.model import ResolvedEnv, TaskCode
from envc.project import Settings, project_hash_input


def hash_input(env: ResolvedEnv, code: Mapping[str, TaskCode], settings: Settings, memo: Memo | None = None) -> str:
    """C of SPEC §9.3: compact JSON with sorted keys (orjson: byte-identical to the standard
    library's `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`, 10x faster)."""
    files = {c.file: c.sha256 for t in env.tasks if (c := code.get(t.fqn)) is not None}
    entry = env_entry(env, code, settings, with_from=False, memo=memo)
    del entry["extends"]  # parent names never enter the hash (SPEC §9.3)
    payload = {
        "format": 1,
        "environment": entry,
        "project": project_hash_input(settings),
        "code": dict(sorted(files.items())),
    }
    return canonical_json(payload)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys.  orjson writes the same bytes as the standard library's
    `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`, faster; it refuses
    integers beyond 64 bits, which YAML allows, so those take the standard library's path."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def written_json(value: Any) -> str:
    """Compact JSON with keys in written order (where order is meaning: `env_vars`)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except orjson.JSONEncodeError:  # integers beyond 64 bits
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def env_version(c: str, settings: Settings) -> str:
    if settings.version is not None:
        return settings.version
    return hashlib.sha256(c.encode("utf-8")).hexdigest()[:12]
