"""Run independent work on both cores: fork, let each child take a share, collect
pickled results through pipes.  Forked children share the parent's read-only
state (the resolved project) copy-on-write, so nothing large is pickled in.

Falls back to one process where `os.fork` does not exist or the work is small.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    env = os.environ.get("ENVC_JOBS")
    if env and env.isdigit():
        return max(1, int(env))
    return max(1, min(os.cpu_count() or 1, 4))


def shares(items: Sequence[T], jobs: int) -> list[Sequence[T]]:
    """`jobs` interleaved shares: neighbours (often alike in cost) go to different workers."""
    return [items[i::jobs] for i in range(jobs)]


class Running(Generic[R]):
    """Workers started by `fork_start`: collect their results, or cancel them."""

    def __init__(self, children: list[tuple[int, int]]) -> None:
        self.children = children

    def collect(self) -> list[R]:
        """Each worker's result, in share order; a worker's exception is raised here.  A worker
        that sent its result is not waited for (`reap`); one that failed is."""
        results: list[R] = []
        errors: list[BaseException] = []
        children, self.children = self.children, []
        for pid, fd in children:
            with os.fdopen(fd, "rb") as fh:
                data = fh.read()
            status, payload = pickle.loads(data) if data else ("err", "a worker died without a result")
            if status == "ok":  # it has done everything but exit: not waited for here (see `reap`)
                _FINISHED.append(pid)
                results.append(cast(R, payload))
                continue
            os.waitpid(pid, 0)
            if isinstance(payload, BaseException):
                errors.append(payload)
            else:
                errors.append(RuntimeError(f"a worker failed:\n{payload}"))
        if errors:
            raise errors[0]  # the worker's own exception (an OSError stays an OSError)
        return results

    def cancel(self) -> None:
        """Stop every worker now and wait until it is gone (nothing it does outlives this call)."""
        children, self.children = self.children, []
        for pid, fd in children:
            with contextlib.suppress(ProcessLookupError):  # it may have finished already
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)


class Queue:
    """Work handed out as it is asked for: chunk numbers in a pipe, each taken by whichever
    process reads next.  All numbers are written before any worker starts (at most
    MAX_CHUNKS: 4 KiB, within every platform's pipe buffer), and a 4-byte read of a pipe
    holding a multiple of 4 bytes takes exactly one number, atomically."""

    MAX_CHUNKS = 1024

    def __init__(self, count: int) -> None:
        if not 0 <= count <= self.MAX_CHUNKS:
            raise ValueError(f"a Queue holds at most {self.MAX_CHUNKS} chunks")
        self.fd, write = os.pipe()
        try:
            data = b"".join(i.to_bytes(4, "little") for i in range(count))
            while data:
                data = data[os.write(write, data):]
        finally:
            os.close(write)

    def take(self) -> int | None:
        """The next chunk number, or None when every chunk is taken."""
        data = os.read(self.fd, 4)
        return int.from_bytes(data, "little") if len(data) == 4 else None

    def close(self) -> None:
        os.close(self.fd)


# Workers that sent their result and only have to exit.  The kernel frees a worker's memory
# as it exits (4–8 ms per 100 MB it held): `collect` does not wait for that.
# They are reaped before the next fork, and by `reap(wait=True)` before the command ends.
_FINISHED: list[int] = []


def reap(wait: bool = False) -> None:
    """Reap the finished workers that have exited (with `wait`: all of them, waiting)."""
    for pid in list(_FINISHED):
        try:
            done = os.waitpid(pid, 0 if wait else os.WNOHANG)[0] != 0
        except ChildProcessError:  # reaped by someone else
            done = True
        if done:
            _FINISHED.remove(pid)


def chunks(items: Sequence[T], most: int = Queue.MAX_CHUNKS) -> list[Sequence[T]]:
    """At most `most` contiguous slices of about equal length, in order."""
    n = max(1, min(most, len(items)))
    size, extra = divmod(len(items), n)
    out, at = [], 0
    for i in range(n):
        step = size + (i < extra)
        out.append(items[at:at + step])
        at += step
    return out


def can_fork() -> bool:
    return hasattr(os, "fork")


def fork_start(fn: Callable[[Sequence[T]], R], parts: Sequence[Sequence[T]]) -> Running[R]:
    """Start one forked worker per share; the caller goes on meanwhile."""
    running: Running[R] = Running([])
    try:
        for share in parts:
            running.children.append(_spawn(fn, share))
    except BaseException:
        running.cancel()
        raise
    return running


def fork_map(fn: Callable[[Sequence[T]], R], items: Sequence[T], jobs: int) -> list[R]:
    """[fn(share) for each of `jobs` interleaved shares of items], the first in this process."""
    if jobs <= 1 or not can_fork():
        return [fn(items)]
    first, *rest = shares(items, jobs)
    running = fork_start(fn, rest)
    try:
        mine = fn(first)
    except BaseException:
        running.cancel()
        raise
    return [mine, *running.collect()]


def _spawn(fn: Callable[[Sequence[T]], R], share: Sequence[T]) -> tuple[int, int]:
    reap()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running the parent's cleanup
        os.close(read)
        try:
            data = pickle.dumps(("ok", fn(share)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
            exc.add_note("in a worker process:\n" + traceback.format_exc())
            try:
                data = pickle.dumps(("err", exc))
            except Exception:  # noqa: BLE001 - an exception that does not pickle: its text
                data = pickle.dumps(("err", traceback.format_exc()))
        with os.fdopen(write, "wb") as fh:
            fh.write(data)
        os._exit(0)
    os.close(write)
    return pid, read
