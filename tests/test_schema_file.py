"""schemas/envc.schema.json: a valid draft 2020-12 schema that accepts the SPEC's examples and
rejects what the SPEC calls errors of shape.

Documents are validated with jsonschema-rs against
`{"$schema": ..., "$defs": <the schema's $defs>, "$ref": "#/$defs/<Kind>"}`; the compiler
(envc.schema) refers to the same definitions through a jsonschema-rs Registry holding the schema,
and reports exactly the same errors (test_the_compiler_reports_the_same_errors).  Every case is
also run through the reference implementation (jsonschema), so a pattern that the two regex
dialects read differently shows up here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "envc.schema.json"
KINDS = ("TaskEnvironment", "AppEnvironment", "PodTemplate", "Workflow")
DEFS = (
    "Project",
    "TaskEnvironment",
    "AppEnvironment",
    "PodTemplate",
    "Workflow",  # the compiler's names
    "Task",
    "Override",
)


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))  # type: ignore[no-any-return]


def wrapper(pointer: str) -> dict[str, Any]:
    root = schema()
    return {"$schema": root["$schema"], "$defs": root["$defs"], "$ref": pointer}


@cache
def rs_validator(pointer: str) -> Any:
    return jsonschema_rs.validator_for(wrapper(pointer))


@cache
def py_validator(pointer: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(wrapper(pointer))


def errors(kind: str, document: Any) -> list[str]:
    """jsonschema-rs's messages; asserts the reference implementation agrees on validity."""
    pointer = f"#/$defs/{kind}"
    found = [
        f"{list(e.instance_path)}: {e.message}" for e in rs_validator(pointer).iter_errors(document)
    ]
    assert py_validator(pointer).is_valid(document) == (not found), (kind, document, found)
    return found


def walk(node: Any, pointer: str = "#", names: bool = False) -> Iterator[tuple[str, Any]]:
    """Every (JSON pointer, subschema) pair. `examples`, `default`, `const` and `enum` hold data,
    not schemas, except as property names (`names`: the keys of a `properties` map)."""
    if not names:
        yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("examples", "default", "const", "enum") and not names:
                continue
            yield from walk(value, f"{pointer}/{_escape(key)}", key == "properties" and not names)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{pointer}/{i}")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------------------- the schema itself


def test_schema_is_valid_draft_2020_12() -> None:
    root = schema()
    assert root["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert root["$id"] == "https://envc.dev/schemas/envc.schema.json"
    assert root["title"] and root["description"]
    jsonschema.Draft202012Validator.check_schema(root)


def test_schema_compiles_with_jsonschema_rs() -> None:
    jsonschema_rs.validator_for(schema())
    for name in schema()["$defs"]:
        rs_validator(f"#/$defs/{name}")


def test_file_is_formatted() -> None:
    text = SCHEMA_PATH.read_text("utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert "\t" not in text and "\r" not in text
    assert json.loads(text) == schema()
    assert all((len(line) - len(line.lstrip(" "))) % 2 == 0 for line in text.splitlines())


def test_the_compiler_reads_this_file() -> None:
    from envc.schema import schema_text

    assert schema_text() == SCHEMA_PATH.read_text("utf-8")  # `envc schema` prints it unchanged


def test_required_definitions_exist() -> None:
    assert set(DEFS) <= set(schema()["$defs"])


def test_root_dispatches_on_kind() -> None:
    root = schema()
    assert root["required"] == ["kind"]
    assert root["properties"]["kind"]["enum"] == list(KINDS)
    validator = jsonschema_rs.validator_for(root)
    assert validator.is_valid({"kind": "TaskEnvironment", "name": "a"})
    assert validator.is_valid({"kind": "Workflow", "name": "w", "steps": [{"task": "a.t"}]})
    assert not validator.is_valid({"kind": "TaskEnvironment", "name": "a", "port": 8080})
    assert not validator.is_valid({"kind": "AppEnvironment", "name": "a", "tasks": {}})
    assert not validator.is_valid({"kind": "Task", "name": "a"})
    assert not validator.is_valid({"name": "a"})
    # A document without `kind` gets one error (missing kind), not one per kind.
    assert len(list(validator.iter_errors({"name": "a"}))) == 1


def test_examples_and_defaults_validate_against_their_subschema() -> None:
    checked = 0
    for pointer, node in walk(schema()):
        if not isinstance(node, dict):
            continue
        values = [*node.get("examples", [])] + ([node["default"]] if "default" in node else [])
        if not values:
            continue
        assert isinstance(node.get("examples", []), list), pointer
        for value in values:
            found = [e.message for e in rs_validator(pointer).iter_errors(value)]
            assert not found, (pointer, value, found)
            assert py_validator(pointer).is_valid(value), (pointer, value)
            checked += 1
    assert checked > 100


def test_every_any_of_branch_has_a_title() -> None:
    for pointer, node in walk(schema()):
        if isinstance(node, dict) and "anyOf" in node:
            for i, branch in enumerate(node["anyOf"]):
                title = branch.get("title")
                assert isinstance(title, str) and title, f"{pointer}/anyOf/{i}"
                assert not title[0].isupper() or title.startswith(("[", '"')), (
                    f"{pointer}/anyOf/{i}"
                )
        assert not (isinstance(node, dict) and "oneOf" in node), f"{pointer}: use anyOf"


def test_every_property_has_a_description() -> None:
    for pointer, node in walk(schema()):
        if (
            isinstance(node, dict)
            and isinstance(node.get("properties"), dict)
            and "/if" not in pointer
        ):
            for key, sub in node["properties"].items():
                description = sub.get("description")
                assert isinstance(description, str) and description.strip(), (
                    f"{pointer}/properties/{key}"
                )


def test_definitions_are_described() -> None:
    for name, node in schema()["$defs"].items():
        assert node.get("description"), name
        assert node.get("title"), name


def test_every_object_is_closed() -> None:
    """Unknown keys are errors (SPEC §2) except in maps and in a Kubernetes PodSpec."""
    for pointer, node in walk(schema()):
        # The root only dispatches on `kind`; an `if` is a condition, not a declaration.
        if not isinstance(node, dict) or "/if" in pointer or pointer == "#":
            continue
        if "properties" in node:
            assert node.get("additionalProperties") is False, pointer
        elif node.get("type") == "object":
            free_form = pointer.endswith("/properties/spec")
            assert free_form or isinstance(node.get("additionalProperties"), dict), pointer


def test_patterns_have_no_lookaround() -> None:
    for pointer, node in walk(schema()):
        if isinstance(node, dict) and isinstance(node.get("pattern"), str):
            assert "(?" not in node["pattern"], pointer


# ---------------------------------------------------------------------------- documents

SPEC_TASK_ENVIRONMENT = {  # SPEC §5.1 ("..." values filled in)
    "kind": "TaskEnvironment",
    "name": "analytics_env",
    "extends": "base",
    "description": "Nightly analytics",
    "image": "auto",
    "module": "pipelines.analytics",
    "resources": {
        "cpu": "2",
        "memory": ["4Gi", "8Gi"],
        "gpu": "A100:2",
        "disk": "50Gi",
        "shm": "auto",
    },
    "env_vars": {"LOG_LEVEL": "info"},
    "secrets": [
        "openai-key",
        {"key": "token", "group": "github", "as_env_var": "GH_TOKEN"},
        {"key": "sa-json", "group": "gcp", "mount": "/etc/flyte/secrets"},
    ],
    "service_account": "analytics",
    "pod_template": "gpu-base",
    "interruptible": False,
    "queue": "default",
    "cache": "disable",
    "depends_on": ["feature_store"],
    "reusable": {
        "replicas": [1, 4],
        "concurrency": 8,
        "idle_ttl": "10m",
        "scaledown_ttl": "2m",
        "scope": "global",
    },
    "tasks": {
        "process_data": {
            "entrypoint": "pipelines/analytics.py:process_data",
            "async": True,
            "short_name": "process",
            "retries": 3,
            "timeout": "1h",
            "cache": "auto",
            "pod_template": "gpu-base",
            "interruptible": True,
            "queue": "gpu",
            "service_account": "analytics",
            "max_inline_io_bytes": 10485760,
        }
    },
}

SPEC_PROJECT = {  # SPEC §2
    "envc": 1,
    "project": "acme",
    "domain": "development",
    "org": "",
    "namespace": "acme-development",
    "sources": ["envs/**/*.yaml"],
    "output": "manifests",
    "kubernetes_version": "1.31",
    "version": None,
    "images": {"default": "ghcr.io/flyteorg/flyte:py3.12-v2.12.1"},
    "defaults": {},
    "runtime": {
        "raw_data_path": "{{.rawOutputDataPrefix}}",
        "app_raw_data_path": None,
        "code_bundle": None,
        "reusable_args": ["a0", "--version", "{version}"],
    },
    "gpu": {
        "device_node_label": "k8s.amazonaws.com/accelerator",
        "partition_size_node_label": "k8s.amazonaws.com/gpu-partition-size",
        "tolerations": [],
    },
    "interruptible": {"node_selector": {}, "tolerations": []},
    "apps": {
        "target": "knative",
        "domain": None,
        "auth_annotations": {},
        "ingress_class": None,
        "knative": {"features": []},
    },
    "external_pod_templates": [],
    "security": {"pod_security": "restricted", "run_as_user": 1000},
    "labels": {},
    "annotations": {},
}

SPEC_WORKFLOW = {  # SPEC §5.5
    "kind": "Workflow",
    "name": "nightly",
    "steps": [
        {
            "task": "analytics_env.process_data",
            "name": "big",
            "override": {"resources": {"memory": "32Gi"}, "reusable": "off", "retries": 5},
        }
    ],
}

SPEC_APP = {  # SPEC §7 ("..." values filled in)
    "kind": "AppEnvironment",
    "name": "dashboard",
    "extends": "base-app",
    "description": "Team dashboard",
    "image": "ghcr.io/acme/dashboard:1.0.0",
    "resources": {"cpu": "1", "memory": "2Gi"},
    "env_vars": {"MODE": "prod"},
    "secrets": ["dash-token"],
    "service_account": "dashboard",
    "pod_template": {"primary_container_name": "app", "labels": {"team": "web"}},
    "interruptible": False,
    "depends_on": ["analytics_env"],
    "port": 8080,
    "command": None,
    "args": "streamlit run app.py --server.port 8080",
    "parameters": [
        {
            "name": "model",
            "value": "s3://bucket/model.pt",
            "type": "file",
            "mount": "/models",
            "download": True,
        },
        {"name": "mode", "value": "fast", "env_var": "MODE"},
    ],
    "scaling": {"replicas": [0, 4], "metric": {"concurrency": 10}, "scaledown_after": "5m"},
    "requires_auth": True,
    "domain": {"subdomain": "dash", "custom_domain": None},
}

SPEC_POD_TEMPLATE = {  # SPEC §6.6
    "kind": "PodTemplate",
    "name": "gpu-base",
    "primary_container_name": "primary",
    "labels": {"team": "ml"},
    "annotations": {},
    "spec": {
        "containers": [{"name": "primary"}],
        "tolerations": [{"key": "gpu", "operator": "Exists"}],
    },
}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


def _task_env(**fields: Any) -> dict[str, Any]:
    return {"kind": "TaskEnvironment", "name": "env", **fields}


def _app(**fields: Any) -> dict[str, Any]:
    return {"kind": "AppEnvironment", "name": "app", **fields}


def _workflow(override: Any) -> dict[str, Any]:
    return {"kind": "Workflow", "name": "wf", "steps": [{"task": "env.t", "override": override}]}


NULLABLE_TASK_ENV_FIELDS = (
    "description",
    "image",
    "module",
    "resources",
    "env_vars",
    "secrets",
    "service_account",
    "pod_template",
    "interruptible",
    "queue",
    "cache",
    "depends_on",
    "reusable",
)
NULLABLE_APP_FIELDS = (
    "description",
    "image",
    "resources",
    "env_vars",
    "secrets",
    "service_account",
    "pod_template",
    "interruptible",
    "depends_on",
    "port",
    "command",
    "args",
    "parameters",
    "scaling",
    "requires_auth",
    "domain",
)
TASK_FIELDS = (
    "entrypoint",
    "async",
    "short_name",
    "retries",
    "timeout",
    "cache",
    "pod_template",
    "interruptible",
    "queue",
    "service_account",
    "max_inline_io_bytes",
)
OVERRIDE_FIELDS = (
    "resources",
    "env_vars",
    "secrets",
    "reusable",
    "cache",
    "pod_template",
    "interruptible",
    "queue",
    "service_account",
    "short_name",
    "retries",
    "timeout",
    "max_inline_io_bytes",
)

VALID: list[tuple[str, str, Any]] = [
    ("spec-5.1", "TaskEnvironment", SPEC_TASK_ENVIRONMENT),
    ("spec-2", "Project", SPEC_PROJECT),
    ("spec-5.5", "Workflow", SPEC_WORKFLOW),
    ("spec-7", "AppEnvironment", SPEC_APP),
    ("spec-6.6", "PodTemplate", SPEC_POD_TEMPLATE),
    ("minimal-env", "TaskEnvironment", _task_env()),
    ("minimal-app", "AppEnvironment", _app()),
    ("minimal-template", "PodTemplate", {"kind": "PodTemplate", "name": "t"}),
    ("minimal-project", "Project", {"envc": 1}),
    ("env-nulls", "TaskEnvironment", _task_env(**dict.fromkeys(NULLABLE_TASK_ENV_FIELDS))),
    ("app-nulls", "AppEnvironment", _app(**dict.fromkeys(NULLABLE_APP_FIELDS))),
    ("task-nulls", "TaskEnvironment", _task_env(tasks={"t": dict.fromkeys(TASK_FIELDS)})),
    ("override-nulls", "Workflow", _workflow(dict.fromkeys(OVERRIDE_FIELDS))),
    ("override-null", "Workflow", _workflow(None)),
    (
        "task-without-settings",
        "TaskEnvironment",
        _task_env(module="m", tasks={"t": None, "_T2": {}}),
    ),
    (
        "resource-numbers",
        "TaskEnvironment",
        _task_env(resources={"cpu": 0.5, "memory": [1e3, "2Gi"], "disk": 0}),
    ),
    (
        "resource-key-nulls",
        "TaskEnvironment",
        _task_env(resources={"cpu": None, "memory": None, "gpu": None, "disk": None, "shm": None}),
    ),
    ("gpu-count", "TaskEnvironment", _task_env(resources={"gpu": 2})),
    (
        "gpu-device",
        "TaskEnvironment",
        _task_env(
            resources={"gpu": {"device": "A100", "count": 1, "partition": "1g.5gb"}, "shm": "1Gi"}
        ),
    ),
    (
        "gpu-device-no-partition",
        "TaskEnvironment",
        _task_env(resources={"gpu": {"device": "V5P", "partition": None}}),
    ),
    (
        "env-var-scalars",
        "TaskEnvironment",
        _task_env(env_vars={"A": "x", "B": 1, "C": 1.5, "D": True, "E": ""}),
    ),
    (
        "secret-all-fields",
        "TaskEnvironment",
        _task_env(secrets=[{"key": "k", "group": None, "mount": None, "as_env_var": None}]),
    ),
    ("reusable-empty", "TaskEnvironment", _task_env(reusable={})),
    ("reusable-false", "TaskEnvironment", _task_env(reusable=False)),
    ("reusable-off", "TaskEnvironment", _task_env(reusable="off")),
    (
        "reusable-int-replicas",
        "TaskEnvironment",
        _task_env(reusable={"replicas": 3, "idle_ttl": 60, "scaledown_ttl": "1h", "scope": "run"}),
    ),
    (
        "retries-policy",
        "TaskEnvironment",
        _task_env(
            tasks={
                "t": {"retries": {"count": 3, "backoff": {"base": "10s", "factor": 2, "cap": "5m"}}}
            }
        ),
    ),
    (
        "retries-no-backoff",
        "TaskEnvironment",
        _task_env(tasks={"t": {"retries": {"count": 0, "backoff": None}}}),
    ),
    (
        "backoff-constant",
        "TaskEnvironment",
        _task_env(tasks={"t": {"retries": {"count": 1, "backoff": {"base": 0}}}}),
    ),
    (
        "backoff-factor-1.0",
        "TaskEnvironment",
        _task_env(tasks={"t": {"retries": {"count": 1, "backoff": {"base": "1s", "factor": 1.0}}}}),
    ),
    (
        "timeout-policy",
        "TaskEnvironment",
        _task_env(
            tasks={
                "t": {"timeout": {"max_runtime": "1h30m", "max_queued_time": 0, "deadline": "2h"}}
            }
        ),
    ),
    ("timeout-seconds", "TaskEnvironment", _task_env(tasks={"t": {"timeout": 0}})),
    ("entrypoint-module", "TaskEnvironment", _task_env(tasks={"f": {"entrypoint": "a.b_c:f"}})),
    ("entrypoint-outside", "TaskEnvironment", _task_env(tasks={"f": {"entrypoint": "../x.py:f"}})),
    (
        "cache-policy",
        "TaskEnvironment",
        _task_env(
            cache={
                "behavior": "override",
                "version_override": None,
                "serialize": True,
                "ignored_inputs": ["x"],
                "salt": "s",
            }
        ),
    ),
    ("cache-bool", "TaskEnvironment", _task_env(cache=True)),
    ("inline-pod-template", "TaskEnvironment", _task_env(pod_template={"labels": {"a": "b"}})),
    ("inline-pod-template-empty", "TaskEnvironment", _task_env(pod_template={})),
    ("app-port-mapping", "AppEnvironment", _app(port={"port": 8080, "name": "h2c"})),
    ("app-command-list", "AppEnvironment", _app(command=["fserve", "--x"], args=["a", "b"])),
    (
        "app-request-rate",
        "AppEnvironment",
        _app(scaling={"replicas": 2, "metric": {"request_rate": 100}, "scaledown_after": 300}),
    ),
    (
        "app-parameter-full",
        "AppEnvironment",
        _app(
            parameters=[
                {
                    "name": "d",
                    "value": "s3://b/d",
                    "type": "directory",
                    "mount": None,
                    "download": False,
                    "env_var": "_lower_ok",
                    "ignore_patterns": ["*.tmp"],
                }
            ]
        ),
    ),
    ("app-domain-custom", "AppEnvironment", _app(domain={"custom_domain": "x.acme.com"})),
    ("app-name-dashes", "AppEnvironment", _app(name="a--b")),
    ("name-63", "TaskEnvironment", _task_env(name="a" * 63)),
    (
        "project-full-defaults",
        "Project",
        {
            "envc": 1,
            "defaults": {
                "image": "x:1",
                "resources": {"cpu": "1"},
                "cache": "auto",
                "reusable": None,
                "module": "m",
                "port": 9000,
                "requires_auth": False,
                "scaling": {"replicas": [1, 2]},
                "description": "d",
                "queue": "q",
                "interruptible": True,
                "command": None,
                "args": "x",
                "parameters": [],
                "domain": None,
                "env_vars": {},
                "secrets": [],
                "service_account": "sa",
                "pod_template": "p",
            },
        },
    ),
    (
        "project-tolerations",
        "Project",
        {
            "envc": 1,
            "gpu": {
                "tolerations": [
                    {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
                ]
            },
            "interruptible": {
                "node_selector": {"spot": "true"},
                "tolerations": [
                    {
                        "key": "spot",
                        "operator": "Equal",
                        "value": "true",
                        "effect": "NoExecute",
                        "tolerationSeconds": 30,
                    }
                ],
            },
        },
    ),
    (
        "project-misc",
        "Project",
        {
            "envc": 1,
            "version": "v1",
            "security": {"pod_security": "baseline", "run_as_user": None},
            "apps": {
                "target": "kubernetes",
                "ingress_class": "nginx",
                "knative": {"features": ["kubernetes.podspec-nodeselector"]},
            },
        },
    ),
    ("workflow-description", "Workflow", _with(SPEC_WORKFLOW, description="d")),
]

INVALID: list[tuple[str, str, Any]] = [
    ("unknown-key", "TaskEnvironment", _task_env(imgae="x")),
    ("unknown-nested-key", "TaskEnvironment", _task_env(resources={"cpus": "1"})),
    ("reusable-true", "TaskEnvironment", _task_env(reusable=True)),
    ("reusable-on", "TaskEnvironment", _task_env(reusable="on")),
    ("retries-negative", "TaskEnvironment", _task_env(tasks={"t": {"retries": -1}})),
    (
        "retries-count-negative",
        "TaskEnvironment",
        _task_env(tasks={"t": {"retries": {"count": -1}}}),
    ),
    ("retries-no-count", "TaskEnvironment", _task_env(tasks={"t": {"retries": {"backoff": None}}})),
    (
        "backoff-no-cap",
        "TaskEnvironment",
        _task_env(tasks={"t": {"retries": {"count": 1, "backoff": {"base": "1s", "factor": 2}}}}),
    ),
    (
        "backoff-factor-below-1",
        "TaskEnvironment",
        _task_env(tasks={"t": {"retries": {"count": 1, "backoff": {"base": "1s", "factor": 0.5}}}}),
    ),
    (
        "backoff-no-base",
        "TaskEnvironment",
        _task_env(tasks={"t": {"retries": {"count": 1, "backoff": {"factor": 1}}}}),
    ),
    ("gpu-list", "TaskEnvironment", _task_env(resources={"gpu": ["A100", 2]})),
    ("gpu-zero", "TaskEnvironment", _task_env(resources={"gpu": 0})),
    ("gpu-device-without-device", "TaskEnvironment", _task_env(resources={"gpu": {"count": 1}})),
    ("env-var-null", "TaskEnvironment", _task_env(env_vars={"A": None})),
    ("env-var-list", "TaskEnvironment", _task_env(env_vars={"A": ["x"]})),
    ("env-var-map", "TaskEnvironment", _task_env(env_vars={"A": {"b": "c"}})),
    ("env-vars-list", "TaskEnvironment", _task_env(env_vars=["A=1"])),
    ("cache-maybe", "TaskEnvironment", _task_env(cache="maybe")),
    ("cache-upper", "TaskEnvironment", _task_env(cache="Auto")),
    ("cache-policy-no-behavior", "TaskEnvironment", _task_env(cache={"serialize": True})),
    ("cache-policy-alias-behavior", "TaskEnvironment", _task_env(cache={"behavior": "enabled"})),
    ("app-name-underscore", "AppEnvironment", _app(name="my_app")),
    ("app-name-digit-first", "AppEnvironment", _app(name="1app")),
    ("app-name-trailing-dash", "AppEnvironment", _app(name="app-")),
    ("override-image", "Workflow", _workflow({"image": "x:1"})),
    ("override-entrypoint", "Workflow", _workflow({"entrypoint": "a:f"})),
    ("override-name", "Workflow", _workflow({"name": "x"})),
    ("name-null", "TaskEnvironment", _task_env(name=None)),
    ("name-missing", "TaskEnvironment", {"kind": "TaskEnvironment"}),
    ("name-upper", "TaskEnvironment", _task_env(name="Env")),
    ("name-double-separator", "TaskEnvironment", _task_env(name="a__b")),
    ("name-64", "TaskEnvironment", _task_env(name="a" * 64)),
    ("extends-null", "TaskEnvironment", _task_env(extends=None)),
    ("tasks-null", "TaskEnvironment", _task_env(tasks=None)),
    ("task-key", "TaskEnvironment", _task_env(tasks={"bad-name": {}})),
    ("task-key-digit", "TaskEnvironment", _task_env(tasks={"1f": {}})),
    ("task-env-only-field", "TaskEnvironment", _task_env(tasks={"t": {"image": "x:1"}})),
    ("task-resources", "TaskEnvironment", _task_env(tasks={"t": {"resources": {}}})),
    ("task-list", "TaskEnvironment", _task_env(tasks=[{"t": {}}])),
    ("entrypoint-no-function", "TaskEnvironment", _task_env(tasks={"t": {"entrypoint": "a/b.py"}})),
    ("entrypoint-not-py", "TaskEnvironment", _task_env(tasks={"t": {"entrypoint": "a/b.txt:t"}})),
    ("async-string", "TaskEnvironment", _task_env(tasks={"t": {"async": "yes"}})),
    ("interruptible-yes", "TaskEnvironment", _task_env(interruptible="yes")),
    ("timeout-float", "TaskEnvironment", _task_env(tasks={"t": {"timeout": 1.5}})),
    ("timeout-fraction", "TaskEnvironment", _task_env(tasks={"t": {"timeout": "1.5h"}})),
    ("timeout-order", "TaskEnvironment", _task_env(tasks={"t": {"timeout": "30s1m"}})),
    ("timeout-empty", "TaskEnvironment", _task_env(tasks={"t": {"timeout": ""}})),
    ("timeout-negative", "TaskEnvironment", _task_env(tasks={"t": {"timeout": -1}})),
    ("timeout-clock", "TaskEnvironment", _task_env(tasks={"t": {"timeout": "1:30"}})),
    ("timeout-unknown-key", "TaskEnvironment", _task_env(tasks={"t": {"timeout": {"runtime": 1}}})),
    ("max-inline-negative", "TaskEnvironment", _task_env(tasks={"t": {"max_inline_io_bytes": -1}})),
    ("quantity-negative", "TaskEnvironment", _task_env(resources={"cpu": -1})),
    ("quantity-triple", "TaskEnvironment", _task_env(resources={"memory": ["1Gi", "2Gi", "3Gi"]})),
    ("quantity-single", "TaskEnvironment", _task_env(resources={"memory": ["1Gi"]})),
    ("quantity-bool", "TaskEnvironment", _task_env(resources={"cpu": True})),
    ("shm-pair", "TaskEnvironment", _task_env(resources={"shm": ["1Gi", "2Gi"]})),
    ("secret-without-key", "TaskEnvironment", _task_env(secrets=[{"group": "g"}])),
    ("secret-bad-key", "TaskEnvironment", _task_env(secrets=["a b"])),
    (
        "secret-env-lowercase",
        "TaskEnvironment",
        _task_env(secrets=[{"key": "k", "as_env_var": "lower"}]),
    ),
    ("secrets-string", "TaskEnvironment", _task_env(secrets="openai-key")),
    ("depends-on-string", "TaskEnvironment", _task_env(depends_on="x")),
    ("reusable-concurrency-0", "TaskEnvironment", _task_env(reusable={"concurrency": 0})),
    ("reusable-replicas-negative", "TaskEnvironment", _task_env(reusable={"replicas": [-1, 2]})),
    ("reusable-replicas-triple", "TaskEnvironment", _task_env(reusable={"replicas": [1, 2, 3]})),
    ("reusable-scope", "TaskEnvironment", _task_env(reusable={"scope": "session"})),
    ("env-app-field", "TaskEnvironment", _task_env(port=8080)),
    ("app-task-field", "AppEnvironment", _app(cache="auto")),
    ("app-reusable", "AppEnvironment", _app(reusable={})),
    ("app-tasks", "AppEnvironment", _app(tasks={})),
    ("app-port-high", "AppEnvironment", _app(port=70000)),
    ("app-port-zero", "AppEnvironment", _app(port={"port": 0})),
    ("app-port-string", "AppEnvironment", _app(port="8080")),
    ("app-metric-zero", "AppEnvironment", _app(scaling={"metric": {"concurrency": 0}})),
    (
        "app-metric-both",
        "AppEnvironment",
        _app(scaling={"metric": {"concurrency": 1, "request_rate": 1}}),
    ),
    ("app-command-int-list", "AppEnvironment", _app(command=[1, 2])),
    ("app-parameter-no-name", "AppEnvironment", _app(parameters=[{"value": "x"}])),
    (
        "app-parameter-type",
        "AppEnvironment",
        _app(parameters=[{"name": "x", "type": "app_endpoint"}]),
    ),
    ("app-parameter-env", "AppEnvironment", _app(parameters=[{"name": "x", "env_var": "1X"}])),
    ("app-domain-unknown", "AppEnvironment", _app(domain={"host": "x"})),
    ("template-unknown-key", "PodTemplate", {"kind": "PodTemplate", "name": "t", "containers": []}),
    ("template-name-null", "PodTemplate", {"kind": "PodTemplate", "name": None}),
    ("template-spec-list", "PodTemplate", {"kind": "PodTemplate", "name": "t", "spec": []}),
    ("inline-template-unknown-key", "TaskEnvironment", _task_env(pod_template={"containers": []})),
    ("label-int", "PodTemplate", {"kind": "PodTemplate", "name": "t", "labels": {"a": 1}}),
    ("workflow-no-steps", "Workflow", {"kind": "Workflow", "name": "wf"}),
    ("workflow-empty-steps", "Workflow", {"kind": "Workflow", "name": "wf", "steps": []}),
    ("step-no-task", "Workflow", {"kind": "Workflow", "name": "wf", "steps": [{"name": "s"}]}),
    ("step-task-not-fqn", "Workflow", {"kind": "Workflow", "name": "wf", "steps": [{"task": "t"}]}),
    (
        "step-unknown-key",
        "Workflow",
        {"kind": "Workflow", "name": "wf", "steps": [{"task": "e.t", "x": 1}]},
    ),
    ("project-no-version", "Project", {"project": "acme"}),
    ("project-version-2", "Project", {"envc": 2}),
    ("project-k8s-float", "Project", {"envc": 1, "kubernetes_version": 1.31}),
    ("project-k8s-major", "Project", {"envc": 1, "kubernetes_version": "2.1"}),
    ("project-unknown-key", "Project", {"envc": 1, "sourcse": []}),
    ("project-name", "Project", {"envc": 1, "project": "Acme"}),
    ("project-defaults-tasks", "Project", {"envc": 1, "defaults": {"tasks": {}}}),
    ("project-defaults-retries", "Project", {"envc": 1, "defaults": {"retries": 3}}),
    ("project-target", "Project", {"envc": 1, "apps": {"target": "lambda"}}),
    ("project-pod-security", "Project", {"envc": 1, "security": {"pod_security": "strict"}}),
    ("project-toleration-key", "Project", {"envc": 1, "gpu": {"tolerations": [{"keys": "x"}]}}),
    ("project-features-unknown-key", "Project", {"envc": 1, "apps": {"knative": {"flags": []}}}),
]


def test_case_names_are_unique() -> None:
    names = [name for name, _, _ in VALID + INVALID]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("name", "kind", "document"), VALID, ids=[c[0] for c in VALID])
def test_valid_document(name: str, kind: str, document: Any) -> None:
    assert errors(kind, document) == []
    if kind in KINDS:
        assert jsonschema_rs.validator_for(schema()).is_valid(document)


@pytest.mark.parametrize(("name", "kind", "document"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_document(name: str, kind: str, document: Any) -> None:
    assert errors(kind, document), f"{name} should be rejected"
    if kind in KINDS:
        assert not jsonschema_rs.validator_for(schema()).is_valid(document)


@pytest.mark.parametrize(("name", "kind", "document"), VALID + INVALID, ids=[c[0] for c in VALID + INVALID])
def test_the_compiler_reports_the_same_errors(name: str, kind: str, document: Any) -> None:
    from envc.schema import _validator

    def found(validator: Any) -> list[tuple[list[Any], list[Any], str, str]]:
        return [(list(e.instance_path), list(e.schema_path), type(e.kind).__name__, e.message)
                for e in validator.iter_errors(document)]

    pointer = f"#/$defs/{kind}"
    assert found(_validator(pointer)) == found(rs_validator(pointer))


@pytest.mark.parametrize(
    "alias",
    [
        "auto",
        "override",
        "disable",
        "enable",
        "enabled",
        "on",
        "yes",
        "true",
        "off",
        "no",
        "none",
        "false",
    ],
)
def test_cache_strings(alias: str) -> None:
    assert errors("TaskEnvironment", _task_env(cache=alias)) == []
    assert errors("Workflow", _workflow({"cache": alias})) == []


@pytest.mark.parametrize(
    "duration", ["30s", "10m", "1h", "1h30m", "1h30s", "1h2m3s", "2m30s", "0s", 0, 3600]
)
def test_durations(duration: Any) -> None:
    assert errors("TaskEnvironment", _task_env(tasks={"t": {"timeout": duration}})) == []


@pytest.mark.parametrize("field", OVERRIDE_FIELDS)
def test_override_accepts_exactly_the_invocation_tier(field: str) -> None:
    properties = schema()["$defs"]["Override"]["properties"]
    assert set(properties) == set(OVERRIDE_FIELDS)
    assert errors("Workflow", _workflow({field: None})) == []


def test_task_accepts_exactly_the_task_tier() -> None:
    assert set(schema()["$defs"]["Task"]["properties"]) == set(TASK_FIELDS)


def test_defaults_leave_out_the_forbidden_keys() -> None:
    defaults = schema()["$defs"]["Project"]["properties"]["defaults"]["properties"]
    assert not {"name", "extends", "tasks", "depends_on", "kind"} & set(defaults)
    env_fields = set(schema()["$defs"]["TaskEnvironment"]["properties"]) | set(
        schema()["$defs"]["AppEnvironment"]["properties"]
    )
    assert set(defaults) == env_fields - {"name", "extends", "tasks", "depends_on", "kind"}
