"""Running `envc diff`: compile the working tree and a git revision, compare, render.

The revision's files are exported to a temporary directory (`gitrev.export`,
read-only git plumbing) and compiled there exactly as the working tree is; the
directory is removed afterwards.  Errors on either side are reported, not
compared: the working tree's as `envc validate` shows them, the revision's under
a heading that names the revision.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from envc import render
from envc.diagnostics import Sink

EXIT_OK, EXIT_INPUT = 0, 1
FORMATS = ("text", "markdown", "json")


@dataclass(frozen=True, slots=True)
class Options:
    project: str | None
    base: str
    fmt: str
    exit_code: bool


def run(opts: Options, cwd: Path) -> int:
    from envc.diff import compare
    from envc.gitrev import GitError, Revision, export, resolve, toplevel
    from envc.pipeline import NoProject
    from envc.project import find_project_file

    pfile = find_project_file(cwd, opts.project)
    if pfile is None:
        where = f"--project {opts.project}" if opts.project else f"{cwd} or any parent directory"
        raise click.UsageError(str(NoProject(f"no envc.yaml found in {where}")))
    pfile = pfile.resolve()
    try:
        top = toplevel(pfile.parent)
        rev: Revision = resolve(top, opts.base)
    except GitError as exc:
        raise click.UsageError(str(exc)) from None
    new = _compile(pfile.parent, str(pfile), "the working tree")
    if new is None:
        return EXIT_INPUT
    tmp = Path(tempfile.mkdtemp(prefix="envc-diff-"))
    try:
        rel = pfile.relative_to(top)
        export(top, rev, rel.parent.as_posix() if rel.parent != Path(".") else "", tmp)
        old_file = tmp / rel
        old = None
        if old_file.is_file():
            old = _compile(old_file.parent, str(old_file), f"{rev.name} ({rev.short})")
            if old is None:
                return EXIT_INPUT
        report = compare(old, new, rev.name, rev.sha)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    click.echo(_render(report, opts.fmt), nl=False)
    return EXIT_INPUT if opts.exit_code and report.changed else EXIT_OK


def _compile(root: Path, pfile: str, label: str):  # type: ignore[no-untyped-def]
    """One side, or None after printing why it does not compile."""
    from envc.diff import Side
    from envc.pipeline import run as pipeline_run

    sink = Sink()
    analysis, objs = pipeline_run(root, pfile, sink)
    if analysis is None or objs is None:
        errors, _ = render.counts(sink.sorted())
        click.echo(f"envc diff: {label} does not compile ({errors} error{'s' if errors != 1 else ''}); "
                   "nothing was compared:", err=True)
        click.echo(render.human(sink, sink.sorted(), render.use_color(sys.stderr.isatty())), nl=False, err=True)
        return None
    return Side(root, analysis, tuple(objs))


def _render(report, fmt: str) -> str:  # type: ignore[no-untyped-def]
    from envc import diff_render

    if fmt == "json":
        return diff_render.as_json(report)
    if fmt == "markdown":
        return diff_render.markdown(report)
    return diff_render.text(report)
