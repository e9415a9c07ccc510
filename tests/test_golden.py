"""Every example compiles to exactly the bytes under golden/<name>/ (SPEC §9).

`pytest --update-golden` rewrites golden/<name>/ through the real CLI
(`envc compile --out`); without it, a missing or different file fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from envc.cli import main
from envc.diagnostics import Sink
from envc.emit import render_tree
from envc.pipeline import run

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.name for p in (REPO / "examples").iterdir() if (p / "envc.yaml").is_file())


def compiled(example: str) -> dict[str, bytes]:
    sink = Sink()
    _, objs = run(REPO / "examples" / example, None, sink)
    assert objs is not None, [str(d.message) for d in sink.sorted()]
    assert not sink.items, [f"{d.code} {d.span}: {d.message}" for d in sink.sorted()]
    return render_tree(objs)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_matches_golden(example: str, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    golden = REPO / "golden" / example
    if update_golden:
        monkeypatch.chdir(REPO / "examples" / example)
        result = CliRunner().invoke(main, ["compile", "--out", str(golden)])
        assert result.exit_code == 0, result.output
    assert golden.is_dir(), f"golden/{example} is missing: run `pytest --update-golden`"
    want = tree(golden)
    got = compiled(example)
    assert sorted(got) == sorted(want), "the set of files differs: run `pytest --update-golden` if intended"
    for path, data in got.items():
        assert data == want[path], f"golden/{example}/{path} differs: run `pytest --update-golden` if intended"


@pytest.mark.parametrize("example", EXAMPLES)
def test_check_command_passes_on_golden(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The documented CI gate: `cd examples/<name> && envc compile --check --out ../../golden/<name>`."""
    monkeypatch.chdir(REPO / "examples" / example)
    result = CliRunner().invoke(main, ["compile", "--check", "--out", f"../../golden/{example}"])
    assert result.exit_code == 0, result.output


def test_examples_exist() -> None:
    assert {"quickstart", "ml-platform"} <= set(EXAMPLES)
