"""`kubernetes_version` and `security` in envc.yaml (SPEC §2, §10).

The supported versions are the minors whose strict OpenAPI schemas the pinned
`kubernetes-validate` ships (the `validate` extra; tests/test_kube_schema.py checks the two
agree): outputs are validated against them (§10.1) and the Pod Security Standards are
evaluated as that version's admission plugin does (§10.2).  This module imports nothing
heavy: every command checks the version.

PASS::   kubernetes_version: "1.31"
FAIL::   kubernetes_version: "1.99"        # E211 unsupported-kubernetes-version
FAIL::   security: {run_as_user: 0}        # E607 run-as-root (restricted profile)
WARN::   security: {run_as_user: null}     # W601 uid-unverifiable (restricted profile)
"""

from __future__ import annotations

from envc import codes
from envc.diagnostics import Sink
from envc.model import Project

SUPPORTED: tuple[str, ...] = tuple(f"1.{minor}" for minor in range(25, 38))
"""kubernetes-validate 1.37.0 ships strict schemas for Kubernetes 1.25 to 1.37."""

DEFAULT = "1.31"


def parse_version(text: str) -> tuple[int, int]:
    """`"1.31"` -> (1, 31); the schema phase guarantees the `1.<minor>` form."""
    major, _, minor = text.partition(".")
    return int(major), int(minor)


def check_kubernetes_version(project: Project, sink: Sink) -> None:
    doc = project.project_doc
    version = doc.data.get("kubernetes_version")
    if not isinstance(version, str) or version in SUPPORTED:
        return
    sink.report(codes.UNSUPPORTED_VERSION, doc.span(("kubernetes_version",)),
                f"kubernetes_version `{version}` is outside the supported range: "
                f"use one of {', '.join(SUPPORTED)}")


def check_security(project: Project, sink: Sink) -> None:
    """What `security` asks of every container under the restricted profile (SPEC §10.2)."""
    doc, settings = project.project_doc, project.settings
    security = doc.data.get("security")
    if settings.pod_security != "restricted" or not isinstance(security, dict) or "run_as_user" not in security:
        return
    where = doc.span(("security", "run_as_user"))
    if settings.run_as_user is None:
        sink.report(codes.UID_UNVERIFIABLE, where,
                    "`run_as_user: null` leaves runAsNonRoot to the image: it must declare a numeric "
                    "non-root USER or the kubelet refuses the pod")
    elif settings.run_as_user == 0:
        sink.report(codes.RUN_AS_ROOT, where,
                    "`run_as_user: 0` runs every container as root, which the restricted Pod Security "
                    "Standard forbids: use a non-root UID, or lower security.pod_security")
