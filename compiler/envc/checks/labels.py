"""Labels and annotations (SPEC §8): valid Kubernetes keys and values, no reserved prefix.

PASS::   labels: {team: ml}
FAIL::   labels: {envc.dev/owner: me}      # E513 reserved-label
FAIL::   labels: {team: "not valid!"}      # E514 invalid-label
"""

from __future__ import annotations

from envc import codes
from envc.checks import Write
from envc.diagnostics import Sink
from envc.load import Document, Path
from envc.model import Project
from envc.values.names import check_label_key, check_label_value

RESERVED = ("app.kubernetes.io/", "envc.dev/")


def check_template_labels(w: Write, sink: Sink) -> None:
    """`pod_template` written inline, or a PodTemplate document's own labels/annotations."""
    value = w.value
    if w.field in ("labels", "annotations"):
        check_map(w.doc, w.path, value, w.field == "labels", sink)
    elif isinstance(value, dict):
        for key in ("labels", "annotations"):
            if isinstance(value.get(key), dict):
                check_map(w.doc, (*w.path, key), value[key], key == "labels", sink)


def check_project_labels(project: Project, sink: Sink) -> None:
    doc = project.project_doc
    for key in ("labels", "annotations"):
        if isinstance(doc.data.get(key), dict):
            check_map(doc, (key,), doc.data[key], key == "labels", sink)


def check_map(doc: Document, path: Path, value: dict[str, object], labels: bool, sink: Sink) -> None:
    for key, item in value.items():
        span = doc.key_span((*path, key))
        if key.startswith(RESERVED):
            sink.report(codes.RESERVED_LABEL, span, f"`{key}` is reserved for envc: use another prefix")
            continue
        try:
            check_label_key(key)
            if labels:
                check_label_value(str(item))
        except ValueError as exc:
            sink.report(codes.BAD_LABEL, span if "key" in str(exc) else doc.span((*path, key)), str(exc))
