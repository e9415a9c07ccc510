"""Apps (SPEC §7, §8.3): a Knative Service and its DomainMappings, or a Deployment, a
Service, an HPA and an Ingress, around one pod whose primary container is `app`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envc import apps, codes
from envc.checks.knative import admission, reserved_env_message
from envc.diagnostics import Related, Sink
from envc.fserve import container_command
from envc.lower import meta
from envc.lower.blame import Blame
from envc.lower.pods import Pod, PodInput, build_pod
from envc.model import ResolvedEnv, Source
from envc.normalize import normalise
from envc.project import Settings
from envc.values.names import k8s

KNATIVE_API = "serving.knative.dev/v1"
VISIBILITY = "networking.knative.dev/visibility"
AUTOSCALING = "autoscaling.knative.dev/"


def app_objects(
    env: ResolvedEnv, version: str, source: str, wave: int, templates: Mapping[str, Source],
    settings: Settings, sink: Sink,
) -> list[dict[str, Any]]:
    knative = apps.target(settings) == apps.KNATIVE
    pod = _pod(env, version, templates, settings, knative, sink)
    blame = Blame(env, templates, settings)
    _parameter_env(env, pod, knative, blame, sink)
    if knative:
        for problem in admission(pod.spec, apps.knative_features(settings)):
            span, related = blame.where(problem.path)
            sink.report(problem.code, span, problem.message, related)
        return [_knative_service(env, pod, source, wave, settings), *_domain_mappings(env, source, wave, settings)]
    _restart_policy(pod, blame, sink)
    return _kubernetes(env, pod, source, wave, settings)


def _pod(env: ResolvedEnv, version: str, templates: Mapping[str, Source], settings: Settings,
         knative: bool, sink: Sink) -> Pod:
    f = env.fields
    port = apps.port(f["port"].value)["port"]
    return build_pod(PodInput(
        fields=f, image=normalise("image", f["image"].value, settings),
        args=apps.split(f["args"].value) or [],
        command=container_command(f["command"].value, f["parameters"].value, version, settings),
        restart_policy=None if knative else "Always", reusable=False, active_deadline=None,
        templates=templates, settings=settings, primary_name=apps.APP_CONTAINER,
        ports=({"name": apps.port_name(f["port"].value, settings), "containerPort": port},),
        readiness_probe={"tcpSocket": {"port": port}},
    ), sink)


def _parameter_env(env: ResolvedEnv, pod: Pod, knative: bool, blame: Blame, sink: Sink) -> None:
    """fserve exports a parameter's `env_var` at run time: it must not clash (SPEC §7)."""
    container = next(c for c in pod.spec["containers"] if c.get("name") == apps.APP_CONTAINER)
    taken = {str(e.get("name")): ("containers", apps.APP_CONTAINER, "env", str(e.get("name")))
             for e in container.get("env") or []}
    params = env.fields["parameters"]
    seen: dict[str, int] = {}
    for i, p in enumerate(params.value or []):
        name = p.get("env_var")
        if not name:
            continue
        span = params.part(i).sub("env_var").span
        if knative and name in apps.KNATIVE_RESERVED_ENV:
            sink.report(codes.RESERVED_ENV_VAR, span, reserved_env_message(name))
        if name in taken:
            first, related = blame.where(taken[name])
            sink.report(codes.DUPLICATE_ENV, span, f"parameter env var `{name}` is also set in the app container",
                        ((Related("set here", first),) if first else ()) + related)
        elif name in seen:
            first = params.part(seen[name]).sub("env_var").span
            sink.report(codes.DUPLICATE_ENV, span, f"parameter env var `{name}` is set twice",
                        (Related("first set here", first),) if first else ())
        seen.setdefault(name, i)


def _restart_policy(pod: Pod, blame: Blame, sink: Sink) -> None:
    """A Deployment's pods restart Always (the API server rejects another policy)."""
    policy = pod.spec.get("restartPolicy")
    if policy != "Always":
        span, related = blame.where(("restartPolicy",))
        sink.report(codes.RESTART_POLICY, span,
                    f"an app's pods restart Always on the kubernetes target; the template sets restartPolicy {policy}",
                    related)
    pod.spec["restartPolicy"] = "Always"
    pod.spec.pop("activeDeadlineSeconds", None)  # as for reusable pools (SPEC §8.2)


def _labels(env: ResolvedEnv, settings: Settings) -> dict[str, str]:
    return meta.labels(settings, env.name, None, bool(env.get("interruptible")))


def _template_meta(pod: Pod, labels: dict[str, str], annotations: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"labels": {**pod.labels, **labels}}
    merged = {**pod.annotations, **annotations}
    if merged:
        out["annotations"] = merged
    return out


# --------------------------------------------------------------------------------------------
# knative
# --------------------------------------------------------------------------------------------


def _knative_service(env: ResolvedEnv, pod: Pod, source: str, wave: int, settings: Settings) -> dict[str, Any]:
    labels = _labels(env, settings)
    object_labels = {**labels, VISIBILITY: "cluster-local"} if env.get("requires_auth") else labels
    return {
        "apiVersion": KNATIVE_API,
        "kind": "Service",
        "metadata": meta.metadata(k8s(env.name), settings, object_labels, meta.base_annotations(settings, source, wave)),
        "spec": {"template": {"metadata": _template_meta(pod, labels, autoscaling(env, settings)), "spec": pod.spec}},
    }


def autoscaling(env: ResolvedEnv, settings: Settings) -> dict[str, str]:
    """Knative's autoscaling annotations on the revision template (SPEC §8.3)."""
    scaling = env.get("scaling")
    low, high = apps.replicas(scaling, settings)
    out = {f"{AUTOSCALING}min-scale": str(low), f"{AUTOSCALING}max-scale": str(high)}
    metric = apps.metric(scaling)
    if metric is not None:
        out[f"{AUTOSCALING}metric"] = apps.METRIC_ANNOTATION[metric[0]]
        out[f"{AUTOSCALING}target"] = str(metric[1])
    after = apps.scaledown_after(scaling)
    if after is not None:
        out[f"{AUTOSCALING}scale-down-delay"] = f"{after}s"
    return out


def _domain_mappings(env: ResolvedEnv, source: str, wave: int, settings: Settings) -> list[dict[str, Any]]:
    ref = {"apiVersion": KNATIVE_API, "kind": "Service", "name": k8s(env.name)}
    annotations = _host_annotations(env, source, wave, settings)
    return [{
        "apiVersion": "serving.knative.dev/v1beta1",
        "kind": "DomainMapping",
        "metadata": meta.metadata(host, settings, _labels(env, settings), dict(annotations)),
        "spec": {"ref": dict(ref)},
    } for host in apps.hosts(env.get("domain"), settings)]


def _host_annotations(env: ResolvedEnv, source: str, wave: int, settings: Settings) -> dict[str, str]:
    out: dict[str, str] = meta.base_annotations(settings, source, wave)
    if env.get("requires_auth"):
        out = {**apps.auth_annotations(settings), **out}
    return out


# --------------------------------------------------------------------------------------------
# kubernetes
# --------------------------------------------------------------------------------------------


def _kubernetes(env: ResolvedEnv, pod: Pod, source: str, wave: int, settings: Settings) -> list[dict[str, Any]]:
    name, labels = k8s(env.name), _labels(env, settings)
    selector = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": settings.project}
    low, high = apps.replicas(env.get("scaling"), settings)
    low = max(low, 1)
    spec: dict[str, Any] = {"selector": {"matchLabels": selector},
                            "template": {"metadata": _template_meta(pod, labels, {}), "spec": pod.spec}}
    if high <= low:
        spec["replicas"] = low

    def metadata() -> dict[str, Any]:
        return meta.metadata(name, settings, dict(labels), meta.base_annotations(settings, source, wave))

    out = [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(), "spec": spec},
           {"apiVersion": "v1", "kind": "Service", "metadata": metadata(), "spec": _service_spec(env, selector, settings)}]
    if high > low:
        out.append(_hpa(metadata(), name, low, high, apps.scaledown_after(env.get("scaling"))))
    hosts = apps.hosts(env.get("domain"), settings)
    if hosts:
        out.append(_ingress(env, name, hosts, source, wave, settings))
    return out


def _service_spec(env: ResolvedEnv, selector: dict[str, str], settings: Settings) -> dict[str, Any]:
    port = {"name": apps.port_name(env.get("port"), settings), "port": 80,
            "targetPort": apps.port(env.get("port"))["port"], "protocol": "TCP"}
    return {"type": "ClusterIP", "selector": dict(selector), "ports": [port]}


def _hpa(metadata: dict[str, Any], name: str, low: int, high: int, scaledown: int | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
        "minReplicas": low,
        "maxReplicas": high,
        "metrics": [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}],
    }
    if scaledown is not None:
        spec["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": scaledown}}
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": metadata, "spec": spec}


def _ingress(env: ResolvedEnv, name: str, hosts: list[str], source: str, wave: int,
             settings: Settings) -> dict[str, Any]:
    rules = [{"host": h, "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                              "backend": {"service": {"name": name, "port": {"number": 80}}}}]}}
             for h in hosts]
    spec: dict[str, Any] = {"rules": rules}
    if settings.apps.get("ingress_class"):
        spec["ingressClassName"] = str(settings.apps["ingress_class"])
    annotations = _host_annotations(env, source, wave, settings)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": meta.metadata(name, settings, _labels(env, settings), annotations), "spec": spec}
