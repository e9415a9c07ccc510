"""envc's own semantic checks on the output (SPEC §10.1): names in a pod, mounts, env var names,
extended resources, requests <= limits after merging (checks/pod_output.py), and on every
emitted object (checks/objects.py).  Each diagnostic is asserted with its code and
file:line:col: at the template value that caused it, or at the environment field."""

from __future__ import annotations

from pathlib import Path

import pytest

from envc.checks.objects import check_objects
from envc.diagnostics import Sink, Span
from envc.lower import Obj
from outputcase import brief, diagnose, env_with_template, where

P = "containers:\n  - name: primary\n"


@pytest.mark.parametrize(("spec", "expected"), [
    # duplicate names and paths: E904 at the second, related at the first
    ("containers:\n  - name: primary\n  - {name: side, image: a}\n  - {name: side, image: b}\n",
     [("E904 duplicate-in-pod", "side", 1)]),
    ("initContainers: [{name: primary, image: a}]\n" + P, [("E904 duplicate-in-pod", "primary", 1)]),
    (P + "    volumeMounts: [{name: v, mountPath: /data}]\n  - {name: side, image: b, volumeMounts: [{name: v, mountPath: /data}]}\n"
     "volumes:\n  - {name: v, emptyDir: {}}\n  - {name: v, emptyDir: {}}\n", [("E904 duplicate-in-pod", "v, emptyDir", 1)]),
    (P + "    volumeMounts: [{name: v, mountPath: /data}, {name: w, mountPath: /data}]\n"
     "volumes: [{name: v, emptyDir: {}}, {name: w, emptyDir: {}}]\n", [("E904 duplicate-in-pod", "/data", 1)]),
    (P + "    ports: [{name: http, containerPort: 80}]\n  - {name: side, image: b, ports: [{name: http, containerPort: 81}]}\n",
     [("E904 duplicate-in-pod", "http", 1)]),
    # names Kubernetes rejects
    ("containers:\n  - name: primary\n  - {name: Side_Car, image: b}\n", [("E906 invalid-kubernetes-name", "Side_Car", 0)]),
    (P + "    ports: [{name: web-server-http-port, containerPort: 80}]\n", [("E906 invalid-kubernetes-name", "web-server", 0)]),
    (P + "    ports: [{name: '8080', containerPort: 80}]\n", [("E906 invalid-kubernetes-name", "'8080'", 0)]),
    (P + "volumes: [{name: Data, emptyDir: {}}]\n", [("E906 invalid-kubernetes-name", "Data", 0)]),
    # a mount of a volume the pod does not define
    (P + "    volumeMounts: [{name: cache, mountPath: /cache}]\n", [("E908 unknown-volume-mount", "cache,", 0)]),
    # extended resources: a request needs an equal limit, whole numbers
    (P + "    resources: {requests: {smarter-devices/fuse: '1'}}\n", [("E905 extended-resource-limit", "'1'", 0)]),
    (P + "    resources: {requests: {smarter-devices/fuse: '1'}, limits: {smarter-devices/fuse: '2'}}\n",
     [("E905 extended-resource-limit", "'1'", 0)]),
    (P + "    resources: {limits: {example.com/dongle: 500m}}\n", [("E905 extended-resource-limit", "500m", 0)]),
    (P + "    resources: {requests: {hugepages-2Mi: 100Mi}}\n", [("E905 extended-resource-limit", "100Mi", 0)]),
    # requests <= limits on what the template keeps
    ("containers:\n  - name: primary\n  - {name: side, image: b, resources: {requests: {cpu: '2'}, limits: {cpu: '1'}}}\n",
     [("E502 request-exceeds-limit", "'2'", 0)]),
    (P + "    resources: {requests: {memory: lots}}\n", [("E501 invalid-quantity", "lots", 0)]),
    # template env var names (1.31: the strict rule)
    (P + "    env: [{name: '1BAD', value: x}]\n", [("E507 invalid-env-var-name", "'1BAD'", 0)]),
])
def test_pod_checks(spec: str, expected: list[tuple[str, str, int]], tmp_path: Path) -> None:
    text = env_with_template(spec)
    diags = diagnose(tmp_path, text)
    assert brief(diags) == [f"{code} {where(text, needle, nth)}" for code, needle, nth in expected], \
        "\n".join(f"{d.span}: {d.message}" for d in diags)


@pytest.mark.parametrize("spec", [
    P + "    resources: {requests: {smarter-devices/fuse: '1'}, limits: {smarter-devices/fuse: 1}}\n",
    P + "    resources: {limits: {smarter-devices/fuse: '1'}}\n",
    P + "    resources: {requests: {cpu: 500m, hugepages-2Mi: 100Mi}, limits: {cpu: '1', hugepages-2Mi: 100Mi}}\n",
    P + "    ports: [{name: http, containerPort: 80}, {name: metrics, containerPort: 9100}]\n",
    P + "    volumeMounts: [{name: v, mountPath: /data, subPath: a}]\nvolumes: [{name: v}]\n",
    P + "    env: [{name: MY.VAR-1, value: x}]\n",
])
def test_pod_checks_pass(spec: str, tmp_path: Path) -> None:
    assert brief(diagnose(tmp_path, env_with_template(spec))) == []


def test_duplicate_has_the_first_as_related(tmp_path: Path) -> None:
    text = env_with_template("containers:\n  - name: primary\n  - {name: side, image: a}\n  - {name: side, image: b}\n")
    [d] = diagnose(tmp_path, text)
    assert [str(r.span) for r in d.related] == [where(text, "side", 0)]


def test_relaxed_env_var_names_from_1_32(tmp_path: Path) -> None:
    text = env_with_template(P + "    env: [{name: 'my var', value: x}]\n")
    assert brief(diagnose(tmp_path / "a", text, 'kubernetes_version: "1.31"\n')) == [
        f"E507 invalid-env-var-name {where(text, quote('my var'))}"]
    assert brief(diagnose(tmp_path / "b", text, 'kubernetes_version: "1.32"\n')) == []
    bad = env_with_template(P + "    env: [{name: 'A=B', value: x}]\n")
    assert brief(diagnose(tmp_path / "c", bad, 'kubernetes_version: "1.37"\n')) == [
        f"E507 invalid-env-var-name {where(bad, quote('A=B'))}"]


def quote(s: str) -> str:
    return f"'{s}'"


def test_template_volume_named_like_envc_s_shm_volume(tmp_path: Path) -> None:
    """envc adds volume `flyte-shm` for `shm`: a template volume of that name is a duplicate,
    reported at the template's volume with the first (the template's own) as related."""
    text = (env_with_template(P + "volumes: [{name: flyte-shm, emptyDir: {}}]\n")
            .replace("tasks:", "resources: {shm: auto}\ntasks:"))
    [d] = diagnose(tmp_path, text)
    assert (d.code.id, str(d.span)) == ("E904", where(text, "auto"))
    assert [str(r.span) for r in d.related] == [where(text, "flyte-shm")]


def test_secret_mount_on_a_template_mount_path(tmp_path: Path) -> None:
    text = (env_with_template(P + "    volumeMounts: [{name: v, mountPath: /etc/creds}]\nvolumes: [{name: v, emptyDir: {}}]\n")
            .replace("tasks:", "secrets: [{key: k, group: g, mount: /etc/creds}]\ntasks:"))
    [d] = diagnose(tmp_path, text)
    assert (d.code.id, str(d.span)) == ("E904", where(text, "{key"))
    assert [str(r.span) for r in d.related] == [where(text, "/etc/creds")]


def test_gpu_from_the_environment_is_an_equal_request_and_limit(tmp_path: Path) -> None:
    text = env_with_template(P).replace("tasks:", 'resources: {gpu: "A100:2"}\ntasks:')
    assert brief(diagnose(tmp_path, text)) == []


# --- every emitted object ------------------------------------------------------------------


ORIGIN = Span("envs/a.yaml", 3, 7)


def obj(manifest: dict[str, object]) -> Obj:
    kind = str(manifest["kind"])
    name = str(manifest["metadata"]["name"])  # type: ignore[index]
    return Obj("a", kind, name, "envs/a.yaml", manifest, 0, (0, 0, "a"), 0, ORIGIN)


def deployment(selector: dict[str, str], labels: dict[str, str], name: str = "a") -> dict[str, object]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "t-development", "labels": {}, "annotations": {}},
            "spec": {"selector": {"matchLabels": selector},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "primary"}]}}}}


def messages(objs: list[Obj]) -> list[str]:
    sink = Sink()
    check_objects(objs, sink)
    return [f"{d.code.id} {d.span}: {d.message}" for d in sink.sorted()]


def test_objects_pass() -> None:
    d = deployment({"app": "a"}, {"app": "a", "team": "ml"})
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "t-development"},
           "spec": {"selector": {"app": "a"}}}
    assert messages([obj(d), obj(svc)]) == []


def test_selector_not_in_pod_labels() -> None:
    assert messages([obj(deployment({"app": "a"}, {"app": "b"}))]) == [
        ("E907 envs/a.yaml:3:7: Deployment `a` (a/deployment-a.yaml): spec.selector.matchLabels app=a do not match "
        "the pod template's labels")]


def test_service_selecting_no_pod() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "t-development"},
           "spec": {"selector": {"app": "z"}}}
    assert messages([obj(deployment({"app": "a"}, {"app": "a"})), obj(svc)]) == [
        "E907 envs/a.yaml:3:7: Service `a` (a/service-a.yaml): spec.selector app=z matches no pod template emitted with it"]


def test_object_names_and_labels() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1svc", "namespace": "t-development"}}
    bad = deployment({}, {"app": "a"}, name="a_b")
    bad["metadata"] = {"name": "a_b", "namespace": "T", "labels": {"team": "not ok!"}, "annotations": {"bad key!": "x"}}
    assert messages([obj(svc), obj(bad)]) == [
        ("E514 envs/a.yaml:3:7: Deployment `a_b` (a/deployment-a_b.yaml): metadata.annotations: annotation key name "
        "'bad key!' is invalid: use letters, digits, '-', '_' and '.', starting and ending alphanumeric"),
        ("E514 envs/a.yaml:3:7: Deployment `a_b` (a/deployment-a_b.yaml): metadata.labels: label value 'not ok!' is "
        "invalid: use letters, digits, '-', '_' and '.', starting and ending alphanumeric"),
        "E906 envs/a.yaml:3:7: Deployment `a_b` (a/deployment-a_b.yaml): the name `a_b` is not a DNS-1123 subdomain",
        "E906 envs/a.yaml:3:7: Deployment `a_b` (a/deployment-a_b.yaml): the namespace `T` is not a DNS-1123 label",
        ("E906 envs/a.yaml:3:7: Service `1svc` (a/service-1svc.yaml): the name `1svc` is not an RFC 1035 label "
        "(starts with a letter, <= 63)"),
    ]


def test_annotations_over_256_kib() -> None:
    d = deployment({}, {})
    d["metadata"] = {"name": "a", "namespace": "t", "annotations": {"example.com/blob": "x" * (256 * 1024)}}
    assert [m.split(": ", 1)[0] for m in messages([obj(d)])] == ["E514 envs/a.yaml:3:7"]


def test_app_port_and_a_template_port_with_the_same_name(tmp_path: Path) -> None:
    """Lowering puts the app's port first (SPEC §8.3): the template's port of the same name is
    the duplicate, reported at the template, with the app's `port` as the first."""
    text = ("kind: AppEnvironment\nname: web\nargs: python -m http.server 9000\nrequires_auth: false\n"
            "port: {port: 9000, name: http}\npod_template:\n  spec:\n    containers:\n      - name: app\n"
            "        ports: [{name: http, containerPort: 9000}]\n")
    diags = [d for d in diagnose(tmp_path, text, "apps:\n  target: kubernetes\nruntime:\n  app_raw_data_path: s3://b/r\n")]
    assert brief(diags) == [f"E904 duplicate-in-pod {where(text, 'http, containerPort')}"]
    assert [str(r.span) for r in diags[0].related] == [where(text, "{port")]


def test_the_same_resources_in_two_containers_are_reported_for_each(tmp_path: Path) -> None:
    """The problems of a set of requests and limits are worked out once (`_resource_problems`);
    each container still gets its own diagnostic, with its own name and lines."""
    res = "resources: {requests: {cpu: '2'}, limits: {cpu: '1'}}"
    text = env_with_template(f"containers:\n  - name: primary\n  - {{name: one, image: b, {res}}}\n"
                             f"  - {{name: two, image: b, {res}}}\n")
    diags = diagnose(tmp_path, text)
    assert brief(diags) == [f"E502 request-exceeds-limit {where(text, quote('2'), n)}" for n in (0, 1)]
    assert [d.message.split(" requests")[0] for d in diags] == ["container `one`", "container `two`"]
    assert [str(r.span) for d in diags for r in d.related] == [where(text, quote("1"), n) for n in (0, 1)]


def test_a_secret_env_var_clash_points_at_its_own_secret_after_a_mounted_one(tmp_path: Path) -> None:
    """Mounted secrets make no env var: the clashing secret is still named by its own index."""
    text = ("kind: TaskEnvironment\nname: a\nenv_vars: {GITHUB_TOKEN: x}\nsecrets:\n"
            "  - {key: cert, group: tls, mount: /etc/tls}\n  - {key: token, group: github}\n"
            "tasks:\n  f:\n    entrypoint: pipelines/jobs.py:f\n")
    [d] = diagnose(tmp_path, text)
    assert (d.code.id, str(d.span), d.message) == ("E505", where(text, "{key: token"), "env var `GITHUB_TOKEN` is set twice")
    assert [str(r.span) for r in d.related] == [where(text, "x}")]


def test_label_pairs_known_valid_are_typed() -> None:
    """Valid label pairs are remembered, but only pairs of strings: 10**20 is a valid label
    value ("100000000000000000000"), the float equal to it is not ("1e+20")."""
    ok = deployment({}, {})
    ok["metadata"] = {"name": "a", "namespace": "t", "labels": {"n": 10**20}}
    bad = deployment({}, {}, name="b")
    bad["metadata"] = {"name": "b", "namespace": "t", "labels": {"n": 1e20}}
    assert messages([obj(ok)]) == []
    assert [m.split(": ", 2)[2] for m in messages([obj(bad)])] == [
        "metadata.labels: label value '1e+20' is invalid: use letters, digits, '-', '_' and '.', "
        "starting and ending alphanumeric"]
    again = deployment({}, {}, name="c")
    again["metadata"] = {"name": "c", "namespace": "t", "labels": {"team": "ml", "x": "not ok!"}}
    messages([obj(deployment({}, {"team": "ml"}, name="d"))])  # "team: ml" is now known valid
    assert len(messages([obj(again)])) == 1
