"""Phase 6b: produce the output tree — incrementally, on both cores, safely (SPEC §9.4).

The units of lowering (an environment, a Workflow step) are shared out between
forked workers.  For each unit a worker computes its *content key* (the §9.3 hash
input plus everything else that shapes its files: deploy depth, source path, envc's
version); when the key and the files on disk are those the cache recorded, the
unit is neither lowered nor rendered again.  Otherwise the worker lowers it,
renders each object and compares it with the file on disk; only changed files
are staged: a new output directory as the sibling `<out>.envc-tmp/`, renamed into
place at the end; an existing one as `<file>.envc-tmp` files, each `os.replace`d
into place at the end (a compile costs what changed, not the size of the tree).  The parent then checks name collisions
across all units and either commits the staged tree or, on any error, removes it:
a failed compile writes nothing.
"""

from __future__ import annotations

import hashlib
import operator
import os
import pickle
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from envc import __version__
from envc.cache import Cache, diagnostics_from_json
from envc.diagnostics import Diagnostic, Sink, Span
from envc.emit import KUSTOMIZATION, header, is_generated, kustomization
from envc.lower import Obj
from envc.lower.build import KIND_ORDER, PARALLEL_MIN_UNITS, Plan, Unit, lower_units, report_collisions, units
from envc.outdir import TMP_SUFFIX, Drift, unified_diff
from envc.parallel import Queue, Running, chunks, fork_map, fork_start, send, send_all, shares, take_all, workers
from envc.yamlout import Memo, dump


class Emitted(NamedTuple):
    """One output file as a worker reports it (a NamedTuple: workers pickle thousands of them,
    and a tuple unpickles several times faster than a dataclass)."""

    path: str
    order: tuple[object, ...]
    identity: tuple[object, ...]  # (API group, kind, namespace, name)
    origin: Span | None
    sha: str
    status: str  # same | new | changed
    diff: str | None = None
    stat: tuple[int, int] | None = None  # (size, mtime_ns) of the file once in place, when known


_ORDER = operator.attrgetter("order")  # of an Emitted: deploy order


class UnitResult(NamedTuple):
    key: str
    files: tuple[Emitted, ...]
    diagnostics: tuple[Diagnostic, ...]
    reused: bool = False


@dataclass(frozen=True, slots=True)
class OnDisk:
    """What the output directory holds before the run: stats, and which files are envc's."""

    stats: Mapping[str, tuple[int, int]]  # path -> (size, mtime_ns)
    generated: frozenset[str]
    foreign: frozenset[str]


@dataclass(frozen=True, slots=True)
class Job:
    plan: Plan
    out: Path
    mode: str  # write | check
    staging: Path | None  # swap mode: the sibling tmp tree; None: in place
    disk: OnDisk
    cache: Cache
    max_diffs: int = 3
    validate: Callable[[list[Obj], Sink], None] | None = None  # --validate: lower and check every unit
    made: set[str] = field(default_factory=set)  # directories this worker created


@dataclass(slots=True)
class Produced:
    drift: Drift
    files: int
    reused_units: int = 0
    foreign_in_the_way: list[str] = field(default_factory=list)


def survey(out: Path, cache: Cache) -> OnDisk:
    """List the output directory; a file is envc's when its stat matches the cache or its header says so."""
    stats: dict[str, tuple[int, int]] = {}
    generated: set[str] = set()
    foreign: set[str] = set()
    if not out.is_dir():
        return OnDisk({}, frozenset(), frozenset())
    for dirpath, _dirs, names in os.walk(out):
        for name in names:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, out).replace(os.sep, "/")
            st = os.stat(full)
            stats[rel] = (st.st_size, st.st_mtime_ns)
            known = cache.files.get(rel)
            if known is not None and (known.size, known.mtime_ns) == stats[rel] or not name.endswith(TMP_SUFFIX) and _has_header(full):
                generated.add(rel)
            else:
                foreign.add(rel)
    return OnDisk(stats, frozenset(generated), frozenset(foreign))


def _has_header(path: str) -> bool:
    with open(path, "rb") as fh:
        return is_generated(fh.read(64))


def unit_key(plan: Plan, unit: Unit) -> str:
    """Everything a unit's files depend on; equal keys mean byte-identical files."""
    envs = plan.envs
    if unit[0] == "env":
        env = envs[unit[1]]
        parts = [env.source.doc.file, str(plan.depths[env.name]), plan.hash_input(env.name)]
    else:
        inv = plan.resolved.invocations[unit[1]]
        task_env = plan.env_of_task.get(inv.task_fqn)
        parts = [inv.doc.file, str(unit[1]), plan.step_input(unit[1]),
                 plan.hash_input(task_env.name) if task_env else "",
                 str(plan.depths.get(task_env.name, 0)) if task_env else ""]
    # kubernetes_version is not in §9.3's C but decides the output checks (SPEC §10)
    text = "\x00".join([__version__, plan.resolved.project.settings.kubernetes_version, unit[0], *parts])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_units(job: Job, todo: Sequence[Unit]) -> list[UnitResult]:
    """A worker's share: reuse cached units, lower and render the rest, stage changes."""
    results = []
    diffs_left = job.max_diffs
    for unit in todo:
        key = unit_key(job.plan, unit)
        cached = _reusable(job, key) if job.validate is None else None
        if cached is not None:
            results.append(cached)
            continue
        sink = Sink()
        objs = lower_units(job.plan, [unit], sink)
        if job.validate is not None:
            job.validate(objs, sink)
        files = []
        memo = Memo()  # the unit's objects share subtrees (one pod for an environment's tasks)
        for o in objs:
            e = _emit(job, o, memo, diffs_left > 0 and job.mode == "check")
            diffs_left -= e.diff is not None
            files.append(e)
        results.append(UnitResult(key, tuple(files), tuple(sink.items)))
    return results


def _reusable(job: Job, key: str) -> UnitResult | None:
    recorded = job.cache.units.get(key)
    if recorded is None:
        return None
    files = []
    for rec in recorded:
        if job.disk.stats.get(rec.path) != (rec.size, rec.mtime_ns) or rec.path not in job.disk.generated:
            return None
        origin = Span(*rec.origin) if rec.origin else None
        files.append(Emitted(rec.path, tuple(rec.order), tuple(rec.identity), origin, rec.sha, "same",
                             stat=(rec.size, rec.mtime_ns)))
    diags = tuple(diagnostics_from_json(job.cache.unit_diagnostics.get(key, [])))
    return UnitResult(key, tuple(files), diags, reused=True)


def _emit(job: Job, o: Obj, memo: Memo, want_diff: bool) -> Emitted:
    data = (header(o.source) + dump(o.manifest, memo=memo)).encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    path = o.path  # a property: formatted once here
    status, diff = _compare(job, path, data, sha, want_diff)
    stat = _stage(job, path, data) if status != "same" and job.mode == "write" else job.disk.stats.get(path)
    identity = (o.api_group, o.kind, o.manifest["metadata"].get("namespace"), o.name)
    order = (o.group_order, o.step_index, KIND_ORDER.index(o.kind), o.name)
    return Emitted(path, order, identity, o.origin, sha, status, diff, stat)


def _compare(job: Job, path: str, data: bytes, sha: str, want_diff: bool) -> tuple[str, str | None]:
    if path not in job.disk.generated:
        return "new", None
    rec = job.cache.files.get(path)
    if rec is not None and rec.sha == sha and job.disk.stats.get(path) == (rec.size, rec.mtime_ns):
        return "same", None
    old = (job.out / path).read_bytes()
    if old == data:
        return "same", None
    return "changed", unified_diff(path, old, data) if want_diff else None


def _stage(job: Job, path: str, data: bytes) -> tuple[int, int]:
    """Write `data` where it is staged; (size, mtime_ns), which moving it into place keeps."""
    # Plain strings, not Path objects: this runs once per output file (28,000 at 10,000 environments).
    target = f"{job.staging}/{path}" if job.staging is not None else f"{job.out}/{path}{TMP_SUFFIX}"
    parent = target.rpartition("/")[0]
    if parent not in job.made:  # one mkdir per directory, not per file
        try:
            os.mkdir(parent)
        except FileExistsError:
            pass
        except FileNotFoundError:  # the first file of the staging tree, or a deeper path
            os.makedirs(parent, exist_ok=True)
        job.made.add(parent)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)  # no buffered file object
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        st = os.fstat(fd)
    finally:
        os.close(fd)
    return st.st_size, st.st_mtime_ns


@dataclass(slots=True)
class Started:
    """A production begun by `start`: its workers may be running already."""

    job: Job
    todo: list[Unit]
    jobs: int
    running: Running[None] | None  # None: the units run in `finish`
    queue: Queue | None = None  # the chunks of units not taken yet (with `running`)
    parts: list[Sequence[Unit]] = field(default_factory=list)  # the chunks


Done = tuple[int, list[UnitResult]]  # (chunk number, its units' results): what a worker sends, pickled


def _pickled(done: Done) -> bytes:
    return pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)


def start(plan: Plan, out: Path, mode: str, cache: Cache,
          validate: Callable[[list[Obj], Sink], None] | None = None, *, ahead: bool = False) -> Started:
    """Survey `out` and prepare the staging.  With `ahead`, the units start now in forked
    workers while this process goes on (with the checks that cannot change the output:
    if they fail, `abandon` stops the workers and removes what they staged); `finish` then
    takes the chunks of units the workers have not taken yet.  Chunks are handed out as they
    are asked for, so a process that starts late does less, and one worker fewer is forked
    than there are cores: fewer copies of the pages the checks touch."""
    disk = survey(out, cache)
    # A new output directory is staged whole beside it and appears with one rename; an
    # existing one is updated file by file (each `<file>.envc-tmp`, then os.replace), so a
    # compile costs what changed, not the size of the tree (docs/decisions.md).
    staging = out.with_name(out.name + TMP_SUFFIX) if mode == "write" and not out.exists() else None
    if staging is not None and staging.exists():
        shutil.rmtree(staging)
    job = Job(plan, out, mode, staging, disk, cache, validate=validate)
    todo = units(plan)
    jobs = workers() if len(todo) >= PARALLEL_MIN_UNITS else 1
    if not (ahead and jobs > 1):
        return Started(job, todo, jobs, None)
    if mode == "check":  # fixed shares: which diffs a worker writes (the first 3 of its share) must not vary
        fixed = shares(todo, jobs)
        return Started(job, todo, jobs, fork_start(lambda share: send(_pickled((0, run_units(job, share)))), fixed),
                       None, fixed)
    parts = chunks(todo)
    queue = Queue(len(parts))
    try:
        running = fork_start(lambda _: send_all(queue, lambda i: _pickled((i, run_units(job, parts[i])))),
                             [()] * (jobs - 1))
    except BaseException:
        queue.close()
        raise
    return Started(job, todo, jobs, running, queue, parts)


def abandon(started: Started) -> None:
    """Stop the workers of a production that must not happen and remove what they staged."""
    if started.running is None:
        return  # nothing ran, nothing was staged
    started.running.cancel()
    if started.queue is not None:
        started.queue.close()
    _discard_all(started.job)


def finish(started: Started, sink: Sink) -> Produced:
    """Collect every unit, check collisions, and compare with or write the output: on any
    error nothing is written."""
    job, mode, cache, disk = started.job, started.job.mode, started.job.cache, started.job.disk
    try:
        if started.running is not None:
            results = _join(started)
        else:
            results = [r for share in fork_map(lambda share: run_units(job, share), started.todo, started.jobs)
                       for r in share]
    except BaseException:
        _discard_all(job)  # nothing half-written stays behind, whatever failed
        raise
    for r in results:
        sink.items.extend(r.diagnostics)
    files = sorted((f for r in results for f in r.files), key=_ORDER)
    _collisions(files, sink)
    foreign = sorted(f.path for f in files if f.path in disk.foreign)
    if sink.has_errors or foreign:
        _discard(job, files)
        return Produced(Drift(), len(files), foreign_in_the_way=foreign)
    kfile = _kustomization(job, [f.path for f in files])
    drift = _drift([*files, kfile], disk)
    if mode == "write":
        try:
            _commit(job, [*files, kfile], drift)
        except BaseException:
            _discard_all(job)
            raise
        if job.validate is None:  # the schema diagnostics of --validate must not be replayed later
            cache.record(results, kfile, job.out)
    return Produced(drift, len(files) + 1, sum(r.reused for r in results))


def _join(started: Started) -> list[UnitResult]:
    """Take the chunks left, collect the workers', and return every unit's result in unit order."""
    assert started.running is not None
    mine: list[Done] = []
    if started.queue is not None:
        try:
            job, parts = started.job, started.parts
            mine = take_all(started.queue, lambda i: (i, run_units(job, parts[i])), started.running, pickle.loads)
        except BaseException:
            started.running.cancel()
            raise
        finally:
            started.queue.close()
    started.running.collect()
    done = mine + [pickle.loads(m) for m in started.running.messages()]  # in share order, chunk by chunk
    return [r for _, results in sorted(done, key=lambda d: d[0]) for r in results]


def _kustomization(job: Job, paths: list[str]) -> Emitted:
    data = kustomization(paths).encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    status, diff = _compare(job, KUSTOMIZATION, data, sha, job.mode == "check")
    if status != "same" and job.mode == "write":
        stat: tuple[int, int] | None = _stage(job, KUSTOMIZATION, data)
    else:
        stat = job.disk.stats.get(KUSTOMIZATION)
    return Emitted(KUSTOMIZATION, (), (), None, sha, status, diff, stat)


def _drift(files: list[Emitted], disk: OnDisk) -> Drift:
    produced = {f.path for f in files}
    return Drift(
        stale=tuple(f.path for f in files if f.status == "changed"),
        missing=tuple(f.path for f in files if f.status == "new"),
        extra=tuple(sorted(p for p in disk.generated if p not in produced)),
        diffs=tuple(f.diff for f in files if f.diff is not None)[:3],
    )


def _collisions(files: list[Emitted], sink: Sink) -> None:
    report_collisions([(f.identity, f.path, f.origin) for f in files], sink)


def _discard(job: Job, files: list[Emitted]) -> None:
    if job.staging is not None:
        shutil.rmtree(job.staging, ignore_errors=True)
    elif job.mode == "write":
        for f in files:
            staged = Path(str(job.out / f.path) + TMP_SUFFIX)
            if staged.exists():
                staged.unlink()
                _prune(job.out, staged.parent)


def _discard_all(job: Job) -> None:
    """Remove every staged file (the staging tree, or each `<file>.envc-tmp`)."""
    if job.mode != "write":
        return
    if job.staging is not None:
        shutil.rmtree(job.staging, ignore_errors=True)
        return
    for dirpath, _dirs, names in os.walk(job.out):
        for name in names:
            if name.endswith(TMP_SUFFIX):
                Path(dirpath, name).unlink(missing_ok=True)


def _commit(job: Job, files: list[Emitted], drift: Drift) -> None:
    if drift.clean:
        _discard(job, files)
        return
    if job.staging is None:
        for f in files:
            if f.status != "same":
                os.replace(str(job.out / f.path) + TMP_SUFFIX, job.out / f.path)
        for rel in drift.extra:
            (job.out / rel).unlink()
            _prune(job.out, (job.out / rel).parent)
        return
    out = job.out
    out.parent.mkdir(parents=True, exist_ok=True)
    job.staging.rename(out)


def _prune(out: Path, d: Path) -> None:
    while d != out and d.is_dir() and not any(d.iterdir()):
        d.rmdir()
        d = d.parent
