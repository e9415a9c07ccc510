"""Each SPEC §11.3 limit, at its bound and just past it, through the real CLI in a process of
its own, with the process's peak memory (ru_maxrss from wait4) and its CPU time bounded.

tests/test_load_limits.py pins each limit's code and location inside the loader; this file
checks what a user gets from `envc validate` at the edges: the limit's code past the bound,
none at the bound, exit status 0 or 1 (never 3), and no run that balloons in memory — an alias
bomb must be refused without being expanded.  The bounds below are a few times what a run
takes (a trivial project peaks near 35 MiB); they catch a blow-up, not noise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from envc.load import MAX_ALIASES, MAX_DEPTH, MAX_EXPANDED_NODES, MAX_FILE_BYTES

MiB = 1024 * 1024
HEAD = "kind: TaskEnvironment\nname: a\n"


@dataclass(frozen=True)
class Run:
    status: int
    codes: list[str]
    where: list[str]
    peak_mib: float
    cpu_seconds: float


def validate(tmp_path: Path, source: bytes) -> Run:
    (tmp_path / "envs").mkdir(exist_ok=True)
    (tmp_path / "envc.yaml").write_text("envc: 1\nproject: t\n")
    (tmp_path / "envs" / "a.yaml").write_bytes(source)
    peak = tmp_path / "peak"
    args = [sys.executable, "-c", PEAK_WRAPPER, "validate", "--project", str(tmp_path), "--format", "json"]
    with subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env={**os.environ, "ENVC_PEAK": str(peak)}) as proc:
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own CPU time
        proc.returncode = os.waitstatus_to_exitcode(status)
    assert "Traceback" not in err, err
    report = json.loads(err)
    return Run(proc.returncode, [d["code"] for d in report["diagnostics"]],
               [f"{d['file']}:{d['line']}:{d['col']}" for d in report["diagnostics"]],
               int(peak.read_text()) / 1024, usage.ru_utime + usage.ru_stime)


# The CLI, reporting its peak resident memory at exit.  VmHWM (Linux) belongs to the program
# after exec; ru_maxrss would carry the size of the forking pytest process over.
PEAK_WRAPPER = """
import atexit, os
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(os.environ["ENVC_PEAK"], "w").write(line.split()[1])  # KiB
atexit.register(peak)
from envc.cli import main
main(prog_name="envc")
"""


def check(run: Run, status: int, peak_mib: float, cpu: float = 20.0) -> None:
    assert run.status == status, run
    assert run.peak_mib < peak_mib, f"peak {run.peak_mib:.0f} MiB"
    assert run.cpu_seconds < cpu, f"{run.cpu_seconds:.1f}s of CPU"


# --- 10 MiB per file ------------------------------------------------------------------------


def _sized(size: int) -> bytes:
    """A valid environment of exactly `size` bytes: its description is one long block scalar."""
    head = HEAD + "description: |\n"
    line = "  " + "x" * 77 + "\n"
    text = head + line * ((size - len(head)) // len(line))
    text += "  " + "y" * (size - len(text) - 3) + "\n"
    data = text.encode()
    assert len(data) == size
    return data


def test_a_file_of_exactly_10_mib_is_read(tmp_path: Path) -> None:
    run = validate(tmp_path, _sized(MAX_FILE_BYTES))
    check(run, 0, peak_mib=200)
    assert run.codes == ["W402"]  # the 10 MiB description is read, then truncated as Flyte does


def test_a_file_one_byte_over_10_mib_is_e103_and_not_read(tmp_path: Path) -> None:
    run = validate(tmp_path, _sized(MAX_FILE_BYTES + 1))
    check(run, 1, peak_mib=60)
    assert (run.codes, run.where) == (["E103"], ["envs/a.yaml:1:1"])


def test_a_10_mib_file_with_a_bad_byte_at_its_end_is_e102(tmp_path: Path) -> None:
    data = _sized(MAX_FILE_BYTES - 1)[:-1] + b"\xff\n"
    run = validate(tmp_path, data)
    check(run, 1, peak_mib=250)
    lines = data.count(b"\n")
    assert run.codes == ["E102"] and run.where[0].startswith(f"envs/a.yaml:{lines}:")


# --- nesting deeper than 100 -------------------------------------------------------------------


def _nested(levels: int) -> bytes:
    """A value at depth `levels` (the root mapping's value is depth 1) under an unknown key."""
    return (HEAD + "x: " + "[" * (levels - 1) + "1" + "]" * (levels - 1) + "\n").encode()


def test_nesting_of_100_levels_is_read(tmp_path: Path) -> None:
    run = validate(tmp_path, _nested(MAX_DEPTH))
    check(run, 1, peak_mib=60)
    assert run.codes == ["E201"]  # `x` is not a key of a TaskEnvironment: the document was read


def test_nesting_of_101_levels_is_e104(tmp_path: Path) -> None:
    run = validate(tmp_path, _nested(MAX_DEPTH + 1))
    check(run, 1, peak_mib=60)
    assert run.codes == ["E104"] and run.where == [f"envs/a.yaml:3:{3 + MAX_DEPTH + 1}"]


def test_nesting_of_a_million_levels_is_e104(tmp_path: Path) -> None:
    run = validate(tmp_path, (HEAD + "x: " + "[" * 1_000_000 + "\n").encode())
    check(run, 1, peak_mib=60)
    assert run.codes == ["E104"]


# --- 10,000 aliases per file ----------------------------------------------------------------


def _aliases(n: int) -> bytes:
    return (HEAD + "x: &x 1\ny:\n" + "  - *x\n" * n).encode()


def test_10000_aliases_are_read(tmp_path: Path) -> None:
    run = validate(tmp_path, _aliases(MAX_ALIASES))
    check(run, 1, peak_mib=60)
    assert set(run.codes) == {"E201"}


def test_10001_aliases_are_e105(tmp_path: Path) -> None:
    run = validate(tmp_path, _aliases(MAX_ALIASES + 1))
    check(run, 1, peak_mib=60)
    assert (run.codes, run.where) == (["E105"], [f"envs/a.yaml:{5 + MAX_ALIASES}:5"])


# --- 1,000,000 nodes after aliases, counted, never materialised -----------------------------


def _expanding_to(nodes: int) -> bytes:
    """A document of exactly `nodes` nodes once its aliases are expanded: the root mapping
    (1; keys are not nodes), `kind` and `name` (2), `c` (1 + m scalars), the anchor `a`
    (1 + 999 scalars) and `b` (1 + 998 aliases of 1,000 nodes each); the last alias is where
    the count is complete.  With a `kind`, the schema phase sees the whole shared value."""
    m = nodes - (3 + 1000 + 1 + 998 * 1000) - 1
    c = "[" + ", ".join(["1"] * m) + "]"
    a = "&a [" + ", ".join(["1"] * 999) + "]"
    b = "[" + ", ".join(["*a"] * 998) + "]"
    return f"{HEAD}c: {c}\na: {a}\nb: {b}\n".encode()


def test_a_document_of_1000000_nodes_is_read(tmp_path: Path) -> None:
    run = validate(tmp_path, _expanding_to(MAX_EXPANDED_NODES))
    check(run, 1, peak_mib=250)
    assert run.codes == ["E201"] * 3  # `a`, `b`, `c`: the document was read and checked whole


def test_a_document_of_1000001_nodes_is_e106(tmp_path: Path) -> None:
    run = validate(tmp_path, _expanding_to(MAX_EXPANDED_NODES + 1))
    check(run, 1, peak_mib=60)
    assert run.codes == ["E106"] and run.where[0].startswith("envs/a.yaml:5:")


@pytest.mark.parametrize("fanout", [10, 100])
def test_an_alias_bomb_is_e106_in_little_memory(tmp_path: Path, fanout: int) -> None:
    """Billion laughs, 10^9 and 10^18 nodes: refused by counting, in the memory of a small run."""
    lines = ["l0: &l0 [lol]"] + [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fanout) + "]" for i in range(1, 10)]
    run = validate(tmp_path, (HEAD + "\n".join(lines) + "\n").encode())
    check(run, 1, peak_mib=60, cpu=10)
    assert run.codes == ["E106"]


# --- duplicate keys ---------------------------------------------------------------------------


def test_ten_thousand_duplicate_keys_are_each_reported(tmp_path: Path) -> None:
    source = HEAD + "env_vars:\n" + "".join(f"  K{i}: a\n  K{i}: b\n" for i in range(10_000))
    run = validate(tmp_path, source.encode())
    check(run, 1, peak_mib=200)
    assert run.codes == ["E107"] * 10_000 and run.where[0] == "envs/a.yaml:5:3"
