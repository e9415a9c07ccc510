"""What a compile found in the output directory (SPEC §9.4): the drift between the
rendered tree and the files there, and unified diffs for `--check`.  Writing the tree
safely is `produce.py`'s work."""

from __future__ import annotations

from dataclasses import dataclass, field

TMP_SUFFIX = ".envc-tmp"


@dataclass(frozen=True, slots=True)
class Drift:
    stale: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    diffs: tuple[str, ...] = field(default=())

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra)


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    import difflib  # only when a hint or a diff is printed: keeps cold start lean

    lines = difflib.unified_diff(
        old.decode("utf-8", "replace").splitlines(keepends=True),
        new.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=f"a/{path}", tofile=f"b/{path}", n=2,
    )
    return "".join(list(lines)[:60])
