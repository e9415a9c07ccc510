"""Lowering entry point: every object of the project in deploy order (SPEC §8, §9.2)."""

from __future__ import annotations

from collections.abc import Mapping

from envc import codes
from envc.checks.depends import depth
from envc.diagnostics import Related, Sink, Span
from envc.lower import Obj
from envc.lower.reusable import pool_objects
from envc.lower.tasks import task_pod_template
from envc.model import Invocation, Resolved, ResolvedEnv, TaskCode
from envc.normalize import reusable
from envc.values.names import k8s
from envc.version import env_version

KIND_ORDER = ("PodTemplate", "Deployment", "Service", "HorizontalPodAutoscaler", "DomainMapping", "Ingress")


def lower(resolved: Resolved, code: Mapping[str, TaskCode], sink: Sink) -> list[Obj]:
    settings = resolved.project.settings
    envs = resolved.environments
    depths = depth(envs)
    versions = {n: env_version(e, code, settings) for n, e in envs.items() if e.kind == "TaskEnvironment"}
    objs: list[Obj] = []
    for env in envs.values():
        if env.kind == "TaskEnvironment":
            objs.extend(_task_env(env, versions[env.name], depths[env.name], resolved, code, sink))
    env_of = {t.fqn: e for e in envs.values() for t in e.tasks}
    for i, inv in enumerate(resolved.invocations):
        task_env = env_of[inv.task_fqn]
        if inv.task_fqn in code:
            objs.append(_step(inv, i, task_env, versions[task_env.name], depths[task_env.name], resolved, code, sink))
    _collisions(objs, sink)
    return sorted(objs, key=_order)


def _order(o: Obj) -> tuple[object, ...]:
    return (o.group_order, o.step_index, KIND_ORDER.index(o.kind), o.name)


def _task_env(env: ResolvedEnv, version: str, wave: int, resolved: Resolved,
              code: Mapping[str, TaskCode], sink: Sink) -> list[Obj]:
    settings = resolved.project.settings
    source = env.source.doc.file
    group = (0, wave, env.name)
    span = env.source.span
    if reusable(env.fields["reusable"].value) is not None:
        manifests = pool_objects(env, version, source, wave, resolved.templates, settings, sink)
        return [Obj(k8s(env.name), m["kind"], m["metadata"]["name"], source, m, wave, group, 0, span) for m in manifests]
    out = []
    for task in env.tasks:
        if task.fqn not in code:
            continue
        name = k8s(f"{env.name}-{task.key}")
        m = task_pod_template(
            name=name, env=env.name, task_key=task.key, fqn=task.fqn, fields=task.fields,
            code=code[task.fqn], version=version, source=source, wave=wave,
            templates=resolved.templates, settings=settings, sink=sink,
        )
        out.append(Obj(k8s(env.name), "PodTemplate", name, source, m, wave, group, 0,
                       task.doc.key_span(task.path)))
    return out


def _step(inv: Invocation, index: int, env: ResolvedEnv, version: str, wave: int, resolved: Resolved,
          code: Mapping[str, TaskCode], sink: Sink) -> Obj:
    settings = resolved.project.settings
    source = inv.doc.file
    task_key = inv.task_fqn.split(".", 1)[1]
    name = k8s(f"{inv.workflow}-{inv.step}")
    m = task_pod_template(
        name=name, env=env.name, task_key=task_key, fqn=inv.task_fqn, fields=inv.fields,
        code=code[inv.task_fqn], version=version, source=source, wave=wave,
        templates=resolved.templates, settings=settings, sink=sink,
        extra_labels={"envc.dev/workflow": k8s(inv.workflow), "envc.dev/step": k8s(inv.step)},
    )
    return Obj(k8s(inv.workflow), "PodTemplate", name, source, m, wave, (1, 0, inv.workflow), index,
               inv.doc.span(inv.path))


def _collisions(objs: list[Obj], sink: Sink) -> None:
    seen: dict[object, Obj] = {}
    for o in sorted(objs, key=lambda o: (o.source, str(o.origin), o.path)):
        ns = o.manifest["metadata"].get("namespace")
        for key in ((o.api_group, o.kind, ns, o.name), o.path.lower()):
            first = seen.setdefault(key, o)
            if first is not o:
                related = (Related(f"`{first.path}` is produced here", first.origin),) if isinstance(first.origin, Span) else ()
                sink.report(codes.NAME_COLLISION, o.origin,
                            f"{o.kind} `{o.name}` ({o.path}) is produced twice", related)
                break
