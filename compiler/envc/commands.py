"""What each CLI command does, between option parsing and exit codes."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from envc import render
from envc.diagnostics import Sink

if TYPE_CHECKING:
    from collections.abc import Mapping

    from envc.model import Resolved, TaskCode
    from envc.produce import Started

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


def _report(sink: Sink, fmt: str, strict: bool) -> int:
    """Print the run's diagnostics on stderr in `fmt` (stdout carries only what a command
    produces); exit 1 on errors, or on warnings with --strict."""
    diags = sink.sorted()
    if diags or fmt in ("json", "sarif"):
        base = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
        prefix = render.repo_prefix(sink.root, base) if sink.root else ""
        text = render.report(fmt, sink, diags, strict=strict, prefix=prefix,
                             color=render.use_color(sys.stderr.isatty()))
        click.echo(text, nl=False, err=True)
    errors, _ = render.counts(diags, strict)
    return EXIT_INPUT if errors else EXIT_OK


def _pipeline(project: str | None, start: Path | None = None, analyse_only: bool = False, schemas: bool = False,  # type: ignore[no-untyped-def]
              early=None, meanwhile=None):
    from envc.pipeline import NoProject, run

    sink = Sink()
    try:
        analysis, objs = run(start or Path.cwd(), project, sink, lower=not analyse_only, early=early,
                             meanwhile=meanwhile)
    except NoProject as exc:
        raise click.UsageError(str(exc)) from None
    if schemas and analysis is not None and objs is not None:
        _schema_check(analysis.project.settings.kubernetes_version)(objs, sink)
    return sink, analysis, objs


def _schema_check(version: str):  # type: ignore[no-untyped-def]
    """`--validate` (SPEC §10.1): a function checking objects against the schemas of `version`;
    a usage error when the `validate` extra is not installed."""
    from envc import kube_schema

    try:
        kube_schema.schema_root()
    except kube_schema.NotInstalled as exc:
        raise click.UsageError(str(exc)) from None
    return lambda objs, sink: kube_schema.validate_objects(objs, version, sink)


def validate_cmd(paths: tuple[str, ...], project: str | None, fmt: str, strict: bool, schemas: bool = False) -> int:
    from envc.pipeline import LOWERING, RULES, check, later_phases

    worst = EXIT_OK
    for start in _project_starts(paths, project):
        sink, analysis, _ = _pipeline(project, start, analyse_only=True, meanwhile=later_phases(RULES, LOWERING))
        if analysis is not None:
            validate = _schema_check(analysis.project.settings.kubernetes_version) if schemas else None
            check(analysis, sink, validate)
        worst = max(worst, _report(sink, fmt, strict))
    return worst


def _project_starts(paths: tuple[str, ...], project: str | None) -> list[Path | None]:
    """One start directory per project containing a PATH, each project once (a pre-commit hook
    passes every changed file).  PATHs inside no project are skipped, unless all of them are."""
    from envc.project import find_project_file

    starts: list[Path | None] = [Path(p) if Path(p).is_dir() else Path(p).parent for p in paths]
    if not starts or project is not None:
        return [None] if not starts else starts[:1]
    found: dict[Path, Path | None] = {}
    for start in starts:
        assert start is not None
        pfile = find_project_file(start.resolve(), None)
        if pfile is not None:
            found.setdefault(pfile, start)
    return list(found.values()) or [starts[0]]


def compile_cmd(out: str | None, to_stdout: bool, check: bool, project: str | None, fmt: str, strict: bool,
                schemas: bool = False) -> int:
    if to_stdout:
        return _compile_stdout(project, fmt, strict, schemas)
    from envc import cache as cache_mod
    from envc.fastpath import read_inputs, up_to_date
    from envc.pipeline import LOWERING, RULES, later_phases

    inputs = read_inputs(Path.cwd(), project, out)
    if inputs is None:  # no envc.yaml: let the pipeline say so
        _pipeline(project)
        return EXIT_USAGE
    cache = cache_mod.load(inputs.root, inputs.out)
    mode = "check" if check else "write"
    replay = None if schemas else up_to_date(inputs, cache)  # --validate lowers and checks every unit
    if replay is not None:
        replay.root = str(inputs.root)
        status = _report(replay, fmt, strict)
        if status == EXIT_OK:
            _note(fmt, f"{inputs.out}: up to date ({len(cache.files)} files)")
        return status
    # produce and lowering are imported while a large project is parsed (`later_phases`)
    started: list[Started] = []

    def early(resolved: Resolved, code: Mapping[str, TaskCode]) -> None:
        """Lowering starts on the workers while this process runs the rules."""
        from envc import produce
        from envc.lower.build import plan

        validate = _schema_check(resolved.project.settings.kubernetes_version) if schemas else None
        started.append(produce.start(plan(resolved, code), inputs.out, mode, cache, validate, ahead=True))

    def abandon() -> None:
        from envc import produce

        for s in started:
            produce.abandon(s)

    try:
        try:
            sink, analysis, _ = _pipeline(project, analyse_only=True, early=early,
                                          meanwhile=later_phases(RULES, LOWERING, "envc.produce"))
        except BaseException:
            abandon()
            raise
        if analysis is None:
            abandon()
            return _report(sink, fmt, strict) or EXIT_INPUT
        assert started, "analyse calls `early` whenever it returns an analysis"
        from envc import produce

        produced = produce.finish(started[0], sink)
    except OSError as exc:  # a read-only or full disk: the environment's fault, not a bug
        _write_failed(exc, inputs.out, inputs.root, sink)
        return _report(sink, fmt, strict) or EXIT_INPUT
    _foreign(produced.foreign_in_the_way, inputs.out, inputs.root, sink)
    status = _report(sink, fmt, strict)
    if status != EXIT_OK or produced.foreign_in_the_way:
        return EXIT_INPUT
    if check:
        return _check_result(inputs.out, produced, out, project)
    if not schemas:  # a --validate run leaves the cache as it was: its extra diagnostics are not replayed
        _remember(cache, inputs, analysis, sink)
    d = produced.drift
    _note(fmt, f"wrote {produced.files} files to {inputs.out} ({len(d.stale) + len(d.missing)} changed, "
               f"{len(d.extra)} removed)")
    return EXIT_OK


def _note(fmt: str, text: str) -> None:
    """A progress line on stderr; not with --format json or sarif, whose stderr is one document."""
    if fmt not in ("json", "sarif"):
        click.echo(text, err=True)


def _write_failed(exc: OSError, out: Path, root: Path, sink: Sink) -> None:
    from envc import codes
    from envc.diagnostics import Span

    rel = Path(os.path.relpath(exc.filename or out, root)).as_posix()
    sink.report(codes.WRITE_FAILED, Span(rel, 1, 1),
                f"cannot write the output: {rel}: {exc.strerror or exc}")


def _foreign(paths: object, out: Path, root: Path, sink: Sink) -> None:
    """E801 for each file without the envc header where a generated file goes (SPEC §9.4)."""
    from envc import codes
    from envc.diagnostics import Span

    for p in paths:  # type: ignore[attr-defined]
        rel = Path(os.path.relpath(out / p, root)).as_posix()
        sink.report(codes.FOREIGN_FILE, Span(rel, 1, 1),
                    f"{rel} was not generated by envc (it has no `# Generated by envc` header) and is "
                    "in the way of a generated file: move it away; envc never overwrites it")


def _remember(cache: object, inputs: object, analysis: object, sink: Sink) -> None:
    """Record the fingerprint of this run's inputs, so an unchanged project is a stat walk away."""
    from envc import cache as cache_mod
    from envc.emit import KUSTOMIZATION
    from envc.fastpath import Inputs, fingerprint_with
    from envc.pipeline import Analysis

    assert isinstance(cache, cache_mod.Cache) and isinstance(inputs, Inputs) and isinstance(analysis, Analysis)
    python = sorted({c.file for c in analysis.code.values()})
    cache.inputs = python
    cache.fingerprint = fingerprint_with(inputs, python)
    cache.diagnostics = cache_mod.diagnostics_to_json(sink.sorted())
    cache_mod.save(cache, KUSTOMIZATION)


def _compile_stdout(project: str | None, fmt: str, strict: bool, schemas: bool = False) -> int:
    from envc.emit import render_tree

    sink, analysis, objs = _pipeline(project, schemas=schemas)
    status = _report(sink, fmt, strict)
    if status != EXIT_OK or objs is None:
        return EXIT_INPUT
    files = render_tree(objs)
    click.echo("---\n".join(f.decode() for p, f in files.items() if p != "kustomization.yaml"), nl=False)
    return EXIT_OK


def _check_result(target: Path, produced: object, out: str | None, project: str | None = None) -> int:
    """Drift: the first diffs, every stale/missing/extra file, and the command that fixes it."""
    from envc.produce import Produced

    assert isinstance(produced, Produced)
    drift = produced.drift
    if drift.clean:
        click.echo(f"{target}: up to date ({produced.files} files)", err=True)
        return EXIT_OK
    for d in drift.diffs:
        click.echo(d if d.endswith("\n") else d + "\n", nl=False)
    if len(drift.stale) > len(drift.diffs):
        click.echo(f"... {len(drift.stale) - len(drift.diffs)} more stale file(s) not shown")
    for label, items in (("stale", drift.stale), ("missing", drift.missing), ("extra", drift.extra)):
        for p in items:
            click.echo(f"{label}: {p}")
    click.echo(f"{target} is out of date ({len(drift.stale)} stale, {len(drift.missing)} missing, "
               f"{len(drift.extra)} extra): run `{update_command(project, out)}` to update it", err=True)
    return EXIT_INPUT


def update_command(project: str | None, out: str | None) -> str:
    """The exact `envc compile` that rewrites what `--check` compared, shell-quoted."""
    import shlex

    cmd = ["envc", "compile"]
    if project:
        cmd += ["--project", project]
    if out:
        cmd += ["--out", out]
    return shlex.join(cmd)


def explain_cmd(name: str | None, all_: bool, as_json: bool, project: str | None, fmt: str, strict: bool) -> int:
    from envc.explain import explain_all

    sink, analysis, _ = _pipeline(project)
    status = _report(sink, fmt, strict)
    if analysis is None:
        return EXIT_INPUT
    data = explain_all(analysis.resolved, analysis.code)
    if all_:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return status
    entry = _find(data, str(name))
    if entry is None:
        from envc.hints import did_you_mean

        raise click.UsageError(f"no environment, task or workflow step named `{name}`{did_you_mean(str(name), _names(data))}")
    click.echo(json.dumps(entry, indent=2, ensure_ascii=False) if as_json else render.explain_text(entry))
    return status


def _names(data: dict[str, object]) -> list[str]:
    """Every name `envc explain` accepts: environments, task FQNs, WORKFLOW.STEP."""
    envs, invs = data["environments"], data["invocations"]
    assert isinstance(envs, list) and isinstance(invs, list)
    return ([e["name"] for e in envs] + [t["fqn"] for e in envs for t in e["tasks"]]
            + [f"{i['workflow']}.{i['step']}" for i in invs])


def _find(data: dict[str, object], name: str) -> dict[str, object] | None:
    envs = data["environments"]
    assert isinstance(envs, list)
    for env in envs:
        if env["name"] == name:
            return env  # type: ignore[no-any-return]
        for task in env["tasks"]:
            if task["fqn"] == name:
                return task  # type: ignore[no-any-return]
    invs = data["invocations"]
    assert isinstance(invs, list)
    for inv in invs:
        if f"{inv['workflow']}.{inv['step']}" == name:
            return inv  # type: ignore[no-any-return]
    return None


def graph_cmd(fmt: str, project: str | None) -> int:
    from envc import graph

    sink, analysis, _ = _pipeline(project, analyse_only=True)
    status = _report(sink, "human", False)
    if analysis is None:
        return EXIT_INPUT
    click.echo(graph.mermaid(analysis.resolved) if fmt == "mermaid" else graph.dot(analysis.resolved), nl=False)
    return status
