"""Phases 1–2 over every source file: read, parse with positions, check against the schema.

Files are independent until resolution, so a large project is loaded on both cores: forked
workers and this process take chunks of files from one queue as they go.  A worker sends
each chunk's documents back as soon as it has loaded them, as a `marshal` blob (plain
dicts, lists, tuples and scalars: marshal writes and reads them several times faster than
pickle, and keeps aliased values shared), and this process turns them back into documents
between chunks of its own: little is left to do once the last chunk is loaded.  While the
workers start parsing, this process runs `meanwhile` (the compile imports the modules of its
later phases there), and the queue lets it take fewer files.
The result does not depend on how the files were shared out: the caller sees the files
and their diagnostics in file order, as one process loading them would report them.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from envc.diagnostics import Diagnostic, Sink
from envc.load import Document, load_documents, read_source
from envc.project import relpath
from envc.schema import check_document, check_kind

PARALLEL_MIN_BYTES = 512 * 1024  # below this, forking costs more than it saves
CHUNK_BYTES = 16 * 1024  # files are handed out in chunks of about this size (one file, typically)

Loaded = tuple[str, str | None, list[tuple[Document, str | None]]]  # (file, text, [(document, kind)])
Chunk = tuple[int, list[Loaded], list[Diagnostic]]  # (chunk number, its files, their diagnostics)


def load_files(root: Path, files: Sequence[Path], sink: Sink,
               meanwhile: Callable[[], None] | None = None) -> list[Loaded]:
    """Every file's text and documents with their kind (None: not a known kind), in file order.
    `meanwhile` is called once, while the workers parse when there are workers."""
    sizes = _sizes(files)
    jobs = 1
    if len(files) >= 2 and sum(sizes) >= PARALLEL_MIN_BYTES:
        from envc.parallel import workers  # pickle & co.: not for small projects

        jobs = workers()
    if jobs <= 1:
        loaded = load_share(root, files, sink)
        if meanwhile is not None:
            meanwhile()
        return loaded
    from envc.parallel import Queue, fork_start, send_all, take_all

    parts = _chunks(files, sizes)
    queue = Queue(len(parts))
    try:
        running = fork_start(lambda _: send_all(queue, lambda i: _packed(_load_chunk(root, i, parts[i]))),
                             [()] * (jobs - 1))
        try:
            if meanwhile is not None:
                meanwhile()
            done = take_all(queue, lambda i: _load_chunk(root, i, parts[i]), running, _unpacked)
            running.collect()
        except BaseException:
            running.cancel()
            raise
    finally:
        queue.close()
    done += map(_unpacked, running.messages())
    out: list[Loaded] = []
    for _, loaded, diagnostics in sorted(done, key=lambda c: c[0]):
        out.extend(loaded)
        sink.items.extend(diagnostics)
    return out


def _chunks(files: Sequence[Path], sizes: list[int]) -> list[Sequence[Path]]:
    """Contiguous runs of files of about CHUNK_BYTES each, in order (at most Queue.MAX_CHUNKS)."""
    from envc.parallel import Queue

    size = max(CHUNK_BYTES, sum(sizes) // Queue.MAX_CHUNKS + 1)
    parts: list[Sequence[Path]] = []
    start = total = 0
    for i, n in enumerate(sizes):
        total += n
        if total >= size:
            parts.append(files[start:i + 1])
            start, total = i + 1, 0
    if start < len(files):
        parts.append(files[start:])
    return parts


def _load_chunk(root: Path, i: int, files: Sequence[Path]) -> Chunk:
    sink = Sink()
    return i, load_share(root, files, sink), sink.items


def load_share(root: Path, files: Sequence[Path], sink: Sink) -> list[Loaded]:
    out: list[Loaded] = []
    for f in files:
        rel = relpath(f, root)
        text = read_source(str(f), rel, sink)
        docs: list[tuple[Document, str | None]] = []
        if text is not None:
            for doc in load_documents(text, rel, sink):
                kind = check_kind(doc, sink)
                if kind is not None:
                    check_document(doc, kind, sink)
                docs.append((doc, kind))
        out.append((rel, text, docs))
    return out


def _packed(chunk: Chunk) -> bytes:
    """A chunk as a worker sends it: its documents as one `marshal` blob, pickled with the
    chunk number and the diagnostics."""
    import pickle

    i, loaded, diagnostics = chunk
    plain = [(rel, text, [(d.file, d.index, d.data, d.pos, d.tags, d.raw, d.comments, kind) for d, kind in docs])
             for rel, text, docs in loaded]
    return pickle.dumps((i, marshal.dumps(plain), diagnostics), protocol=pickle.HIGHEST_PROTOCOL)


def _unpacked(message: bytes) -> Chunk:
    import pickle

    i, blob, diagnostics = pickle.loads(message)
    loaded = [(rel, text, [(Document(f, n, data, pos, tags, raw, comments), kind)
                           for f, n, data, pos, tags, raw, comments, kind in docs])
              for rel, text, docs in marshal.loads(blob)]
    return i, loaded, diagnostics


def _sizes(files: Sequence[Path]) -> list[int]:
    sizes = []
    for f in files:
        n = 0
        with contextlib.suppress(OSError):  # read_source reports it
            n = os.path.getsize(f)
        sizes.append(n)
    return sizes
