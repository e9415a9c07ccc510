"""Labels and annotations every object carries (SPEC §8)."""

from __future__ import annotations

import json
from typing import Any

from envc.project import Settings
from envc.values.names import k8s

SYNC_WAVE = "argocd.argoproj.io/sync-wave"


def labels(settings: Settings, env: str, task: str | None = None, interruptible: bool = False) -> dict[str, str]:
    out = {
        **settings.labels,
        "app.kubernetes.io/name": k8s(env),
        "app.kubernetes.io/part-of": settings.project,
        "app.kubernetes.io/managed-by": "envc",
        "envc.dev/environment": k8s(env),
    }
    if task is not None:
        out["envc.dev/task"] = k8s(task)
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
