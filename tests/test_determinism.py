"""Output is a pure function of the inputs (SPEC §9.3): the same bytes across runs,
source file order and Python hash seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from envc.diagnostics import Sink
from envc.emit import render_tree
from envc.pipeline import run
from projectcopy import copy_project

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ml-platform"


def compile_tree(root: Path) -> dict[str, bytes]:
    sink = Sink()
    _, objs = run(root, None, sink)
    assert objs is not None
    return render_tree(objs)


def test_twice_in_one_process() -> None:
    assert compile_tree(EXAMPLE) == compile_tree(EXAMPLE)


def test_file_discovery_order_does_not_matter(monkeypatch: pytest.MonkeyPatch) -> None:
    baseline = compile_tree(EXAMPLE)
    real_glob = Path.glob

    def reversed_glob(self: Path, pattern: str):  # type: ignore[no-untyped-def]
        return iter(sorted(real_glob(self, pattern), reverse=True))

    monkeypatch.setattr(Path, "glob", reversed_glob)
    assert compile_tree(EXAMPLE) == baseline


def test_documents_shuffled_within_files(tmp_path: Path) -> None:
    """Reordering the documents of a file changes nothing but what must change (nothing)."""
    project = tmp_path / "p"
    copy_project(EXAMPLE, project)
    for f in (project / "envs").glob("*.yaml"):
        docs = f.read_text("utf-8").split("\n---\n")
        f.write_text("\n---\n".join(reversed(docs)), "utf-8")
    assert compile_tree(project) == compile_tree(EXAMPLE)


@pytest.mark.parametrize("seed", ["0", "1", "4242"])
def test_hash_seed_and_environment(seed: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONHASHSEED": seed, "LANG": "C", "TZ": "Pacific/Auckland"}
    subprocess.run([sys.executable, "-m", "envc", "compile", "--out", str(out)], cwd=EXAMPLE, env=env,
                   check=True, capture_output=True)
    got = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert got == compile_tree(EXAMPLE)
