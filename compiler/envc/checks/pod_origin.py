"""Where the values of an emitted pod were authored (SPEC §10, §11.1).

Lowering merges a pod template (a `PodTemplate` document or an inline `pod_template`) with an
environment's fields.  The output checks see only the merged pod; this maps a path in it back
to the YAML that wrote the value, so a diagnostic points at the template line, not at the
environment that used the template.  Containers are matched by name (envc may insert the
primary container first); every other list keeps the template's items first, in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envc.checks.pod_security import CONTAINER_GROUPS, PodPath
from envc.diagnostics import Related, Span
from envc.model import Origin, Source, Value

_MISSING = object()


class PodOrigin:
    """One emitted pod and what it was assembled from.  (A plain class, not a dataclass: one
    less class to build when `envc validate` starts.)"""

    __slots__ = ("fields", "named", "spec", "template", "value")

    def __init__(self, spec: Mapping[str, Any], template: Mapping[str, Any], value: Value | None,
                 named: Source | None, fields: Mapping[str, Value]) -> None:
        self.spec = spec  # the emitted pod spec
        self.template = template  # the template as written, after tags ({} without one)
        self.value = value  # the `pod_template` field
        self.named = named  # the PodTemplate document, for a named template
        self.fields = fields

    @property
    def fallback(self) -> Span | None:
        """Where nothing better is known: the template, else the environment (computed only
        for a diagnostic: spans cost)."""
        return _fallback(self.value, self.fields)

    def template_path(self, path: PodPath) -> PodPath | None:
        """The path in the template of a pod path; None for a container envc added."""
        if path[:1] == ("metadata",) and len(path) >= 2:
            return path[1:]
        if len(path) >= 3 and path[0] == "spec" and path[1] in CONTAINER_GROUPS and isinstance(path[2], int):
            j = _template_index(self.template, self.spec, path[1], path[2])
            if j is None:
                return None
            rest = path[3:]
            if len(rest) >= 2 and rest[0] in _PREPENDED and isinstance(rest[1], int):
                k = _prepended_index(_at(self.template, ("spec", path[1], j, rest[0])), _at(self.spec, (*path[1:3], rest[0])), rest[1])
                if k is None:
                    return None
                rest = (rest[0], k, *rest[2:])
            return ("spec", path[1], j, *rest)
        return path

    def authored(self, path: PodPath) -> Span | None:
        """The span of the template value at `path`, when the template wrote that very value."""
        tpath = self.template_path(path)
        if tpath is None:
            return None
        written = _at(self.template, tpath)
        if written is _MISSING or (path[0] == "spec" and written != _at(self.spec, path[1:])):
            return None
        return self._span(tpath)

    def nearest(self, path: PodPath) -> Span | None:
        """The span of the deepest part of `path` the template wrote (a container, a key)."""
        tpath = self.template_path(path)
        while tpath:
            if _at(self.template, tpath) is not _MISSING:
                return self._span(tpath)
            tpath = tpath[:-1]
        return self.template_span

    def template_at(self, tpath: PodPath) -> Any:
        value = _at(self.template, tpath)
        return None if value is _MISSING else value

    def template_span_at(self, tpath: PodPath) -> Span | None:
        return self._span(tpath)

    def field_key_span(self, name: str, key: str) -> Span | None:
        """The span of `key` itself in a mapping field (an env var name in `env_vars`)."""
        value = self.fields.get(name)
        if value is None or not isinstance(value.value, dict) or key not in value.value:
            return None
        part = value.part(key)
        return part.doc.key_span(part.path) if part.doc is not None else None

    def field_span(self, name: str, key: str | int | None = None) -> Span | None:
        value = self.fields.get(name)
        if value is None:
            return None
        return (value.part(key) if key is not None else value.origin).span

    def environment_span(self) -> Span | None:
        """The name of the document that wrote the environment's own fields (for a value
        lowering adds from a default, such as an app's port 8080)."""
        return _fallback(None, self.fields)

    def related(self) -> tuple[Related, ...]:
        """For a named template: where the environment names it."""
        span = self.template_span
        return (Related("the template is used here", span),) if self.named is not None and span else ()

    @property
    def template_span(self) -> Span | None:
        return self.value.origin.span if self.value is not None else None

    def _span(self, tpath: PodPath) -> Span | None:
        if self.named is not None:
            return self.named.doc.span(tpath)
        if self.value is None:
            return None
        origin: Origin = self.value.part(tpath[0]) if tpath else self.value.origin
        return origin.doc.span((*origin.path, *tpath[1:])) if origin.doc is not None else None


_PREPENDED = ("env", "ports")  # lists where lowering puts its own items before the template's


def _prepended_index(template_items: Any, emitted: Any, k: int) -> int | None:
    """The template's index of emitted item `k` of a list lowering prepends to; None for one
    of lowering's own (an env var from env_vars or secrets, an app's port)."""
    if not isinstance(template_items, list) or not isinstance(emitted, list):
        return None
    k -= len(emitted) - len(template_items)
    return k if k >= 0 else None


def _template_index(template: Mapping[str, Any], spec: Mapping[str, Any], group: str, i: int) -> int | None:
    """The template's index of emitted container `i`: the same, or one less when lowering put a
    new primary container first; None for that new container."""
    items, emitted = _at(template, ("spec", group)), spec.get(group)
    if not isinstance(items, list) or not isinstance(emitted, list):
        return None
    if len(emitted) == len(items):
        return i
    if len(emitted) == len(items) + 1 and group == "containers":
        return i - 1 if i > 0 else None
    return None


def _at(data: Any, path: PodPath) -> Any:
    for key in path:
        if isinstance(key, int):
            if not isinstance(data, list) or not 0 <= key < len(data):
                return _MISSING
        elif not isinstance(data, dict) or key not in data:
            return _MISSING
        data = data[key]
    return data


def origin_for(spec: Mapping[str, Any], tvalue: Value, templates: Mapping[str, Source],
               fields: Mapping[str, Value]) -> PodOrigin:
    raw = tvalue.value
    named = templates.get(raw) if isinstance(raw, str) else None
    if named is not None:
        template: Mapping[str, Any] = named.doc.data
    else:
        template = raw if isinstance(raw, dict) else {}
    value = tvalue if tvalue.origin.doc is not None else None
    return PodOrigin(spec, template, value, named, fields)


def _fallback(value: Value | None, fields: Mapping[str, Value]) -> Span | None:
    """The template's line, else the name of the document that wrote any of the fields."""
    if value is not None:
        return value.origin.span
    for v in fields.values():
        if v.origin.doc is not None:
            return v.origin.doc.span(("name",))
    return None
