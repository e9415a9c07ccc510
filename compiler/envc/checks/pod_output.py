"""Checks on every pod envc emits (SPEC §10.1, §10.2), run where lowering assembles it, each
reported at the authored location of the value that caused it (`pod_origin`).

* the Pod Security Standard of `security.pod_security` (`pod_security.CONTROLS`);
* unique container, volume and port names per pod, unique mount paths per container, and
  mounts that name a volume of the pod;
* container, volume and port names Kubernetes accepts, env var names of `kubernetes_version`;
* extended resources (and hugepages) with limits equal to requests, in whole numbers;
  requests <= limits after the template and the environment are merged.

PASS::

    spec:
      containers:
        - name: primary
          resources:
            requests: {smarter-devices/fuse: "1"}
            limits: {smarter-devices/fuse: "1"}

FAIL::

    spec:
      containers:
        - name: primary
          resources:
            requests: {smarter-devices/fuse: "1"}   # E905 extended-resource-limit: no limit
        - name: primary                             # E904 duplicate-in-pod
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from functools import lru_cache
from typing import Any

from envc import codes
from envc.checks.kubernetes_version import parse_version
from envc.checks.pod_origin import PodOrigin
from envc.checks.pod_security import PodPath, PodView, evaluate
from envc.diagnostics import Related, Sink, Span
from envc.project import Settings
from envc.values.gpu import RESOURCE_NAMES
from envc.values.names import DNS1123_LABEL, NAME_MAX
from envc.values.quantity import parse_quantity
from envc.values.secret_ref import secret_volume_name

SHM_MOUNT = "/dev/shm"
SHM_VOLUME = "flyte-shm"  # lower/pods.py
_ENV_KEYS = {"cpu": "cpu", "memory": "memory", "ephemeral-storage": "disk"}
# IANA_SVC_NAME (apimachinery IsValidPortName): 1-15 of [a-z0-9-], a letter, no '--', no edge '-'
_PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")
_LETTER = re.compile(r"[a-z]")
_ENV_NAME_STRICT = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")  # IsEnvVarName, before 1.32
RELAXED_ENV_NAMES = (1, 32)  # RelaxedEnvironmentVariableValidation: beta (on by default) in 1.32, GA 1.34


def check_pod(pod: PodView, origin: PodOrigin, settings: Settings, sink: Sink) -> None:
    _pod_security(pod, origin, settings, sink)
    _names(pod, origin, sink)
    _mounts(pod, origin, sink)
    _env_names(pod, origin, parse_version(settings.kubernetes_version), sink)
    for path, c in pod.containers():
        _resources(path, c, origin, sink)


def _where(origin: PodOrigin, path: PodPath) -> Span | None:
    return origin.authored(path) or origin.nearest(path) or origin.fallback


def _pod_security(pod: PodView, origin: PodOrigin, settings: Settings, sink: Sink) -> None:
    level = settings.pod_security
    for control, finding in evaluate(pod, level, parse_version(settings.kubernetes_version)):
        if finding.code is codes.RUN_AS_ROOT:
            span = origin.authored(finding.path)
            if span is None:
                continue  # security.run_as_user: 0 itself: reported once, at envc.yaml (kubernetes_version.py)
            sink.report(finding.code, span, finding.message, origin.related())
            continue
        sink.report(finding.code, _where(origin, finding.path),
                    f"{finding.message}: the {level} Pod Security Standard forbids it "
                    f"(control `{control.name}`, Kubernetes {settings.kubernetes_version})", origin.related())


def _names(pod: PodView, origin: PodOrigin, sink: Sink) -> None:
    where: PodPath
    seen: dict[str, PodPath] = {}
    for path, c in pod.containers():
        _unique(origin, seen, str(c.get("name")), (*path, "name"), "container name", sink)
        _dns_label(origin, c.get("name"), (*path, "name"), "container name", sink)
    seen = {}
    for i, vol in enumerate(_items(pod.spec.get("volumes"))):
        if isinstance(vol, dict):
            where = ("spec", "volumes", i, "name")
            first = seen.setdefault(str(vol.get("name")), where)
            if first != where:
                sink.report(codes.DUPLICATE_IN_POD, _volume_span(origin, where, vol),
                            f"volume name `{vol.get('name')}` is used twice in one pod",
                            _related("first used here", _volume_span(origin, first, _at_path(pod, first[:-1]))))
            _dns_label(origin, vol.get("name"), where, "volume name", sink)
    seen = {}
    for path, c in pod.containers():
        for k, port in enumerate(_items(c.get("ports"))):
            name = port.get("name") if isinstance(port, dict) else None
            if name is None:
                continue
            where = (*path, "ports", k, "name")
            _unique(origin, seen, str(name), where, "port name", sink, fallback=origin.field_span("port") or origin.environment_span())
            if not (isinstance(name, str) and _PORT_NAME.match(name) and _LETTER.search(name) and "--" not in name):
                sink.report(codes.BAD_K8S_NAME, _where(origin, where),
                            f"port name `{name}` is invalid: 1 to 15 lowercase letters, digits and '-', "
                            "with a letter, not starting or ending with '-', no '--' (IANA service name)")


def _unique(origin: PodOrigin, seen: dict[str, PodPath], name: str, path: PodPath, what: str, sink: Sink,
            fallback: Span | None = None) -> None:
    """`fallback`: where a value lowering added comes from (an app's `port`)."""
    first = seen.setdefault(name, path)
    if first != path:
        def at(p: PodPath) -> Span | None:
            return origin.authored(p) or fallback or _where(origin, p)
        sink.report(codes.DUPLICATE_IN_POD, at(path), f"{what} `{name}` is used twice in one pod",
                    _related("first used here", at(first)))


@lru_cache(maxsize=4096)
def _is_dns_label(name: str) -> bool:
    return len(name) <= NAME_MAX and DNS1123_LABEL.fullmatch(name) is not None


def _dns_label(origin: PodOrigin, name: Any, path: PodPath, what: str, sink: Sink) -> None:
    if not (isinstance(name, str) and _is_dns_label(name)):
        sink.report(codes.BAD_K8S_NAME, _where(origin, path),
                    f"{what} `{name}` is not a DNS-1123 label: at most 63 lowercase letters, digits and '-', "
                    "starting and ending alphanumeric")


def _mounts(pod: PodView, origin: PodOrigin, sink: Sink) -> None:
    volumes = {v.get("name") for v in _items(pod.spec.get("volumes")) if isinstance(v, dict)}
    for path, c in pod.containers():
        seen: dict[str, PodPath] = {}
        for k, m in enumerate(_items(c.get("volumeMounts"))):
            if not isinstance(m, dict):
                continue
            where = (*path, "volumeMounts", k)
            if m.get("name") not in volumes:
                sink.report(codes.UNKNOWN_VOLUME, origin.authored((*where, "name")) or _mount_span(origin, where, m),
                            f"{_who(c)} mounts volume `{m.get('name')}`, which the pod does not define")
            mount_path = str(m.get("mountPath"))
            first = seen.setdefault(mount_path, where)
            if first != where and not (mount_path == SHM_MOUNT and m.get("name") == SHM_VOLUME):  # E604 covers it
                sink.report(codes.DUPLICATE_IN_POD, _mount_span(origin, where, m),
                            f"{_who(c)} mounts two volumes at `{mount_path}`",
                            _related("the other mount", _mount_span(origin, first, _at_path(pod, first))))


def _mount_span(origin: PodOrigin, where: PodPath, mount: Any) -> Span | None:
    """A mount envc added: `shm` or a secret's `mount`; otherwise the template's."""
    span = origin.authored((*where, "mountPath"))
    if span is not None:
        return span
    if isinstance(mount, dict) and mount.get("name") == SHM_VOLUME:
        return origin.field_span("resources", "shm") or _where(origin, where)
    return _secret_span(origin, mount.get("mountPath") if isinstance(mount, dict) else None) or _where(origin, where)


def _volume_span(origin: PodOrigin, where: PodPath, volume: Any) -> Span | None:
    """A volume envc added (`flyte-shm`, a secrets volume), at the field that asked for it."""
    span = origin.authored(where)
    if span is not None or not isinstance(volume, dict):
        return span or _where(origin, where)
    if volume.get("name") == SHM_VOLUME:
        return origin.field_span("resources", "shm") or _where(origin, where)
    mounts = {secret_volume_name(str(s.get("mount"))): s.get("mount") for s in _secret_items(origin) if s.get("mount")}
    return _secret_span(origin, mounts.get(str(volume.get("name")))) or _where(origin, where)


def _secret_items(origin: PodOrigin) -> list[dict[str, Any]]:
    value = origin.fields.get("secrets")
    items = value.value if value is not None and isinstance(value.value, list) else []
    return [s for s in items if isinstance(s, dict)]


def _secret_span(origin: PodOrigin, mount: Any) -> Span | None:
    """The secret that asks for a file mount at `mount`."""
    value = origin.fields.get("secrets")
    if value is None or not isinstance(value.value, list):
        return None
    for i, s in enumerate(value.value):
        if isinstance(s, dict) and s.get("mount") == mount:
            return value.part(i).span
    return value.origin.span


def _env_names(pod: PodView, origin: PodOrigin, version: tuple[int, int], sink: Sink) -> None:
    relaxed = version >= RELAXED_ENV_NAMES
    ok = _relaxed_env_name if relaxed else _strict_env_name
    for path, c in pod.containers():
        for e in _items(c.get("env")):
            name = e.get("name") if isinstance(e, dict) else None
            if isinstance(name, str) and ok(name):
                continue
            rule = ("printable ASCII without '='" if relaxed
                    else "letters, digits, '_', '-' and '.', not starting with a digit")
            sink.report(codes.BAD_ENV_NAME, _env_span(origin, path, c, str(name)),
                        f"env var name `{name}` is invalid for Kubernetes {'.'.join(map(str, version))}: use {rule}")


@lru_cache(maxsize=4096)
def _relaxed_env_name(name: str) -> bool:
    """IsRelaxedEnvVarName: printable ASCII, no '=' (one argument: a cheaper cache key)."""
    return bool(name) and "=" not in name and all(32 <= ord(ch) <= 126 for ch in name)


@lru_cache(maxsize=4096)
def _strict_env_name(name: str) -> bool:
    """IsEnvVarName before Kubernetes 1.32."""
    return _ENV_NAME_STRICT.match(name) is not None


def _env_span(origin: PodOrigin, path: PodPath, c: Mapping[str, Any], name: str) -> Span | None:
    tpath = origin.template_path(path)
    if tpath is not None:
        for k, e in enumerate(_items(origin.template_at((*tpath, "env")))):
            if isinstance(e, dict) and e.get("name") == name:
                return origin.template_span_at((*tpath, "env", k, "name"))
    return origin.field_key_span("env_vars", name) or _where(origin, path)


def _resources(path: PodPath, c: Mapping[str, Any], origin: PodOrigin, sink: Sink) -> None:
    res = c.get("resources")
    requests = _mapping(res, "requests")
    limits = _mapping(res, "limits")
    if not requests and not limits:
        return
    # the problems depend only on the names and the quantities' text: pods repeat a few sets
    found = _resource_problems(tuple(zip(requests, map(str, requests.values()), strict=True)),
                               tuple(zip(limits, map(str, limits.values()), strict=True)))
    for code, kind, name, text, related in found:
        span = _res_span(origin, path, kind, name)
        sink.report(code, span, _who(c) + text,
                    _related(related, _res_span(origin, path, "limits", name)) if related else ())


# A resource problem: its code, where it is reported (requests or limits, and the resource
# name), the message after "container `<name>`", and the related message pointing at the
# limit (or None).
_Problem = tuple[codes.Code, str, str, str, str | None]
_LIMIT_HERE = "the limit is set here"


@lru_cache(maxsize=4096)
def _resource_problems(requests: tuple[tuple[str, str], ...],
                       limits: tuple[tuple[str, str], ...]) -> tuple[_Problem, ...]:
    """The problems of one container's requests and limits, given as (name, text) pairs."""
    out: list[_Problem] = []
    values: dict[tuple[str, str], Fraction] = {}
    for kind, items in (("requests", requests), ("limits", limits)):
        for name, q in items:
            value = _quantity(q)
            if isinstance(value, str):
                out.append((codes.BAD_QUANTITY, kind, name, f" {kind}.{name}: {value}", None))
            else:
                values[kind, name] = value
    req_text, lim_text = dict(requests), dict(limits)
    for name in sorted(set(req_text) | set(lim_text)):
        req, lim = values.get(("requests", name)), values.get(("limits", name))
        if _fixed(name):
            out.extend(_extended(name, req, lim, req_text))
        elif req is not None and lim is not None and req > lim:
            out.append((codes.REQUEST_OVER_LIMIT, "requests", name,
                        f" requests {req_text[name]} of {name}, more than its limit {lim_text[name]}", _LIMIT_HERE))
    return tuple(out)


def _extended(name: str, req: Fraction | None, lim: Fraction | None, requests: Mapping[str, str]) -> list[_Problem]:
    """Kubernetes cannot overcommit extended resources and hugepages: a request needs a limit,
    and they must be equal; extended resources count whole devices (ValidateResourceRequirements)."""
    out: list[_Problem] = []
    where = "requests" if name in requests else "limits"
    if req is not None and lim is None:
        out.append((codes.EXTENDED_RESOURCE, "requests", name,
                    f" requests {requests[name]} of {name} without a limit: Kubernetes rejects it; "
                    f"set limits.{name}: {requests[name]} too", None))
    elif req is not None and lim is not None and req != lim:
        out.append((codes.EXTENDED_RESOURCE, "requests", name,
                    f" requests {requests[name]} of {name} but limits it to a different amount: they must be equal",
                    _LIMIT_HERE))
    for q in (req, lim):
        if q is not None and not name.startswith("hugepages-") and q.denominator != 1:
            out.append((codes.EXTENDED_RESOURCE, where, name, f": {name} is an extended resource and must be a whole number", None))
            break
    return out


@lru_cache(maxsize=4096)
def _quantity(text: str) -> Fraction | str:
    """The value of a quantity, or what is wrong with it (pods repeat the same few quantities)."""
    try:
        return parse_quantity(text)
    except ValueError as exc:
        return str(exc)


def _fixed(name: str) -> bool:
    """Not overcommittable: an extended resource (a name with a domain outside kubernetes.io)
    or hugepages (apimachinery `IsOvercommitAllowed`)."""
    native = "/" not in name or "kubernetes.io/" in name
    return name.startswith("hugepages-") or (not native and not name.startswith("requests."))


def _res_span(origin: PodOrigin, path: PodPath, kind: str, name: str) -> Span | None:
    span = origin.authored((*path, "resources", kind, name))
    if span is not None:
        return span
    key = _ENV_KEYS.get(name) or ("gpu" if name in RESOURCE_NAMES.values() else None)
    return (origin.field_span("resources", key) if key else None) or _where(origin, (*path, "resources", kind, name))


def _mapping(value: Any, key: str) -> Mapping[str, Any]:
    inner = value.get(key) if isinstance(value, dict) else None
    return inner if isinstance(inner, dict) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _who(c: Mapping[str, Any]) -> str:
    return f"container `{c.get('name')}`"


def _at_path(pod: PodView, path: PodPath) -> Any:
    data: Any = pod.spec
    for key in path[1:]:
        data = data[key]
    return data


def _related(message: str, span: Span | None) -> tuple[Related, ...]:
    return (Related(message, span),) if span is not None else ()

