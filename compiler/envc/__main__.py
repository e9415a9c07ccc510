"""The `envc` command: `python -m envc` and the console script (`envc.__main__:run`)."""

from __future__ import annotations

import gc
from typing import NoReturn


def run() -> NoReturn:
    # Before anything else is imported: a run is short and builds large acyclic trees, so the
    # cyclic GC only costs time (docs/performance.md), from the first import on (~3 ms of a start).
    gc.disable()
    from envc.cli import entry

    entry()


if __name__ == "__main__":
    run()
