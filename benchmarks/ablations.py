#!/usr/bin/env python3
"""What each of envc's speed choices is worth, measured one at a time (docs/performance.md).

    python benchmarks/ablations.py [--n 10000] [--runs 3] [--work DIR] [--envc PATH] [--skip-dump]

Run it with the project's venv (it imports envc for the YAML-writer comparison).

1. YAML writer: envc's `yamlout.dump` against PyYAML's C dumper (CSafeDumper, no aliases)
   on the very objects envc emits for the N-environment workload, in one process, 3 times
   each, interleaved; the parsed output of both must be equal.
2. Whole-process compiles of the same project, interleaved (A B C … per round):
   * cold, default (forked workers) — the reference;
   * cold, `ENVC_JOBS=1` (no workers);
   * cold through `python -c "from envc.cli import main; main()"`, with and without
     `gc.disable` neutralised (the cyclic GC left on), so both go through the same wrapper;
   * after a comment-only edit of one source file: the no-op fingerprint misses, every unit's
     content key hits (nothing lowered, rendered or written);
   * after changing one task's `retries` in one environment: one unit is lowered and rendered;
   * recompile with the output kept and the cache removed (every unit rendered and compared
     with the file on disk, nothing written);
   * warm no-op (the fingerprint fast path).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run
import workload
from run import Cmd, fmt_s, interleave, med, ratio, rm, sync_only

CLI = "from envc.cli import main; main()"
CLI_GC_ON = "import gc; gc.disable = lambda: None; from envc.cli import main; main()"


def dump_comparison(project: Path, rounds: int = 3) -> list[str]:
    """yamlout.dump vs CSafeDumper on envc's own objects for this project."""
    import yaml

    from envc.diagnostics import Sink
    from envc.pipeline import run as pipeline_run
    from envc.yamlout import dump

    class Dumper(yaml.CSafeDumper):
        def ignore_aliases(self, data: object) -> bool:
            return True

    def pyyaml(o: object) -> str:
        return yaml.dump(o, Dumper=Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)

    sink = Sink()
    _, objs = pipeline_run(project, None, sink)
    assert objs, [d.message for d in sink.items][:5]
    manifests = [o.manifest for o in objs]
    for m in manifests[:: max(1, len(manifests) // 200)]:  # both writers say the same thing
        assert yaml.load(dump(m), Loader=yaml.CSafeLoader) == yaml.load(pyyaml(m), Loader=yaml.CSafeLoader)
    times: dict[str, list[float]] = {"yamlout": [], "pyyaml": []}
    size = {}
    for _ in range(rounds):
        for name, fn in (("yamlout", dump), ("pyyaml", pyyaml)):
            t0 = time.perf_counter()
            texts = [fn(m) for m in manifests]
            times[name].append(time.perf_counter() - t0)
            size[name] = sum(map(len, texts))
    y, p = med(times["yamlout"]), med(times["pyyaml"])
    ratios = [a / b for a, b in zip(times["pyyaml"], times["yamlout"])]
    return [
        f"### YAML writer on the {len(manifests):,} objects envc emits ({rounds} interleaved rounds, one process)", "",
        "| writer | median | per object | characters |", "|---|---|---|---|",
        f"| envc `yamlout.dump` | {fmt_s(y)} | {y / len(manifests) * 1e6:.0f} µs | {size['yamlout']:,} |",
        f"| PyYAML `yaml.dump(Dumper=CSafeDumper)` | {fmt_s(p)} | {p / len(manifests) * 1e6:.0f} µs "
        f"| {size['pyyaml']:,} |", "",
        f"PyYAML / yamlout: **{statistics.median(ratios):.1f}×** ({min(ratios):.1f}–{max(ratios):.1f}); "
        "parsed output equal on a sample of 200 objects.", ""]


def toggler(path: Path, old: str, new: str) -> object:
    """A prepare step that flips `path` between two contents, so every run sees an edit."""
    state = {"flip": False}
    text = path.read_text("utf-8")
    assert old in text, (path, old)

    def prepare() -> None:
        state["flip"] = not state["flip"]
        path.write_text(text.replace(old, new, 1) if state["flip"] else text, "utf-8")
        os.sync()
    return prepare


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/envc-benchmarks/ablations")
    ap.add_argument("--envc", default=None)
    ap.add_argument("--skip-dump", action="store_true", help="skip the in-process YAML writer comparison")
    a = ap.parse_args(argv)
    envc = os.path.abspath(shutil.which(a.envc or run.default_envc() or "envc") or "")
    work = Path(a.work).resolve()
    shutil.rmtree(work, ignore_errors=True)
    run.TRASH[:] = [work / "trash"]  # earlier outputs are moved aside, not deleted (see run.rm)
    run.compile_bytecode(envc)
    w = workload.make(a.n, 1)
    projects = {k: work / k for k in ("main", "comment", "retries")}
    for p in projects.values():
        workload.write_envc(w, str(p))
    report = [f"# envc ablations, N = {a.n:,} ({workload.expected_objects(w):,} objects)", "",
              f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {os.cpu_count()} CPUs; load average {run.loadavg()}; "
              f"envc {run.version_of([envc, '--version'])}.", ""]
    if not a.skip_dump:
        print("ablations: YAML writer comparison", file=sys.stderr)
        report += dump_comparison(projects["main"])

    py = sys.executable
    main_p, out = projects["main"], work / "out"
    cache = main_p / ".envc-cache"
    last = w.files - 1
    edited = next(e for e in w.envs if e.file == last and not e.reusable)
    t0 = edited.tasks[0]
    comment_file = projects["comment"] / w.path(last)
    retries_file = projects["retries"] / w.path(last)
    before = f"  {t0.name}:\n    entrypoint: {t0.entrypoint}\n    retries: {t0.retries}\n"
    after = f"  {t0.name}:\n    entrypoint: {t0.entrypoint}\n    retries: {(t0.retries + 1) % 6}\n"
    first_line = f"# envc benchmark workload: N={w.n} seed={w.seed}, file {last + 1} of {w.files}\n"

    def compile_in(p: Path, o: Path) -> list[str]:
        return [envc, "compile", "--out", str(o)]

    cmds = [
        Cmd("cold", "cold, default (forked workers)", compile_in(main_p, out / "a"), main_p, rm(out / "a", cache), out / "a"),
        Cmd("jobs1", "cold, `ENVC_JOBS=1`", ["/usr/bin/env", "ENVC_JOBS=1", *compile_in(main_p, out / "b")], main_p,
            rm(out / "b", cache)),
        Cmd("gcoff", "cold via `python -c` wrapper, GC off (as shipped)", [py, "-c", CLI, "compile", "--out", str(out / "c")],
            main_p, rm(out / "c", cache)),
        Cmd("gcon", "cold via `python -c` wrapper, GC left on", [py, "-c", CLI_GC_ON, "compile", "--out", str(out / "d")],
            main_p, rm(out / "d", cache)),
        Cmd("comment", "comment-only edit of one file (fingerprint miss, all units cached)",
            compile_in(projects["comment"], out / "e"), projects["comment"],
            toggler(comment_file, first_line, first_line + "# edited\n")),  # type: ignore[arg-type]
        Cmd("retries", "one task's `retries` changed (one unit re-rendered)",
            compile_in(projects["retries"], out / "f"), projects["retries"],
            toggler(retries_file, before, after)),  # type: ignore[arg-type]
        Cmd("recompile", "recompile, output kept, cache removed", compile_in(main_p, out / "a"), main_p, rm(cache)),
        Cmd("warm", "warm no-op (fingerprint fast path)", compile_in(main_p, out / "a"), main_p, sync_only),
    ]
    print("ablations: whole-process runs", file=sys.stderr)
    interleave(cmds, a.runs, 1, work / "logs", "ablation")
    byk = {c.key: c for c in cmds}
    report += [f"### Whole-process `envc compile`, {a.runs} interleaved rounds after 1 warm-up round", "",
               "| variant | median wall | min–max | peak RSS | CPU | / cold (median of per-round ratios) |",
               "|---|---|---|---|---|---|"]
    for c in cmds:
        r = ratio(c, byk["cold"])
        report.append(f"| {c.label} | {fmt_s(med(c.walls))} | {fmt_s(min(c.walls))}–{fmt_s(max(c.walls))} | "
                      f"{med(c.peaks):.0f} MiB | {fmt_s(med(c.cpus))} | {r[0]:.2f} ({r[1]:.2f}–{r[2]:.2f}) |")
    g = ratio(byk["gcon"], byk["gcoff"])
    j = ratio(byk["jobs1"], byk["cold"])
    report += ["", f"GC left on / GC off (same wrapper): **{g[0]:.2f}** ({g[1]:.2f}–{g[2]:.2f}); "
               f"`ENVC_JOBS=1` / default: **{j[0]:.2f}** ({j[1]:.2f}–{j[2]:.2f}). Load average at the end: "
               f"{run.loadavg()}.", ""]
    text = "\n".join(report)
    print(text)
    (work.parent / "ablations.md").write_text(text + "\n", "utf-8")
    run.empty_trash()
    return 0


if __name__ == "__main__":
    sys.exit(main())
