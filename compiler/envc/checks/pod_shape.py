"""The shape of a pod template's `spec` where envc reads or merges it (SPEC §6.6).

The schema leaves `spec` free-form (a Kubernetes PodSpec, validated strictly by
`--validate`, SPEC §10.1); this rule checks the parts envc itself merges into, so
a malformed template is an error at its line instead of a crash.

PASS::   spec: {containers: [{name: primary}], tolerations: [{key: a, operator: Exists}]}
FAIL::   spec: {containers: primary}          # E608 invalid-pod-template
"""

from __future__ import annotations

from typing import Any

from envc import codes
from envc.checks import Write
from envc.diagnostics import Sink
from envc.load import Document, Path

_LISTS_OF_MAPPINGS = ("containers", "initContainers", "ephemeralContainers", "tolerations", "volumes")
_CONTAINER_LISTS = ("env", "volumeMounts", "ports")
_MAPPINGS = ("nodeSelector", "securityContext")


def check_template_spec(w: Write, sink: Sink) -> None:
    """`spec` of a PodTemplate document, or of an inline `pod_template`."""
    if w.field == "spec":
        _spec(w.doc, w.path, w.value, sink)
    elif isinstance(w.value, dict) and "spec" in w.value and w.value["spec"] is not None:
        _spec(w.doc, (*w.path, "spec"), w.value["spec"], sink)


def _spec(doc: Document, path: Path, spec: Any, sink: Sink) -> None:
    if not isinstance(spec, dict):
        _bad(doc, path, "`spec` must be a mapping (a Kubernetes PodSpec)", sink)
        return
    for key in _MAPPINGS:
        if key in spec and not isinstance(spec[key], dict):
            _bad(doc, (*path, key), f"`spec.{key}` must be a mapping", sink)
    for key in _LISTS_OF_MAPPINGS:
        if key in spec and not _list_of_mappings(spec[key]):
            what = "containers" if "ontainers" in key else "mappings"
            _bad(doc, (*path, key), f"`spec.{key}` must be a list of {what}", sink)
        elif key.endswith("ontainers") and key in spec:
            for i, c in enumerate(spec[key]):
                _container(doc, (*path, key, i), c, f"spec.{key}[{i}]", sink)


def _container(doc: Document, path: Path, c: dict[str, Any], where: str, sink: Sink) -> None:
    if not isinstance(c.get("name"), str):
        _bad(doc, path, f"`{where}` needs a `name`", sink)
    for key in _CONTAINER_LISTS:
        if key in c and not _list_of_mappings(c[key]):
            _bad(doc, (*path, key), f"`{where}.{key}` must be a list of mappings", sink)
    for key in ("securityContext", "resources"):
        if key in c and not isinstance(c[key], dict):
            _bad(doc, (*path, key), f"`{where}.{key}` must be a mapping", sink)
    resources = c.get("resources")
    if isinstance(resources, dict):
        for key in ("requests", "limits"):
            if key in resources and not isinstance(resources[key], dict):
                _bad(doc, (*path, "resources", key), f"`{where}.resources.{key}` must be a mapping", sink)


def _list_of_mappings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, dict) for x in value)


def _bad(doc: Document, path: Path, message: str, sink: Sink) -> None:
    sink.report(codes.BAD_TEMPLATE, doc.span(path), message)
