"""Images (SPEC §6.4): a Docker reference, `auto` or `null`; unpinned is a warning.

PASS::   image: ghcr.io/acme/train:1.4.2
FAIL::   image: "Acme/Train"          # E508 invalid-image
WARN::   image: python:latest         # W501 unpinned-image
"""

from __future__ import annotations

from envc import codes
from envc.checks import Write
from envc.diagnostics import Sink
from envc.values.image_ref import check_image, is_unpinned


def check_image_field(w: Write, sink: Sink) -> None:
    ref = w.value
    if not isinstance(ref, str) or ref == "auto":
        return
    check_reference(ref, w.doc.span(w.path), sink)


def check_reference(ref: str, span: object, sink: Sink) -> None:
    try:
        check_image(ref)
    except ValueError as exc:
        sink.report(codes.BAD_IMAGE, span, str(exc))  # type: ignore[arg-type]
        return
    if is_unpinned(ref):
        sink.report(codes.UNPINNED_IMAGE, span,  # type: ignore[arg-type]
                    f"image `{ref}` is not pinned: add a tag other than latest, or a digest")
