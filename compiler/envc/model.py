"""Frozen records passed between phases (NamedTuples, for a fast import: see diagnostics.py).

Provenance is first-class: every resolved field is a `Value` that knows which
document and YAML path wrote it (`origin`), which writers a `!merge`/`!append`
combined (`merged_from`), and which inherited writes it replaced (`replaced`).
`explain`, diagnostics and `diff` all read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from envc.diagnostics import Span
from envc.load import Document, Path
from envc.project import Settings

Tier = Literal["invocation", "task", "environment", "project", "default"]
Kind = Literal["TaskEnvironment", "AppEnvironment", "PodTemplate", "Workflow"]


class Origin(NamedTuple):
    """Who wrote a value: a tier, and for written values the document and YAML path."""

    tier: Tier
    doc: Document | None = None
    path: Path = ()

    @property
    def span(self) -> Span | None:
        return self.doc.span(self.path) if self.doc is not None else None

    @property
    def document(self) -> str | None:
        if self.doc is None:
            return None
        name = self.doc.data.get("name")
        return str(name) if name is not None else None

    def sub(self, key: str | int) -> Origin:
        return Origin(self.tier, self.doc, (*self.path, key))


DEFAULT = Origin("default")


class Value(NamedTuple):
    """A resolved field: the value as written (numbers as their source text where
    the field is emitted as text), after the §4.2 tags were applied."""

    value: Any
    origin: Origin
    merged_from: tuple[Origin, ...] = ()
    replaced: tuple[Origin, ...] = ()
    parts: Mapping[str | int, Origin] | None = None

    def part(self, key: str | int) -> Origin:
        """The origin of one key or item (they differ after a !merge or !append)."""
        if self.parts is not None and key in self.parts:
            return self.parts[key]
        return self.origin.sub(key)


class Source(NamedTuple):
    """A named document of the project, with its kind."""

    kind: Kind
    name: str
    doc: Document

    @property
    def span(self) -> Span:
        return self.doc.span(("name",))


class TaskCode(NamedTuple):
    """What the Python source says about a task (SPEC §5.3), read with `ast`."""

    module: str
    function: str
    is_async: bool
    file: str  # project-relative POSIX path
    sha256: str


class ResolvedTask(NamedTuple):
    key: str
    fqn: str
    doc: Document
    path: Path
    fields: Mapping[str, Value]
    code: TaskCode | None = None


class ResolvedEnv(NamedTuple):
    kind: Kind
    name: str
    source: Source
    extends: str | None
    fields: Mapping[str, Value]
    tasks: tuple[ResolvedTask, ...] = ()

    def get(self, name: str) -> Any:
        return self.fields[name].value


class Invocation(NamedTuple):
    workflow: str
    step: str
    task_fqn: str
    doc: Document
    path: Path
    fields: Mapping[str, Value]


class Project(NamedTuple):
    """The loaded, schema-valid project: settings and named documents."""

    root: str
    settings: Settings
    project_doc: Document
    sources: Mapping[str, Source]
    files: tuple[str, ...] = ()


class Resolved(NamedTuple):
    project: Project
    environments: Mapping[str, ResolvedEnv]
    templates: Mapping[str, Source]
    invocations: tuple[Invocation, ...] = ()
