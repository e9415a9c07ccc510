"""Read a project as it was at a git revision, without touching the user's checkout.

`envc diff` compiles the project twice: once from the working tree, once from the
files of a commit.  The commit's files are read with `git ls-tree` and
`git cat-file --batch` (read-only plumbing: no worktree is added, no index or ref
is written) and written to a temporary directory that the caller removes.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

_MODE_SYMLINK, _MODE_EXEC, _MODE_SUBMODULE = "120000", "100755", "160000"


class GitError(Exception):
    """Not a git repository, or an unknown revision: a usage error (exit 2)."""


@dataclass(frozen=True, slots=True)
class Revision:
    name: str  # as the user wrote it (HEAD, origin/main, ...)
    sha: str  # the full commit id

    @property
    def short(self) -> str:
        return self.sha[:12]


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(("git", *args), cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("`git` was not found on PATH; envc diff needs it") from None
    if done.returncode != 0:
        raise GitError(done.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return done.stdout


def toplevel(path: Path) -> Path:
    """The root of the work tree holding `path`."""
    try:
        out = _git(path, "rev-parse", "--show-toplevel")
    except GitError:
        raise GitError(f"{path} is not inside a git repository; envc diff compares with a git revision") from None
    return Path(out.decode().strip()).resolve()


def resolve(root: Path, rev: str) -> Revision:
    if rev.startswith("-"):
        raise GitError(f"`{rev}` is not a revision")
    try:
        sha = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}").decode().strip()
    except GitError:
        sha = ""
    if not sha:
        raise GitError(f"unknown revision `{rev}` (no such commit in {root})")
    return Revision(rev, sha)


def export(root: Path, rev: Revision, subdir: str, dest: Path) -> int:
    """Write the files of `rev` under `subdir` ("" = everything) to `dest`/<subdir>; returns the count."""
    args = ["ls-tree", "-r", "-z", "--full-tree", rev.sha]
    if subdir:
        args += ["--", subdir]
    entries = []
    for record in _git(root, *args).split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, _kind, obj = meta.decode().split(" ")
        if mode != _MODE_SUBMODULE:
            entries.append((mode, obj, os.fsdecode(path)))
    blobs = _cat(root, [obj for _, obj, _ in entries])
    for (mode, _obj, rel), data in zip(entries, blobs, strict=True):
        _write(dest, rel, mode, data)
    return len(entries)


def _cat(root: Path, objects: list[str]) -> list[bytes]:
    """Every blob's bytes, in one `git cat-file --batch` process."""
    if not objects:
        return []
    out = _git(root, "cat-file", "--batch", stdin=("\n".join(objects) + "\n").encode())
    blobs, pos = [], 0
    for _ in objects:
        end = out.index(b"\n", pos)
        size = int(out[pos:end].split(b" ")[2])
        blobs.append(out[end + 1 : end + 1 + size])
        pos = end + 1 + size + 1  # the blob, then a newline
    return blobs


def _write(dest: Path, rel: str, mode: str, data: bytes) -> None:
    target = dest / rel
    if ".." in Path(rel).parts or Path(rel).is_absolute():
        return  # git never stores such paths; refuse them all the same
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode == _MODE_SYMLINK:
        os.symlink(os.fsdecode(data), target)
        return
    target.write_bytes(data)
    if mode == _MODE_EXEC:
        target.chmod(0o755)
