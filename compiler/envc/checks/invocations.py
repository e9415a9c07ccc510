"""Workflow steps, the invocation tier (SPEC §5.4, §5.5; Flyte `task.override()`).

A step whose *resulting* policy is reusable runs in the environment's warm pool,
whose pods are fixed: overriding what the pods are made of is an error unless the
same override writes `reusable: off`; overriding only how they are scheduled is
a warning, since it has no effect.

PASS::

    steps:
      - task: pool.score
        override: {resources: {memory: 32Gi}, reusable: off}

FAIL::

    steps:
      - task: pool.score                       # pool is reusable
        override: {resources: {memory: 32Gi}}  # E418 reusable-override
      - task: pool.score
        override: {interruptible: true}        # W403 reuse-override-ineffective
      - {task: a.f}
      - {task: a.f}                            # E419 duplicate-step (both named f)
"""

from __future__ import annotations

from envc import codes
from envc.checks import Context
from envc.diagnostics import Related, Sink
from envc.model import Invocation
from envc.normalize import reusable

POOL_FIXED = ("resources", "env_vars", "secrets", "service_account")
POOL_SCHEDULING = ("interruptible", "pod_template")


def check_invocations(ctx: Context, sink: Sink) -> None:
    seen: dict[tuple[str, str], Invocation] = {}
    for inv in ctx.resolved.invocations:
        _unique(inv, seen, sink)
        _reuse(inv, sink)


def _unique(inv: Invocation, seen: dict[tuple[str, str], Invocation], sink: Sink) -> None:
    key = (inv.workflow, inv.step)
    first = seen.setdefault(key, inv)
    if first is not inv:
        sink.report(codes.DUPLICATE_STEP, inv.doc.span(inv.path),
                    f"workflow `{inv.workflow}` already has a step named `{inv.step}`: give this one a `name`",
                    (Related("the first step with that name", first.doc.span(first.path)),))


def _reuse(inv: Invocation, sink: Sink) -> None:
    policy = inv.fields["reusable"]
    if reusable(policy.value) is None:
        return
    override = inv.doc.data["steps"][inv.path[-1]].get("override") or {}
    where = policy.origin.span
    related = (Related("the reusable policy comes from here", where),) if where else ()
    for key in POOL_FIXED:
        if key in override:
            sink.report(codes.REUSE_OVERRIDE, inv.doc.key_span((*inv.path, "override", key)),
                        f"step `{inv.step}` overrides `{key}` but runs in `{inv.task_fqn.split('.')[0]}`'s "
                        "reusable pool, whose pods are fixed: add `reusable: off` to this override", related)
    for key in POOL_SCHEDULING:
        if key in override:
            sink.report(codes.REUSE_OVERRIDE_INEFFECTIVE, inv.doc.key_span((*inv.path, "override", key)),
                        f"step `{inv.step}` sets `{key}`, but it stays in the reusable pool, whose pods do not "
                        "change: add `reusable: off` to run it in its own pod", related)
