"""Knative's own CRD schemas (schemas/knative/, SPEC §10.1, §8.3).

* every Knative object of every golden validates strictly against the schema of its kind
  (unknown fields are errors, as `kubectl apply --validate=strict`);
* the strict schemas do reject what Knative rejects (so the first test can fail);
* envc's offline admission tables (compiler/envc/checks/knative.py) agree with the schema:
  the same pod, container, securityContext and volume fields, and each feature-gated field
  behind the flag the schema names.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from envc import knative_crd
from envc.checks import knative

REPO = Path(__file__).resolve().parents[1]
GOLDEN_FILES = sorted((REPO / "golden").rglob("*.yaml"))
FLAG = re.compile(r"behind a feature flag - (\S+)")


def knative_objects() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in GOLDEN_FILES:
        doc = yaml.safe_load(path.read_text("utf-8"))
        if isinstance(doc, dict) and knative_crd.is_knative(doc):
            out.append((path.relative_to(REPO).as_posix(), doc))
    return out


OBJECTS = knative_objects()


def test_the_goldens_hold_both_knative_kinds() -> None:
    kinds = {doc["kind"] for _, doc in OBJECTS}
    assert kinds == {"Service", "DomainMapping"}, "an example should emit Knative Services and DomainMappings"


@pytest.mark.parametrize("path,doc", OBJECTS, ids=[p for p, _ in OBJECTS])
def test_golden_knative_object_validates_strictly(path: str, doc: dict[str, Any]) -> None:
    assert knative_crd.errors(doc) == []


def service() -> dict[str, Any]:
    return copy.deepcopy(next(doc for _, doc in OBJECTS if doc["kind"] == "Service"))


@pytest.mark.parametrize("mutate,error", [
    (lambda d: d["spec"]["template"]["spec"].__setitem__("restartPolicy", "Always"), "restartPolicy"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0].__setitem__("lifecycle", {}), "lifecycle"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0].__setitem__("tty", True), "tty"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0]["securityContext"].__setitem__("procMount", "Default"),
     "procMount"),
    (lambda d: d["spec"].__setitem__("replicas", 2), "replicas"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0]["ports"][0].__setitem__("containerPort", "8080"),
     '"8080" is not of type'),
])
def test_strict_schema_rejects(mutate: Any, error: str) -> None:
    doc = service()
    mutate(doc)
    problems = knative_crd.errors(doc)
    assert problems and any(error in p for p in problems), problems


def test_domain_mapping_needs_a_ref() -> None:
    doc = copy.deepcopy(next(doc for _, doc in OBJECTS if doc["kind"] == "DomainMapping"))
    del doc["spec"]["ref"]
    assert any("ref" in p for p in knative_crd.errors(doc))


def test_unknown_kind_is_an_error() -> None:
    assert knative_crd.errors({"apiVersion": "serving.knative.dev/v1", "kind": "Route"}) != []


# --- the admission tables against the schema -------------------------------------------------

REVISION_FIELDS = {"containerConcurrency", "timeoutSeconds", "idleTimeoutSeconds", "responseStartTimeoutSeconds"}


def pod_schema() -> dict[str, Any]:
    s = knative_crd.crd_schema("service.json")
    return s["properties"]["spec"]["properties"]["template"]["properties"]["spec"]  # type: ignore[no-any-return]


def flags(props: dict[str, Any]) -> dict[str, str]:
    return {k: m.group(1) for k, v in props.items() if (m := FLAG.search(v.get("description", "")))}


def test_pod_fields_match_the_schema() -> None:
    props = pod_schema()["properties"]
    assert set(props) - REVISION_FIELDS == knative.POD_ALLOWED | set(knative.POD_FLAGS)
    assert flags(props) == knative.POD_FLAGS


def test_container_fields_match_the_schema() -> None:
    container = pod_schema()["properties"]["containers"]["items"]["properties"]
    assert set(container) == knative.CONTAINER_ALLOWED
    security = container["securityContext"]["properties"]
    assert set(security) == knative.SECURITY_ALLOWED
    assert flags(security["capabilities"]["properties"]) == {"add": knative.ADD_CAPABILITIES_FLAG}
    env_source = container["env"]["items"]["properties"]["valueFrom"]["properties"]
    assert set(flags(env_source).values()) == {knative.FIELDREF_FLAG}
    mount = container["volumeMounts"]["items"]["properties"]
    assert flags(mount) == {"mountPropagation": knative.MOUNT_PROPAGATION_FLAG}


def test_volume_sources_match_the_schema() -> None:
    volume = pod_schema()["properties"]["volumes"]["items"]["properties"]
    assert set(volume) - {"name"} == knative.VOLUMES_ALLOWED | set(knative.VOLUME_FLAGS)
    assert flags(volume) == {**knative.VOLUME_FLAGS, **knative.ON_BY_DEFAULT}
