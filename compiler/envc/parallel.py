"""Run independent work on both cores: fork, let each child take a share, collect
pickled results through pipes.  Forked children share the parent's read-only
state (the resolved project) copy-on-write, so nothing large is pickled in.  A child
can also `send` partial results as it goes, which the parent reads between pieces of
its own work (`Running.messages`): then little is left to transfer at the end.

Falls back to one process where `os.fork` does not exist or the work is small.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    """How many processes may share the work: ENVC_JOBS, else the CPU count (at most 4);
    1 where this Python cannot fork."""
    if not hasattr(os, "fork"):
        return 1
    env = os.environ.get("ENVC_JOBS")
    if env and env.isdigit():
        return max(1, int(env))
    return max(1, min(os.cpu_count() or 1, 4))


def shares(items: Sequence[T], jobs: int) -> list[Sequence[T]]:
    """`jobs` interleaved shares: neighbours (often alike in cost) go to different workers."""
    return [items[i::jobs] for i in range(jobs)]


class _Child:
    """A worker as this process sees it: its pid, the read end of its pipe, what was read."""

    __slots__ = ("pid", "fd", "buf", "messages", "result")

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd
        self.buf = bytearray()
        self.messages: list[bytes] = []
        self.result: tuple[str, object] | None = None

    def read(self, wait: bool) -> None:
        """Read what the worker wrote (`wait`: up to its end) and split it into frames."""
        if self.result is not None:
            return
        os.set_blocking(self.fd, wait)
        while True:
            try:
                data = os.read(self.fd, _READ_SIZE)
            except BlockingIOError:
                break
            if not data:
                break
            self.buf += data
        self._frames()
        if wait and self.result is None:  # it died before sending its result
            self.result = ("err", "a worker died without a result")

    def _frames(self) -> None:
        buf, at = self.buf, 0
        with memoryview(buf) as view:  # payloads are copied once (messages) or not at all (the result)
            while len(buf) - at >= _HEAD.size:
                tag, size = _HEAD.unpack_from(buf, at)
                start, end = at + _HEAD.size, at + _HEAD.size + size
                if len(buf) < end:
                    break
                if tag == _MESSAGE:
                    self.messages.append(bytes(view[start:end]))
                else:
                    self.result = pickle.loads(view[start:end])
                at = end
        del buf[:at]


class Running(Generic[R]):
    """Workers started by `fork_start`: collect their results, or cancel them."""

    def __init__(self, children: list[_Child]) -> None:
        self.children = children

    def messages(self) -> list[bytes]:
        """What the workers have `send`-ed since the last call, without waiting: each worker's
        messages in the order it sent them."""
        out: list[bytes] = []
        for child in self.children:
            child.read(wait=False)
            out += child.messages
            child.messages = []
        return out

    def collect(self) -> list[R]:
        """Each worker's result, in share order; a worker's exception is raised here.  A worker
        that sent its result is not waited for (`reap`); one that failed is.  Messages not
        read yet stay for `messages`."""
        results: list[R] = []
        errors: list[BaseException] = []
        for child in self.children:
            if child.fd < 0:
                continue  # collected before
            child.read(wait=True)
            os.close(child.fd)
            child.fd = -1
            assert child.result is not None
            status, payload = child.result
            if status == "ok":  # it has done everything but exit: not waited for here (see `reap`)
                _FINISHED.append(child.pid)
                results.append(cast(R, payload))
                continue
            os.waitpid(child.pid, 0)
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
        for child in children:
            if child.fd < 0:
                continue  # collected: nothing left running
            with contextlib.suppress(ProcessLookupError):  # it may have finished already
                os.kill(child.pid, signal.SIGKILL)
            os.waitpid(child.pid, 0)
            os.close(child.fd)


# A worker writes frames to its pipe: a tag, the payload's length, the payload.  A message
# (`send`) as it goes, and last its pickled result.
_HEAD = struct.Struct("<cQ")
_MESSAGE, _RESULT = b"m", b"r"
_READ_SIZE = 1 << 20
_PIPE_SIZE = 1 << 20  # Linux's default maximum for a pipe buffer (/proc/sys/fs/pipe-max-size)
_SEND_FD = -1  # in a worker: the write end of its pipe


def send(data: bytes) -> None:
    """In a worker: send `data` to the parent now, which reads it with `Running.messages`
    while the worker goes on (a large pipe buffer: the worker rarely waits for the parent)."""
    if _SEND_FD < 0:
        raise RuntimeError("send() is for forked workers")
    _write(_SEND_FD, _HEAD.pack(_MESSAGE, len(data)) + data)


def take_all(queue: Queue, work: Callable[[int], T], running: Running[Any],
             received: Callable[[bytes], T]) -> list[T]:
    """This process's side of a queue shared with workers that `send_all`: `work(i)` for each
    chunk number it takes, and between chunks whatever the workers sent, `received`."""
    done: list[T] = []
    while (i := queue.take()) is not None:
        done.append(work(i))
        done += map(received, running.messages())
    return done


def send_all(queue: Queue, work: Callable[[int], bytes]) -> None:
    """A worker's side: `work(i)` for each chunk number it takes, sent as soon as it is made
    (the parent has little left to wait for once the last chunk is taken)."""
    for i in iter(queue.take, None):
        send(work(i))


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


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
    if jobs <= 1 or workers() <= 1:
        return [fn(items)]
    first, *rest = shares(items, jobs)
    running = fork_start(fn, rest)
    try:
        mine = fn(first)
    except BaseException:
        running.cancel()
        raise
    return [mine, *running.collect()]


def _spawn(fn: Callable[[Sequence[T]], R], share: Sequence[T]) -> _Child:
    global _SEND_FD
    reap()
    read, write = os.pipe()
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or a lower limit: the default
        import fcntl

        fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running the parent's cleanup
        os.close(read)
        _SEND_FD = write
        try:
            data = pickle.dumps(("ok", fn(share)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
            import traceback  # only here: it is not needed before a worker fails

            exc.add_note("in a worker process:\n" + traceback.format_exc())
            try:
                data = pickle.dumps(("err", exc))
            except Exception:  # noqa: BLE001 - an exception that does not pickle: its text
                data = pickle.dumps(("err", traceback.format_exc()))
        _write(write, _HEAD.pack(_RESULT, len(data)) + data)
        os._exit(0)
    os.close(write)
    return _Child(pid, read)
