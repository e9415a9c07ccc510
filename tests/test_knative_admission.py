"""Knative's admission rules, offline (compiler/envc/checks/knative.py; SPEC §8.3, §12.19).

`admission` is pure: a pod spec and the enabled config-features flags in, problems out, each
with its code and the pod path it concerns. The YAML locations are asserted by the case
corpus (tests/cases/apps_knative_*.txt); this table pins the rules themselves, from Knative
Serving v1.23.0 `fieldmask.go` and `k8s_validation.go`.
"""

from __future__ import annotations

from typing import Any

import pytest

from envc import codes
from envc.checks.knative import admission

APP = {"name": "app", "image": "x", "ports": [{"name": "http1", "containerPort": 8080}]}


def pod(**spec: Any) -> dict[str, Any]:
    containers = spec.pop("containers", [APP])
    return {"containers": containers, **spec}


def app(**fields: Any) -> dict[str, Any]:
    return {**APP, **fields}


def found(spec: dict[str, Any], features: tuple[str, ...] = ()) -> list[tuple[str, tuple[str, ...]]]:
    return [(p.code.id, p.path) for p in admission(spec, frozenset(features))]


def test_a_plain_app_pod_is_accepted() -> None:
    assert found(pod(serviceAccountName="sa", imagePullSecrets=[{"name": "r"}], enableServiceLinks=False,
                     automountServiceAccountToken=False)) == []


@pytest.mark.parametrize("field,value,flag", [
    ("nodeSelector", {"a": "b"}, "kubernetes.podspec-nodeselector"),
    ("tolerations", [{"key": "k", "operator": "Exists"}], "kubernetes.podspec-tolerations"),
    ("affinity", {}, "kubernetes.podspec-affinity"),
    ("topologySpreadConstraints", [], "kubernetes.podspec-topologyspreadconstraints"),
    ("runtimeClassName", "gvisor", "kubernetes.podspec-runtimeclassname"),
    ("priorityClassName", "high", "kubernetes.podspec-priorityclassname"),
    ("schedulerName", "custom", "kubernetes.podspec-schedulername"),
    ("hostAliases", [], "kubernetes.podspec-hostaliases"),
    ("dnsPolicy", "None", "kubernetes.podspec-dnspolicy"),
    ("dnsConfig", {}, "kubernetes.podspec-dnsconfig"),
    ("securityContext", {"fsGroup": 1000}, "kubernetes.podspec-securitycontext"),
    ("initContainers", [{"name": "init", "image": "x"}], "kubernetes.podspec-init-containers"),
    ("hostNetwork", True, "kubernetes.podspec-hostnetwork"),
    ("shareProcessNamespace", True, "kubernetes.podspec-shareprocessnamespace"),
])
def test_pod_field_behind_a_flag(field: str, value: Any, flag: str) -> None:
    spec = pod(**{field: value})
    problems = admission(spec, frozenset())
    assert [(p.code, p.path) for p in problems] == [(codes.KNATIVE_FEATURE_DISABLED, (field,))]
    assert f"`{flag}`" in problems[0].message and f"`{field}`" in problems[0].message
    assert found(spec, (flag,)) == []


@pytest.mark.parametrize("field,value", [
    ("restartPolicy", "Always"), ("activeDeadlineSeconds", 60), ("terminationGracePeriodSeconds", 5),
    ("nodeName", "n"), ("hostname", "h"), ("subdomain", "s"), ("priority", 1), ("readinessGates", []),
    ("ephemeralContainers", []), ("automountServiceAccountToken", True),
])
def test_pod_field_never_accepted(field: str, value: Any) -> None:
    assert found(pod(**{field: value})) == [("E712", (field,))]


@pytest.mark.parametrize("field,value", [
    ("lifecycle", {}), ("stdin", True), ("stdinOnce", True), ("tty", True), ("volumeDevices", []),
    ("resizePolicy", []),
])
def test_container_field_never_accepted(field: str, value: Any) -> None:
    assert found(pod(containers=[app(**{field: value})])) == [("E712", ("containers", "app", field))]


@pytest.mark.parametrize("context,expected", [
    ({"runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}, "privileged": False}, []),
    ({"privileged": True}, [("E712", ("containers", "app", "securityContext", "privileged"))]),
    ({"seLinuxOptions": {}}, [("E712", ("containers", "app", "securityContext", "seLinuxOptions"))]),
    ({"procMount": "Default"}, [("E712", ("containers", "app", "securityContext", "procMount"))]),
    ({"capabilities": {"add": ["NET_ADMIN"]}},
     [("E711", ("containers", "app", "securityContext", "capabilities"))]),
])
def test_container_security_context(context: dict[str, Any], expected: list[Any]) -> None:
    assert found(pod(containers=[app(securityContext=context)])) == expected


def test_capabilities_add_with_its_flag() -> None:
    spec = pod(containers=[app(securityContext={"capabilities": {"add": ["NET_ADMIN"]}})])
    assert found(spec, ("kubernetes.containerspec-addcapabilities",)) == []


def test_field_ref_env_needs_its_flag() -> None:
    env = [{"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
           {"name": "S", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]
    spec = pod(containers=[app(env=env)])
    assert found(spec) == [("E711", ("containers", "app", "env", "IP"))]
    assert found(spec, ("kubernetes.podspec-fieldref",)) == []


def test_reserved_env_vars_differ_for_sidecars() -> None:
    sidecar = {"name": "proxy", "image": "y", "env": [{"name": "PORT", "value": "1"}, {"name": "K_SERVICE", "value": "s"}]}
    spec = pod(containers=[app(env=[{"name": n, "value": "v"} for n in ("PORT", "K_CONFIGURATION", "OK")]), sidecar])
    assert found(spec) == [("E708", ("containers", "app", "env", "PORT")),
                           ("E708", ("containers", "app", "env", "K_CONFIGURATION")),
                           ("E708", ("containers", "proxy", "env", "K_SERVICE"))]


@pytest.mark.parametrize("path,reserved", [("/", True), ("/dev", True), ("/dev/", True), ("/dev/log", True),
                                           ("/dev/shm", False), ("/devices", False), ("/data/../dev", True)])
def test_reserved_mount_paths(path: str, reserved: bool) -> None:
    spec = pod(containers=[app(volumeMounts=[{"name": "v", "mountPath": path}])],
               volumes=[{"name": "v", "emptyDir": {}}])
    assert found(spec) == ([("E710", ("containers", "app", "volumeMounts", path))] if reserved else [])


def test_queue_proxy_is_reserved() -> None:
    spec = pod(containers=[APP, {"name": "queue-proxy", "image": "y"}])
    assert found(spec) == [("E709", ("containers", "queue-proxy", "name"))]


@pytest.mark.parametrize("source,flag", [
    ({"persistentVolumeClaim": {"claimName": "c"}}, "kubernetes.podspec-persistent-volume-claim"),
    ({"hostPath": {"path": "/x"}}, "kubernetes.podspec-volumes-hostpath"),
    ({"csi": {"driver": "d"}}, "kubernetes.podspec-volumes-csi"),
    ({"ephemeral": {}}, "kubernetes.podspec-volumes-ephemeral"),
    ({"image": {"reference": "r"}}, "kubernetes.podspec-volumes-image"),
])
def test_volume_behind_a_flag(source: dict[str, Any], flag: str) -> None:
    spec = pod(volumes=[{"name": "v", **source}])
    assert found(spec) == [("E711", ("volumes", "v"))]
    assert found(spec, (flag,)) == []


@pytest.mark.parametrize("source,accepted", [
    ({"secret": {"secretName": "s"}}, True), ({"configMap": {"name": "c"}}, True),
    ({"projected": {"sources": []}}, True), ({"emptyDir": {}}, True),
    ({"nfs": {"server": "s", "path": "/"}}, False), ({"gitRepo": {}}, False),
])
def test_volume_sources(source: dict[str, Any], accepted: bool) -> None:
    assert found(pod(volumes=[{"name": "v", **source}])) == ([] if accepted else [("E712", ("volumes", "v"))])


@pytest.mark.parametrize("source,read_only,ok", [
    ({"configMap": {"name": "c"}}, None, False), ({"configMap": {"name": "c"}}, True, True),
    ({"projected": {"sources": []}}, False, False), ({"emptyDir": {}}, None, True),
    ({"persistentVolumeClaim": {"claimName": "c"}}, None, True),
])
def test_mounts_of_read_only_volume_types(source: dict[str, Any], read_only: bool | None, ok: bool) -> None:
    mount: dict[str, Any] = {"name": "v", "mountPath": "/data"}
    if read_only is not None:
        mount["readOnly"] = read_only
    spec = pod(containers=[app(volumeMounts=[mount])], volumes=[{"name": "v", **source}])
    problems = [p for p in found(spec, ("kubernetes.podspec-persistent-volume-claim",))]
    assert problems == ([] if ok else [("E712", ("containers", "app", "volumeMounts", "/data"))])


def test_mount_propagation_and_recursive_read_only() -> None:
    mounts = [{"name": "v", "mountPath": "/a", "mountPropagation": "HostToContainer"},
              {"name": "v", "mountPath": "/b", "recursiveReadOnly": "Enabled"}]
    spec = pod(containers=[app(volumeMounts=mounts)], volumes=[{"name": "v", "emptyDir": {}}])
    assert found(spec) == [("E711", ("containers", "app", "volumeMounts", "/a")),
                           ("E712", ("containers", "app", "volumeMounts", "/b"))]


def test_one_port_only() -> None:
    sidecar = {"name": "proxy", "image": "y", "ports": [{"containerPort": 9901}]}
    two = app(ports=[*APP["ports"], {"containerPort": 9000}])
    assert found(pod(containers=[APP, sidecar])) == [("E713", ("containers", "proxy", "ports"))]
    assert found(pod(containers=[two])) == [("E713", ("containers", "app", "ports"))]


def test_probes_on_a_sidecar_need_multi_container_probing() -> None:
    sidecar = {"name": "proxy", "image": "y", "readinessProbe": {"tcpSocket": {"port": 9901}}}
    spec = pod(containers=[app(readinessProbe={"tcpSocket": {"port": 8080}}), sidecar])
    assert found(spec) == [("E711", ("containers", "proxy", "readinessProbe"))]
    assert found(spec, ("multi-container-probing",)) == []
