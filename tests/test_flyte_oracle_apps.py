"""Differential tests of apps: envc against the real Flyte SDK (flyte 2.12.1).

Each tests/flyte/app_*/ holds the YAML equivalent of flyte-oracle/cases/app_*.py and
expected_sdk.json, the SDK's app values reduced by tests/flyte/extract.py (never edited by
hand). The projects fix the SDK's serialization context (version `oracle-v1`, project, domain,
org, the code bundle), so the fserve command line is compared word for word.

For every app the SDK resolves, two comparisons, each through ONE mapping function:

* `envc explain --all --json` against the SDK's resolved app (`sdk_app_to_envc`): port, auth,
  scaling, command, args, parameters, the common fields, the container command and the
  decoded `--parameters` JSON, byte for byte;
* the emitted Knative Service against the SDK's serialized `App` (`sdk_container_to_envc`):
  the `app` container's command, args, image, port, env and resource requests, the sidecars,
  the pod labels, auth, the service account and the replica range.

Where the SDK raises, the tests assert the contract (SPEC §7, §12) at file:line:col.
The differences are listed in tests/flyte/DIFFERENCES.md.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from envc.diagnostics import Sink
from envc.emit import render_tree
from envc.pipeline import run
from test_flyte_oracle import (
    FLYTE,
    Mismatch,
    envc_pod_template,
    explain,
    load_expected,
    locate,
    validate,
)

RESOLVED_APP_CASES = (
    "app_default",
    "app_requires_auth_false",
    "app_parameters_fserve",
    "app_pod_template",
    "app_interruptible_and_image_none",
)
ERROR_APP_CASES = (
    "app_command_with_parameters_error",
    "app_invalid_name_underscore",
    "app_reserved_port_8012",
    "app_reserved_port_8022",
    "app_reserved_port_9090",
    "app_reserved_port_object",
    "app_scaling_zero_tuple_error",
)
APP_CASES = RESOLVED_APP_CASES + ERROR_APP_CASES

COMMON_FIELDS = (
    "resources", "env_vars", "secrets", "service_account", "interruptible", "depends_on",
    "description", "pod_template",
)
APP_FIELDS = ("port", "args", "command", "requires_auth", "scaling", "domain", "parameters")
RESOLVER_FLAGS = ("--resolver", "--resolver-args")
K8S_RESOURCE = {"CPU": "cpu", "MEMORY": "memory", "EPHEMERAL_STORAGE": "ephemeral-storage",
                "GPU": "nvidia.com/gpu"}


# --------------------------------------------------------------------------------------------
# The mappings: SDK value (as the oracle prints it) -> envc's value
# --------------------------------------------------------------------------------------------


def without_resolver(command: list[str]) -> list[str]:
    """SPEC §12.20: envc's fserve line has no `--resolver`/`--resolver-args` pair (they name a
    Python variable); everything else is the SDK's, in its order. SPEC §12.14: the payload
    after `--parameters` is compared decoded (`payload_text`), its base64 stands as
    `<payload>` here: Flyte's is zlib-compressed, envc's uses stored deflate blocks."""
    out, skip = [], 0
    for word in command:
        if skip:
            skip -= 1
        elif word in RESOLVER_FLAGS:
            skip = 1
        else:
            out.append(word)
    return with_payload_marker(out)


def with_payload_marker(command: list[str]) -> list[str]:
    out = list(command)
    if "--parameters" in out:
        out[out.index("--parameters") + 1] = "<payload>"
    return out


def sdk_parameter(p: dict[str, Any]) -> dict[str, Any]:
    """A Flyte `Parameter` -> envc's normalised parameter. A `flyte.io.File`/`Dir` value is
    written in YAML as its path with `type: file`/`directory`; a str value without a type is
    `type: string`."""
    value, kind = p["value"], p["type"]
    if isinstance(value, dict):  # flyte.io.Dir / File, as the oracle prints them
        kind = kind or ("directory" if "hash" in value and value.get("format") == "" else "file")
        value = value["path"]
    return {"name": p["name"], "value": value, "type": kind or "string", "env_var": p["env_var"],
            "download": p["download"], "mount": p["mount"], "ignore_patterns": p["ignore_patterns"]}


def sdk_app_to_envc(field: str, value: Any) -> Any:
    """The one place where an SDK app value becomes envc's §11.2 value.

    * resources: None keys dropped; env_vars: None -> {}; secrets: None -> [];
    * pod_template: `{primary_container_name, labels, annotations, pod_spec}` -> envc's inline
      template (`pod_spec` -> `spec`, None labels/annotations -> {});
    * port: `{port, name}` in both; args: None -> [] (Flyte's `container_args`);
    * scaling: `resolved_replicas` -> `replicas` `[min, max]`; metric None; `scaledown_after`
      in seconds or None;
    * domain: `{subdomain, custom_domain}` in both;
    * parameters: see `sdk_parameter`;
    * everything else (command, requires_auth, interruptible, ...) is the same value.
    """
    if field == "resources":
        return {k: v for k, v in (value or {}).items() if v is not None}
    if field == "env_vars":
        return dict(value or {})
    if field == "secrets":
        return [{k: s[k] for k in ("key", "group", "mount", "as_env_var")} for s in value or []]
    if field == "depends_on":
        return list(value or [])
    if field == "pod_template":
        if value is None:
            return None
        return {"primary_container_name": value["primary_container_name"], "labels": value.get("labels") or {},
                "annotations": value.get("annotations") or {}, "spec": value.get("pod_spec")}
    if field == "args":
        return list(value or [])
    if field == "scaling":
        assert value["metric"] is None, "no oracle case sets a metric: extend the mapping"
        return {"replicas": list(value["resolved_replicas"]), "metric": None,
                "scaledown_after": value["scaledown_after"]}
    if field == "parameters":
        return [sdk_parameter(p) for p in value]
    return value


def sdk_container_to_envc(sdk: dict[str, Any]) -> dict[str, Any]:
    """The SDK's serialized `App` -> what envc's Knative Service must hold.

    * the `app` container: command without the resolver pair; args (absent -> []); the image;
      the port number (a float inside a pod spec's Struct -> int); env as name/value pairs
      (`KeyValuePair{key, value}` in a plain container); resource requests by Kubernetes name;
    * secrets requested as env vars (`securityContext.secrets`) -> env vars from secretKeyRef;
      `runAs.k8sServiceAccount` -> serviceAccountName;
    * `allowAnonymous: true` (requires_auth false) -> no cluster-local visibility label;
    * `autoscaling.replicas {min, max}` (proto3 leaves a 0 out) -> Knative's min/max-scale;
    * the pod template's other containers (name, image) and labels.
    """
    serialized = sdk["serialized"]
    c = serialized["container"]
    env = [{"name": e.get("name", e.get("key")), "value": e["value"]} for e in c.get("env", [])]
    context = sdk["security_context"] or {}
    for s in context.get("secrets", []):
        if s.get("mountRequirement") == "ENV_VAR":
            env.append({"name": s["envVar"], "valueFrom": {"secretKeyRef": {"name": s.get("group") or s["key"],
                                                                            "key": s["key"]}}})
    requests = c.get("resources", {}).get("requests", [])
    replicas = (sdk["autoscaling"] or {}).get("replicas", {})
    return {
        "command": without_resolver(c["command"]),
        "args": list(c.get("args", [])),
        "image": c["image"],
        "port": int(c["ports"][0]["containerPort"]),
        "env": env,
        "requests": {K8S_RESOURCE[r["name"]]: r["value"] for r in requests} if isinstance(requests, list)
        else dict(requests),
        "service_account": (context.get("runAs") or {}).get("k8sServiceAccount"),
        "cluster_local": not context.get("allowAnonymous", False),
        "replicas": [int(replicas.get("min", 0)), int(replicas.get("max", 0))],
        "sidecars": [{"name": s["name"], "image": s.get("image")} for s in serialized["sidecars"]],
        "pod_labels": serialized["pod_labels"] or {},
    }


def envc_service_view(service: dict[str, Any]) -> dict[str, Any]:
    """The same view of envc's emitted Knative Service."""
    template = service["spec"]["template"]
    spec = template["spec"]
    app = next(c for c in spec["containers"] if c["name"] == "app")
    annotations = template["metadata"].get("annotations", {})
    labels = template["metadata"]["labels"]
    return {
        "command": with_payload_marker(app["command"]),
        "args": app["args"],
        "image": app["image"],
        "port": app["ports"][0]["containerPort"],
        "env": app.get("env", []),
        "requests": app.get("resources", {}).get("requests", {}),
        "service_account": spec.get("serviceAccountName"),
        "cluster_local": service["metadata"]["labels"].get("networking.knative.dev/visibility") == "cluster-local",
        "replicas": [int(annotations["autoscaling.knative.dev/min-scale"]),
                     int(annotations["autoscaling.knative.dev/max-scale"])],
        "sidecars": [{"name": c["name"], "image": c.get("image")} for c in spec["containers"] if c["name"] != "app"],
        "pod_labels": {k: v for k, v in labels.items() if not k.startswith(("app.kubernetes.io/", "envc.dev/"))},
    }


# --------------------------------------------------------------------------------------------
# Running envc
# --------------------------------------------------------------------------------------------


def payload_text(command: list[str]) -> str | None:
    if "--parameters" not in command:
        return None
    return gzip.decompress(base64.b64decode(command[command.index("--parameters") + 1])).decode("utf-8")


def compiled_services(case: str) -> dict[str, dict[str, Any]]:
    import yaml

    sink = Sink()
    _, objs = run(FLYTE / case, None, sink)
    assert objs is not None, [f"{d.code} {d.span}: {d.message}" for d in sink.sorted()]
    files = render_tree(objs)
    out = {}
    for o in objs:
        doc = yaml.safe_load(files[o.path])
        if o.kind == "Service":
            out[o.env] = doc
    return out


def compare_app(entry: dict[str, Any], sdk: dict[str, Any]) -> list[Mismatch]:
    where, out = sdk["name"], []
    fields = entry["fields"]
    for field in COMMON_FIELDS + APP_FIELDS:
        got = fields[field]["value"]
        got = envc_pod_template(got) if field == "pod_template" else got
        want = sdk_app_to_envc(field, sdk[field])
        if got != want:
            out.append(Mismatch(where, field, got, want, sdk[field]))
    command = fields["container_command"]["value"]
    want_command = without_resolver(sdk["container_command"])
    if with_payload_marker(command) != want_command:
        out.append(Mismatch(where, "container_command", command, want_command, sdk["container_command"]))
    text = payload_text(command)
    if text != sdk["parameters_json"]:
        out.append(Mismatch(where, "--parameters JSON (bytes)", text, sdk["parameters_json"], None))
    decoded = fields["container_command"]["decoded_parameters"]
    if (decoded is None) != (text is None) or (text is not None and decoded != json.loads(text)):
        out.append(Mismatch(where, "decoded_parameters", decoded, text, None))
    return out


def resolved_apps(case: str) -> list[dict[str, Any]]:
    return [e for e in load_expected(case)["environments"] if e["serialization_error"] is None]


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_every_app_case_of_the_oracle_has_a_project() -> None:
    cases = sorted(p.parent.name for p in FLYTE.glob("app_*/expected_sdk.json"))
    assert cases == sorted(APP_CASES)
    for case in cases:
        assert (FLYTE / case / "envc.yaml").is_file(), case
        assert (FLYTE / case / f"{case}.py").is_file(), case


@pytest.mark.parametrize("case", RESOLVED_APP_CASES)
def test_resolved_app_matches_sdk(case: str) -> None:
    expected = load_expected(case)
    assert expected["error"] is None
    result, data = explain(FLYTE / case)
    assert result.exit_code == 0 and data is not None, result.output
    envs = {e["name"]: e for e in data["environments"]}
    assert sorted(envs) == sorted(e["name"] for e in expected["environments"])
    mismatches = [m for sdk in resolved_apps(case) for m in compare_app(envs[sdk["name"]], sdk)]
    assert not mismatches, f"{case}: differs from the Flyte SDK:\n" + "\n".join(str(m) for m in mismatches)


@pytest.mark.parametrize("case", RESOLVED_APP_CASES)
def test_emitted_service_matches_sdk_serialization(case: str) -> None:
    services = compiled_services(case)
    for sdk in resolved_apps(case):
        got, want = envc_service_view(services[sdk["name"]]), sdk_container_to_envc(sdk)
        limits = services[sdk["name"]]["spec"]["template"]["spec"]["containers"][0].get("resources", {}).get("limits", {})
        assert limits == got["requests"], "SPEC §12.10: limits default to the requests"
        assert got == want, f"{case}/{sdk['name']}:\n envc: {got}\n sdk:  {want}"


# Every resolved case has an app without `args` (the SDK's case files use @app.server or nothing)
# and leaves the raw data path to the placeholder, as the SDK does: exactly these warnings.
EXPECTED_WARNINGS = {
    "app_default": [("W701", "envc.yaml", "envc: 1"), ("W704", "envs/app.yaml", "my-app")],
    "app_requires_auth_false": [("W701", "envc.yaml", "envc: 1"), ("W704", "envs/apps.yaml", "public-app"),
                                ("W704", "envs/apps.yaml", "private-app")],
    "app_parameters_fserve": [("W701", "envc.yaml", "envc: 1")],
    "app_pod_template": [("W701", "envc.yaml", "envc: 1"), ("W704", "envs/app.yaml", "name: pod-app")],
    "app_interruptible_and_image_none": [("W701", "envc.yaml", "envc: 1"), ("W704", "envs/apps.yaml", "spot-app"),
                                         ("W704", "envs/apps.yaml", "no-image")],
}


@pytest.mark.parametrize("case", RESOLVED_APP_CASES)
def test_app_project_warnings(case: str) -> None:
    """W701 unfilled-placeholder: the SDK's `{{.rawOutputDataPrefix}}`, which nothing fills in
    a Service applied as-is (SPEC §7); W704 no-app-process: no `args` for fserve to run."""
    result, diags = validate(FLYTE / case)
    assert result.exit_code == 0, result.output
    got = [(d["code"], d["file"], d["line"], d["col"]) for d in diags["diagnostics"]]
    want = []
    for code, file, needle in EXPECTED_WARNINGS[case]:
        line, col = locate(FLYTE / case / file, needle)
        if code == "W704":
            col = col + len("name: ") if needle.startswith("name: ") else col
        want.append((code, file, line, col))
    assert sorted(got) == sorted(want), json.dumps(diags, indent=2)


def test_interruptible_app_is_applied() -> None:
    """SDK: `interruptible=True` is accepted and never serialized. SPEC §12.5: envc applies it
    (the project's interruptible node selector and tolerations, and the label)."""
    case = "app_interruptible_and_image_none"
    sdk = next(e for e in load_expected(case)["environments"] if e["name"] == "spot-app")
    assert sdk["interruptible"] is True
    assert not {"nodeSelector", "tolerations", "interruptible"} & keys(sdk["serialized"])
    service = compiled_services(case)["spot-app"]
    assert service["metadata"]["labels"]["envc.dev/interruptible"] == "true"


def test_image_null_means_the_default_image() -> None:
    """SDK: `image=None` fails at serialization. SPEC §12.6: the default image, for apps too."""
    case = "app_interruptible_and_image_none"
    sdk = next(e for e in load_expected(case)["environments"] if e["name"] == "no-image")
    assert sdk["serialization_error"] == {"message": "image must be a str, Image, or PodTemplate", "type": "ValueError"}
    result, data = explain(FLYTE / case)
    assert data is not None, result.output
    entry = next(e for e in data["environments"] if e["name"] == "no-image")
    assert entry["fields"]["image"]["value"] == "ghcr.io/flyteorg/flyte:py3.11-v2.12.1"
    app = compiled_services(case)["no-image"]["spec"]["template"]["spec"]["containers"][0]
    assert app["image"] == "ghcr.io/flyteorg/flyte:py3.11-v2.12.1"


def keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def single_error(case: str) -> dict[str, Any]:
    result, diags = validate(FLYTE / case)
    assert result.exit_code == 1, result.output
    errors = [d for d in diags["diagnostics"] if d["severity"] == "error"]
    assert len(errors) == 1 and len(diags["diagnostics"]) == 1, json.dumps(diags, indent=2)
    return errors[0]


def sdk_error(case: str) -> dict[str, str]:
    err = load_expected(case)["error"]
    assert err is not None, f"{case}: the SDK no longer raises; revisit this test"
    return err


def assert_at(d: dict[str, Any], code: str, name: str, case: str, needle: str, nth: int = 0) -> None:
    line, col = locate(FLYTE / case / "envs" / "app.yaml", needle, nth)
    assert (d["code"], d["name"]) == (code, name), d
    assert (d["file"], d["line"], d["col"]) == ("envs/app.yaml", line, col), d


def test_command_with_parameters() -> None:
    """SDK: "Cannot use 'parameters' with a custom 'command' that doesn't start with 'fserve'".
    SPEC §7: E704 parameters-need-fserve at `command`, the parameters as related."""
    case = "app_command_with_parameters_error"
    err = sdk_error(case)
    assert err["type"] == "ValueError" and "doesn't start with 'fserve'" in err["message"], err
    d = single_error(case)
    assert_at(d, "E704", "parameters-need-fserve", case, '["python", "server.py"]')
    line, _ = locate(FLYTE / case / "envs" / "app.yaml", "{name: x")
    assert [r["line"] for r in d["related"]] == [line]


def test_app_name_underscore() -> None:
    """SDK: "App name 'my_app' must consist of lower case alphanumeric characters or '-'".
    SPEC §6.3: an RFC 1035 label, a schema error at the name."""
    case = "app_invalid_name_underscore"
    err = sdk_error(case)
    assert err["type"] == "ValueError" and "'my_app'" in err["message"], err
    d = single_error(case)
    assert_at(d, "E210", "invalid-name", case, "my_app")


@pytest.mark.parametrize("port", [8012, 8022, 9090])
def test_reserved_port(port: int) -> None:
    """SDK: "port N is not allowed. Please do not use ports: 8012, 8022, 8112, 9090, 9091".
    SPEC §7: E701 reserved-port at the port, naming the list (Flyte's, and Knative's 8008, 8013)."""
    case = f"app_reserved_port_{port}"
    err = sdk_error(case)
    assert err == {"type": "ValueError",
                   "message": f"port {port} is not allowed. Please do not use ports: 8012, 8022, 8112, 9090, 9091"}
    d = single_error(case)
    line, col = locate(FLYTE / case / "envs" / "app.yaml", f"port: {port}")
    assert (d["code"], d["file"], d["line"], d["col"]) == ("E701", "envs/app.yaml", line, col + len("port: ")), d
    assert "8008, 8012, 8013, 8022, 8112, 9090, 9091" in d["message"]


def test_reserved_port_object() -> None:
    """SDK: `Port(port=9090, name="http1")` raises. SPEC §7: E701 at `port.port`."""
    case = "app_reserved_port_object"
    assert "port 9090 is not allowed" in sdk_error(case)["message"]
    d = single_error(case)
    line, col = locate(FLYTE / case / "envs" / "app.yaml", "9090")
    assert (d["code"], d["file"], d["line"], d["col"]) == ("E701", "envs/app.yaml", line, col), d


def test_scaling_zero_pair() -> None:
    """SDK: `Scaling(replicas=(0, 0))` raises "max_replicas must be greater than or equal to 1
    and min_replicas". SPEC §7: E703 app-replicas at the replicas."""
    case = "app_scaling_zero_tuple_error"
    assert sdk_error(case)["message"] == "max_replicas must be greater than or equal to 1 and min_replicas"
    d = single_error(case)
    assert_at(d, "E703", "app-replicas", case, "[0, 0]")
