"""Resources (SPEC §6.1): quantities, `[request, limit]` pairs, GPUs, `shm`.

PASS::

    resources: {cpu: "2", memory: [4Gi, 8Gi], gpu: "A100:2", shm: auto}

FAIL::

    resources: {memory: [8Gi, 4Gi]}   # E502 request-exceeds-limit
    resources: {cpu: two}             # E501 invalid-quantity
    resources: {gpu: "A100:9"}        # E503 invalid-gpu
"""

from __future__ import annotations

from fractions import Fraction

from envc import codes
from envc.checks import Write
from envc.diagnostics import Sink
from envc.resolve import as_text
from envc.values.gpu import parse_gpu
from envc.values.quantity import parse_quantity

QUANTITY_KEYS = ("cpu", "memory", "disk")


def check_resources(w: Write, sink: Sink) -> None:
    value = w.value
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        path = (*w.path, key)
        if item is None:
            continue
        if key in QUANTITY_KEYS:
            _quantity_or_pair(w, path, as_text(w.doc, path, item), sink)
        elif key == "gpu":
            _gpu(w, path, item, sink)
        elif key == "shm" and item != "auto":
            _quantity(w, path, as_text(w.doc, path, item), sink)


def _quantity_or_pair(w: Write, path: tuple[str | int, ...], item: object, sink: Sink) -> None:
    if not isinstance(item, list):
        _quantity(w, path, item, sink)
        return
    request = _quantity(w, (*path, 0), item[0], sink)
    limit = _quantity(w, (*path, 1), item[1], sink)
    if request is not None and limit is not None and request > limit:
        sink.report(codes.REQUEST_OVER_LIMIT, w.doc.span(path),
                    f"`{path[-1]}` request {item[0]} is more than its limit {item[1]}")


def _quantity(w: Write, path: tuple[str | int, ...], text: object, sink: Sink) -> Fraction | None:
    try:
        return parse_quantity(str(text))
    except ValueError as exc:
        sink.report(codes.BAD_QUANTITY, w.doc.span(path), f"`{path[-2] if isinstance(path[-1], int) else path[-1]}`: {exc}")
        return None


def _gpu(w: Write, path: tuple[str | int, ...], item: object, sink: Sink) -> None:
    try:
        parse_gpu(item)  # type: ignore[arg-type]
    except ValueError as exc:
        sink.report(codes.BAD_GPU, w.doc.span(path), str(exc))
