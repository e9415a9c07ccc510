"""Task pods (SPEC §8.1): one v1 PodTemplate per task of a non-reusable environment,
and one per Workflow step, carrying Flyte's task arguments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envc.diagnostics import Sink
from envc.lower import meta
from envc.lower.pods import Pod, PodInput, build_pod
from envc.model import Source, TaskCode, Value
from envc.normalize import normalise
from envc.project import Settings

RESOLVER = "flyte._internal.resolvers.default.DefaultTaskResolver"


def task_args(code: TaskCode, version: str, settings: Settings) -> list[str]:
    """Flyte's task container args (flyte-semantics §5.1.2; SPEC §8.1)."""
    args = [
        "a0", "--inputs", "{{.input}}", "--outputs-path", "{{.outputPrefix}}",
        "--version", version, "--raw-data-path", settings.raw_data_path,
        "--checkpoint-path", "{{.checkpointOutputPrefix}}", "--prev-checkpoint", "{{.prevCheckpointPrefix}}",
        "--run-name", "{{.runName}}", "--name", "{{.actionName}}", "--run-start-time", "{{.runStartTime}}",
    ]
    args += bundle_args(version, settings)
    return [*args, "--resolver", RESOLVER, "mod", code.module, "instance", code.function]


def bundle_args(version: str, settings: Settings) -> list[str]:
    if settings.code_bundle is None:
        return []
    return ["--tgz", settings.code_bundle.replace("{version}", version), "--dest", "."]


def task_annotations(fields: Mapping[str, Value], short_name: str, settings: Settings) -> dict[str, str]:
    """Task settings Kubernetes has no field for, as envc.dev/ annotations (SPEC §8.1)."""
    retries = normalise("retries", fields["retries"].value, settings)
    timeout = normalise("timeout", fields["timeout"].value, settings)
    out = {
        "envc.dev/retries": str(retries["count"]),
        "envc.dev/cache": meta.compact(normalise("cache", fields["cache"].value, settings)),
        "envc.dev/short-name": short_name,
        "envc.dev/max-inline-io-bytes": str(fields["max_inline_io_bytes"].value),
    }
    if retries["backoff"] is not None:
        out["envc.dev/retry-backoff"] = meta.compact(retries["backoff"])
    if fields["queue"].value is not None:
        out["envc.dev/queue"] = str(fields["queue"].value)
    for key in ("max_queued_time", "deadline"):
        if timeout[key]:
            out[f"envc.dev/{key.replace('_', '-')}"] = str(timeout[key])
    return out


# The fields a task pod is built from, besides its args and deadline: tasks of one
# environment usually share all of them (the same inherited Value objects).
_POD_FIELDS = ("image", "resources", "env_vars", "secrets", "service_account", "pod_template", "interruptible")
PodCache = dict[tuple[int, ...], tuple[Pod, tuple[Value, ...]]]


def _shared_pod(fields: Mapping[str, Value], templates: Mapping[str, Source], settings: Settings,
                sink: Sink, cache: PodCache | None) -> Pod:
    """The pod without args and deadline, built once per distinct set of pod fields.

    Its dicts are shared by the tasks' objects, which are never mutated after lowering;
    the YAML writer renders shared subtrees once (docs/performance.md)."""
    values = tuple(fields[k] for k in _POD_FIELDS)
    key = tuple(map(id, values))
    if cache is not None and key in cache:
        return cache[key][0]
    pod = build_pod(PodInput(
        fields=fields, image=normalise("image", fields["image"].value, settings), args=[], command=None,
        restart_policy="Never", reusable=False, active_deadline=None, templates=templates, settings=settings,
    ), sink)
    if cache is not None:
        cache[key] = (pod, values)  # the values are kept so their ids stay unique
    return pod


def _with_args(pod: Pod, args: list[str], deadline: int | None) -> dict[str, Any]:
    """A shallow copy of a shared pod spec with this task's args and deadline."""
    out = dict(pod.spec)
    containers = list(pod.spec["containers"])
    containers[pod.primary] = {**containers[pod.primary], "args": args}
    out["containers"] = containers
    if deadline:
        out["activeDeadlineSeconds"] = deadline
    return out


def task_pod_template(
    *, name: str, env: str, task_key: str, fqn: str, fields: Mapping[str, Value], code: TaskCode,
    version: str, source: str, wave: int, templates: Mapping[str, Source], settings: Settings,
    sink: Sink, extra_labels: Mapping[str, str] | None = None, cache: PodCache | None = None,
) -> dict[str, Any]:
    timeout = normalise("timeout", fields["timeout"].value, settings)
    shared = _shared_pod(fields, templates, settings, sink, cache)
    spec = _with_args(shared, task_args(code, version, settings), timeout["max_runtime"] or None)
    pod = Pod(spec, shared.labels, shared.annotations, shared.external, shared.primary)
    interruptible = bool(fields["interruptible"].value)
    labels = {**meta.labels(settings, env, task_key, interruptible), **(extra_labels or {})}
    short = fields["short_name"].value or task_key
    annotations = {**meta.base_annotations(settings, source, wave, fqn), **task_annotations(fields, short, settings)}
    if pod.external is not None:
        annotations["envc.dev/pod-template"] = pod.external
    template_meta: dict[str, Any] = {"labels": {**pod.labels, **labels}}
    if pod.annotations:
        template_meta["annotations"] = pod.annotations
    return {
        "apiVersion": "v1",
        "kind": "PodTemplate",
        "metadata": meta.metadata(name, settings, labels, annotations),
        "template": {"metadata": template_meta, "spec": pod.spec},
    }
