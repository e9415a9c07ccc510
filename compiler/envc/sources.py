"""Phases 1–2 over every source file: read, parse with positions, check against the schema.

Files are independent until resolution, so a large project is loaded on both cores: forked
workers each take a share of the files and send their documents back as one `marshal`
blob (plain dicts, lists, tuples and scalars: marshal writes and reads them several times
faster than pickle, and keeps aliased values shared).  The result does not depend on how
the files were shared out: the caller sees them in file order.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from collections.abc import Sequence
from pathlib import Path

from envc.diagnostics import Diagnostic, Sink
from envc.load import Document, load_documents, read_source
from envc.project import relpath
from envc.schema import check_document, check_kind

PARALLEL_MIN_BYTES = 512 * 1024  # below this, forking costs more than it saves

Loaded = tuple[str, str | None, list[tuple[Document, str | None]]]  # (file, text, [(document, kind)])


def load_files(root: Path, files: Sequence[Path], sink: Sink) -> list[Loaded]:
    """Every file's text and documents with their kind (None: not a known kind), in file order."""
    if len(files) < 2 or _size(files) < PARALLEL_MIN_BYTES:
        return load_share(root, files, sink)
    from envc.parallel import can_fork, fork_start, shares, workers  # pickle & co.: not for small projects

    jobs = workers()
    if jobs <= 1 or not can_fork():
        return load_share(root, files, sink)
    first, *rest = shares(files, jobs)
    running = fork_start(lambda share: _packed(root, share), rest)
    try:
        mine = load_share(root, first, sink)
    except BaseException:
        running.cancel()
        raise
    loaded = {f[0]: f for f in mine}
    for blob, diagnostics in running.collect():
        sink.items.extend(diagnostics)
        for f in _unpacked(blob):
            loaded[f[0]] = f
    return [loaded[relpath(f, root)] for f in files]


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


def _packed(root: Path, files: Sequence[Path]) -> tuple[bytes, list[Diagnostic]]:
    """A worker's share as (marshal blob, diagnostics)."""
    sink = Sink()
    plain = [
        (rel, text, [(d.file, d.index, d.data, d.pos, d.tags, d.raw, d.comments, kind) for d, kind in docs])
        for rel, text, docs in load_share(root, files, sink)
    ]
    return marshal.dumps(plain), sink.items


def _unpacked(blob: bytes) -> list[Loaded]:
    return [
        (rel, text, [(Document(f, i, data, pos, tags, raw, comments), kind)
                     for f, i, data, pos, tags, raw, comments, kind in docs])
        for rel, text, docs in marshal.loads(blob)
    ]


def _size(files: Sequence[Path]) -> int:
    total = 0
    for f in files:
        with contextlib.suppress(OSError):  # read_source reports it
            total += os.path.getsize(f)
    return total
