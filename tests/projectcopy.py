"""Copy an example project for a test, without what a user's own run left in it
(its compiled `manifests/` and the local `.envc-cache/`): tests start from sources only."""

from __future__ import annotations

import shutil
from pathlib import Path

LEFT_BY_RUNS = ("manifests", ".envc-cache", "*.envc-tmp")


def copy_project(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*LEFT_BY_RUNS))
