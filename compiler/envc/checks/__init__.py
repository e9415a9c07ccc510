"""Phase 4: semantic rules, one module per concern, run from an explicit registry.

Two kinds of rule:

* *write rules* look at one written value where it is written (a field of an
  environment, a task, a Workflow override, or the project `defaults`), so a bad
  value inherited by ten children is reported once, at its line;
* *resolved rules* look at resolved environments, tasks and invocations
  (combinations of fields, references between documents).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from envc.diagnostics import Sink
from envc.load import Document, Path
from envc.model import Project, Resolved, TaskCode


class Write(NamedTuple):
    """One place a field is written."""

    doc: Document
    path: Path
    tier: str  # environment | task | invocation | project
    kind: str  # the document kind the field belongs to (project defaults: both)
    project: Project

    @property
    def field(self) -> str:
        return str(self.path[-1])

    @property
    def value(self) -> Any:
        data: Any = self.doc.data
        for part in self.path:
            data = data[part]
        return data


class Context(NamedTuple):
    resolved: Resolved
    code: dict[str, TaskCode]  # task FQN -> what its Python source says


WriteRule = Callable[[Write, Sink], None]
ResolvedRule = Callable[[Context, Sink], None]


def writes(project: Project) -> Iterator[Write]:
    """Every written field of every document, in file order."""
    pdoc = project.project_doc
    for key in pdoc.data.get("defaults") or {}:
        yield Write(pdoc, ("defaults", key), "project", "*", project)
    for source in sorted(project.sources.values(), key=lambda s: (s.doc.file, s.doc.index)):
        doc, kind = source.doc, source.kind
        if kind in ("TaskEnvironment", "AppEnvironment"):
            for key in doc.data:
                yield Write(doc, (key,), "environment", kind, project)
            for tkey, body in (doc.data.get("tasks") or {}).items():
                for key in body or {}:
                    yield Write(doc, ("tasks", tkey, key), "task", kind, project)
        elif kind == "Workflow":
            for i, step in enumerate(doc.data.get("steps") or []):
                for key in step.get("override") or {}:
                    yield Write(doc, ("steps", i, "override", key), "invocation", "TaskEnvironment", project)
        elif kind == "PodTemplate":
            for key in doc.data:
                yield Write(doc, (key,), "template", kind, project)


def run_write_rules(project: Project, sink: Sink) -> None:
    from envc.checks import registry

    rules_of = registry.WRITE_RULES
    for w in writes(project):
        rules = rules_of.get(w.field)
        if rules and w.value is not None:  # `value` walks the path: once per written field
            for rule in rules:
                rule(w, sink)
    for project_rule in registry.PROJECT_RULES:
        project_rule(project, sink)


def run_resolved_rules(ctx: Context, sink: Sink) -> None:
    from envc.checks import registry

    for rule in registry.RESOLVED_RULES:
        rule(ctx, sink)
