"""`envc diff`: what changes in the emitted objects between two compiled projects (SPEC §11).

Both sides are compiled in full (`Side`); the comparison is grouped by *owner* —
the environment or workflow an object belongs to — and reports, per owner, the
objects added, removed or changed (per field, old and new value) and the resolved
values that changed.  Every change is traced to the YAML line(s) that caused it
(`diff_sources`), and `Report.edits` inverts that: for each edited line, every
owner it reaches, so a change to a base environment shows its fan-out.

A renamed owner (removed and added with the same resolved values) is reported as
one rename, its objects paired by kind and name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from envc.diff_attribution import Pool
from envc.diff_sources import Source, document_sources, from_origin, text_source, value_sources
from envc.diff_values import ABSENT, changes
from envc.lower import Obj
from envc.model import Origin, Value
from envc.normalize import normalise
from envc.pipeline import Analysis
from envc.values.names import k8s

Status = Literal["added", "removed", "changed", "renamed"]


@dataclass(frozen=True, slots=True)
class Side:
    """One compiled project: the analysis, its objects and the directory it was read from."""

    root: Path
    analysis: Analysis
    objs: tuple[Obj, ...]


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str
    old: Any
    new: Any
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class ObjectChange:
    status: Status
    path: str
    kind: str
    name: str
    old_path: str | None = None
    fields: tuple[FieldChange, ...] = ()
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True, slots=True)
class ValueChange:
    """A resolved value (`envc explain`) that changed."""

    scope: str  # environment, task FQN or `workflow.step`
    field: str
    old: Any
    new: Any
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    kind: str
    status: Status
    objects: tuple[ObjectChange, ...] = ()
    values: tuple[ValueChange, ...] = ()
    renamed_from: str | None = None
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True, slots=True)
class Edit:
    """One edited line and every environment or workflow it reaches."""

    source: Source
    reaches: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    base: str
    base_sha: str
    groups: tuple[Group, ...]
    edits: tuple[Edit, ...]
    base_missing: bool = False  # no envc.yaml at the base revision: everything is added

    @property
    def changed(self) -> bool:
        return bool(self.groups)

    def count(self, status: str) -> int:
        return sum(1 for g in self.groups for o in g.objects if o.status == status)


@dataclass(slots=True)
class _Owner:
    name: str
    kind: str
    objs: dict[str, Obj] = field(default_factory=dict)
    scopes: dict[str, Mapping[str, Value]] = field(default_factory=dict)  # scope -> resolved fields
    doc_source: Source | None = None
    templates: set[str] = field(default_factory=set)
    code_files: set[str] = field(default_factory=set)


def compare(old: Side | None, new: Side, base: str, base_sha: str) -> Report:
    before = _owners(old) if old else {}
    after = _owners(new)
    ctx = _Context(old, new)
    groups: dict[str, Group] = {}
    for name in sorted(set(before) | set(after)):
        group = ctx.group(before.get(name), after.get(name))
        if group is not None:
            groups[name] = group
    _pair_renames(groups, before, after, ctx)
    ordered = tuple(groups[n] for n in sorted(groups))
    return Report(base, base_sha, ordered, _edits(ordered), base_missing=old is None)


def _owners(side: Side) -> dict[str, _Owner]:
    resolved = side.analysis.resolved
    owners: dict[str, _Owner] = {}
    for env in resolved.environments.values():
        o = owners[env.name] = _Owner(env.name, env.kind, doc_source=from_origin(_doc_origin(env.source.doc), "new"))
        o.scopes[env.name] = env.fields
        for task in env.tasks:
            o.scopes[task.fqn] = task.fields
        o.templates |= _templates_used([env.fields, *(t.fields for t in env.tasks)])
        o.code_files |= {c.file for fqn, c in side.analysis.code.items() if fqn.split(".", 1)[0] == env.name}
    for inv in resolved.invocations:
        o = owners.setdefault(inv.workflow, _Owner(inv.workflow, "Workflow", doc_source=from_origin(_doc_origin(inv.doc), "new")))
        o.scopes[f"{inv.workflow}.{inv.step}"] = inv.fields
        o.templates |= _templates_used([inv.fields])
        code = side.analysis.code.get(inv.task_fqn)
        if code is not None:
            o.code_files.add(code.file)
    for obj in side.objs:
        name = str(obj.group_order[2])
        owner = owners.setdefault(name, _Owner(name, obj.kind))
        owner.objs[obj.path] = obj
    return owners


def _doc_origin(doc: Any) -> Origin:
    return Origin("environment", doc, ("name",))


def _templates_used(field_sets: Iterable[Mapping[str, Value]]) -> set[str]:
    """Names of the PodTemplate documents these fields refer to (inline templates are values)."""
    out = set()
    for fields in field_sets:
        v = fields.get("pod_template")
        if v is not None and isinstance(v.value, str):
            out.add(v.value)
    return out


class _Context:
    """What both sides share: settings-level, template and code changes, and the old side's owners."""

    def __init__(self, old: Side | None, new: Side) -> None:
        self.old, self.new = old, new
        self.settings = new.analysis.project.settings
        self.project = self._project_sources()
        self.template_sources = self._template_sources()

    def _project_sources(self) -> list[Source]:
        old_doc = self.old.analysis.project.project_doc if self.old else None
        return document_sources(old_doc, self.new.analysis.project.project_doc, "project") if old_doc else []

    def _template_sources(self) -> dict[str, list[Source]]:
        before = self.old.analysis.resolved.templates if self.old else {}
        after = self.new.analysis.resolved.templates
        out: dict[str, list[Source]] = {}
        for name in set(before) | set(after):
            old_doc = before[name].doc if name in before else None
            new_doc = after[name].doc if name in after else None
            found = document_sources(old_doc, new_doc, "template")
            if found:
                out[name] = found
        return out

    def code_sources(self, files: Iterable[str]) -> list[Source]:
        out = []
        for f in sorted(files):
            a, b = _read(self.old.root if self.old else None, f), _read(self.new.root, f)
            if a != b:
                out.append(text_source(f, a, b))
        return out

    def group(self, before: _Owner | None, after: _Owner | None) -> Group | None:
        if before is None and after is not None:
            return self._whole(after, "added")
        if after is None and before is not None:
            return self._whole(before, "removed")
        assert before is not None and after is not None
        values = self.values(before, after)
        pool = self.pool(values, before, after)
        objects = _objects(before.objs, after.objs, pool, {})
        if not objects and not values:
            return None
        return Group(after.name, after.kind, "changed", tuple(objects), tuple(_shown(values)))

    def _whole(self, owner: _Owner, status: Status) -> Group:
        side: Literal["new", "old"] = "new" if status == "added" else "old"
        src = owner.doc_source
        sources = (Source(src.file, src.line, side, src.document, src.field, src.tier),) if src else ()
        objects = tuple(ObjectChange(status, o.path, o.kind, o.name, sources=sources) for o in owner.objs.values())
        return Group(owner.name, owner.kind, status, objects, sources=sources)

    def values(self, before: _Owner, after: _Owner) -> list[ValueChange]:
        out = []
        for scope in [*after.scopes, *(s for s in before.scopes if s not in after.scopes)]:
            a, b = before.scopes.get(scope), after.scopes.get(scope)
            if a is None or b is None:
                value = b if b is not None else a
                assert value is not None
                out.append(self._scope_added(scope, a is None, after if a is None else before))
                continue
            for name in sorted(set(a) | set(b)):
                va, vb = a.get(name), b.get(name)
                na, nb = self._norm(name, va), self._norm(name, vb)
                if na != nb:
                    out += _sub_changes(scope, name, na, nb, value_sources(va, vb))
        return out

    def _scope_added(self, scope: str, added: bool, owner: _Owner) -> ValueChange:
        side: Literal["new", "old"] = "new" if added else "old"
        src = _scope_source(scope, self.new if added else self.old, side)
        return ValueChange(scope, "(task)" if "." in scope else "(environment)",
                           ABSENT if added else "defined", "defined" if added else ABSENT,
                           (src,) if src else ())

    def pool(self, values: list[ValueChange], before: _Owner, after: _Owner, renamed: tuple[Source, ...] = ()) -> Pool:
        used = sorted(before.templates | after.templates)
        return Pool(after.name, ((v.scope, v.field, v.sources) for v in values), project=self.project,
                    templates=[s for t in used for s in self.template_sources.get(t, [])],
                    code=self.code_sources(before.code_files | after.code_files), renamed=renamed)

    def _norm(self, name: str, v: Value | None) -> Any:
        return ABSENT if v is None else normalise(name, v.value, self.settings)


def _sub_changes(scope: str, name: str, old: Any, new: Any, sources: list[Source]) -> list[ValueChange]:
    """One change per differing key or item of a normalised value, each with its own lines."""
    if old is ABSENT or new is ABSENT or not (isinstance(old, dict) and isinstance(new, dict)):
        return [ValueChange(scope, name, old, new, tuple(sources))]
    out = []
    for path, a, b in changes(old, new, name):
        mine = [s for s in sources if _same_key(s.field, path, name)]
        out.append(ValueChange(scope, path, a, b, tuple(mine or sources)))
    return out


def _same_key(written: str, changed: str, name: str) -> bool:
    """`base.resources.memory` written explains `resources.memory[1]` changed."""
    key = changed[len(name):].lstrip(".").split(".")[0].split("[")[0]
    return bool(key) and (written.endswith(f"{name}.{key}") or f".{name}.{key}." in f".{written}.")


def _scope_source(scope: str, side: Side | None, which: Literal["new", "old"]) -> Source | None:
    if side is None:
        return None
    for env in side.analysis.resolved.environments.values():
        for t in env.tasks:
            if t.fqn == scope:
                span = t.doc.key_span(t.path)
                return Source(span.file, span.line, which, env.name, ".".join(map(str, t.path)), "task")
    for inv in side.analysis.resolved.invocations:
        if f"{inv.workflow}.{inv.step}" == scope:
            span = inv.doc.span(inv.path)
            return Source(span.file, span.line, which, inv.workflow, ".".join(map(str, inv.path)), "invocation")
    return None


def _shown(values: list[ValueChange]) -> list[ValueChange]:
    """Environment-level changes, and per task or step only what differs from them."""
    env_level = {(v.field, repr(v.old), repr(v.new)) for v in values if "." not in v.scope}
    return [v for v in values if "." not in v.scope or (v.field, repr(v.old), repr(v.new)) not in env_level]


def _read(root: Path | None, rel: str) -> str | None:
    if root is None:
        return None
    try:
        return (root / rel).read_text("utf-8", "replace")
    except OSError:
        return None


def _objects(before: Mapping[str, Obj], after: Mapping[str, Obj], pool: Pool,
             pairs: Mapping[str, str]) -> list[ObjectChange]:
    """Objects added, removed and changed; `pairs` maps an old path to its new path (renames)."""
    out: list[ObjectChange] = []
    renamed_to = {new: old for old, new in pairs.items()}
    for path, obj in after.items():
        old_path = renamed_to.get(path, path)
        prev = before.get(old_path)
        if prev is None:
            out.append(ObjectChange("added", path, obj.kind, obj.name, sources=pool.for_object(obj, "")))
            continue
        fields = tuple(FieldChange(p, a, b, pool.for_object(obj, p)) for p, a, b in changes(prev.manifest, obj.manifest))
        if fields or prev.source != obj.source:
            out.append(ObjectChange("changed", path, obj.kind, obj.name,
                                    old_path if old_path != path else None, fields))
    gone = set(before) - {renamed_to.get(p, p) for p in after}
    for path in sorted(gone, key=list(before).index):
        obj = before[path]
        out.append(ObjectChange("removed", path, obj.kind, obj.name, sources=pool.for_object(obj, "")))
    return out


def _pair_renames(groups: dict[str, Group], before: Mapping[str, _Owner], after: Mapping[str, _Owner], ctx: _Context) -> None:
    """A removed and an added owner of one kind with the same resolved values: a rename."""
    removed = [g for g in groups.values() if g.status == "removed"]
    added = [g for g in groups.values() if g.status == "added"]
    for r in removed:
        best = _best_match(before[r.name], [after[a.name] for a in added if a.kind == r.kind])
        match = next((a for a in added if best is not None and a.name == best.name), None)
        if match is None:
            continue
        added.remove(match)
        old, new = _renamed(before[r.name], match.name), after[match.name]
        sources = tuple(dict.fromkeys((*match.sources, *r.sources)))
        values = ctx.values(old, new)
        pool = ctx.pool(values, old, new, sources)
        pairs = _rename_pairs(old, new)
        objects = _objects(old.objs, new.objs, pool, pairs)
        del groups[r.name]
        groups[match.name] = Group(match.name, match.kind, "renamed", tuple(objects), tuple(_shown(values)), r.name, sources)


def _renamed(owner: _Owner, name: str) -> _Owner:
    """The old owner with its scopes named as the new one's, so only real value changes remain."""
    def scope(s: str) -> str:
        return name if s == owner.name else name + s[len(owner.name):] if s.startswith(owner.name + ".") else s

    return _Owner(owner.name, owner.kind, owner.objs, {scope(s): f for s, f in owner.scopes.items()},
                  owner.doc_source, owner.templates, owner.code_files)


def _best_match(old: _Owner, candidates: list[_Owner]) -> _Owner | None:
    """The added owner most like a removed one: the same tasks and at least 3/4 of the values."""
    best, score = None, 0.75
    mine = _signature(old, old.name)
    for c in candidates:
        theirs = _signature(c, c.name)
        if {k[0] for k in mine} != {k[0] for k in theirs}:
            continue
        same = len(set(mine.items()) & set(theirs.items())) / max(len(mine), len(theirs), 1)
        if same >= score:
            best, score = c, same
    return best


def _signature(owner: _Owner, name: str) -> dict[tuple[str, str], str]:
    """(scope without the owner's name, field) -> value."""
    def scope(s: str) -> str:
        return "" if s == name else s[len(name):] if s.startswith(name + ".") else s

    return {(scope(s), n): repr(v.value) for s, f in owner.scopes.items() for n, v in f.items()}


def _rename_pairs(old: _Owner, new: _Owner) -> dict[str, str]:
    a, b = k8s(old.name), k8s(new.name)
    by_key = {(o.kind, o.name.replace(b, a, 1)): p for p, o in new.objs.items()}
    return {p: by_key[(o.kind, o.name)] for p, o in old.objs.items() if (o.kind, o.name) in by_key}


def _edits(groups: Iterable[Group]) -> tuple[Edit, ...]:
    reach: dict[tuple[str, int, str], tuple[Source, set[str]]] = {}
    for g in groups:
        sources = [*g.sources, *(s for v in g.values for s in v.sources),
                   *(s for o in g.objects for f in o.fields for s in f.sources), *(s for o in g.objects for s in o.sources)]
        for s in sources:
            key = (s.file, s.line, s.side)
            reach.setdefault(key, (s, set()))[1].add(g.name)
    return tuple(Edit(src, tuple(sorted(names))) for _, (src, names) in sorted(reach.items()))


__all__ = ["Edit", "FieldChange", "Group", "ObjectChange", "Report", "Side", "ValueChange", "compare"]
