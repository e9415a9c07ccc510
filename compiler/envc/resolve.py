"""Phase 3: inheritance and tiers, with provenance (SPEC §4, §5.2, §5.5).

`extends` gives clone_with semantics: the child starts from its parent's resolved
fields and every field it writes replaces the inherited value whole, unless a
`!merge` / `!append` tag says otherwise.  Without `extends`, an environment starts
from the project `defaults`.  Tasks start from their environment and Workflow
steps from their task.  `null` resets a field to its built-in default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envc import codes
from envc.diagnostics import Related, Sink
from envc.fields import FIELDS, NESTED_IDENTITY, TASK, env_fields, task_fields
from envc.hints import did_you_mean
from envc.load import Document, Path
from envc.model import (
    DEFAULT,
    Invocation,
    Origin,
    Project,
    Resolved,
    ResolvedEnv,
    ResolvedTask,
    Source,
    Tier,
    Value,
)

_TEXT_FIELDS = frozenset({"resources", "env_vars"})

# A field nobody wrote has its built-in default: one immutable Value per field, shared by every
# environment and task (a NamedTuple made per field of each of them was a fifth of resolving).
_DEFAULTS: dict[str, Value] = {name: Value(f.default, DEFAULT) for name, f in FIELDS.items()}


def resolve(project: Project, sink: Sink) -> Resolved:
    """Resolve every environment, its tasks and every Workflow step."""
    r = _Resolver(project, sink)
    for name in sorted(project.sources):
        if project.sources[name].kind in ("TaskEnvironment", "AppEnvironment"):
            r.env(name, ())
    templates = {n: s for n, s in project.sources.items() if s.kind == "PodTemplate"}
    invocations = tuple(
        inv for n in sorted(project.sources) if project.sources[n].kind == "Workflow"
        for inv in _workflow(project.sources[n], r.done, sink)
    )
    return Resolved(project, dict(sorted(r.done.items())), templates, invocations)


class _Resolver:
    def __init__(self, project: Project, sink: Sink) -> None:
        self.project, self.sink = project, sink
        self.done: dict[str, ResolvedEnv] = {}
        self.failed: set[str] = set()

    def env(self, name: str, stack: tuple[str, ...]) -> ResolvedEnv | None:
        if name in self.done:
            return self.done[name]
        if name in self.failed:
            return None
        if name in stack:
            self._cycle(stack[stack.index(name):])
            return None
        source = self.project.sources[name]
        fields = self._inherited(source, (*stack, name))
        if fields is None:
            self.failed.add(name)
            return None
        doc = source.doc
        for f in env_fields(source.kind):
            if f.name in doc.data:
                fields[f.name] = write(fields.get(f.name), doc, (f.name,), "environment", self.sink)
            elif f.name not in fields:
                fields[f.name] = _DEFAULTS[f.name]
        tasks = _tasks(source, fields, self.sink) if source.kind == TASK else ()
        resolved = ResolvedEnv(source.kind, name, source, doc.data.get("extends"), fields, tasks)
        self.done[name] = resolved
        return resolved

    def _inherited(self, source: Source, stack: tuple[str, ...]) -> dict[str, Value] | None:
        parent = source.doc.data.get("extends")
        if parent is None:
            return self._defaults(source.kind)
        target = self._parent_source(source, parent)
        if target is None:
            return None
        resolved = self.env(parent, stack)
        return dict(resolved.fields) if resolved is not None else None

    def _parent_source(self, source: Source, parent: str) -> Source | None:
        target = self.project.sources.get(parent)
        if parent != source.name and target is not None and target.kind == source.kind:
            return target  # the usual case: no position needed
        span = source.doc.span(("extends",))
        if parent == source.name:
            self.sink.report(codes.EXTENDS_SELF, span, f"`{source.name}` extends itself")
            return None
        if target is None:
            same = [n for n, s in self.project.sources.items() if s.kind == source.kind]
            self.sink.report(codes.UNKNOWN_PARENT, span,
                             f"`extends: {parent}` names no {source.kind}{did_you_mean(parent, same)}")
            return None
        self.sink.report(codes.PARENT_WRONG_KIND, span,  # the only case left
                         f"`{parent}` is a {target.kind}; a {source.kind} can only extend a {source.kind}",
                         (Related(f"`{parent}` is defined here", target.span),))
        return None

    def _cycle(self, members: tuple[str, ...]) -> None:
        first = min(members)
        start = members.index(first)
        ordered = members[start:] + members[:start]
        spans = [self.project.sources[m].doc.span(("extends",)) for m in ordered]
        chain = " -> ".join((*ordered, first))
        related = tuple(Related(f"`{m}` extends `{self.project.sources[m].doc.data['extends']}`", s)
                        for m, s in zip(ordered, spans, strict=True))
        self.sink.report(codes.EXTENDS_CYCLE, spans[0], f"extends cycle: {chain}", related)
        self.failed.update(members)

    def _defaults(self, kind: str) -> dict[str, Value]:
        pdoc = self.project.project_doc
        defaults = pdoc.data.get("defaults") or {}
        out: dict[str, Value] = {}
        for f in env_fields(kind):
            if f.name in defaults:
                out[f.name] = write(None, pdoc, ("defaults", f.name), "project", self.sink)
        return out


def _tasks(source: Source, env: Mapping[str, Value], sink: Sink) -> tuple[ResolvedTask, ...]:
    out = []
    for key, body in (source.doc.data.get("tasks") or {}).items():
        fields = dict(env)
        written = body if isinstance(body, dict) else {}
        for f in task_fields():
            if f.name in written:
                path: Path = ("tasks", key, f.name)
                fields[f.name] = write(fields.get(f.name), source.doc, path, "task", sink)
            elif f.name not in fields:
                fields[f.name] = _DEFAULTS[f.name]
        out.append(ResolvedTask(key, f"{source.name}.{key}", source.doc, ("tasks", key), fields))
    return tuple(out)


def _workflow(source: Source, envs: Mapping[str, ResolvedEnv], sink: Sink) -> list[Invocation]:
    tasks = {t.fqn: t for e in envs.values() for t in e.tasks}
    out = []
    for i, step in enumerate(source.doc.data.get("steps") or []):
        fqn = step["task"]
        task = tasks.get(fqn)
        if task is None:
            sink.report(codes.UNKNOWN_TASK, source.doc.span(("steps", i, "task")),
                        f"`{fqn}` names no task{did_you_mean(fqn, tasks)}")
            continue
        fields = dict(task.fields)
        for key in step.get("override") or {}:
            if key in FIELDS and FIELDS[key].invocation:
                path: Path = ("steps", i, "override", key)
                fields[key] = write(fields.get(key), source.doc, path, "invocation", sink)
        name = step.get("name") or task.key
        out.append(Invocation(source.name, name, fqn, source.doc, ("steps", i), fields))
    return out


def write(prev: Value | None, doc: Document, path: Path, tier: Tier, sink: Sink) -> Value:
    """Apply one written field onto the inherited value (SPEC §4.1, §4.2)."""
    origin = Origin(tier, doc, path)
    field = FIELDS[str(path[-1])]
    raw = _at(doc.data, path)
    replaced = (prev.origin,) if prev is not None and prev.origin.tier != "default" else ()
    if raw is None:
        return Value(field.default, origin, (), replaced)
    if field.name in _TEXT_FIELDS:
        raw = as_text(doc, path, raw)
    tag = doc.tag(path)
    base = prev.value if prev is not None else field.default
    merged_from = ((prev.origin, *prev.merged_from) if prev is not None and prev.origin.tier != "default" else ())
    if tag == "merge" and isinstance(raw, dict):
        merged = _merge_map(base if isinstance(base, dict) else {}, raw, doc, path, sink, prev)
        parts: dict[str | int, Origin] | None = (
            {k: (origin.sub(k) if k in raw else prev.part(k)) for k in merged} if prev else None)
        return Value(merged, origin, merged_from, replaced, parts)
    if tag == "append" and isinstance(raw, list):
        inherited = list(base) if isinstance(base, list) else []
        _check_append(inherited, raw, field.identity, doc, path, prev, sink)
        items: dict[str | int, Origin] = {i: prev.part(i) for i in range(len(inherited))} if prev else {}
        items.update({len(inherited) + j: origin.sub(j) for j in range(len(raw))})
        return Value(inherited + raw, origin, merged_from, replaced, items)
    if tag != "replace" and prev is not None and prev.origin.tier != "default":
        _check_drops(prev.value, raw, doc, path, prev.origin, sink)
    return Value(raw, origin, (), replaced)


def _merge_map(base: dict[str, Any], child: dict[str, Any], doc: Document, path: Path, sink: Sink,
               prev: Value | None = None) -> dict[str, Any]:
    """Deep merge: child keys win, nested mappings merge, null removes; parent order first."""
    out = dict(base)
    for key, value in child.items():
        sub: Path = (*path, key)
        tag = doc.tag(sub)
        inner = Value(out.get(key), prev.part(key)) if prev is not None else None  # the inherited value's origin
        if value is None:
            out.pop(key, None)
        elif tag == "append" and isinstance(value, list):
            inherited = list(out.get(key) or [])
            _check_append(inherited, value, NESTED_IDENTITY.get(key), doc, sub, inner, sink)
            out[key] = inherited + value
        elif tag != "replace" and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_map(out[key], value, doc, sub, sink, inner)
        else:
            out[key] = value
    return out


def _check_append(inherited: list[Any], items: list[Any], identity: Any, doc: Document, path: Path,
                  prev: Value | None, sink: Sink) -> None:
    if identity is None:
        return
    seen = {identity(item): i for i, item in enumerate(inherited)}
    for j, item in enumerate(items):
        ident = identity(item)
        if ident in seen:
            first = prev.part(seen[ident]).span if prev else None
            related = (Related("inherited here", first),) if first is not None else ()
            sink.report(codes.APPEND_DUPLICATE, doc.span((*path, j)),
                        f"!append adds an item `{path[-1]}` already has", related)
        seen[ident] = len(inherited) + j


def _check_drops(old: Any, new: Any, doc: Document, path: Path, prev: Origin, sink: Sink) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        dropped = [k for k in old if k not in new]
    elif isinstance(old, list) and isinstance(new, list):
        dropped = [_show(x) for x in old if x not in new]
    else:
        return
    if dropped:
        where = f"`{prev.document}`" if prev.tier != "project" else "the project defaults"
        pspan = prev.doc.key_span(prev.path) if prev.doc is not None else None
        related = (Related(f"the inherited value was set by {where} here", pspan),) if pspan else ()
        what = ", ".join(f"`{d}`" for d in dropped)
        sink.report(codes.REPLACE_DROPS, doc.key_span(path),
                    f"`{path[-1]}` replaces the inherited value whole and drops {what}; "
                    "write !merge (mappings) or !append (lists) to keep them, or !replace to confirm",
                    related)


def _show(item: Any) -> str:
    if isinstance(item, dict):
        return ", ".join(f"{k}: {v}" for k, v in item.items())
    return str(item)


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def as_text(doc: Document, path: Path, value: Any) -> Any:
    """Numbers and booleans as their YAML source text (quantities, env var values)."""
    if isinstance(value, dict):
        keep = ("gpu",) if path and path[-1] == "resources" else ()  # a GPU count stays a number
        return {k: (v if k in keep else as_text(doc, (*path, k), v)) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(doc, (*path, i), v) for i, v in enumerate(value)]
    if isinstance(value, bool):
        return doc.raw.get(path, "true" if value else "false")
    if isinstance(value, (int, float)):
        return doc.raw.get(path, str(value))
    return value
