"""Cold start: `envc --help` and `envc validate` never import the heavy optional packages
(jinja2, ruamel.yaml) that only `diff --format markdown`, `init` and `fmt` need, nor standard
library modules they do not use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart"
HEAVY = ("jinja2", "ruamel", "ruamel.yaml", "deepdiff", "kubernetes", "jsonschema")

PROBE = """
import sys
from click.testing import CliRunner
from envc.cli import main
for args in {argv!r}:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
print(",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def loaded(*argv: list[str]) -> str:
    code = PROBE.format(argv=list(argv), heavy=HEAVY)
    done = subprocess.run((sys.executable, "-c", code), capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_help_and_validate_stay_light() -> None:
    assert loaded(["--help"], ["validate", "--project", str(QUICKSTART)], ["diff", "--help"], ["fmt", "--help"],
                  ["init", "--help"]) == ""


def test_the_commands_that_need_them_load_them(tmp_path: Path) -> None:
    assert loaded(["init", str(tmp_path / "p")]) == "jinja2"
    assert loaded(["fmt", "--check", "--project", str(QUICKSTART)]) == "ruamel,ruamel.yaml"


COLD = """
import sys
sys.argv = ["envc", *{argv!r}]
from envc.cli import main
try:
    main()
except SystemExit as exit:
    assert exit.code == 0, exit.code
print(",".join(sorted(m for m in {modules!r} if m in sys.modules)))
"""


def test_validate_reads_the_schema_without_importlib_resources() -> None:
    """importlib.resources imports tempfile, shutil and zipfile: 4 ms of a cold run.  Run as the
    `envc` script runs (click.testing imports tempfile and shutil itself)."""
    modules = ("importlib.resources", "tempfile", "shutil", "zipfile")
    code = COLD.format(argv=["validate", "--project", str(QUICKSTART)], modules=modules)
    done = subprocess.run((sys.executable, "-c", code), capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
