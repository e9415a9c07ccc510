"""The command line (SPEC §11): click only.  Each command copies its options into
one library call, renders the diagnostics and maps the outcome to an exit code:
0 success, 1 errors in the input or drift, 2 usage, 3 internal error."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from envc import __version__

if TYPE_CHECKING:  # pathlib is imported where it is used: `envc --help` does not need it
    from pathlib import Path

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _common(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--project", "project", metavar="PATH", help="envc.yaml, or the directory holding it (default: found by walking up from the current directory).")(f)
    f = click.option("--format", "fmt", type=click.Choice(["human", "json", "github", "sarif"]), default="human", show_default=True, help="How diagnostics are printed on stderr: human (source line and caret; colour on a terminal unless NO_COLOR), json, github (workflow commands: annotations on a pull request) or sarif (SARIF 2.1.0, for code scanning).")(f)
    f = click.option("--strict", is_flag=True, help="Treat warnings as errors.")(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="envc")
def main() -> None:
    """Compile YAML execution environments (Flyte 2 semantics) into Kubernetes manifests."""
    # A run is short and builds large acyclic trees: the cyclic GC only costs time
    # (about 20% of a 10,000-environment compile; docs/performance.md).
    gc.disable()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--validate", "schemas", is_flag=True, help="Also validate every emitted object against the Kubernetes (and Knative) schema of kubernetes_version (SPEC §10.1; needs the `validate` extra).")
@_common
def validate(paths: tuple[str, ...], schemas: bool, project: str | None, fmt: str, strict: bool) -> None:
    """Run every check `compile` runs; write nothing.

    PATHS only select projects: each project containing a PATH is validated in full."""
    from envc.commands import validate_cmd

    _finish(lambda: validate_cmd(paths, project, fmt, strict, schemas=schemas))


@main.command()
@click.option("--out", "out", metavar="DIR", help="Output directory (default: `output` of envc.yaml).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print every object as one YAML stream instead of writing files.")
@click.option("--check", is_flag=True, help="Compare with DIR and write nothing; exit 1 on drift.")
@click.option("--validate", "schemas", is_flag=True, help="Also validate every emitted object against the Kubernetes (and Knative) schema of kubernetes_version (SPEC §10.1; needs the `validate` extra).")
@_common
def compile(out: str | None, to_stdout: bool, check: bool, schemas: bool, project: str | None, fmt: str, strict: bool) -> None:
    """Emit one Kubernetes manifest per object (SPEC §9)."""
    from envc import progress
    from envc.commands import compile_cmd

    def run() -> int:
        with progress.shown("compiling"):  # a terminal only, and only when it takes a while
            return compile_cmd(out, to_stdout, check, project, fmt, strict, schemas=schemas)

    _finish(run)


@main.command()
@click.argument("name", required=False)
@click.option("--all", "all_", is_flag=True, help="The whole resolved project.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (SPEC §11.2).")
@_common
def explain(name: str | None, all_: bool, as_json: bool, project: str | None, fmt: str, strict: bool) -> None:
    """The resolved value of every field of NAME[.TASK] and where it came from."""
    from envc.commands import explain_cmd

    if bool(name) == all_:
        raise click.UsageError("give either NAME[.TASK] or --all")
    _finish(lambda: explain_cmd(name, all_, as_json, project, fmt, strict))


@main.command()
def schema() -> None:
    """Print the JSON Schema of environment files."""
    from envc.schema import schema_text

    click.echo(schema_text(), nl=False)


@main.command()
@click.option("--base", default="HEAD", show_default=True, metavar="REV", help="The git revision to compare the working tree with.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True, help="text for a terminal, markdown for a pull-request comment, json for tools.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when something changed (like `git diff --exit-code`).")
@click.option("--project", "project", metavar="PATH", help="envc.yaml, or the directory holding it.")
def diff(base: str, fmt: str, exit_code: bool, project: str | None) -> None:
    """What changes in the emitted objects between git REV and the working tree."""
    from envc.diff_run import Options, run

    _finish(lambda: run(Options(project, base, fmt, exit_code), cwd()))


@main.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", is_flag=True, help="Write nothing; exit 1 (with a diff) if a file is not formatted.")
@click.option("--project", "project", metavar="PATH", help="envc.yaml, or the directory holding it (when no PATH is given).")
def fmt_command(paths: tuple[str, ...], check: bool, project: str | None) -> None:
    """Canonical key order and indentation, comments kept.

    PATHS are files or directories (their *.yaml/*.yml); default: the project's files."""
    from envc.fmt_run import Options, run

    _finish(lambda: run(Options(paths, check, project), cwd()))


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--name", metavar="NAME", help="The Flyte project name (default: the directory name).")
@click.option("--domain", default="development", show_default=True, help="The Flyte domain.")
def init(directory: str, name: str | None, domain: str) -> None:
    """A new project in DIRECTORY with one example of each kind."""
    from pathlib import Path

    from envc.init import InitError, create

    def run() -> int:
        try:
            written = create(Path(directory), name, domain)
        except InitError as exc:
            click.echo(f"envc init: {exc}", err=True)
            return EXIT_INPUT
        click.echo(f"created {len(written)} files in {directory}; next: envc compile --project {directory}", err=True)
        return EXIT_OK

    _finish(run)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True,
              help="Mermaid renders in pull-request comments; dot is for Graphviz.")
@click.option("--project", "project", metavar="PATH", help="envc.yaml, or the directory holding it.")
def graph(fmt: str, project: str | None) -> None:
    """The extends, depends_on and Workflow -> task graph."""
    from envc.commands import graph_cmd

    _finish(lambda: graph_cmd(fmt, project))


def _finish(run: Callable[[], int]) -> NoReturn:
    try:
        code = run()
    except click.exceptions.ClickException:
        raise
    except Exception:  # a bug: the only case with a traceback (SPEC §11.1)
        import traceback  # only here: it pulls in textwrap, linecache and tokenize

        traceback.print_exc()
        click.echo(f"envc {__version__}: internal error; please report it with the traceback above.", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(code)


def entry() -> NoReturn:
    """The `envc` command (through `envc.__main__.run`): `main`, then the process ends as
    soon as its output is flushed.

    Python's normal exit frees every object one by one; after a large compile that is
    millions of them (0.6 s of a 10,000-environment compile, docs/performance.md) for
    nothing: files are closed and no exit handler is registered.  click.echo flushes what
    it writes; anything else still buffered is flushed here.  If flushing fails (a closed
    pipe), the normal exit runs and reports it as before."""
    try:
        main()
        status: object = EXIT_OK
    except SystemExit as exc:
        status = exc.code
    if status is None:
        code = EXIT_OK
    elif isinstance(status, int):
        code = status
    else:  # sys.exit("message"): Python prints it and exits with 1
        click.echo(status, err=True)
        code = 1
    workers = sys.modules.get("envc.parallel")  # imported only when the run forked
    if workers is not None:
        workers.reap(wait=True)  # long exited by now: leave no zombie to the init process
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        sys.exit(code)
    os._exit(code)


def cwd() -> Path:
    from pathlib import Path

    return Path.cwd()
