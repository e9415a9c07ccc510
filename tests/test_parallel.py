"""compiler/envc/parallel.py: shares, chunks and the pipe work queue of forked workers."""

from __future__ import annotations

import os

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
    pids = [pid for pid, _ in running.children]
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
