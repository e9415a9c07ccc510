"""Pod assembly (SPEC §6.1, §6.2, §6.6, §10.2): a pod template merged with an
environment's image, resources, env, secrets, scheduling and security settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from envc import codes
from envc.checks.pod_origin import origin_for
from envc.checks.pod_output import check_pod
from envc.checks.pod_security import PodView, secure
from envc.diagnostics import Related, Sink, Span
from envc.load import Document
from envc.model import Source, Value
from envc.normalize import normalise
from envc.project import Settings
from envc.values.gpu import parse_gpu
from envc.values.secret_ref import secret_item_path, secret_name, secret_volume_name

SHM_VOLUME = "flyte-shm"
_RESOURCE_KEYS = {"cpu": "cpu", "memory": "memory", "disk": "ephemeral-storage"}


@dataclass(frozen=True, slots=True)
class PodInput:
    fields: Mapping[str, Value]
    image: str
    args: list[str]
    command: list[str] | None  # None: no `command` key (tasks); [] for reusable pools
    restart_policy: str | None  # None (apps on knative): the template's, or no restartPolicy key
    reusable: bool
    active_deadline: int | None
    templates: Mapping[str, Source]
    settings: Settings
    # Apps (SPEC §6.6, §8.3): the primary container is the one with this name, never a fallback
    # (created when the template has none: the checks report a template that lacks it) ...
    primary_name: str | None = None
    # ... its ports come first (Flyte: the app port, then the template's) ...
    ports: tuple[dict[str, Any], ...] = ()
    # ... and it gets this readinessProbe unless the template sets one.
    readiness_probe: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Pod:
    spec: dict[str, Any]
    labels: dict[str, str]
    annotations: dict[str, str]
    external: str | None  # name of an external template (annotation envc.dev/pod-template)
    primary: int = 0  # index of the primary container in spec["containers"]


@dataclass(frozen=True, slots=True)
class Where:
    """Spans of a pod template's values, wherever the template is written."""

    value: Value
    doc: Document | None  # a PodTemplate document, or None for an inline template

    def related(self) -> tuple[Related, ...]:
        """For a named template: where the environment names it."""
        span = self.value.origin.span
        return (Related("the template is used here", span),) if self.doc is not None and span else ()

    def __call__(self, *sub: str | int) -> Span | None:
        if self.doc is not None:
            return self.doc.span(sub)
        if not sub:
            return self.value.origin.span
        o = self.value.part(sub[0])
        return o.doc.span((*o.path, *sub[1:])) if o.doc is not None else None


def build_pod(p: PodInput, sink: Sink) -> Pod:
    tvalue = p.fields["pod_template"]
    template, external = _template(tvalue.value, p.templates, p.settings)
    named = p.templates[tvalue.value].doc if isinstance(tvalue.value, str) and tvalue.value in p.templates else None
    where = Where(tvalue, named)
    spec = _copy(template.get("spec") or {})
    containers = spec.setdefault("containers", [])
    index = {id(c): i for i, c in enumerate(containers)}
    if p.primary_name is not None:
        primary = next((c for c in containers if c.get("name") == p.primary_name), None) or _new(containers, p.primary_name)
    else:
        primary = _primary(containers, template.get("primary_container_name"), where, sink)
    # read by the container's env and mounts and by the pod's volumes: normalised once
    secrets = normalise("secrets", p.fields["secrets"].value, p.settings)
    mounts = _secret_mounts(p.fields["secrets"].value)
    _container(primary, p, where, index, secrets, mounts, sink)
    _pod_fields(spec, p, where, secrets, mounts, sink)
    # The restricted profile's settings, then every output check of the finished pod (SPEC §10)
    secure(spec, p.settings.pod_security, p.settings.run_as_user)
    annotations = dict(template.get("annotations") or {})
    check_pod(PodView(spec, annotations), origin_for(spec, tvalue, p.templates, p.fields), p.settings, sink)
    at = next(i for i, c in enumerate(containers) if c is primary)
    return Pod(spec, dict(template.get("labels") or {}), annotations, external, at)


def _template(value: Any, templates: Mapping[str, Source], settings: Settings) -> tuple[dict[str, Any], str | None]:
    if value is None:
        return {}, None
    if isinstance(value, str):
        if value in templates:
            return dict(templates[value].doc.data), None
        return {}, value  # external: referenced by annotation (SPEC §6.6)
    return dict(value), None


def _primary(containers: list[dict[str, Any]], explicit: Any, where: Where, sink: Sink) -> dict[str, Any]:
    """Flyte's order: the explicit name, a container named `primary`, the only container."""
    by_name = {c.get("name"): c for c in containers}
    if explicit is not None:
        if explicit in by_name:
            return by_name[explicit]
        if containers:
            sink.report(codes.NO_PRIMARY, where("primary_container_name"),
                        f"the pod template has no container named `{explicit}`", where.related())
        return _new(containers, str(explicit))
    if "primary" in by_name:
        return by_name["primary"]
    if len(containers) == 1:
        return containers[0]
    if containers:
        sink.report(codes.NO_PRIMARY, where("spec", "containers"),
                    "the pod template has several containers and none is named `primary`: set primary_container_name",
                    where.related())
    return _new(containers, "primary")


def _new(containers: list[dict[str, Any]], name: str) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name}
    containers.insert(0, c)
    return c


def _container(c: dict[str, Any], p: PodInput, where: Where, index: dict[int, int],
               secrets: list[dict[str, Any]], secret_mounts: list[str], sink: Sink) -> None:
    c.setdefault("image", p.image)
    if p.command is None:
        c.pop("command", None)
    else:
        c["command"] = list(p.command)
    c["args"] = list(p.args)
    if p.ports:
        c["ports"] = [dict(port) for port in p.ports] + list(c.get("ports") or [])
    if p.readiness_probe is not None and "readinessProbe" not in c:
        c["readinessProbe"] = _copy(p.readiness_probe)
    _resources(c, p.fields["resources"].value or {})
    ci = index.get(id(c))
    _env(c, p, where, ci, secrets, sink)
    mounts = c.setdefault("volumeMounts", [])
    shm = (p.fields["resources"].value or {}).get("shm")
    if shm is not None:
        taken = [j for j, m in enumerate(mounts) if m.get("mountPath") == "/dev/shm"]
        if taken:
            sink.report(codes.SHM_CONFLICT, p.fields["resources"].part("shm").span,
                        "`shm` is set but the pod template already mounts /dev/shm",
                        _rel("the template mounts it here", where("spec", "containers", ci, "volumeMounts", taken[0])
                             if ci is not None else where()))
        mounts.append({"name": SHM_VOLUME, "mountPath": "/dev/shm"})
    for mount in secret_mounts:
        mounts.append({"name": secret_volume_name(mount), "mountPath": mount, "readOnly": True})
    if not mounts:
        del c["volumeMounts"]


def _resources(c: dict[str, Any], res: Mapping[str, Any]) -> None:
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    for key, k8s_key in _RESOURCE_KEYS.items():
        v = res.get(key)
        if v is None:
            continue
        req, lim = (v[0], v[1]) if isinstance(v, list) else (v, v)
        requests[k8s_key], limits[k8s_key] = str(req), str(lim)
    if res.get("gpu") is not None:
        gpu = parse_gpu(res["gpu"])
        requests[gpu.resource_name] = limits[gpu.resource_name] = str(gpu.count)
    if not requests:
        return
    current = c.setdefault("resources", {})
    current["requests"] = {**(current.get("requests") or {}), **requests}
    current["limits"] = {**(current.get("limits") or {}), **limits}


def _env(c: dict[str, Any], p: PodInput, where: Where, ci: int | None, secrets: list[dict[str, Any]],
         sink: Sink) -> None:
    """env_vars, then secret env vars, then the template's env; a repeated name is an error."""
    env: list[dict[str, Any]] = [{"name": str(k), "value": str(v)} for k, v in (p.fields["env_vars"].value or {}).items()]
    for s in secrets:
        if s["mount"] is None:
            ref = {"secretKeyRef": {"name": secret_name(s["key"], s["group"]), "key": s["key"]}}
            env.append({"name": s["as_env_var"], "valueFrom": ref})
    template_env = c.get("env") or []
    env.extend(template_env)
    names = [str(e.get("name")) for e in env]
    if len(set(names)) != len(names):  # only then: who set each entry (spans cost)
        _duplicate_env(names, len(env) - len(template_env), p, secrets, where, ci, sink)
    if env:
        c["env"] = env


def _duplicate_env(names: list[str], own: int, p: PodInput, secrets: list[dict[str, Any]], where: Where,
                   ci: int | None, sink: Sink) -> None:
    """DUPLICATE_ENV for each repeated name of `names`, whose first `own` entries come from
    env_vars and secrets (in this order) and the rest from the template."""
    env_vars = p.fields["env_vars"]
    owners: list[tuple[Value | Where, str | int]] = [(env_vars, k) for k in (env_vars.value or {})]
    owners += [(p.fields["secrets"], i) for i, s in enumerate(secrets) if s["mount"] is None]
    owners += [(where, j) for j in range(len(names) - own)]
    seen: dict[str, tuple[Value | Where, str | int]] = {}
    for name, (value, key) in zip(names, owners, strict=True):
        if name in seen:
            a, b = _span_of(*seen[name], ci), _span_of(value, key, ci)
            if isinstance(value, Where) and not isinstance(seen[name][0], Where):
                sink.report(codes.DUPLICATE_ENV, a, f"env var `{name}` is also set by the pod template",
                            _rel("the template sets it here", b))
            else:
                sink.report(codes.DUPLICATE_ENV, b, f"env var `{name}` is set twice", _rel("first set here", a))
        seen[name] = (value, key)


def _span_of(value: Value | Where, key: str | int, ci: int | None) -> Span | None:
    """Spans are computed only for diagnostics: building them for every entry is costly."""
    if isinstance(value, Where):
        return value("spec", "containers", ci, "env", key, "name") if ci is not None else value()
    return value.part(key).span


def _secret_mounts(secrets: Any) -> list[str]:
    mounts: list[str] = []
    for s in secrets or []:
        if isinstance(s, dict) and s.get("mount") and s["mount"] not in mounts:
            mounts.append(s["mount"])
    return mounts


def _pod_fields(spec: dict[str, Any], p: PodInput, where: Where, secrets: list[dict[str, Any]],
                secret_mounts: list[str], sink: Sink) -> None:
    policy = spec.get("restartPolicy")
    if p.reusable and policy not in (None, "Always"):
        reuse = p.fields["reusable"].origin.span if "reusable" in p.fields else None
        sink.report(codes.RESTART_POLICY, where("spec", "restartPolicy"),
                    f"a reusable environment's pods restart Always; the template sets restartPolicy {policy}",
                    where.related() + _rel("the environment is reusable here", reuse))
    restart = policy if policy and not p.reusable else p.restart_policy
    if restart is not None:
        spec["restartPolicy"] = restart
    if p.reusable:
        spec.pop("activeDeadlineSeconds", None)
    elif p.active_deadline:
        spec["activeDeadlineSeconds"] = p.active_deadline
    sa = p.fields["service_account"].value
    if sa:
        spec["serviceAccountName"] = sa
    _scheduling(spec, p, where, sink)
    _volumes(spec, p, secrets, secret_mounts, sink)


def _scheduling(spec: dict[str, Any], p: PodInput, where: Where, sink: Sink) -> None:
    s = p.settings
    selector: dict[str, tuple[str, Span | None]] = {
        k: (v, where("spec", "nodeSelector", k)) for k, v in (spec.get("nodeSelector") or {}).items()
    }
    tolerations = list(spec.get("tolerations") or [])
    res = p.fields["resources"]
    gpu_value = (res.value or {}).get("gpu")
    if gpu_value is not None:
        gpu = parse_gpu(gpu_value)
        span = res.part("gpu").span
        if gpu.node_label_value:
            _select(selector, s.gpu_device_node_label, gpu.node_label_value, span, sink)
        if gpu.partition:
            _select(selector, s.gpu_partition_size_node_label, gpu.partition, span, sink)
        tolerations.extend(s.gpu_tolerations)
    intr = p.fields["interruptible"]
    if intr.value:
        for k, v in s.interruptible_node_selector.items():
            _select(selector, k, str(v), intr.origin.span, sink)
        tolerations.extend(s.interruptible_tolerations)
    if selector:
        spec["nodeSelector"] = {k: v for k, (v, _) in selector.items()}
    if tolerations:
        spec["tolerations"] = _dedupe(tolerations)


def _select(selector: dict[str, tuple[str, Span | None]], key: str, value: str, span: Span | None, sink: Sink) -> None:
    if key in selector and selector[key][0] != value:
        sink.report(codes.NODE_SELECTOR_CONFLICT, span,
                    f"node selector `{key}` would be both `{selector[key][0]}` and `{value}`",
                    _rel("the other value comes from here", selector[key][1]))
        return
    selector.setdefault(key, (value, span))


def _dedupe(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(dict(item))
    return out


def _volumes(spec: dict[str, Any], p: PodInput, secrets: list[dict[str, Any]], secret_mounts: list[str],
             sink: Sink) -> None:
    volumes = list(spec.get("volumes") or [])
    shm = (p.fields["resources"].value or {}).get("shm")
    if shm is not None:
        empty: dict[str, Any] = {"medium": "Memory"}
        if shm != "auto":
            empty["sizeLimit"] = str(shm)
        volumes.append({"name": SHM_VOLUME, "emptyDir": empty})
    _duplicate_files(p.fields["secrets"], secrets, sink)
    for mount in secret_mounts:
        volumes.append(_projected(mount, [s for s in secrets if s["mount"] == mount]))
    if volumes:
        spec["volumes"] = volumes


def _duplicate_files(value: Value, secrets: list[dict[str, Any]], sink: Sink) -> None:
    """Two mounted secrets may not produce the same file (SPEC §6.2)."""
    seen: dict[str, int] = {}
    for i, s in enumerate(secrets):
        if s["mount"] is None:
            continue
        path = f"{s['mount'].rstrip('/')}/{secret_item_path(s['key'], s['group'])}"
        if path in seen:
            sink.report(codes.DUPLICATE_ENV, value.part(i).span, f"secret file `{path}` is set twice",
                        _rel("first set here", value.part(seen[path]).span))
        else:
            seen[path] = i


def _projected(mount: str, secrets: list[dict[str, Any]]) -> dict[str, Any]:
    by_secret: dict[str, list[dict[str, str]]] = {}
    for s in secrets:
        by_secret.setdefault(secret_name(s["key"], s["group"]), []).append(
            {"key": s["key"], "path": secret_item_path(s["key"], s["group"])})
    sources: list[dict[str, Any]] = []
    for name in sorted(by_secret):
        items: list[dict[str, str]] = sorted(by_secret[name], key=_item_path)
        sources.append({"secret": {"name": name, "items": items}})
    return {"name": secret_volume_name(mount), "projected": {"sources": sources}}


def _item_path(item: dict[str, str]) -> str:
    return item["path"]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _rel(message: str, span: Span | None) -> tuple[Related, ...]:
    return (Related(message, span),) if span is not None else ()
