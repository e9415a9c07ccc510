"""Task pods (SPEC §8.1): one v1 PodTemplate per task of a non-reusable environment,
and one per Workflow step, carrying Flyte's task arguments."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, TypeVar

from envc import normalize
from envc.diagnostics import Sink
from envc.lower import meta
from envc.lower.pods import Pod, PodInput, build_pod
from envc.model import Source, TaskCode, Value
from envc.normalize import normalise
from envc.project import Settings

RESOLVER = "flyte._internal.resolvers.default.DefaultTaskResolver"


def task_args(code: TaskCode, version: str, settings: Settings) -> list[str]:
    """Flyte's task container args (flyte-semantics §5.1.2; SPEC §8.1)."""
    return [*_args_head(version, settings.raw_data_path, settings.code_bundle),
            "--resolver", RESOLVER, "mod", code.module, "instance", code.function]


@lru_cache(maxsize=256)
def _args_head(version: str, raw_data_path: str, code_bundle: str | None) -> tuple[str, ...]:
    """The args before `--resolver`: the same for every task of an environment."""
    return (
        "a0", "--inputs", "{{.input}}", "--outputs-path", "{{.outputPrefix}}",
        "--version", version, "--raw-data-path", raw_data_path,
        "--checkpoint-path", "{{.checkpointOutputPrefix}}", "--prev-checkpoint", "{{.prevCheckpointPrefix}}",
        "--run-name", "{{.runName}}", "--name", "{{.actionName}}", "--run-start-time", "{{.runStartTime}}",
        *_bundle_args(version, code_bundle),
    )


def bundle_args(version: str, settings: Settings) -> list[str]:
    return _bundle_args(version, settings.code_bundle)


def _bundle_args(version: str, code_bundle: str | None) -> list[str]:
    if code_bundle is None:
        return []
    return ["--tgz", code_bundle.replace("{version}", version), "--dest", "."]


def task_annotations(fields: Mapping[str, Value], short_name: str, settings: Settings) -> dict[str, str]:
    """Task settings Kubernetes has no field for, as envc.dev/ annotations (SPEC §8.1)."""
    retries, backoff = _retries_texts(fields["retries"].value)
    _, max_queued, deadline = _timeout(fields["timeout"].value)
    out = {
        "envc.dev/retries": retries,
        "envc.dev/cache": _cache_text(fields["cache"].value),
        "envc.dev/short-name": short_name,
        "envc.dev/max-inline-io-bytes": str(fields["max_inline_io_bytes"].value),
    }
    if backoff is not None:
        out["envc.dev/retry-backoff"] = backoff
    if fields["queue"].value is not None:
        out["envc.dev/queue"] = str(fields["queue"].value)
    if max_queued:
        out["envc.dev/max-queued-time"] = str(max_queued)
    if deadline:
        out["envc.dev/deadline"] = str(deadline)
    return out


# Every task object normalises its retries, timeout and cache, and a project writes only a
# handful of distinct values for them (`retries: 3`, `timeout: 1h`, `cache: auto`): the
# derived texts of a scalar (hashable) value are remembered.  Structured values (mappings)
# are rare and computed each time.  Only immutable results (str, tuples) are remembered, so
# no caller can change what another one gets.
_SCALARS = frozenset({str, int, bool, type(None)})
_T = TypeVar("_T")


def _scalar_memo(fn: Callable[[Any], _T]) -> Callable[[Any], _T]:
    """`fn`, remembered for str/int/bool/null arguments (typed: `1` and `true` stay apart)."""
    cached = lru_cache(maxsize=1024, typed=True)(fn)

    def call(value: Any) -> _T:
        return cached(value) if type(value) in _SCALARS else fn(value)
    return call


@_scalar_memo
def _retries_texts(value: Any) -> tuple[str, str | None]:
    """The retry count and the compact backoff annotation (None without a backoff)."""
    retries = normalize.retries(value)
    backoff = retries["backoff"]
    return str(retries["count"]), (meta.compact(backoff) if backoff is not None else None)


@_scalar_memo
def _timeout(value: Any) -> tuple[int, int, int]:
    """max_runtime, max_queued_time and deadline, in seconds."""
    t = normalize.timeout(value)
    return t["max_runtime"], t["max_queued_time"], t["deadline"]


@_scalar_memo
def _cache_text(value: Any) -> str:
    return meta.compact(normalize.cache(value))


# The fields a task pod is built from, besides its args and deadline: tasks of one
# environment usually share all of them (the same inherited Value objects).
_POD_FIELDS = ("image", "resources", "env_vars", "secrets", "service_account", "pod_template", "interruptible")
# By the ids of those Values; or ("alike", ids of all but interruptible, its truth) for a pod
# whose build reported nothing.  The Values are kept so that their ids stay unique.
PodCache = dict[tuple[object, ...], tuple[Pod, tuple[Value, ...]]]


def _shared_pod(fields: Mapping[str, Value], templates: Mapping[str, Source], settings: Settings,
                sink: Sink, cache: PodCache | None) -> Pod:
    """The pod without args and deadline, built once per distinct set of pod fields.

    A task that sets `interruptible` itself to what its environment has gets the same pod
    too, when building it reported nothing: the pod reads only the truth of that Value (its
    line only for a diagnostic), so the build would be the same and report nothing again.

    Its dicts are shared by the tasks' objects, which are never mutated after lowering (so a
    `yamlout.Memo` can render a shared subtree once for all the objects of a unit)."""
    values = tuple(map(fields.__getitem__, _POD_FIELDS))
    key = tuple(map(id, values))
    alike = ("alike", *key[:-1], bool(values[-1].value))
    if cache is not None:
        known = cache.get(key) or cache.get(alike)
        if known is not None:
            return known[0]
    reported = len(sink.items)
    pod = build_pod(PodInput(
        fields=fields, image=normalise("image", fields["image"].value, settings), args=[], command=None,
        restart_policy="Never", reusable=False, active_deadline=None, templates=templates, settings=settings,
    ), sink)
    if cache is not None:
        cache[key] = (pod, values)
        if len(sink.items) == reported:
            cache.setdefault(alike, (pod, values))
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
    max_runtime = _timeout(fields["timeout"].value)[0]
    pod = _shared_pod(fields, templates, settings, sink, cache)
    spec = _with_args(pod, task_args(code, version, settings), max_runtime or None)
    labels = meta.labels(settings, env, task_key, bool(fields["interruptible"].value))
    if extra_labels:
        labels.update(extra_labels)
    annotations = meta.base_annotations(settings, source, wave, fqn)
    annotations.update(task_annotations(fields, fields["short_name"].value or task_key, settings))
    if pod.external is not None:
        annotations["envc.dev/pod-template"] = pod.external
    template_meta: dict[str, Any] = {"labels": {**pod.labels, **labels}}
    if pod.annotations:
        template_meta["annotations"] = pod.annotations
    return {
        "apiVersion": "v1",
        "kind": "PodTemplate",
        "metadata": meta.metadata(name, settings, labels, annotations),
        "template": {"metadata": template_meta, "spec": spec},
    }
