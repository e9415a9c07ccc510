"""The named pipeline of phases (SPEC §11): load -> schema -> write rules + resolve ->
entrypoints + resolved rules -> lower.  Each phase collects every error it finds;
the pipeline stops between phases when there are errors."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from envc import codes, progress
from envc.checks import Context, run_resolved_rules, run_write_rules
from envc.diagnostics import Related, Sink, Span
from envc.entrypoints import read_tasks
from envc.load import Document, decode, load_documents, read_source
from envc.lower import Obj
from envc.model import Project, Resolved, Source, TaskCode
from envc.project import PROJECT_FILE, find_project_file, relpath, settings_from, source_files
from envc.resolve import resolve
from envc.schema import check_project
from envc.sources import load_files

if TYPE_CHECKING:
    from envc.parallel import Running


class NoProject(Exception):
    """No envc.yaml was found: a usage error (exit 2)."""


class Analysis(NamedTuple):  # a NamedTuple: cheaper to define than a dataclass (cold start)
    project: Project
    resolved: Resolved
    code: Mapping[str, TaskCode]


def load_project(cwd: Path, explicit: str | None, sink: Sink,
                 meanwhile: Callable[[], None] | None = None) -> Project | None:
    """The project file and every source file; `meanwhile` runs while workers parse a large
    project (see `sources.load_files`), or after the parse."""
    progress.note("loading")
    pfile = find_project_file(cwd, explicit)
    if pfile is None:
        where = f"--project {explicit}" if explicit else f"{cwd} or any parent directory"
        raise NoProject(f"{codes.NO_PROJECT}: no {PROJECT_FILE} found in {where}")
    root = pfile.parent
    sink.root = str(root)
    pdoc = _project_doc(pfile, sink)
    if pdoc is None:
        return None
    settings = settings_from(pdoc.data, root)
    if "project" not in pdoc.data and not settings.project:
        sink.report(codes.BAD_PROJECT_NAME, pdoc.span(),
                    "envc.yaml sets no `project` and the directory name is not a DNS-1123 label: "
                    "set `project:` in envc.yaml")
    files = source_files(root, settings)
    if not files:
        sink.report(codes.NO_SOURCES, pdoc.span(("sources",)) if "sources" in pdoc.data else pdoc.span(),
                    "the `sources` globs match no file: " + ", ".join(settings.sources))
    sources = _sources(root, files, sink, meanwhile)
    return Project(str(root), settings, pdoc, sources, tuple(relpath(f, root) for f in files))


def _project_doc(pfile: Path, sink: Sink) -> Document | None:
    text = read_source(str(pfile), PROJECT_FILE, sink)
    if text is None:
        return None
    sink.sources[PROJECT_FILE] = text
    docs = load_documents(text, PROJECT_FILE, sink)
    if sink.has_errors:
        return None
    if len(docs) != 1:
        sink.report(codes.NOT_A_MAPPING, Span(PROJECT_FILE, 1, 1), "envc.yaml must hold exactly one document")
        return None
    check_project(docs[0], sink)
    return None if sink.has_errors else docs[0]


def _sources(root: Path, files: list[Path], sink: Sink, meanwhile: Callable[[], None] | None) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for rel, text, docs in load_files(root, files, sink, meanwhile):
        if text is None:
            continue
        sink.sources[rel] = text
        for doc, kind in docs:
            if kind is not None:
                _add(sources, Source(kind, str(doc.data.get("name")), doc), sink)  # type: ignore[arg-type]
    return sources


def _add(sources: dict[str, Source], source: Source, sink: Sink) -> None:
    first = sources.get(source.name)
    if first is None:
        sources[source.name] = source
        return
    sink.report(codes.DUPLICATE_NAME, source.span,
                f"the name `{source.name}` is already used by a {first.kind}; names are unique across all kinds",
                (Related("first defined here", first.span),))


Early = Callable[[Resolved, Mapping[str, TaskCode]], None]


def analyse(project: Project, sink: Sink, early: Early | None = None) -> Analysis | None:
    """Resolution, the rules over written values, then the rules over resolved ones.

    `early`, when given, is called with the resolution and the task code as soon as they are
    known to be lowerable, before the rules run: a compile starts lowering on its workers
    then, and drops that work if a rule fails.  The rules cannot change the resolution, and
    what is reported is the same either way: a failing write rule still hides the entry
    point diagnostics (phase order), so those wait in their own sink.

    The write rules need only the documents: in a large project they run in a forked
    process while this one resolves (`_rules_aside`), and their diagnostics join the sink
    where running them here would have put them."""
    progress.note("checking")
    aside = _rules_aside(project, sink.root)
    try:
        resolved = resolve(project, sink)
        code: dict[str, TaskCode] = {}
        pending = Sink()
        if not sink.has_errors:
            code = read_tasks(resolved, pending)
            if early is not None and not pending.has_errors:
                early(resolved, code)
    except BaseException:
        if aside is not None:
            aside.cancel()
        raise
    if aside is None:
        run_write_rules(project, sink)
    else:
        _merge(sink, aside.collect()[0])
    if sink.has_errors:
        return None
    _merge(sink, pending)
    if sink.has_errors:
        return None
    run_resolved_rules(Context(resolved, code), sink)
    return None if sink.has_errors else Analysis(project, resolved, code)


RULES_ASIDE_MIN_DOCUMENTS = 200  # below this, forking costs more than the rules


def _rules_aside(project: Project, root: str) -> Running[Sink] | None:
    """The write rules started in a forked process, or None to run them here."""
    if len(project.sources) < RULES_ASIDE_MIN_DOCUMENTS:
        return None
    from envc.parallel import fork_start, workers  # pickle & co.: not for small projects

    if workers() <= 1:
        return None

    def rules(_: object) -> Sink:
        found = Sink()
        found.root = root
        run_write_rules(project, found)
        return found

    return fork_start(rules, [()])


def _merge(sink: Sink, found: Sink) -> None:
    """Add what another sink collected: its diagnostics, and the texts of the files they cite."""
    sink.items.extend(found.items)
    for file, text in found.sources.items():
        sink.sources.setdefault(file, text)


def build(analysis: Analysis, sink: Sink) -> list[Obj] | None:
    from envc.lower.build import lower  # imported by `later_phases` meanwhile (LOWERING)

    progress.note("lowering")
    objs = lower(analysis.resolved, analysis.code, sink)
    return None if sink.has_errors else objs


def check(analysis: Analysis, sink: Sink, validate: Callable[[list[Obj], Sink], None] | None = None) -> None:
    """What `build` reports, without keeping the objects (`envc validate`): a large project's
    units are lowered on every core."""
    from envc.lower.build import check as check_units

    progress.note("lowering")
    check_units(analysis.resolved, analysis.code, sink, validate)


RULES = "envc.checks.registry"  # the modules of the phases after loading, for `later_phases`
LOWERING = "envc.lower.build"


def later_phases(*modules: str) -> Callable[[], None]:
    """Imports `modules` (those of the phases after loading): a `meanwhile` for `load_project`,
    so that a large project's parse and these imports overlap."""
    def imports() -> None:
        for name in modules:
            importlib.import_module(name)
    return imports


def run(cwd: Path, explicit: str | None, sink: Sink, lower: bool = True,
        early: Early | None = None, meanwhile: Callable[[], None] | None = None,
        ) -> tuple[Analysis | None, list[Obj] | None]:
    """Everything up to the objects; (None, None) stops at the first phase with errors."""
    project = load_project(cwd, explicit, sink, meanwhile or later_phases(RULES, *([LOWERING] if lower else [])))
    if project is None or sink.has_errors:
        return None, None
    analysis = analyse(project, sink, early)
    if analysis is None or not lower:
        return analysis, None
    return analysis, build(analysis, sink)


__all__ = ["NoProject", "Analysis", "LOWERING", "RULES", "load_project", "analyse", "build", "check", "later_phases",
           "run", "decode"]
