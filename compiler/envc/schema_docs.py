"""Render the YAML reference (`docs/reference.md`) from the JSON Schema.

The schema (`schemas/envc.schema.json`) is the single source of truth for the shape of every
document; this module turns it into Markdown so the reference cannot drift from what `envc
validate` accepts. `tests/test_schema_docs.py` keeps the committed page equal to the output
(`pytest --update-golden` rewrites it).

Layout: an intro, one section per document kind (and for `Task` and `Override`, the blocks
inside them), each with a `| key | type | default | description |` table, then one section per
shared definition; a `$ref` in a type cell links to the section of the definition it names.
Nested inline mappings are flattened into the table as dotted keys (`apps.knative.features`,
`steps[].task`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence

HEADER = (
    "<!-- Generated from schemas/envc.schema.json by envc.schema_docs. "
    "Do not edit; run pytest --update-golden. -->"
)

# (definition, heading) of the sections that describe what a user writes, in reading order.
KIND_SECTIONS: tuple[tuple[str, str], ...] = (
    ("Project", "Project file `envc.yaml`"),
    ("TaskEnvironment", "TaskEnvironment"),
    ("Task", "Task"),
    ("AppEnvironment", "AppEnvironment"),
    ("PodTemplate", "PodTemplate"),
    ("Workflow", "Workflow"),
    ("Override", "Override"),
)

INTRO = (
    "This page describes every key of envc's YAML language: the project file `envc.yaml` and the "
    "four kinds of document of an environment file (`TaskEnvironment`, `AppEnvironment`, "
    "`PodTemplate`, `Workflow`), then the shared definitions their keys refer to. It is generated "
    "from the JSON Schema that `envc validate` checks every document against and that `envc schema` "
    "prints; point an editor at it with the modeline "
    "`# yaml-language-server: $schema=https://envc.dev/schemas/envc.schema.json` for completion and "
    "hover documentation. Documents are read as YAML 1.2 (core schema): `yes`, `no`, `on` and `off` "
    "are strings, and only `true` and `false` are booleans. Unknown keys are errors. On an optional "
    "field of an environment, a task or an override, `null` resets the field to its built-in "
    "default; to inherit a value, leave the field out (SPEC §4.1). Section numbers (§) refer to the "
    "envc contract."
)

Schema = Mapping[str, object]


def render_reference(schema: Mapping[str, object]) -> str:
    """The Markdown reference of `schema` (the parsed `envc.schema.json`), ending in one newline."""
    defs = _defs(schema)
    headings = {name: heading for name, heading in KIND_SECTIONS}
    anchors = {name: _slug(headings.get(name, name)) for name in defs}
    out: list[str] = [HEADER, "", "# envc YAML reference", "", INTRO, ""]
    out += _contents(defs, headings, anchors)
    for name, heading in KIND_SECTIONS:
        if name in defs:
            out += _section("##", heading, defs[name], anchors)
    shared = [name for name in defs if name not in headings]
    if shared:
        out += [
            "## Shared definitions",
            "",
            "Types that the keys above refer to; each type cell links here.",
            "",
        ]
        for name in shared:
            out += _section("###", name, defs[name], anchors)
    return "\n".join(out).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------- structure


def _contents(
    defs: Mapping[str, Schema], headings: Mapping[str, str], anchors: Mapping[str, str]
) -> list[str]:
    lines = ["## Contents", ""]
    for name, heading in KIND_SECTIONS:
        if name in defs:
            lines.append(f"* [{heading}](#{anchors[name]})")
    shared = [f"[{n}](#{anchors[n]})" for n in defs if n not in headings]
    if shared:
        lines.append("* [Shared definitions](#shared-definitions): " + ", ".join(shared))
    return [*lines, ""]


def _section(level: str, heading: str, node: Schema, anchors: Mapping[str, str]) -> list[str]:
    lines = [f"{level} {heading}", ""]
    description = _str(node.get("description"))
    if description:
        lines += [description, ""]
    rows = list(_rows(node, "", anchors))
    if rows:
        lines += ["| key | type | default | description |", "|---|---|---|---|"]
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
        lines.append("")
        if _maps(node):
            lines += [f"Other keys: {_type(_map(node.get('additionalProperties')), anchors)}.", ""]
    else:
        lines += _summary(node, anchors)
    return lines


def _summary(node: Schema, anchors: Mapping[str, str]) -> list[str]:
    """A definition without keys of its own: its forms, bounds and examples."""
    lines: list[str] = []
    branches = _list(node.get("anyOf"))
    if branches:
        lines.append("One of:")
        lines.append("")
        for branch in map(_map, branches):
            title = _str(branch.get("title"))
            form = _type(branch, anchors) + _constraints(branch)
            lines.append(f"* {title}: {form}" if title else f"* {form}")
        lines.append("")
    else:
        lines += [f"Type: {_type(node, anchors)}{_constraints(node)}.", ""]
    examples = _examples(node)
    if examples:
        lines += [f"Examples: {examples}.", ""]
    return lines


def _rows(
    node: Schema, prefix: str, anchors: Mapping[str, str]
) -> Iterator[tuple[str, str, str, str]]:
    """One row per property, then the rows of inline mappings nested under it."""
    for key, value in _map(node.get("properties")).items():
        sub = _map(value)
        path = prefix + key
        yield f"`{path}`", _type(sub, anchors), _default(sub), _describe(sub)
        for nested, suffix in _inline_objects(sub):
            yield from _rows(nested, path + suffix, anchors)


def _inline_objects(node: Schema) -> Iterator[tuple[Schema, str]]:
    """Mappings written in place (not `$ref`s) whose keys belong in the parent's table."""
    if "properties" in node and "$ref" not in node:
        yield node, "."
    items = node.get("items")
    if isinstance(items, Mapping) and "properties" in items:
        yield items, "[]."
    for branch in map(_map, _list(node.get("anyOf"))):
        if "properties" in branch and "$ref" not in branch:
            yield branch, "."


# ---------------------------------------------------------------------------- cells


def _type(node: Schema, anchors: Mapping[str, str]) -> str:
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        return f"[{name}](#{anchors.get(name, _slug(name))})"
    if "anyOf" in node:
        return _or_join(_type(_map(b), anchors) for b in _list(node["anyOf"]))
    if "const" in node:
        return _code(node["const"])
    if "enum" in node:
        return _or_join(_code(v) for v in _list(node["enum"]))
    kinds = node.get("type")
    names = [kinds] if isinstance(kinds, str) else [_str(k) for k in _list(kinds)]
    return _or_join(_type_name(node, name, anchors) for name in names) or "any"


def _type_name(node: Schema, name: str, anchors: Mapping[str, str]) -> str:
    if name == "array":
        prefix = _list(node.get("prefixItems"))
        if prefix:
            return "pair (" + ", ".join(_type(_map(p), anchors) for p in prefix) + ")"
        items = node.get("items")
        return f"list of {_type(items, anchors)}" if isinstance(items, Mapping) else "list"
    if name == "object":
        if _maps(node) and "properties" not in node:
            return f"map of string to {_type(_map(node.get('additionalProperties')), anchors)}"
        return "mapping"
    if name in ("integer", "number"):
        return name + _bounds(node)
    return name


def _bounds(node: Schema) -> str:
    low, high = node.get("minimum"), node.get("maximum")
    if low is not None and high is not None:
        return f" {low}–{high}"
    if low is not None:
        return f" ≥ {low}"
    if node.get("exclusiveMinimum") is not None:
        return f" > {node['exclusiveMinimum']}"
    return f" ≤ {high}" if high is not None else ""


def _constraints(node: Schema) -> str:
    parts = []
    if "pattern" in node:
        parts.append(f"matching `{node['pattern']}`")
    if "maxLength" in node:
        parts.append(f"at most {node['maxLength']} characters")
    return (", " + ", ".join(parts)) if parts else ""


def _describe(node: Schema) -> str:
    text = _str(node.get("description"))
    for form in [node, *map(_map, _list(node.get("anyOf")))]:
        if "$ref" not in form:
            text += _rules(form, "")
    text += _rules(_map(node.get("propertyNames")), "Keys: ")
    examples = _examples(node)
    if examples:
        text += f" Examples: {examples}."
    return text


def _rules(node: Schema, lead: str) -> str:
    """The string constraints of `node` as sentences: ` Pattern: `…`. At most 63 characters.`"""
    text = ""
    if "pattern" in node:
        text += (
            f" {lead}pattern `{node['pattern']}`." if lead else f" Pattern: `{node['pattern']}`."
        )
    if "maxLength" in node:
        text += f" At most {node['maxLength']} characters."
    return text


def _default(node: Schema) -> str:
    return _code(node["default"]) if "default" in node else ""


def _examples(node: Schema) -> str:
    return ", ".join(_code(e) for e in _list(node.get("examples")))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return f"`{text}`"


def _or_join(parts: Iterator[str] | Sequence[str]) -> str:
    unique: list[str] = []
    for part in parts:
        if part and part not in unique:
            unique.append(part)
    return " or ".join(unique)


def _slug(heading: str) -> str:
    """GitHub's heading anchor: lowercase, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


# ---------------------------------------------------------------------------- typed access


def _defs(schema: Schema) -> dict[str, Schema]:
    return {name: _map(node) for name, node in _map(schema.get("$defs")).items()}


def _maps(node: Schema) -> bool:
    return isinstance(node.get("additionalProperties"), Mapping)


def _map(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
