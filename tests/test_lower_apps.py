"""Apps, end to end on small projects (SPEC §7, §8, §8.3, §9.2, §11.2): what each target
emits, what `explain` shows for an app, extends between apps, versions and deploy order.
The goldens (examples/ml-platform, examples/apps-kubernetes) pin whole files; these tests
pin one rule each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from envc.cli import main
from envc.diagnostics import Sink
from envc.pipeline import run

RAW = 'runtime: {app_raw_data_path: "s3://t/apps"}\n'


def project(root: Path, envs: str, envc: str = "") -> Path:
    (root / "envs").mkdir(parents=True, exist_ok=True)
    (root / "envc.yaml").write_text(f"envc: 1\nproject: t\n{RAW}{envc}", "utf-8")
    (root / "envs" / "a.yaml").write_text(envs, "utf-8")
    return root


def objects(root: Path) -> dict[tuple[str, str], dict[str, Any]]:
    sink = Sink()
    _, objs = run(root, None, sink)
    assert objs is not None and not sink.items, [f"{d.code} {d.span}: {d.message}" for d in sink.sorted()]
    return {(o.kind, o.name): o.manifest for o in objs}


def explain_env(root: Path, name: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["explain", name, "--json", "--project", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def app_container(manifest: dict[str, Any]) -> dict[str, Any]:
    spec = manifest["spec"]["template"]["spec"]
    return next(c for c in spec["containers"] if c["name"] == "app")


WEB = "kind: AppEnvironment\nname: web\nargs: python -m http.server 8080\n"


# --- knative ----------------------------------------------------------------------------------


def test_knative_service_shape(tmp_path: Path) -> None:
    objs = objects(project(tmp_path, WEB))
    assert set(objs) == {("Service", "web")}
    svc = objs[("Service", "web")]
    assert svc["apiVersion"] == "serving.knative.dev/v1"
    assert svc["metadata"]["labels"]["networking.knative.dev/visibility"] == "cluster-local"
    template = svc["spec"]["template"]
    assert template["metadata"]["annotations"] == {"autoscaling.knative.dev/min-scale": "0",
                                                   "autoscaling.knative.dev/max-scale": "1"}
    spec = template["spec"]
    assert "restartPolicy" not in spec and "securityContext" not in spec  # container level only
    app = app_container(svc)
    assert app["ports"] == [{"name": "http1", "containerPort": 8080}]
    assert app["readinessProbe"] == {"tcpSocket": {"port": 8080}}
    assert app["args"] == ["python", "-m", "http.server", "8080"]
    assert app["command"][0] == "fserve" and app["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize("scaling,annotations", [
    ("{replicas: [2, 5], metric: {request_rate: 100}, scaledown_after: 1h}",
     {"min-scale": "2", "max-scale": "5", "metric": "rps", "target": "100", "scale-down-delay": "3600s"}),
    ("{replicas: 3, metric: {concurrency: 4}}", {"min-scale": "3", "max-scale": "3", "metric": "concurrency", "target": "4"}),
    ("{scaledown_after: 0}", {"min-scale": "0", "max-scale": "1", "scale-down-delay": "0s"}),
])
def test_knative_autoscaling_annotations(tmp_path: Path, scaling: str, annotations: dict[str, str]) -> None:
    objs = objects(project(tmp_path, WEB + f"scaling: {scaling}\n"))
    got = objs[("Service", "web")]["spec"]["template"]["metadata"]["annotations"]
    assert got == {f"autoscaling.knative.dev/{k}": v for k, v in annotations.items()}


def test_public_app_and_domain_mappings(tmp_path: Path) -> None:
    envc = "apps:\n  domain: apps.t.dev\n  auth_annotations: {example.com/auth: sso}\n"
    envs = (WEB + "domain: {subdomain: web, custom_domain: web.example.com}\n---\n"
            "kind: AppEnvironment\nname: open\nargs: serve\nrequires_auth: false\ndomain: {subdomain: open}\n")
    objs = objects(project(tmp_path, envs, envc))
    assert {k for k in objs if k[0] == "DomainMapping"} == {
        ("DomainMapping", "web.apps.t.dev"), ("DomainMapping", "web.example.com"), ("DomainMapping", "open.apps.t.dev")}
    dm = objs[("DomainMapping", "web.example.com")]
    assert dm["apiVersion"] == "serving.knative.dev/v1beta1"
    assert dm["spec"] == {"ref": {"name": "web", "apiVersion": "serving.knative.dev/v1", "kind": "Service"}}
    assert dm["metadata"]["annotations"]["example.com/auth"] == "sso"
    public = objs[("DomainMapping", "open.apps.t.dev")]
    assert "example.com/auth" not in public["metadata"]["annotations"]
    assert "networking.knative.dev/visibility" not in objs[("Service", "open")]["metadata"]["labels"]


def test_template_merge_for_apps(tmp_path: Path) -> None:
    envs = WEB + """port: {port: 9000, name: h2c}
env_vars: {A: "1"}
pod_template:
  labels: {tier: web}
  annotations: {sidecar.istio.io/inject: "false"}
  spec:
    containers:
      - name: proxy
        image: envoyproxy/envoy:v1.30
      - name: app
        env: [{name: B, value: "2"}]
        readinessProbe: {httpGet: {path: /healthz, port: 9000}}
"""
    svc = objects(project(tmp_path, envs))[("Service", "web")]
    template = svc["spec"]["template"]
    assert template["metadata"]["labels"]["tier"] == "web"
    assert template["metadata"]["annotations"]["sidecar.istio.io/inject"] == "false"
    assert [c["name"] for c in template["spec"]["containers"]] == ["proxy", "app"]
    app = app_container(svc)
    assert app["readinessProbe"] == {"httpGet": {"path": "/healthz", "port": 9000}}  # the template's wins
    assert app["ports"] == [{"name": "h2c", "containerPort": 9000}]
    assert [e["name"] for e in app["env"]] == ["A", "B"]
    assert app["image"] == "ghcr.io/flyteorg/flyte:py3.12-v2.12.1"


def test_labels_only_template_gets_an_app_container(tmp_path: Path) -> None:
    svc = objects(project(tmp_path, WEB + "pod_template: {labels: {tier: web}}\n"))[("Service", "web")]
    assert [c["name"] for c in svc["spec"]["template"]["spec"]["containers"]] == ["app"]


def test_interruptible_app(tmp_path: Path) -> None:
    envc = ("interruptible:\n  node_selector: {spot: \"true\"}\n"
            "apps:\n  knative: {features: [kubernetes.podspec-nodeselector]}\n")
    svc = objects(project(tmp_path, WEB + "interruptible: true\n", envc))[("Service", "web")]
    assert svc["metadata"]["labels"]["envc.dev/interruptible"] == "true"
    assert svc["spec"]["template"]["spec"]["nodeSelector"] == {"spot": "true"}


# --- kubernetes -------------------------------------------------------------------------------

K8S = "apps:\n  target: kubernetes\n"


def test_kubernetes_default_is_one_replica_without_hpa(tmp_path: Path) -> None:
    objs = objects(project(tmp_path, WEB, K8S))
    assert set(objs) == {("Deployment", "web"), ("Service", "web")}
    deployment = objs[("Deployment", "web")]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["template"]["spec"]["restartPolicy"] == "Always"
    assert app_container(deployment)["ports"] == [{"name": "http", "containerPort": 8080}]
    service = objs[("Service", "web")]
    assert service["apiVersion"] == "v1"
    assert service["spec"] == {"type": "ClusterIP", "selector": deployment["spec"]["selector"]["matchLabels"],
                               "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}


def test_kubernetes_hpa(tmp_path: Path) -> None:
    envs = WEB + "resources: {cpu: 500m}\nscaling: {replicas: [2, 6]}\n"
    objs = objects(project(tmp_path, envs, K8S))
    assert "replicas" not in objs[("Deployment", "web")]["spec"]
    hpa = objs[("HorizontalPodAutoscaler", "web")]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 6)
    assert "behavior" not in hpa  # no scaledown_after: the HPA's own default
    assert hpa["metrics"][0]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 80}


def test_kubernetes_ingress(tmp_path: Path) -> None:
    envc = K8S + "  domain: apps.t.dev\n  ingress_class: nginx\n  auth_annotations: {nginx.ingress.kubernetes.io/auth-url: https://auth}\n"
    envs = (WEB + "port: {port: 8501, name: web}\ndomain: {subdomain: web, custom_domain: web.example.com}\n---\n"
            "kind: AppEnvironment\nname: open\nargs: serve\nrequires_auth: false\ndomain: {subdomain: open}\n---\n"
            "kind: AppEnvironment\nname: internal\nargs: serve\n")
    objs = objects(project(tmp_path, envs, envc))
    ingress = objs[("Ingress", "web")]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert [r["host"] for r in ingress["spec"]["rules"]] == ["web.apps.t.dev", "web.example.com"]
    path = ingress["spec"]["rules"][0]["http"]["paths"][0]
    assert path == {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/auth-url"] == "https://auth"
    assert "nginx.ingress.kubernetes.io/auth-url" not in objs[("Ingress", "open")]["metadata"]["annotations"]
    assert ("Ingress", "internal") not in objs
    assert objs[("Service", "web")]["spec"]["ports"][0]["name"] == "web"


def test_kubernetes_drops_active_deadline(tmp_path: Path) -> None:
    envs = WEB + "pod_template: {spec: {activeDeadlineSeconds: 60, containers: [{name: app}]}}\n"
    deployment = objects(project(tmp_path, envs, K8S))[("Deployment", "web")]
    assert "activeDeadlineSeconds" not in deployment["spec"]["template"]["spec"]


# --- explain, extends, versions, order --------------------------------------------------------


def test_explain_shows_the_container_command_and_decoded_parameters(tmp_path: Path) -> None:
    envs = WEB + "parameters:\n  - {name: m, value: s3://b/m, type: file, mount: /m}\n"
    entry = explain_env(project(tmp_path, envs), "web")
    fields = entry["fields"]
    assert list(fields).index("container_command") == list(fields).index("command") + 1
    command = fields["container_command"]["value"]
    assert command[:2] == ["fserve", "--version"] and command[-3:] == ["--raw-data-path", "s3://t/apps", "--"]
    assert fields["container_command"]["decoded_parameters"] == {"parameters": [
        {"name": "m", "value": "s3://b/m", "download": True, "type": "file", "env_var": None, "dest": "/m",
         "ignore_patterns": []}]}
    assert fields["scaling"]["value"] == {"replicas": [0, 1], "metric": None, "scaledown_after": None}
    assert fields["port"]["value"] == {"port": 8080, "name": None}
    assert fields["args"]["value"] == ["python", "-m", "http.server", "8080"]
    assert fields["command"]["value"] is None and fields["requires_auth"]["value"] is True


def test_explain_kubernetes_default_replicas(tmp_path: Path) -> None:
    assert explain_env(project(tmp_path, WEB, K8S), "web")["fields"]["scaling"]["value"]["replicas"] == [1, 1]


def test_explain_custom_command_has_no_payload(tmp_path: Path) -> None:
    fields = explain_env(project(tmp_path, "kind: AppEnvironment\nname: web\ncommand: uvicorn 'a b'\n"), "web")["fields"]
    assert fields["command"]["value"] == ["uvicorn", "a b"]
    assert fields["container_command"] == {"value": ["uvicorn", "a b"], "from": fields["command"]["from"],
                                           "decoded_parameters": None}


def test_extends_between_apps_is_clone_with(tmp_path: Path) -> None:
    envs = """kind: AppEnvironment
name: base
port: {port: 8501, name: h2c}
args: streamlit run app.py
requires_auth: false
scaling: {replicas: [1, 3], metric: {concurrency: 5}}
parameters: [{name: m, value: x}]
---
kind: AppEnvironment
name: child
extends: base
scaling: !replace {replicas: 2}   # the whole Scaling, as clone_with
requires_auth: null
"""
    root = project(tmp_path, envs)
    child = explain_env(root, "child")["fields"]
    assert child["port"]["value"] == {"port": 8501, "name": "h2c"}
    assert child["port"]["from"]["document"] == "base"
    assert child["args"]["value"] == ["streamlit", "run", "app.py"]
    assert child["parameters"]["value"][0]["name"] == "m"
    assert child["scaling"]["value"] == {"replicas": [2, 2], "metric": None, "scaledown_after": None}  # replaced whole
    assert child["requires_auth"]["value"] is True  # null resets to the built-in default
    objs = objects(root)
    assert "networking.knative.dev/visibility" in objs[("Service", "child")]["metadata"]["labels"]


def test_app_versions_are_per_app(tmp_path: Path) -> None:
    envs = WEB + "---\nkind: AppEnvironment\nname: other\nargs: serve\n"
    root = project(tmp_path, envs)

    def versions() -> dict[str, str]:
        out = {}
        for name in ("web", "other"):
            command = app_container(objects(root)[("Service", name)])["command"]
            out[name] = command[command.index("--version") + 1]
        return out

    before = versions()
    assert len(before["web"]) == 12 and before["web"] != before["other"]
    (root / "envs" / "a.yaml").write_text(envs.replace("args: serve", "args: serve --fast"), "utf-8")
    after = versions()
    assert after["web"] == before["web"] and after["other"] != before["other"]


def test_apps_and_task_environments_depend_on_each_other(tmp_path: Path) -> None:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "jobs.py").write_text("def f(): ...\n", "utf-8")
    envs = WEB + """depends_on: [jobs]
---
kind: TaskEnvironment
name: jobs
module: pipelines.jobs
depends_on: [api]
tasks: {f: {}}
---
kind: AppEnvironment
name: api
command: uvicorn api:app
"""
    sink = Sink()
    _, objs = run(project(tmp_path, envs), None, sink)
    assert objs is not None and not sink.items
    order = [(o.kind, o.name, o.manifest["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) for o in objs]
    assert order == [("Service", "api", "0"), ("PodTemplate", "jobs-f", "1"), ("Service", "web", "2")]


def test_human_explain_shows_the_decoded_payload(tmp_path: Path) -> None:
    envs = WEB + "parameters:\n  - {name: mode, value: fast, env_var: MODE}\n"
    root = project(tmp_path, envs)
    result = CliRunner().invoke(main, ["explain", "web", "--project", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("container_command"))
    assert lines[at + 1].strip() == ('--parameters decodes to {"parameters": [{"name": "mode", "value": "fast", '
                                     '"download": false, "type": "string", "env_var": "MODE", "dest": null, '
                                     '"ignore_patterns": []}]}')
