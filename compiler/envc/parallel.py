"""Run independent work on both cores: fork, let each child take a share, collect
pickled results through pipes.  Forked children share the parent's read-only
state (the resolved project) copy-on-write, so nothing large is pickled in.

Falls back to one process where `os.fork` does not exist or the work is small.
"""

from __future__ import annotations

import os
import pickle
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    env = os.environ.get("ENVC_JOBS")
    if env and env.isdigit():
        return max(1, int(env))
    return max(1, min(os.cpu_count() or 1, 4))


def fork_map(fn: Callable[[Sequence[T]], R], items: Sequence[T], jobs: int) -> list[R]:
    """[fn(share) for each of `jobs` interleaved shares of items], the first in this process."""
    if jobs <= 1 or not hasattr(os, "fork"):
        return [fn(items)]
    shares = [items[i::jobs] for i in range(jobs)]
    children = [_spawn(fn, share) for share in shares[1:]]
    results = [fn(shares[0])]
    errors: list[BaseException] = []
    for pid, fd in children:
        with os.fdopen(fd, "rb") as fh:
            data = fh.read()
        os.waitpid(pid, 0)
        status, payload = pickle.loads(data) if data else ("err", "a worker died without a result")
        if status == "ok":
            results.append(cast(R, payload))
        elif isinstance(payload, BaseException):
            errors.append(payload)
        else:
            errors.append(RuntimeError(f"a worker failed:\n{payload}"))
    if errors:
        raise errors[0]  # the worker's own exception (an OSError stays an OSError)
    return results


def _spawn(fn: Callable[[Sequence[T]], R], share: Sequence[T]) -> tuple[int, int]:
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
