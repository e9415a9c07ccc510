"""Reusable environments (SPEC §5.4, §8.2; Flyte `ReusePolicy`).

PASS::

    reusable: {replicas: [1, 4], concurrency: 8, idle_ttl: 10m, scaledown_ttl: 2m}
    tasks: {serve: {entrypoint: "pipelines/online.py:serve"}}     # async def serve

FAIL::

    reusable: true                       # E415 reusable-true: write {}
    reusable: {replicas: [3, 1]}         # E414 reusable-replicas
    reusable: {idle_ttl: 10s}            # E413 reusable-ttl-range
    reusable: {concurrency: 4}  + a sync task              # E410 reusable-concurrency-sync
    a task with pod_template in a reusable environment     # E411 reusable-task-pod-template
"""

from __future__ import annotations

from envc import codes
from envc.checks import Context, Write
from envc.diagnostics import Related, Sink, Span
from envc.model import ResolvedEnv, ResolvedTask
from envc.normalize import reusable as normalise_reusable
from envc.values.duration import parse_duration

TTL_MIN, TTL_MAX = 30, 3600


def check_reusable(w: Write, sink: Sink) -> None:
    policy = w.value
    if policy is True:
        sink.report(codes.REUSE_TRUE, w.doc.span(w.path), "`reusable: true` is not a policy: write `reusable: {}` for the defaults")
        return
    if not isinstance(policy, dict):
        return
    _replicas(w, policy.get("replicas"), sink)
    concurrency = policy.get("concurrency")
    if isinstance(concurrency, int) and concurrency < 1:
        sink.report(codes.REUSE_REPLICAS, w.doc.span((*w.path, "concurrency")), f"concurrency must be at least 1, got {concurrency}")
    for key in ("idle_ttl", "scaledown_ttl"):
        if policy.get(key) is not None:
            ttl_in_range(w, (*w.path, key), policy[key], sink)


def ttl_in_range(w: Write, path: tuple[str | int, ...], value: object, sink: Sink) -> None:
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        sink.report(codes.BAD_DURATION, w.doc.span(path), str(exc))
        return
    if not TTL_MIN <= seconds <= TTL_MAX:
        sink.report(codes.REUSE_TTL, w.doc.span(path),
                    f"`{path[-1]}` is {seconds}s: it must be from 30s to 1h (the autoscalers' cap)")


def _replicas(w: Write, value: object, sink: Sink) -> None:
    if value is None:
        return
    span = w.doc.span((*w.path, "replicas"))
    low, high = (value[0], value[1]) if isinstance(value, list) else (value, value)
    if not isinstance(low, int) or not isinstance(high, int):
        return
    if low < 0 or high < 0:
        problem = "replicas must not be negative"
    elif high < 1:
        problem = "the maximum must be at least 1"
    elif high < low:
        problem = f"the maximum {high} is less than the minimum {low}"
    else:
        return
    sink.report(codes.REUSE_REPLICAS, span, f"replicas {value}: {problem}")


def check_reusable_tasks(ctx: Context, sink: Sink) -> None:
    """Rules that need the tasks: concurrency vs async, task-level settings in one pool."""
    for env in ctx.resolved.environments.values():
        policy_value = env.fields.get("reusable")
        if policy_value is None or normalise_reusable(policy_value.value) is None:
            continue
        policy = normalise_reusable(policy_value.value)
        assert policy is not None
        for task in env.tasks:
            code = ctx.code.get(task.fqn)
            where = task.doc.key_span(task.path)
            if policy["concurrency"] > 1 and code is not None and not code.is_async:
                sink.report(codes.REUSE_SYNC_CONCURRENCY, where,
                            f"task `{task.fqn}` is not async but its reusable policy has concurrency {policy['concurrency']}",
                            _related(policy_value.part("concurrency").span, "the policy is set here"))
            _task_level(env, task, sink)


def _task_level(env: ResolvedEnv, task: ResolvedTask, sink: Sink) -> None:
    body = task.doc.data["tasks"][task.key] or {}
    if "pod_template" in body:
        sink.report(codes.REUSE_TASK_TEMPLATE, task.doc.span((*task.path, "pod_template")),
                    f"task `{task.fqn}` sets pod_template, but `{env.name}` is reusable: one pool serves every task; set it on the environment",
                    _related(env.fields["reusable"].origin.span, f"`{env.name}` is made reusable here"))
    for key in ("service_account", "interruptible"):
        if key in body and task.fields[key].value != env.fields[key].value:
            sink.report(codes.REUSE_TASK_MISMATCH, task.doc.span((*task.path, key)),
                        f"task `{task.fqn}` sets {key} differently from its reusable environment `{env.name}`: one pool serves every task",
                        _related(env.fields[key].origin.span, "the environment's value"))


def _related(span: Span | None, message: str) -> tuple[Related, ...]:
    return (Related(message, span),) if isinstance(span, Span) else ()


def check_scaling(ctx: Context, sink: Sink) -> None:
    """HPA needs a CPU request; a minimum of 0 is raised to 1 (SPEC §8.2)."""
    for env in ctx.resolved.environments.values():
        v = env.fields.get("reusable")
        policy = normalise_reusable(v.value) if v is not None else None
        if v is None or policy is None:
            continue
        low, high = policy["replicas"]
        span = v.part("replicas").span or v.origin.span
        if low == 0 and isinstance(v.value, dict) and "replicas" in v.value:
            sink.report(codes.NO_SCALE_TO_ZERO, span,
                        f"`{env.name}`: a Deployment cannot scale to zero; the minimum 0 is raised to 1")
        resources = env.fields["resources"].value or {}
        if high > max(low, 1) and resources.get("cpu") is None:
            sink.report(codes.HPA_NEEDS_CPU, span,
                        f"`{env.name}` autoscales on CPU ({max(low, 1)}..{high} replicas) but sets no CPU request: set resources.cpu",
                        _related(env.fields["resources"].origin.span, "its resources are set here, without cpu"))
