"""`envc explain`: every resolved field with its value and where it came from (SPEC §11.2).

The same entries, without `from`, are the environment part of the content hash
(SPEC §9.3), so what `explain` shows is exactly what versions the output.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from envc.model import Invocation, Origin, Resolved, ResolvedEnv, ResolvedTask, TaskCode, Value
from envc.normalize import normalise
from envc.project import Settings


def origin_json(o: Origin) -> dict[str, Any]:
    span = o.span
    if span is None:
        return {"tier": o.tier}
    out: dict[str, Any] = {"file": span.file, "line": span.line, "document": o.document, "tier": o.tier}
    if o.tier == "project":
        out["document"] = None
    return out


Memo = dict[int, tuple[Value, dict[str, Any]]]


def field_json(name: str, v: Value, settings: Settings, with_from: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"value": normalise(name, v.value, settings)}
    if with_from:
        out["from"] = origin_json(v.origin)
        if v.merged_from:
            out["merged_from"] = [origin_json(o) for o in v.merged_from]
    return out


def _fields(fields: Mapping[str, Value], settings: Settings, with_from: bool,
            task: ResolvedTask | None = None, memo: Memo | None = None) -> dict[str, Any]:
    if memo is not None and not with_from:
        return _fields_memo(fields, settings, task, memo)
    out = {name: field_json(name, v, settings, with_from) for name, v in sorted(fields.items())}
    if task is not None and out["short_name"]["value"] is None:
        out["short_name"]["value"] = task.key  # Flyte: the function name
    return out


def _fields_memo(fields: Mapping[str, Value], settings: Settings, task: ResolvedTask | None,
                 memo: Memo) -> dict[str, Any]:
    """The entries without provenance, for hashing: a Value shared by many environments
    (inherited) and tasks is normalised once and its entry shared (never mutated); the
    memo keeps each Value alive, so its id stays unique.  A Value belongs to one field."""
    out: dict[str, Any] = {}
    for name, v in sorted(fields.items()):
        hit = memo.get(id(v))
        if hit is None:
            hit = memo[id(v)] = (v, {"value": normalise(name, v.value, settings)})
        out[name] = hit[1]
    if task is not None and out["short_name"]["value"] is None:
        out["short_name"] = {"value": task.key}  # Flyte: the function name
    return out


def task_entry(task: ResolvedTask, code: TaskCode | None, settings: Settings, with_from: bool,
               memo: Memo | None = None) -> dict[str, Any]:
    return {
        "fqn": task.fqn,
        "function": code.function if code else task.key,
        "module": code.module if code else None,
        "async": code.is_async if code else None,
        "fields": _fields(task.fields, settings, with_from, task, memo),
    }


def env_entry(env: ResolvedEnv, code: Mapping[str, TaskCode], settings: Settings, with_from: bool = True,
              memo: Memo | None = None) -> dict[str, Any]:
    return {
        "kind": env.kind,
        "name": env.name,
        "extends": env.extends,
        "fields": _fields(env.fields, settings, with_from, memo=memo),
        "tasks": [task_entry(t, code.get(t.fqn), settings, with_from, memo)
                  for t in sorted(env.tasks, key=lambda t: t.fqn)],
    }


def invocation_entry(inv: Invocation, tasks: Mapping[str, ResolvedTask], settings: Settings, with_from: bool = True,
                     memo: Memo | None = None) -> dict[str, Any]:
    return {
        "workflow": inv.workflow,
        "step": inv.step,
        "task": inv.task_fqn,
        "fields": _fields(inv.fields, settings, with_from, tasks.get(inv.task_fqn), memo),
    }


def explain_all(resolved: Resolved, code: Mapping[str, TaskCode]) -> dict[str, Any]:
    settings = resolved.project.settings
    tasks = {t.fqn: t for e in resolved.environments.values() for t in e.tasks}
    return {
        "environments": [_entry(e, code, settings) for e in resolved.environments.values()],
        "invocations": [invocation_entry(i, tasks, settings) for i in resolved.invocations],
    }


def _entry(env: ResolvedEnv, code: Mapping[str, TaskCode], settings: Settings) -> dict[str, Any]:
    entry = env_entry(env, code, settings)
    if env.kind == "AppEnvironment":
        entry["fields"] = app_fields(env, entry["fields"], code, settings)
    return entry


def app_fields(env: ResolvedEnv, fields: dict[str, Any], code: Mapping[str, TaskCode],
               settings: Settings) -> dict[str, Any]:
    """An app's computed `container_command` beside `command`, with the decoded `--parameters`
    payload (SPEC §11.2).  Not part of the content hash: the command carries the version."""
    from envc.fserve import container_command, decode_payload, payload_of
    from envc.version import env_version, hash_input

    version = env_version(hash_input(env, code, settings), settings)
    command = container_command(env.get("command"), env.get("parameters"), version, settings)
    payload = payload_of(command) if env.get("command") is None else None
    derived: dict[str, Any] = {"value": command, "from": fields["command"]["from"],
                               "decoded_parameters": json.loads(decode_payload(payload)) if payload else None}
    out: dict[str, Any] = {}
    for name, value in fields.items():
        out[name] = value
        if name == "command":
            out["container_command"] = derived
    return out
