"""Labels and annotations every object carries (SPEC §8)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from envc.project import Settings
from envc.values.names import k8s

SYNC_WAVE = "argocd.argoproj.io/sync-wave"


@lru_cache(maxsize=4096)
def _k8s(name: str) -> str:
    """`k8s(name)`, remembered: every object of an environment derives the same names."""
    return k8s(name)


def labels(settings: Settings, env: str, task: str | None = None, interruptible: bool = False) -> dict[str, str]:
    name = _k8s(env)
    out = {
        **settings.labels,
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": settings.project,
        "app.kubernetes.io/managed-by": "envc",
        "envc.dev/environment": name,
    }
    if task is not None:
        out["envc.dev/task"] = _k8s(task)
    if interruptible:
        out["envc.dev/interruptible"] = "true"
    return out


def base_annotations(settings: Settings, source: str, wave: int, fqn: str | None = None) -> dict[str, str]:
    out = {**settings.annotations, SYNC_WAVE: str(wave), "envc.dev/source": source}
    if fqn is not None:
        out["envc.dev/fqn"] = fqn
    return out


def compact(value: Any) -> str:
    """Structured annotation values: compact JSON with sorted keys (SPEC §8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def metadata(name: str, settings: Settings, labels_: dict[str, str], annotations_: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "namespace": settings.namespace, "labels": labels_, "annotations": annotations_}
