"""A progress line for long runs, on a terminal only.

`with progress.shown("compiling"):` prints, once the run has taken longer than
`ENVC_PROGRESS_DELAY` seconds (default 1), one self-overwriting line on stderr —
`envc: compiling: checking… 2.4s` — and erases it when the run ends or as soon as
anything else is written to stdout or stderr (output is never interleaved with it).
Nothing is shown when stderr is not a terminal (pipes, files, CI logs), when `CI`
is set, or with `TERM=dumb`.  Phases report where they are with `note(phase)`,
which costs a global assignment when no progress line is shown.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

_phase: str | None = None
_TICK = 0.2


def note(phase: str) -> None:
    global _phase
    _phase = phase


def wanted(stream: TextIO) -> bool:
    if os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def delay() -> float:
    try:
        return max(0.0, float(os.environ.get("ENVC_PROGRESS_DELAY", "1")))
    except ValueError:
        return 1.0


class _Line:
    """The progress line and a stderr proxy that erases it before anything else is written."""

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label, self.stream = label, stream
        self.start = time.monotonic()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.visible = False

    def run(self, wait: float) -> None:
        if self.stopped.wait(wait):
            return
        while not self.stopped.is_set():
            with self.lock:
                if self.stopped.is_set():
                    break
                phase = f": {_phase}" if _phase else ""
                self.stream.write(f"\r\x1b[Kenvc: {self.label}{phase}… {time.monotonic() - self.start:.1f}s")
                self.stream.flush()
                self.visible = True
            self.stopped.wait(_TICK)

    def stop(self) -> None:
        with self.lock:
            self.stopped.set()
            if self.visible:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self.visible = False


class _Proxy:
    """A standard stream that erases the progress line before its first write."""

    def __init__(self, line: _Line, stream: TextIO) -> None:
        self._line, self._stream = line, stream

    def write(self, text: str) -> int:
        self._line.stop()
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def shown(label: str) -> Iterator[None]:
    stream, out = sys.stderr, sys.stdout
    if not wanted(stream):
        yield
        return
    note("")
    line = _Line(label, stream)
    thread = threading.Thread(target=line.run, args=(delay(),), daemon=True)
    sys.stderr, sys.stdout = _Proxy(line, stream), _Proxy(line, out)  # type: ignore[assignment,unused-ignore]
    thread.start()
    try:
        yield
    finally:
        line.stop()
        thread.join()
        sys.stderr, sys.stdout = stream, out
