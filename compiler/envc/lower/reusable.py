"""Reusable environments (SPEC §8.2): a Deployment of warm containers, and an
autoscaling/v2 HorizontalPodAutoscaler when the pool may grow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envc.diagnostics import Sink
from envc.lower import meta
from envc.lower.pods import PodInput, build_pod
from envc.lower.tasks import bundle_args
from envc.model import ResolvedEnv, Source
from envc.normalize import normalise
from envc.project import Settings
from envc.values.names import k8s


def task_summaries(env: ResolvedEnv, settings: Settings) -> list[dict[str, Any]]:
    out = []
    for t in sorted(env.tasks, key=lambda t: t.fqn):
        f = t.fields
        out.append({
            "fqn": t.fqn,
            "short_name": f["short_name"].value or t.key,
            "retries": normalise("retries", f["retries"].value, settings),
            "timeout": normalise("timeout", f["timeout"].value, settings),
            "cache": normalise("cache", f["cache"].value, settings),
            "queue": f["queue"].value,
            "max_inline_io_bytes": f["max_inline_io_bytes"].value,
        })
    return out


def pool_objects(
    env: ResolvedEnv, version: str, source: str, wave: int, templates: Mapping[str, Source],
    settings: Settings, sink: Sink,
) -> list[dict[str, Any]]:
    policy = normalise("reusable", env.fields["reusable"].value, settings)
    low, high = max(policy["replicas"][0], 1), policy["replicas"][1]
    args = [a.replace("{version}", version) for a in settings.reusable_args] + bundle_args(version, settings)
    pod = build_pod(PodInput(
        fields=env.fields, image=normalise("image", env.fields["image"].value, settings), args=args,
        command=[], restart_policy="Always", reusable=True, active_deadline=None,
        templates=templates, settings=settings,
    ), sink)
    name = k8s(env.name)
    labels = meta.labels(settings, env.name, None, bool(env.fields["interruptible"].value))
    annotations = {
        **meta.base_annotations(settings, source, wave),
        "envc.dev/tasks": meta.compact(task_summaries(env, settings)),
        "envc.dev/reuse": meta.compact(policy),
    }
    template_meta: dict[str, Any] = {"labels": {**pod.labels, **labels}}
    if pod.annotations:
        template_meta["annotations"] = pod.annotations
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": settings.project}},
        "template": {"metadata": template_meta, "spec": pod.spec},
    }
    if high <= low:
        spec["replicas"] = low
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": meta.metadata(name, settings, labels, annotations), "spec": spec}
    if high <= low:
        return [deployment]
    return [deployment, _hpa(name, low, high, policy["scaledown_ttl"], labels, settings, source, wave)]


def _hpa(name: str, low: int, high: int, scaledown: int, labels: dict[str, str], settings: Settings,
         source: str, wave: int) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta.metadata(name, settings, dict(labels), meta.base_annotations(settings, source, wave)),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": low,
            "maxReplicas": high,
            "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": scaledown}},
        },
    }
