"""Phase 2: validate every document's shape against `schemas/envc.schema.json`.

The schema is the single source of truth (shipped as package data `envc.schemas`).
Validation runs with jsonschema-rs (docs/dependencies.md: 181x the reference
implementation); each error is mapped back to the YAML position of the failing
key or value, with "did you mean" for unknown keys and enum values, and messages
built from the schema's own `title`s for `anyOf` alternatives.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from envc import codes
from envc.diagnostics import Sink
from envc.hints import did_you_mean
from envc.load import Document, Path

KINDS = ("TaskEnvironment", "AppEnvironment", "PodTemplate", "Workflow")
_YAML11_BOOLS = frozenset(
    ["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"]
)

# Fields a tier may not set (SPEC §5.2), reported before the schema sees them.
ENV_ONLY = ("name", "image", "module", "description", "depends_on", "extends")
ENV_OR_INVOCATION = ("resources", "env_vars", "secrets", "reusable")
TASK_OR_INVOCATION = ("short_name", "retries", "timeout", "max_inline_io_bytes")
DEFAULTS_FORBIDDEN = ("name", "extends", "tasks", "depends_on")


@cache
def schema_text() -> str:
    # Read beside the data package's __init__.py, which a wheel and an editable install both
    # ship as files: importlib.resources would import tempfile, shutil and zipfile on every run.
    spec = importlib.util.find_spec("envc.schemas")
    assert spec is not None and spec.origin is not None
    with open(os.path.join(os.path.dirname(spec.origin), "envc.schema.json"), encoding="utf-8") as f:
        return f.read()


@cache
def schema() -> dict[str, Any]:
    return json.loads(schema_text())  # type: ignore[no-any-return]


@cache
def _registry() -> Any:
    """The schema as a jsonschema-rs resource, converted once and shared by every validator
    (a validator of its own `$defs` converts the 100 KB schema each time: 1 ms per kind)."""
    import jsonschema_rs  # imported on first validation only: keeps `envc --help` fast

    root = schema()
    return jsonschema_rs.Registry([(root["$id"], root)])


@cache
def _validator(pointer: str) -> Any:
    import jsonschema_rs

    root = schema()
    return jsonschema_rs.validator_for({"$schema": root["$schema"], "$ref": root["$id"] + pointer}, registry=_registry())


def check_document(doc: Document, kind: str, sink: Sink) -> None:
    """Validate one environment-file document of a known kind."""
    data = _strip_tier_errors(doc, kind, sink)
    data = _without_merge_nulls(doc, data)
    _validate(doc, data, f"#/$defs/{kind}", (), sink)


def check_project(doc: Document, sink: Sink) -> None:
    data = doc.data
    defaults = data.get("defaults")
    if isinstance(defaults, dict) and any(k in defaults for k in DEFAULTS_FORBIDDEN):
        for key in DEFAULTS_FORBIDDEN:
            if key in defaults:
                sink.report(codes.DEFAULTS_FORBIDDEN, doc.key_span(("defaults", key)),
                            f"`defaults` may not set `{key}` (SPEC §4.4)")
        data = {**data, "defaults": {k: v for k, v in defaults.items() if k not in DEFAULTS_FORBIDDEN}}
    _validate(doc, data, "#/$defs/Project", (), sink)


def check_kind(doc: Document, sink: Sink) -> str | None:
    kind = doc.data.get("kind")
    if kind in KINDS:
        return str(kind)
    if kind is None:
        sink.report(codes.UNKNOWN_KIND, doc.span(), "the document has no `kind`: " + ", ".join(KINDS))
    else:
        sink.report(codes.UNKNOWN_KIND, doc.span(("kind",)),
                    f"unknown kind `{kind}`{did_you_mean(str(kind), KINDS)}; expected one of " + ", ".join(KINDS))
    return None


def _without_merge_nulls(doc: Document, data: dict[str, Any]) -> dict[str, Any]:
    """Under `!merge`, `key: null` removes an inherited key (SPEC §4.2): not a value to validate."""
    for path, tag in doc.tags.items():
        if tag == "merge":
            data = _drop_nulls_at(data, path)
    return data


def _drop_nulls_at(data: Any, path: Path) -> Any:
    if not path:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data
    head, rest = path[0], path[1:]
    if isinstance(data, dict) and head in data:
        return {**data, head: _drop_nulls_at(data[head], rest)}
    if isinstance(data, list) and isinstance(head, int) and head < len(data):
        return [*data[:head], _drop_nulls_at(data[head], rest), *data[head + 1:]]
    return data


def _strip_tier_errors(doc: Document, kind: str, sink: Sink) -> dict[str, Any]:
    """Report fields written at a tier that may not set them; drop them for the schema."""
    data = doc.data
    if kind == "TaskEnvironment":
        data = _strip(doc, (), data, "environment", sink)
    if kind == "TaskEnvironment" and isinstance(data.get("tasks"), dict):
        tasks = {}
        for key, task in data["tasks"].items():
            tasks[key] = _strip(doc, ("tasks", key), task, "task", sink)
        data = {**data, "tasks": tasks}
    if kind == "Workflow" and isinstance(data.get("steps"), list):
        steps = []
        for i, step in enumerate(data["steps"]):
            if isinstance(step, dict) and isinstance(step.get("override"), dict):
                over = _strip(doc, ("steps", i, "override"), step["override"], "invocation", sink)
                step = {**step, "override": over}
            steps.append(step)
        data = {**data, "steps": steps}
    return data


def _strip(doc: Document, path: Path, block: Any, tier: str, sink: Sink) -> Any:
    if not isinstance(block, dict):
        return block
    wrong = {k: tier_message(k, tier) for k in block if tier_message(k, tier)}
    for key, message in wrong.items():
        sink.report(codes.WRONG_TIER, doc.key_span((*path, key)), message)
    return {k: v for k, v in block.items() if k not in wrong}


def tier_message(key: str, tier: str) -> str:
    """The wrong-tier message for `key` written at `tier`, or "" when the tier may set it."""
    if key in ENV_ONLY and tier != "environment":
        where = "only on the environment"
    elif key in TASK_OR_INVOCATION and tier == "environment":
        where = "on a task or in a Workflow step's `override`, not on the environment"
    elif key in ENV_OR_INVOCATION and tier == "task":
        where = "on the environment or in a Workflow step's `override`, not on a task"
    elif key in ("entrypoint", "async") and tier == "invocation":
        where = "only on the task"
    else:
        return ""
    return f"`{key}` cannot be set at the {tier} tier: it may be set {where} (SPEC §5.2)"


def _validate(doc: Document, data: Any, pointer: str, prefix: Path, sink: Sink,
              inherited: dict[str, Any] | None = None) -> None:
    validator, value = _validator(pointer), _jsonable(data)
    if validator.is_valid(value):  # the usual case, and ~3x faster than collecting no errors
        return
    for err in validator.iter_errors(value):
        _report(doc, data, err, pointer, prefix, sink, inherited or {})


def _jsonable(value: Any) -> Any:
    """jsonschema-rs takes JSON values only: non-finite floats become strings."""
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        return str(value)
    return value


def _report(doc: Document, data: Any, err: Any, pointer: str, prefix: Path, sink: Sink,
            inherited: dict[str, Any]) -> None:
    path: Path = (*prefix, *err.instance_path)
    kind = type(err.kind).__name__
    node, _, note = _locate(err.schema_path)
    note = note or inherited
    value = _value_at(data, tuple(err.instance_path))
    if kind == "FalseSchema" and path and isinstance(path[-1], int):
        return  # an item past `items: false`: the array's maxItems error says it once, at the array
    if kind == "PropertyNames":
        _report_property_names(doc, path, value, node, note, sink)
        return
    if kind != "AdditionalProperties" and _specific(doc, path, value, note, sink):
        return
    if kind == "AdditionalProperties":
        allowed = _properties(_schema_at(pointer, err.schema_path[:-1]))
        for key in err.kind.unexpected:
            sink.report(codes.UNKNOWN_KEY, doc.key_span((*path, key)),
                        f"unknown key `{key}`{did_you_mean(key, allowed)}{_where(path)}")
    elif kind == "Required":
        sink.report(codes.MISSING_KEY, doc.span(path), f"missing required key `{err.kind.property}`{_where(path)}")
    elif kind == "AnyOf":
        _report_any_of(doc, value, node, pointer, err.schema_path, path, sink, note)
    elif kind == "Type" and "boolean" in _types(err.kind) and isinstance(value, str) and value in _YAML11_BOOLS:
        sink.report(codes.YAML11_BOOLEAN, doc.span(path),
                    f"`{value}` is a string in YAML 1.2: write true or false{_where(path)}")
    elif kind in ("Enum", "Constant"):
        options = [json.dumps(o) for o in (node if isinstance(node, list) else [node])]
        hint = did_you_mean(str(value), [o.strip('"') for o in options]) if isinstance(value, str) else ""
        sink.report(codes.WRONG_TYPE, doc.span(path),
                    f"`{_show(value)}` is not allowed{hint}; expected {_or(options)}{_where(path)}")
    elif kind == "Pattern":
        sink.report(codes.WRONG_TYPE, doc.span(path),
                    f"`{_show(value)}` does not match the pattern {node}{_where(path)}")
    else:
        sink.report(codes.WRONG_TYPE, doc.span(path), f"{err.message}{_where(path)}")


def _specific(doc: Document, path: Path, value: Any, note: dict[str, Any], sink: Sink) -> bool:
    """A shape error the schema attributes to a specific rule (`x-envc-code`), with that rule's code."""
    if path and path[-1] == "reusable" and value is True:
        sink.report(codes.REUSE_TRUE, doc.span(path), "`reusable: true` is not a policy: write `reusable: {}` for the defaults")
        return True
    name = note.get("x-envc-code")
    if name is None and "reusable" in path and "replicas" in path:
        name = "reusable-replicas"  # jsonschema-rs reports errors under a $ref at the target def
    if name is None:
        return False
    code = codes.BY_NAME[name]
    sink.report(code, doc.span(path), _specific_message(code, value, note.get("x-envc-rule"), path))
    return True


def _specific_message(code: codes.Code, value: Any, rule: str | None, path: Path) -> str:
    shown, where = _show(value), _where(path)
    if code is codes.BAD_GPU and value == 0:
        return "gpu: 0 is not allowed; omit the field"
    if code is codes.BAD_QUANTITY and isinstance(value, list):
        return f"`{shown}` is not a [request, limit] pair: write two quantities{where}"
    if code is codes.BAD_QUANTITY and isinstance(value, (int, float)) and value < 0:
        return f"quantity {shown} must not be negative{where}"
    if code is codes.BAD_DURATION:
        return f"`{shown}` is not a duration: expected seconds or a duration like 30s, 10m, 1h30m{where}"
    if code is codes.REUSE_REPLICAS:
        return f"`{shown}` is not allowed: replica counts are >= 0 and concurrency is >= 1{where}"
    if code is codes.ENV_VALUE_TYPE:
        return f"env var value `{shown}` must be a string, number or boolean{where}"
    if rule is not None:
        return f"`{shown}` is invalid: use {rule}{where}"
    return f"`{shown}` is not valid: {code.summary}{where}"


def _report_property_names(doc: Document, path: Path, value: Any, node: Any, note: dict[str, Any], sink: Sink) -> None:
    """Each key that breaks `propertyNames`, reported at the key (e.g. a task key)."""
    raw = node if isinstance(node, str) else (node.get("pattern", ".*") if isinstance(node, dict) else ".*")
    pattern = re.compile(raw)
    rule = note.get("x-envc-rule") or f"the pattern {pattern.pattern}"
    code = codes.BY_NAME.get(note.get("x-envc-code", ""), codes.WRONG_TYPE)
    for key in value if isinstance(value, dict) else ():
        if not pattern.search(key):
            sink.report(code, doc.key_span((*path, key)), f"`{key}` is invalid: use {rule}{_where(path)}")


def _report_any_of(
    doc: Document, value: Any, branches: Any, pointer: str, schema_path: list[Any], path: Path, sink: Sink,
    note: dict[str, Any],
) -> None:
    """An anyOf failure: dig into the one branch of the value's JSON type, else list the forms."""
    if isinstance(value, str) and value in _YAML11_BOOLS and any("boolean" in _branch_types(b) for b in branches):
        sink.report(codes.YAML11_BOOLEAN, doc.span(path),
                    f"`{value}` is a string in YAML 1.2: write true or false{_where(path)}")
        return
    vtype = _json_type(value)
    matching = [i for i, b in enumerate(branches)
                if vtype in _branch_types(b) or (vtype == "integer" and "number" in _branch_types(b))]
    if len(matching) == 1:
        sub = f"{_locate(schema_path)[1]}/{matching[0]}"
        before = len(sink.items)
        _validate(doc, value, sub, path, sink, note)
        if len(sink.items) > before:
            return
    if isinstance(value, dict) and _unknown_keys(doc, value, [branches[i] for i in matching], path, sink):
        return
    titles = [b.get("title", "another form") for b in branches if isinstance(b, dict)]
    sink.report(codes.WRONG_TYPE, doc.span(path), f"`{_show(value)}` is not valid: expected {_or(titles)}{_where(path)}")


def _unknown_keys(doc: Document, value: dict[str, Any], branches: list[Any], path: Path, sink: Sink) -> bool:
    """Keys that no form of a value defines (`{concurency: 3}` where the forms are
    `{concurrency}` and `{request_rate}`): unknown keys, with a hint from every form."""
    nodes = [_deref(b) for b in branches]
    if not nodes or not all(isinstance(n, dict) and n.get("additionalProperties") is False for n in nodes):
        return False
    allowed = sorted({k for n in nodes for k in n.get("properties", {})})
    unknown = [k for k in value if k not in allowed]
    for key in unknown:
        sink.report(codes.UNKNOWN_KEY, doc.key_span((*path, key)),
                    f"unknown key `{key}`{did_you_mean(key, allowed)}{_where(path)}")
    return bool(unknown)


def _schema_at(pointer: str, schema_path: Iterable[Any]) -> Any:
    return _locate(schema_path)[0]


def _locate(schema_path: Iterable[Any]) -> tuple[Any, str, dict[str, Any]]:
    """The schema node an error's absolute schema path points at, its JSON pointer
    (following `$ref`s, so the pointer names where the node really is), and the
    deepest `x-envc-code` / `x-envc-rule` annotation met on the way."""
    node: Any = schema()
    where = "#"
    note: dict[str, Any] = {}
    for part in schema_path:
        if part == "$ref" and isinstance(node, dict):
            where = node["$ref"]
            node = _resolve_pointer(where)
        else:
            node = node[int(part)] if isinstance(node, list) else node[part]
            where = f"{where}/{part}"
        if isinstance(node, dict) and "x-envc-code" in node:
            note = node
    return node, where, note


def _resolve_pointer(pointer: str) -> Any:
    node: Any = schema()
    for part in pointer.lstrip("#/").split("/"):
        if part:
            node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _deref(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node and len(node) <= 3:
        node = _resolve_pointer(node["$ref"])
    return node


def _properties(node: Any) -> list[str]:
    node = _deref(node)
    return list(node.get("properties", {})) if isinstance(node, dict) else []


def _branch_types(branch: Any) -> set[str]:
    branch = _deref(branch)
    if not isinstance(branch, dict):
        return set()
    t = branch.get("type")
    if isinstance(t, str):
        types = {t}
    elif isinstance(t, list):
        types = set(t)
    elif "const" in branch:
        types = {_json_type(branch["const"])}
    elif "enum" in branch:
        types = {_json_type(v) for v in branch["enum"]}
    else:
        types = set().union(*(_branch_types(b) for b in branch.get("anyOf", [])))
    return types | ({"number"} if "integer" in types else set())


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "string")


def _types(kind: Any) -> list[str]:
    types = getattr(kind, "types", None) or []
    return [str(t) for t in types]


def _value_at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _where(path: Path) -> str:
    return f" (at {_dotted(path)})" if path else ""


def _dotted(path: Path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:80] if not isinstance(value, str) else value[:80]


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
