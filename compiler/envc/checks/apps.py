"""App environments (SPEC §7): ports, scaling, parameters, command lines and domains,
checked where they are written; combinations, checked on the resolved app.

PASS::

    kind: AppEnvironment
    name: dashboard
    port: 8501
    args: streamlit run app.py --server.port 8501
    scaling: {replicas: [0, 4], metric: {concurrency: 10}, scaledown_after: 5m}
    parameters:
      - {name: model, value: s3://bucket/model.pt, type: file, mount: /models}
    domain: {subdomain: dash}           # envc.yaml: apps.domain: apps.acme.dev

FAIL::

    port: 9090                          # E701 reserved-port
    port: {port: 8080, name: grpc}      # E702 invalid-port-name (knative: http1 or h2c)
    scaling: {replicas: [0, 0]}         # E703 app-replicas: an app that can never run
    scaling: {scaledown_after: 2h}      # E515 invalid-duration (at most 1h)
    command: python serve.py            # + parameters: E704 parameters-need-fserve
    parameters: [{name: x}]             # E705 parameter-no-value
    args: "streamlit run 'app.py"       # E707 invalid-command-line
    domain: {subdomain: dash}           # without apps.domain: E715 subdomain-needs-base-domain
    domain: {custom_domain: Bad_Host}   # E716 invalid-host
"""

from __future__ import annotations

import re
import shlex

from envc import apps, codes
from envc.checks import Write
from envc.diagnostics import Related, Sink
from envc.values.duration import parse_duration
from envc.values.names import DNS1123_SUBDOMAIN, SUBDOMAIN_MAX

SCALEDOWN_MAX = 3600  # Knative's scale-down-delay and the HPA's window: at most 1h (SPEC §12.15)
# Kubernetes IsValidPortName (IANA_SVC_NAME): <= 15, lowercase alphanumerics and '-', a letter,
# no '--', no '-' at either end.
_IANA_SVC_NAME = re.compile(r"(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?")


def _is_app(w: Write) -> bool:
    return w.kind in ("AppEnvironment", "*")


def check_port(w: Write, sink: Sink) -> None:
    settings = w.project.settings
    value = w.value
    number_path = (*w.path, "port") if isinstance(value, dict) else w.path
    number = value.get("port") if isinstance(value, dict) else value
    reserved = apps.reserved_ports(settings)
    if isinstance(number, int) and number in reserved:
        listed = ", ".join(str(p) for p in reserved)
        sink.report(codes.RESERVED_PORT, w.doc.span(number_path),
                    f"port {number} is reserved on the {apps.target(settings)} target: do not use {listed}")
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        _port_name(w, value["name"], sink)


def _port_name(w: Write, name: str, sink: Sink) -> None:
    settings = w.project.settings
    span = w.doc.span((*w.path, "name"))
    if apps.target(settings) == apps.KNATIVE:
        if name not in apps.KNATIVE_PORT_NAMES:
            sink.report(codes.BAD_PORT_NAME, span,
                        f"port name `{name}` is not accepted by Knative: use `http1` (the default) or `h2c`")
    elif len(name) > 15 or "--" in name or _IANA_SVC_NAME.fullmatch(name) is None:
        sink.report(codes.BAD_PORT_NAME, span,
                    f"port name `{name}` is not a Kubernetes port name: at most 15 lowercase letters, "
                    "digits and '-', with a letter, not starting or ending with '-'")


def check_app_scaling(w: Write, sink: Sink) -> None:
    value = w.value
    if not isinstance(value, dict):
        return
    _app_replicas(w, value.get("replicas"), sink)
    after = value.get("scaledown_after")
    if after is not None:
        try:
            seconds = parse_duration(after)
        except ValueError:
            return  # the schema reported it
        if seconds > SCALEDOWN_MAX:
            sink.report(codes.BAD_DURATION, w.doc.span((*w.path, "scaledown_after")),
                        f"`scaledown_after` is {seconds}s: it must be at most 1h (the autoscalers' cap)")


def _app_replicas(w: Write, value: object, sink: Sink) -> None:
    if isinstance(value, list) and len(value) == 2:
        low, high = value
    elif isinstance(value, int):
        low = high = value
    else:
        return
    if not isinstance(low, int) or not isinstance(high, int) or isinstance(low, bool):
        return
    if high < 1:
        problem = "the maximum must be at least 1: an app that can never run"
    elif high < low:
        problem = f"the maximum {high} is less than the minimum {low}"
    else:
        return
    shown = f"[{low}, {high}]" if isinstance(value, list) else str(value)
    sink.report(codes.APP_REPLICAS, w.doc.span((*w.path, "replicas")), f"replicas {shown}: {problem}")


def check_parameters(w: Write, sink: Sink) -> None:
    if not isinstance(w.value, list):
        return
    seen: dict[str, int] = {}
    for i, item in enumerate(w.value):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        name = item["name"]
        if item.get("value") is None:
            sink.report(codes.PARAMETER_NO_VALUE, w.doc.span((*w.path, i, "name")),
                        f"parameter `{name}` has no value: every parameter needs one at deploy time")
        if name in seen:
            first = w.doc.span((*w.path, seen[name], "name"))
            sink.report(codes.DUPLICATE_PARAMETER, w.doc.span((*w.path, i, "name")),
                        f"parameter `{name}` is listed twice", (Related("first listed here", first),))
        seen.setdefault(name, i)


def check_command_line(w: Write, sink: Sink) -> None:
    """A `command` or `args` string is split like a shell line (Flyte: `shlex.split`)."""
    if not isinstance(w.value, str) or not _is_app(w):
        return
    try:
        shlex.split(w.value)
    except ValueError as exc:
        sink.report(codes.BAD_COMMAND_LINE, w.doc.span(w.path),
                    f"`{w.field}` cannot be split like a shell line: {str(exc).lower()}; "
                    "close the quotes or write a list")


def check_domain(w: Write, sink: Sink) -> None:
    value = w.value
    if not isinstance(value, dict):
        return
    settings = w.project.settings
    base = settings.apps.get("domain")
    sub = value.get("subdomain")
    if isinstance(sub, str):
        span = w.doc.span((*w.path, "subdomain"))
        if not base:
            sink.report(codes.SUBDOMAIN_NEEDS_DOMAIN, span,
                        f"`subdomain: {sub}` needs the project's base domain: set apps.domain in envc.yaml "
                        "(the host is <subdomain>.<apps.domain>), or use custom_domain")
        else:
            _host(f"{sub}.{base}", span, sink)
    custom = value.get("custom_domain")
    if isinstance(custom, str):
        _host(custom, w.doc.span((*w.path, "custom_domain")), sink)


def _host(host: str, span: object, sink: Sink) -> None:
    if len(host) > SUBDOMAIN_MAX or DNS1123_SUBDOMAIN.fullmatch(host) is None:
        sink.report(codes.BAD_HOST, span,  # type: ignore[arg-type]
                    f"host `{host}` is not a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', "
                    "each label starting and ending alphanumeric")
