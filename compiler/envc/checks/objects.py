"""Checks on every emitted object (SPEC §10.1), run per unit of lowering (an environment or a
Workflow step): names Kubernetes accepts for the kind, valid label and annotation keys and
values, and selectors that match the labels of the pods they select.  envc derives all of
these itself (`k8s()`, the §8 labels), so a failure here is reported at the environment that
produced the object and usually means a template label overrides one of envc's.

PASS::   kind: TaskEnvironment, name: etl     # PodTemplate `etl-ingest`, labels from §8
FAIL::   a Deployment whose selector label the pod template sets to another value   # E907 selector-mismatch
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from envc import codes
from envc.diagnostics import Sink
from envc.lower import Obj
from envc.values.names import (
    APP_NAME,
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    NAME_MAX,
    SUBDOMAIN_MAX,
    check_label_key,
    check_label_value,
)

ANNOTATIONS_MAX = 256 * 1024  # apimachinery TotalAnnotationSizeLimitB
_LABEL_NAMES = {"Service"}  # kinds whose names are RFC 1035 labels (Kubernetes and Knative Services)


def check_objects(objs: Iterable[Obj], sink: Sink) -> None:
    objs = list(objs)
    for o in objs:
        _name(o, sink)
        meta = o.manifest.get("metadata") or {}
        _labels(o, "metadata", meta, sink)
        template = _template(o.manifest)
        if template is not None:
            _labels(o, "spec.template.metadata" if "spec" in o.manifest else "template.metadata",
                    template.get("metadata") or {}, sink)
    _selectors(objs, sink)


def _name(o: Obj, sink: Sink) -> None:
    meta = o.manifest.get("metadata") or {}
    name, namespace = str(meta.get("name")), meta.get("namespace")
    if o.kind in _LABEL_NAMES:
        ok, rule = len(name) <= NAME_MAX and APP_NAME.fullmatch(name), "an RFC 1035 label (starts with a letter, <= 63)"
    else:
        ok, rule = len(name) <= SUBDOMAIN_MAX and DNS1123_SUBDOMAIN.fullmatch(name), "a DNS-1123 subdomain"
    if not ok:
        sink.report(codes.BAD_K8S_NAME, o.origin, f"{_what(o)}: the name `{name}` is not {rule}")
    if namespace is not None and not (len(str(namespace)) <= NAME_MAX and DNS1123_LABEL.fullmatch(str(namespace))):
        sink.report(codes.BAD_K8S_NAME, o.origin, f"{_what(o)}: the namespace `{namespace}` is not a DNS-1123 label")


def _labels(o: Obj, where: str, meta: Mapping[str, Any], sink: Sink) -> None:
    labels = meta.get("labels") or {}
    if labels:
        for problem in _label_set_problems(labels):
            sink.report(codes.BAD_LABEL, o.origin, f"{_what(o)}: {where}.labels: {problem}")
    annotations = meta.get("annotations") or {}
    if not annotations:
        return
    for problem in _key_problems(tuple(annotations)):
        sink.report(codes.BAD_LABEL, o.origin, f"{_what(o)}: {where}.annotations: {problem.replace('label key', 'annotation key')}")
    try:  # every key and value is a string (lowering writes only strings): no Python-level loop
        chars = len("".join(annotations)) + len("".join(annotations.values()))
    except TypeError:  # a template's annotation that is not a string
        chars = sum(len(str(k)) + len(str(v)) for k, v in annotations.items())
    if 4 * chars > ANNOTATIONS_MAX:  # UTF-8 is at most 4 bytes a character: encode only when it matters
        size = sum(len(str(k).encode()) + len(str(v).encode()) for k, v in annotations.items())
        if size > ANNOTATIONS_MAX:
            sink.report(codes.BAD_LABEL, o.origin, f"{_what(o)}: {where}.annotations total {size} bytes, over Kubernetes' 256 KiB")


# Label pairs (key, value) known to be valid.  Every object carries a label set of its own
# (the task's name), but its pairs repeat: a set whose every pair is known is valid without
# checking a pair (one C-level `issuperset`).  Only pairs of two `str` go in, so a pair of
# other types that compares equal (`1 == True`) can never pass for one of them.
_VALID_LABELS: set[tuple[str, str]] = set()
_MAX_VALID_LABELS = 65536


def _label_set_problems(labels: Mapping[Any, Any]) -> list[str]:
    """The problems of a label set, in its order."""
    try:
        if _VALID_LABELS.issuperset(labels.items()):
            return []
    except TypeError:  # an unhashable value (a template's label): check each pair
        pass
    out = []
    for k, v in labels.items():
        problem = _label_problem(k, v)
        if problem is not None:
            out.append(problem)
        elif type(k) is str and type(v) is str:
            if len(_VALID_LABELS) >= _MAX_VALID_LABELS:
                _VALID_LABELS.clear()
            _VALID_LABELS.add((k, v))
    return out


@lru_cache(maxsize=4096)
def _key_problems(keys: tuple[Any, ...]) -> tuple[str, ...]:
    """The problems of a set of annotation keys (objects of one kind share the same few)."""
    return tuple(p for k in keys if (p := _label_problem(k, None)) is not None)


def _label_problem(key: Any, value: Any) -> str | None:
    """What is wrong with a label (value None: an annotation key), or None."""
    problem = _key_problem(str(key))
    if problem is None and value is not None:
        problem = _value_problem(str(value))
    return problem


def _cached_problem(check: Callable[[str], object], size: int) -> Callable[[str], str | None]:
    """`check`'s complaint about a text (its ValueError's message), or None; remembered."""
    @lru_cache(maxsize=size)
    def problem(text: str) -> str | None:
        try:
            check(text)
        except ValueError as exc:
            return str(exc)
        return None
    return problem


# Label and annotation keys: a project uses a few dozen, each checked once.
_key_problem = _cached_problem(check_label_key, 4096)
# Label values: the objects of an environment repeat its name in several labels.
_value_problem = _cached_problem(check_label_value, 16384)


def _selectors(objs: list[Obj], sink: Sink) -> None:
    pods: list[Mapping[str, Any]] = []
    for o in objs:
        template = _template(o.manifest) if o.kind != "PodTemplate" else None
        labels = (template or {}).get("metadata", {}).get("labels") or {}
        pods.append(labels)
        selector = ((o.manifest.get("spec") or {}).get("selector") or {}) if template is not None else {}
        wanted = selector.get("matchLabels") or {}
        missing = {k: v for k, v in wanted.items() if labels.get(k) != v}
        if missing:
            sink.report(codes.SELECTOR_MISMATCH, o.origin,
                        f"{_what(o)}: spec.selector.matchLabels {_pairs(missing)} do not match the pod template's labels")
    for o in objs:
        if o.kind != "Service" or o.api_group:
            continue
        selector = (o.manifest.get("spec") or {}).get("selector") or {}
        if selector and not any(all(p.get(k) == v for k, v in selector.items()) for p in pods):
            sink.report(codes.SELECTOR_MISMATCH, o.origin,
                        f"{_what(o)}: spec.selector {_pairs(selector)} matches no pod template emitted with it")


def _template(manifest: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod template of an object (PodTemplate.template, <workload>.spec.template)."""
    if manifest.get("kind") == "PodTemplate":
        t = manifest.get("template")
    else:
        t = (manifest.get("spec") or {}).get("template") if isinstance(manifest.get("spec"), dict) else None
    return t if isinstance(t, dict) else None


def _pairs(labels: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _what(o: Obj) -> str:
    return f"{o.kind} `{o.name}` ({o.path})"
