"""Descriptions (SPEC §5.1, §12.7): over 255 characters is a warning, then truncated as Flyte does.

WARN::   description: <300 characters>     # W402 description-truncated
"""

from __future__ import annotations

from envc import codes
from envc.checks import Write
from envc.diagnostics import Sink
from envc.normalize import DESCRIPTION_MAX


def check_description(w: Write, sink: Sink) -> None:
    if isinstance(w.value, str) and len(w.value) > DESCRIPTION_MAX:
        sink.report(codes.DESCRIPTION_TRUNCATED, w.doc.span(w.path),
                    f"the description has {len(w.value)} characters; Flyte keeps the first 247 and adds \"...(tr.)\"")
