"""Knative objects against Knative's own CRD schemas (SPEC §10.1).

The schemas are the `openAPIV3Schema` of Knative Serving's CRDs, shipped as data in
`schemas/knative/` (see the README there for their source and version). A CRD schema is
structural: the API server prunes unknown fields. envc is strict, as `kubectl apply
--validate=strict`: `strict()` closes every object schema that lists `properties` and is not
`x-kubernetes-preserve-unknown-fields`, so an unknown field is an error.

jsonschema-rs is imported on first use only (cold `envc validate` stays fast).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

SCHEMAS = {
    ("serving.knative.dev/v1", "Service"): "service.json",
    ("serving.knative.dev/v1beta1", "DomainMapping"): "domainmapping.json",
}
_PRESERVE = "x-kubernetes-preserve-unknown-fields"
_DATA_KEYWORDS = frozenset({"enum", "default", "example", "required", "description"})


def is_knative(manifest: Mapping[str, Any]) -> bool:
    return str(manifest.get("apiVersion", "")).startswith("serving.knative.dev/")


@cache
def crd_schema(file: str) -> dict[str, Any]:
    """The schema as shipped."""
    text = resources.files("envc.schemas").joinpath("knative", file).read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def strict(schema: Any) -> Any:
    """A copy where unknown fields are errors."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: (v if k in _DATA_KEYWORDS else strict(v)) for k, v in schema.items()}
    if "properties" in schema:
        out["properties"] = {k: strict(v) for k, v in schema["properties"].items()}
        if not schema.get(_PRESERVE) and "additionalProperties" not in schema:
            out["additionalProperties"] = False
    return out


@cache
def _validator(file: str) -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(strict(crd_schema(file)))


def errors(manifest: Mapping[str, Any]) -> list[str]:
    """`<json path>: <message>` for every schema error of a Knative object, [] when valid.
    An apiVersion/kind envc has no schema for is itself an error."""
    key = (str(manifest.get("apiVersion")), str(manifest.get("kind")))
    file = SCHEMAS.get(key)
    if file is None:
        return [f"$: no Knative schema for {key[0]} {key[1]}"]
    out = []
    for e in _validator(file).iter_errors(manifest):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.instance_path)
        out.append(f"${path}: {e.message}")
    return sorted(out)
