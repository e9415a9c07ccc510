"""Lowering entry point: every object of the project in deploy order (SPEC §8, §9.2).

The work is cut into *units* (an environment, or a Workflow step), each lowered on
its own from the shared, read-only `Plan`: units are independent, so they can be
lowered in any order or in several processes (docs/performance.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from envc import codes
from envc.checks.depends import depth
from envc.checks.objects import check_objects
from envc.diagnostics import Diagnostic, Related, Sink, Span
from envc.explain import Memo, invocation_entry
from envc.load import Document
from envc.lower import Obj
from envc.lower.reusable import pool_objects
from envc.lower.tasks import PodCache, task_pod_template
from envc.model import Invocation, Resolved, ResolvedEnv, ResolvedTask, TaskCode, Value
from envc.normalize import reusable
from envc.values.names import k8s
from envc.version import canonical_json, env_version, hash_input, written_json

KIND_ORDER = ("PodTemplate", "Deployment", "Service", "HorizontalPodAutoscaler", "DomainMapping", "Ingress")


@dataclass(frozen=True, slots=True)
class Plan:
    """What lowering needs besides the resolution, shared read-only by every unit.

    The §9.3 hash of an environment (its version, and the digest that keys its unit in the
    cache) is computed on first use, by the process that lowers the unit: forked workers
    share the hashing instead of waiting for one process to hash every environment."""

    resolved: Resolved
    code: Mapping[str, TaskCode]
    depths: Mapping[str, int]
    env_of_task: Mapping[str, ResolvedEnv]
    tasks: Mapping[str, ResolvedTask]
    envs: tuple[ResolvedEnv, ...] = ()  # the environments in unit order ("env", i)
    memo: Memo = field(default_factory=dict)  # explain entries by Value identity (per process)
    hashes: dict[str, tuple[str, str]] = field(default_factory=dict)  # env -> (version, digest)
    docs: dict[int, str] = field(default_factory=dict)  # id(Document) -> digest of what it holds
    steps: dict[int, str] = field(default_factory=dict)  # step index -> digest

    def version(self, env: str) -> str:
        return self._hash(env)[0]

    def hash_input(self, env: str) -> str:
        """sha256 of C (SPEC §9.3) and of what else shapes the environment's files."""
        return self._hash(env)[1]

    def _hash(self, name: str) -> tuple[str, str]:
        known = self.hashes.get(name)
        if known is None:  # C is large: keep only its digests, never the text
            env = self.resolved.environments[name]
            settings = self.resolved.project.settings
            templates = _templates_of([env.fields, *(t.fields for t in env.tasks)], self.resolved)
            if settings.version is not None:
                known = (settings.version, self._sources_digest(env, templates))
            else:
                c = hash_input(env, self.code, settings, self.memo)
                known = (env_version(c, settings), _digest(c, templates))
            self.hashes[name] = known
        return known

    def _sources_digest(self, env: ResolvedEnv, templates: str) -> str:
        """A cache key for an environment when the project fixes `version`: then C (SPEC §9.3)
        would only key the cache, and building it (an explain entry of every field) is a tenth
        of a compile.  The documents the environment is resolved from key it as well, and
        more strictly: the project file, the environment's document and every one it extends
        (data in written order, tags, number texts, acknowledgement lines), its tasks' code,
        the templates it names."""
        docs = [self.resolved.project.project_doc]
        at: ResolvedEnv | None = env
        while at is not None:
            docs.append(at.source.doc)
            at = self.resolved.environments.get(at.extends) if at.extends is not None else None
        code = [tuple(c) if (c := self.code.get(t.fqn)) is not None else None for t in env.tasks]
        text = "\x00".join([*map(self._doc_digest, docs), written_json(code), templates])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _doc_digest(self, doc: Document) -> str:
        known = self.docs.get(id(doc))
        if known is None:
            # tags and number texts in the order the loader met them: a function of the text
            tags, raw = list(doc.tags.items()), list(doc.raw.items())
            text = written_json([doc.file, doc.index, doc.data, tags, raw, sorted(doc.comments)])
            known = self.docs[id(doc)] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return known

    def step_input(self, index: int) -> str:
        """sha256 of a Workflow step's resolved fields and the pod templates it names."""
        known = self.steps.get(index)
        if known is None:
            inv = self.resolved.invocations[index]
            entry = invocation_entry(inv, self.tasks, self.resolved.project.settings, with_from=False, memo=self.memo)
            known = self.steps[index] = _digest(canonical_json(entry), _templates_of([inv.fields], self.resolved))
        return known


Unit = tuple[str, int]  # ("env", index into environments) or ("step", index into invocations)


def plan(resolved: Resolved, code: Mapping[str, TaskCode]) -> Plan:
    envs = resolved.environments
    env_of = {t.fqn: e for e in envs.values() for t in e.tasks}
    tasks = {t.fqn: t for e in envs.values() for t in e.tasks}
    return Plan(resolved, code, depth(envs), env_of, tasks, tuple(envs.values()))


def _digest(c: str, templates: str) -> str:
    """C, plus what shapes the files beyond it: the deploy version setting and the content
    of the named pod templates used (C holds only their names; SPEC §9.3)."""
    return hashlib.sha256(f"{c}\x00{templates}".encode()).hexdigest()


def _templates_of(field_sets: Iterable[Mapping[str, Value]], resolved: Resolved) -> str:
    names = [f["pod_template"].value for f in field_sets if "pod_template" in f]
    docs = {n: resolved.templates[n].doc.data for n in names if isinstance(n, str) and n in resolved.templates}
    return canonical_json([resolved.project.settings.version, docs])


def units(p: Plan) -> list[Unit]:
    envs = [("env", i) for i in range(len(p.resolved.environments))]
    return envs + [("step", i) for i in range(len(p.resolved.invocations))]


def lower_units(p: Plan, todo: Iterable[Unit], sink: Sink) -> list[Obj]:
    envs = p.envs
    out: list[Obj] = []
    for kind, i in todo:
        if kind == "env":
            objs = lower_env(p, envs[i], sink)
        else:
            objs = lower_step(p, p.resolved.invocations[i], i, sink)
        check_objects(objs, sink)  # SPEC §10.1, per unit (so a cached unit keeps its diagnostics)
        out.extend(objs)
    return out


def lower(resolved: Resolved, code: Mapping[str, TaskCode], sink: Sink) -> list[Obj]:
    """Every object, checked for collisions, in deploy order."""
    p = plan(resolved, code)
    objs = lower_units(p, units(p), sink)
    check_collisions(objs, sink)
    return sort_objects(objs)


PARALLEL_MIN_UNITS = 200  # below this, forking costs more than it saves

Checked = tuple[list[Diagnostic], list[tuple[tuple[object, ...], str, Span | None]], list[Diagnostic]]
Validate = Callable[[list[Obj], Sink], None]


def check(resolved: Resolved, code: Mapping[str, TaskCode], sink: Sink, validate: Validate | None = None) -> None:
    """What `lower` reports (and `validate`, the schema check, on every object), without
    keeping the objects: `envc validate`.  Units are independent, so in a large project forked
    processes (ENVC_JOBS) lower a share each.  The diagnostics are the same, in the same order,
    however many processes there are: each unit's in unit order, then collisions, then the
    schema check's."""
    p = plan(resolved, code)
    todo = units(p)
    checked: list[Checked] | None = None
    if len(todo) >= PARALLEL_MIN_UNITS:
        from envc.parallel import fork_map, workers  # pickle & co.: not for small projects

        jobs = workers()
        if jobs > 1:
            parts = fork_map(lambda share: [_check_unit(p, u, validate) for u in share], todo, jobs)
            checked = [parts[i % jobs][i // jobs] for i in range(len(todo))]  # fork_map's shares interleave
    if checked is None:
        checked = [_check_unit(p, u, validate) for u in todo]
    for found, _, _ in checked:
        sink.items.extend(found)
    report_collisions([item for _, items, _ in checked for item in items], sink)
    for _, _, schema in checked:
        sink.items.extend(schema)


def _check_unit(p: Plan, unit: Unit, validate: Validate | None) -> Checked:
    found, schema = Sink(), Sink()
    objs = lower_units(p, [unit], found)
    if validate is not None:
        validate(sort_objects(objs), schema)
    items = [(_identity(o), o.path, o.origin if isinstance(o.origin, Span) else None) for o in objs]
    return found.items, items, schema.items


def sort_objects(objs: list[Obj]) -> list[Obj]:
    return sorted(objs, key=lambda o: (o.group_order, o.step_index, KIND_ORDER.index(o.kind), o.name))


def lower_env(p: Plan, env: ResolvedEnv, sink: Sink) -> list[Obj]:
    if env.kind == "TaskEnvironment":
        return _task_env(p, env, sink)
    return _app_env(p, env, sink)


def _app_env(p: Plan, env: ResolvedEnv, sink: Sink) -> list[Obj]:
    """A Knative Service and DomainMappings, or Deployment, Service, HPA, Ingress (SPEC §8.3)."""
    settings = p.resolved.project.settings
    source, wave = env.source.doc.file, p.depths[env.name]
    from envc.lower.apps import app_objects  # only projects with apps pay for importing it

    manifests = app_objects(env, p.version(env.name), source, wave, p.resolved.templates, settings, sink)
    return [Obj(k8s(env.name), m["kind"], m["metadata"]["name"], source, m, wave, (0, wave, env.name), 0,
                env.source.span) for m in manifests]


def _task_env(p: Plan, env: ResolvedEnv, sink: Sink) -> list[Obj]:
    settings = p.resolved.project.settings
    source, wave, version = env.source.doc.file, p.depths[env.name], p.version(env.name)
    group = (0, wave, env.name)
    if reusable(env.fields["reusable"].value) is not None:
        manifests = pool_objects(env, version, source, wave, p.resolved.templates, settings, sink)
        return [Obj(k8s(env.name), m["kind"], m["metadata"]["name"], source, m, wave, group, 0, env.source.span)
                for m in manifests]
    out = []
    pods: PodCache = {}
    for task in env.tasks:
        if task.fqn not in p.code:
            continue
        name = k8s(f"{env.name}-{task.key}")
        m = task_pod_template(
            name=name, env=env.name, task_key=task.key, fqn=task.fqn, fields=task.fields,
            code=p.code[task.fqn], version=version, source=source, wave=wave,
            templates=p.resolved.templates, settings=settings, sink=sink, cache=pods,
        )
        out.append(Obj(k8s(env.name), "PodTemplate", name, source, m, wave, group, 0,
                       task.doc.key_span(task.path)))
    return out


def lower_step(p: Plan, inv: Invocation, index: int, sink: Sink) -> list[Obj]:
    env = p.env_of_task.get(inv.task_fqn)
    if env is None or inv.task_fqn not in p.code:
        return []
    settings = p.resolved.project.settings
    source, wave = inv.doc.file, p.depths[env.name]
    task_key = inv.task_fqn.split(".", 1)[1]
    name = k8s(f"{inv.workflow}-{inv.step}")
    m = task_pod_template(
        name=name, env=env.name, task_key=task_key, fqn=inv.task_fqn, fields=inv.fields,
        code=p.code[inv.task_fqn], version=p.version(env.name), source=source, wave=wave,
        templates=p.resolved.templates, settings=settings, sink=sink,
        extra_labels={"envc.dev/workflow": k8s(inv.workflow), "envc.dev/step": k8s(inv.step)},
    )
    return [Obj(k8s(inv.workflow), "PodTemplate", name, source, m, wave, (1, 0, inv.workflow), index,
                inv.doc.span(inv.path))]


def check_collisions(objs: list[Obj], sink: Sink) -> None:
    """Every (API group, kind, namespace, name) and output path is produced once (SPEC §6.3)."""
    report_collisions([(_identity(o), o.path, o.origin if isinstance(o.origin, Span) else None) for o in objs], sink)


def _identity(o: Obj) -> tuple[object, ...]:
    return (o.api_group, o.kind, o.manifest["metadata"].get("namespace"), o.name)


def report_collisions(items: list[tuple[tuple[object, ...], str, Span | None]], sink: Sink) -> None:
    """E509 for each (identity, output path, origin) whose identity or path (case-insensitively)
    an earlier one already has; earlier means first by source location."""
    if len({i[0] for i in items}) == len(items) == len({i[1].lower() for i in items}):
        return  # nothing is produced twice (the usual case): no need to order them
    seen: dict[object, tuple[str, Span | None]] = {}
    nowhere = Span("", 0, 0)
    for identity, path, origin in sorted(items, key=lambda i: (i[2] or nowhere, i[1])):
        for key in (identity, path.lower()):
            if key in seen:
                first_path, first_origin = seen[key]
                related = (Related(f"`{first_path}` is produced here", first_origin),) if first_origin else ()
                sink.report(codes.NAME_COLLISION, origin,
                            f"{identity[1]} `{identity[3]}` ({path}) is produced twice", related)
                break
            seen[key] = (path, origin)