"""Where a change was written: resolved values and documents back to YAML lines.

A `Source` is one line of one YAML (or Python) file that a change comes from.
Resolved values carry their provenance (`Value.origin`, `Value.part`), so a changed
value is traced to the line of the key that changed — `memory:` under the parent's
`resources: !merge`, not only `resources:` — on the new side, or, when the writer
was deleted, to the line on the old side (`side == "old"`).  Documents without
provenance of their own (envc.yaml, PodTemplate documents) are compared key by key.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from envc.load import Document
from envc.model import Origin, Value

Side = Literal["new", "old"]
_MAX_PER_DOCUMENT = 20


@dataclass(frozen=True, slots=True, order=True)
class Source:
    file: str
    line: int
    side: Side  # "old": the line exists only in the base revision (the value was removed there)
    document: str | None
    field: str  # the YAML path that was written, e.g. `resources.memory`
    tier: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" + (" (before)" if self.side == "old" else "")

    @property
    def what(self) -> str:
        return f"{self.document}.{self.field}" if self.document else self.field


def from_origin(o: Origin, side: Side) -> Source | None:
    if o.doc is None:
        return None
    span = o.doc.key_span(o.path) if o.path else o.doc.span()
    field = ".".join(str(p) for p in o.path) or "(document)"
    return Source(span.file, span.line, side, o.document, field, o.tier)


def value_sources(old: Value | None, new: Value | None) -> list[Source]:
    """The lines that explain why a resolved value changed from `old` to `new`."""
    found: list[Source | None] = []
    if old is not None and new is not None:
        found += _parts(old, new)
        if _writer(old.origin) != _writer(new.origin) or not found:
            found.append(from_origin(new.origin, "new") or from_origin(old.origin, "old"))
    elif new is not None:
        found.append(from_origin(new.origin, "new"))
    elif old is not None:
        found.append(from_origin(old.origin, "old"))
    return _unique(found)


def _writer(o: Origin) -> tuple[object, ...]:
    return (o.tier, o.doc.file if o.doc else None, o.document, o.path)


def _parts(old: Value, new: Value) -> list[Source | None]:
    a, b = old.value, new.value
    out: list[Source | None] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*b, *(k for k in a if k not in b)]:
            if key not in a or (key in b and a[key] != b[key]):
                out.append(from_origin(new.part(key), "new"))
            elif key not in b:
                out.append(from_origin(old.part(key), "old"))
    elif isinstance(a, list) and isinstance(b, list):
        out += [from_origin(new.part(i), "new") for i, item in enumerate(b) if item not in a]
        out += [from_origin(old.part(i), "old") for i, item in enumerate(a) if item not in b]
    return out


def _unique(items: list[Source | None]) -> list[Source]:
    return list(dict.fromkeys(s for s in items if s is not None))


def document_sources(old: Document | None, new: Document | None, tier: str) -> list[Source]:
    """Every key that differs between two versions of one document (at most 20)."""
    if old is None and new is None:
        return []
    if old is None or new is None:
        doc, side = (new, "new") if new is not None else (old, "old")
        assert doc is not None
        return [_doc_source(doc, (), side, tier)]  # type: ignore[arg-type]
    found = list(_doc_walk(old, new, old.data, new.data, (), tier))
    return _unique(found)[:_MAX_PER_DOCUMENT]  # type: ignore[arg-type]


def _doc_walk(old: Document, new: Document, a: Any, b: Any, path: tuple[str | int, ...], tier: str) -> Iterator[Source]:
    if a == b and type(a) is type(b):
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*b, *(k for k in a if k not in b)]:
            sub = (*path, key)
            if key not in a:
                yield _doc_source(new, sub, "new", tier)
            elif key not in b:
                yield _doc_source(old, sub, "old", tier)
            else:
                yield from _doc_walk(old, new, a[key], b[key], sub, tier)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _doc_walk(old, new, x, y, (*path, i), tier)
    else:
        yield _doc_source(new, path, "new", tier)


def _doc_source(doc: Document, path: tuple[str | int, ...], side: Side, tier: str) -> Source:
    span = doc.key_span(path) if path else doc.span()
    name = doc.data.get("name")
    field = ".".join(str(p) for p in path) or "(document)"
    return Source(span.file, span.line, side, str(name) if isinstance(name, str) else None, field, tier)


def text_source(file: str, old: str | None, new: str | None) -> Source:
    """A changed non-YAML file (a task's Python module): its first changed line."""
    if old is None or new is None:
        return Source(file, 1, "new" if new is not None else "old", None, "(file)", "code")
    a, b = old.splitlines(), new.splitlines()
    for op, _i1, _i2, j1, _j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            return Source(file, j1 + 1 if j1 < len(b) else max(len(b), 1), "new", None, "(code)", "code")
    return Source(file, 1, "new", None, "(code)", "code")
