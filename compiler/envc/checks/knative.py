"""Knative's admission rules, checked offline on an app's assembled pod (SPEC §7, §8.3, §12.19).

Knative's webhook masks a Service's pod spec field by field: a field behind a
`config-features` flag is rejected unless the flag is on, a field outside the mask is never
accepted. Source: Knative Serving v1.23.0, `pkg/apis/serving/fieldmask.go` (`PodSpecMask`,
`ContainerMask`, `SecurityContextMask`, `CapabilitiesMask`, `VolumeSourceMask`,
`VolumeMountMask`, `EnvVarSourceMask`), `pkg/apis/serving/k8s_validation.go` (reserved env vars,
container names, mount paths; one port; read-only mounts) and `pkg/apis/config/features.go`
(the flag names; `kubernetes.podspec-volumes-emptydir` is the only one on by default).

`admission` is pure: it returns problems addressed by a path in the pod spec, containers by
name; the lowering maps each path to the YAML that put it there.

PASS::

    kind: AppEnvironment
    name: model-server
    resources: {gpu: "L4:1"}            # a node selector and the GPU tolerations, with
                                        # envc.yaml apps.knative.features:
                                        #   [kubernetes.podspec-nodeselector, kubernetes.podspec-tolerations]

FAIL::

    resources: {gpu: "L4:1"}            # without those flags: E711 knative-feature-disabled
    pod_template: {spec: {terminationGracePeriodSeconds: 5, containers: [{name: app}]}}
                                        # E712 knative-unsupported-field
    env_vars: {PORT: "8080"}            # E708 reserved-env-var
    pod_template: {spec: {containers: [{name: app}, {name: queue-proxy, image: x}]}}
                                        # E709 reserved-container-name
    secrets: [{key: k, mount: /dev}]    # E710 reserved-mount-path
    pod_template: {spec: {containers: [{name: app}, {name: proxy, ports: [{containerPort: 9000}]}]}}
                                        # E713 knative-multiple-ports
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from envc import apps, codes
from envc.codes import Code

PodPath = tuple[str, ...]

POD_ALLOWED = frozenset({
    "serviceAccountName", "containers", "volumes", "imagePullSecrets", "enableServiceLinks",
    "automountServiceAccountToken",  # false only
})
POD_FLAGS = {
    "affinity": "kubernetes.podspec-affinity",
    "dnsConfig": "kubernetes.podspec-dnsconfig",
    "dnsPolicy": "kubernetes.podspec-dnspolicy",
    "hostAliases": "kubernetes.podspec-hostaliases",
    "hostIPC": "kubernetes.podspec-hostipc",
    "hostNetwork": "kubernetes.podspec-hostnetwork",
    "hostPID": "kubernetes.podspec-hostpid",
    "initContainers": "kubernetes.podspec-init-containers",
    "nodeSelector": "kubernetes.podspec-nodeselector",
    "priorityClassName": "kubernetes.podspec-priorityclassname",
    "runtimeClassName": "kubernetes.podspec-runtimeclassname",
    "schedulerName": "kubernetes.podspec-schedulername",
    "securityContext": "kubernetes.podspec-securitycontext",
    "shareProcessNamespace": "kubernetes.podspec-shareprocessnamespace",
    "tolerations": "kubernetes.podspec-tolerations",
    "topologySpreadConstraints": "kubernetes.podspec-topologyspreadconstraints",
}
CONTAINER_ALLOWED = frozenset({
    "name", "args", "command", "env", "workingDir", "envFrom", "image", "imagePullPolicy",
    "livenessProbe", "ports", "readinessProbe", "resources", "securityContext", "startupProbe",
    "terminationMessagePath", "terminationMessagePolicy", "volumeMounts",
})
SECURITY_ALLOWED = frozenset({
    "capabilities", "readOnlyRootFilesystem", "runAsUser", "runAsGroup", "runAsNonRoot",
    "allowPrivilegeEscalation", "seccompProfile", "privileged",  # privileged: false only
})
ADD_CAPABILITIES_FLAG = "kubernetes.containerspec-addcapabilities"
FIELDREF_FLAG = "kubernetes.podspec-fieldref"
SIDECAR_PROBES_FLAG = "multi-container-probing"  # validateSidecarContainer: probes only on the app
_PROBES = frozenset({"livenessProbe", "readinessProbe", "startupProbe"})
MOUNT_PROPAGATION_FLAG = "kubernetes.podspec-volumes-mount-propagation"
VOLUME_FLAGS = {
    "persistentVolumeClaim": "kubernetes.podspec-persistent-volume-claim",
    "hostPath": "kubernetes.podspec-volumes-hostpath",
    "csi": "kubernetes.podspec-volumes-csi",
    "ephemeral": "kubernetes.podspec-volumes-ephemeral",
    "image": "kubernetes.podspec-volumes-image",
}
VOLUMES_ALLOWED = frozenset({"secret", "configMap", "projected", "emptyDir"})
# emptyDir is behind a flag too, but the only one Knative turns on by default (features.go).
ON_BY_DEFAULT = {"emptyDir": "kubernetes.podspec-volumes-emptydir"}
_WRITABLE_VOLUMES = frozenset({"emptyDir", "persistentVolumeClaim", "ephemeral"})


@dataclass(frozen=True, slots=True)
class Problem:
    code: Code
    path: PodPath
    message: str


def admission(spec: dict[str, Any], features: frozenset[str]) -> list[Problem]:
    """Every problem Knative's webhook would raise for this pod spec of a Service."""
    out = list(_pod(spec, features))
    volumes = {str(v.get("name")): v for v in spec.get("volumes") or [] if isinstance(v, dict)}
    out += _volumes(volumes, features)
    for c in spec.get("containers") or []:
        out += _container(c, features, volumes)
    out += _ports(spec)
    return out


def _flag(path: PodPath, field: str, flag: str, features: frozenset[str]) -> Iterator[Problem]:
    if flag not in features:
        yield Problem(codes.KNATIVE_FEATURE_DISABLED, path,
                      f"Knative accepts `{field}` only with the config-features flag `{flag}`: enable it on "
                      "the cluster and list it in apps.knative.features, or remove the field")


def _never(path: PodPath, field: str, what: str = "a Service's pod") -> Problem:
    return Problem(codes.KNATIVE_UNSUPPORTED, path,
                   f"Knative never accepts `{field}` in {what}: remove it, or use the kubernetes target")


def _pod(spec: dict[str, Any], features: frozenset[str]) -> Iterator[Problem]:
    for key in sorted(spec):
        if key in POD_FLAGS:
            yield from _flag((key,), key, POD_FLAGS[key], features)
        elif key == "automountServiceAccountToken" and spec[key] is not False:
            yield _never((key,), "automountServiceAccountToken: true")
        elif key not in POD_ALLOWED:
            yield _never((key,), key)


def _volumes(volumes: dict[str, dict[str, Any]], features: frozenset[str]) -> Iterator[Problem]:
    for name, volume in volumes.items():
        for key in sorted(k for k in volume if k != "name"):
            path = ("volumes", name)
            if key in VOLUME_FLAGS:
                yield from _flag(path, f"{key} volumes", VOLUME_FLAGS[key], features)
            elif key not in VOLUMES_ALLOWED:
                yield _never(path, f"{key} volumes")


def _container(c: dict[str, Any], features: frozenset[str], volumes: dict[str, dict[str, Any]]) -> Iterator[Problem]:
    name = str(c.get("name"))
    base: PodPath = ("containers", name)
    what = f"container `{name}`"
    if name in apps.KNATIVE_RESERVED_CONTAINERS:
        yield Problem(codes.RESERVED_CONTAINER, (*base, "name"),
                      f"`{name}` is the name of Knative's own sidecar: rename the container")
    for key in sorted(c):
        if key not in CONTAINER_ALLOWED:
            yield _never((*base, key), key, what)
        elif key in _PROBES and name != apps.APP_CONTAINER:
            yield from _flag((*base, key), f"{key} on a sidecar", SIDECAR_PROBES_FLAG, features)
    yield from _security((*base, "securityContext"), c.get("securityContext") or {}, features, what)
    yield from _env(base, c, features)
    yield from _mounts(base, c.get("volumeMounts") or [], volumes, features)


def _security(path: PodPath, ctx: dict[str, Any], features: frozenset[str], what: str) -> Iterator[Problem]:
    for key in sorted(ctx):
        if key not in SECURITY_ALLOWED:
            yield _never((*path, key), f"securityContext.{key}", what)
        elif key == "privileged" and ctx[key] is not False:
            yield _never((*path, key), "securityContext.privileged: true", what)
    if (ctx.get("capabilities") or {}).get("add"):
        yield from _flag((*path, "capabilities"), "capabilities.add", ADD_CAPABILITIES_FLAG, features)


def _env(base: PodPath, c: dict[str, Any], features: frozenset[str]) -> Iterator[Problem]:
    primary = c.get("name") == apps.APP_CONTAINER
    reserved = apps.KNATIVE_RESERVED_ENV if primary else apps.KNATIVE_SIDECAR_RESERVED_ENV
    for e in c.get("env") or []:
        name = str(e.get("name"))
        path = (*base, "env", name)
        if name in reserved:
            yield Problem(codes.RESERVED_ENV_VAR, path, reserved_env_message(name))
        source = e.get("valueFrom") or {}
        if "fieldRef" in source or "resourceFieldRef" in source:
            yield from _flag(path, "env valueFrom.fieldRef", FIELDREF_FLAG, features)


def reserved_env_message(name: str) -> str:
    return f"Knative sets `{name}` in the app's containers itself: rename the env var"


def _mounts(base: PodPath, mounts: list[dict[str, Any]], volumes: dict[str, dict[str, Any]],
            features: frozenset[str]) -> Iterator[Problem]:
    for m in mounts:
        mount_path = str(m.get("mountPath"))
        path = (*base, "volumeMounts", mount_path)
        if posixpath.normpath(mount_path) in apps.KNATIVE_RESERVED_PATHS:
            yield Problem(codes.RESERVED_MOUNT_PATH, path,
                          f"Knative reserves the mount path `{posixpath.normpath(mount_path)}`: mount it elsewhere")
        if "mountPropagation" in m:
            yield from _flag(path, "volumeMounts.mountPropagation", MOUNT_PROPAGATION_FLAG, features)
        if "recursiveReadOnly" in m:
            yield _never(path, "volumeMounts.recursiveReadOnly")
        volume = volumes.get(str(m.get("name"))) or {}
        if volume and not _WRITABLE_VOLUMES & set(volume) and m.get("readOnly") is not True:
            yield Problem(codes.KNATIVE_UNSUPPORTED, path,
                          f"Knative requires `readOnly: true` on the mount of volume `{m.get('name')}` "
                          "(only emptyDir, PVC and ephemeral volumes may be written)")


def _ports(spec: dict[str, Any]) -> Iterator[Problem]:
    """Knative routes to exactly one port of one container (validateContainersPorts)."""
    seen = 0
    for c in spec.get("containers") or []:
        for port in c.get("ports") or []:
            seen += 1
            if seen > 1:
                yield Problem(codes.KNATIVE_PORTS, ("containers", str(c.get("name")), "ports"),
                              f"container `{c.get('name')}` declares port {port.get('containerPort')}, but a "
                              "Knative Service exposes a single port (the app's): remove it")
