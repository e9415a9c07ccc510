"""Phase 5: resolved environments -> Kubernetes objects (SPEC §8).

Pure functions from frozen resolved records to plain manifest dicts.  Conflicts
that only show once a pod is assembled (node selectors, env var names, mounts,
restart policy, root UIDs) are reported to the sink here, where the pod is built,
at the authored location of the value that caused them.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Obj(NamedTuple):
    """One emitted object and where it goes."""

    env: str  # the directory name: k8s(<environment or workflow>)
    kind: str
    name: str
    source: str  # the defining file, project-relative
    manifest: dict[str, Any]
    wave: int
    group_order: tuple[int, int, str]  # (0 env / 1 workflow, depth, name) for §9.2
    step_index: int = 0
    origin: Any = None  # Span of the document that produced it (collisions)

    @property
    def api_group(self) -> str:
        api = str(self.manifest["apiVersion"])
        return api.rpartition("/")[0]

    @property
    def path(self) -> str:
        return f"{self.env}/{self.kind.lower()}-{self.name}.yaml"
