"""compiler/envc/parallel.py: shares, chunks and the pipe work queue of forked workers."""

from __future__ import annotations

import os
import time

import pytest

from envc import parallel
from envc.parallel import Queue, chunks, fork_start, shares


@pytest.mark.parametrize("n", [0, 1, 5, 1023, 1024, 1025, 10_000])
def test_chunks_cover_everything_in_order(n: int) -> None:
    items = list(range(n))
    parts = chunks(items)
    assert [x for p in parts for x in p] == items
    assert len(parts) <= Queue.MAX_CHUNKS and (n == 0 or all(parts))
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_shares_interleave() -> None:
    assert shares(list(range(7)), 3) == [[0, 3, 6], [1, 4], [2, 5]]


def test_the_queue_hands_out_every_chunk_once_across_processes() -> None:
    queue = Queue(1000)

    def drain(_: object) -> list[int]:
        taken = []
        while (i := queue.take()) is not None:
            taken.append(i)
        return taken

    running = fork_start(drain, [(), ()])
    mine = drain(())
    queue.close()
    theirs = running.collect()
    everything = sorted(mine + [i for t in theirs for i in t])
    assert everything == list(range(1000))


def test_the_queue_is_bounded() -> None:
    with pytest.raises(ValueError):
        Queue(Queue.MAX_CHUNKS + 1)


def test_a_worker_that_sent_its_result_is_reaped_later_and_none_is_left() -> None:
    """`collect` returns as soon as each worker's result is in, without waiting for the worker
    to exit; `reap(wait=True)` (run before the command ends) leaves no process behind."""
    parallel.reap(wait=True)  # earlier tests' finished workers
    running = fork_start(lambda share: sum(share), [[1, 2], [3]])
    pids = [c.pid for c in running.children]
    assert running.collect() == [3, 3]
    assert set(pids) <= set(parallel._FINISHED)
    parallel.reap(wait=True)
    assert not set(pids) & set(parallel._FINISHED)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child, not even a zombie


def test_a_failed_worker_is_waited_for() -> None:
    def fail(share: object) -> None:
        raise ValueError("no")

    parallel.reap(wait=True)  # earlier tests' finished workers
    running = fork_start(fail, [[1]])
    with pytest.raises(ValueError, match="no"):
        running.collect()
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_messages_arrive_while_the_worker_runs_and_in_order() -> None:
    """`send` hands data to the parent as the worker goes: here the worker sends one message,
    then waits for the parent to have read it before it sends the rest and ends."""
    parallel.reap(wait=True)
    read, write = os.pipe()  # the parent says "x" on it once it has seen the first message

    def work(_: object) -> str:
        parallel.send(b"first")
        assert os.read(read, 1) == b"x"  # the parent has seen "first"
        for i in range(3):
            parallel.send(str(i).encode())
        return "done"

    running = fork_start(work, [()])
    deadline = time.monotonic() + 60
    seen: list[bytes] = []
    while not seen and time.monotonic() < deadline:
        seen += running.messages()
    assert seen == [b"first"]
    os.write(write, b"x")
    assert running.collect() == ["done"]
    assert running.messages() == [b"0", b"1", b"2"]  # read by `collect`, kept for `messages`
    assert running.messages() == []
    os.close(read)
    os.close(write)
    parallel.reap(wait=True)


def test_a_worker_sending_more_than_a_pipe_holds_is_not_stuck() -> None:
    """Messages larger than any pipe buffer: the worker waits while the parent is busy, and
    goes on as the parent reads; nothing is lost or reordered."""
    parallel.reap(wait=True)
    blobs = [bytes([i]) * (3 << 20) for i in range(4)]  # 12 MiB in all

    def work(_: object) -> None:
        for b in blobs:
            parallel.send(b)

    running = fork_start(work, [()])
    got: list[bytes] = []
    while len(got) < 2:
        got += running.messages()
    assert running.collect() == [None]
    got += running.messages()
    assert got == blobs
    parallel.reap(wait=True)


def test_a_worker_failing_after_it_sent_messages_raises_its_error() -> None:
    def fail(_: object) -> None:
        parallel.send(b"partial")
        raise OSError(28, "No space left on device")

    parallel.reap(wait=True)
    running = fork_start(fail, [()])
    with pytest.raises(OSError, match="No space left"):
        running.collect()
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_take_all_and_send_all_share_a_queue_and_lose_nothing() -> None:
    """A worker sends each chunk's result as it goes; this process takes the rest of the queue
    and, between its chunks, what the worker sent: every chunk once, whoever ran it.  (Each
    side's first chunk waits for the other side's first, so both take part.)"""
    parallel.reap(wait=True)
    queue = Queue(200)
    to_worker, from_parent = os.pipe()[::-1]
    to_parent, from_worker = os.pipe()[::-1]
    first = {"worker": True, "parent": True}

    def theirs(i: int) -> bytes:
        if first.pop("worker", False):
            assert os.read(from_parent, 1) == b"p"
            os.write(to_parent, b"w")
        return f"w{i}".encode()

    def mine(i: int) -> str:
        if first.pop("parent", False):
            os.write(to_worker, b"p")
            assert os.read(from_worker, 1) == b"w"
        return f"p{i}"

    running = fork_start(lambda _: parallel.send_all(queue, theirs), [()])
    taken = parallel.take_all(queue, mine, running, bytes.decode)
    queue.close()
    assert running.collect() == [None]
    everything = taken + [m.decode() for m in running.messages()]
    assert sorted(int(x[1:]) for x in everything) == list(range(200))
    assert {x[0] for x in everything} == {"p", "w"}
    for fd in (to_worker, from_parent, to_parent, from_worker):
        os.close(fd)
    parallel.reap(wait=True)


def test_send_is_for_workers_only() -> None:
    with pytest.raises(RuntimeError, match="forked workers"):
        parallel.send(b"x")


def test_without_fork_there_is_one_worker_and_work_stays_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVC_JOBS", "4")
    assert parallel.workers() == 4
    monkeypatch.delattr(os, "fork")
    assert parallel.workers() == 1
    assert parallel.fork_map(lambda share: [os.getpid(), *share], [1, 2, 3], 4) == [[os.getpid(), 1, 2, 3]]
