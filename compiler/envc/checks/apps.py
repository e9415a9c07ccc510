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
from collections.abc import Mapping
from typing import Any

from envc import apps, codes
from envc.checks import Context, Write
from envc.diagnostics import Related, Sink, Span
from envc.model import Project, ResolvedEnv, Source
from envc.project import Settings
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
        except ValueError as exc:  # `60.0`: to the schema, JSON's 60 (SPEC §3: floats are errors)
            sink.report(codes.BAD_DURATION, w.doc.span((*w.path, "scaledown_after")), f"`scaledown_after`: {exc}")
            return
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


# --------------------------------------------------------------------------------------------
# Resolved apps: combinations of fields, the pod template, the target's scaling and auth
# --------------------------------------------------------------------------------------------
# Messages name values, not apps, so that a rule broken in a parent is reported once at the
# parent's line (the sink de-duplicates identical diagnostics) and not once per child.


def check_apps(ctx: Context, sink: Sink) -> None:
    settings = ctx.resolved.project.settings
    fserve_apps: list[ResolvedEnv] = []
    for env in ctx.resolved.environments.values():
        if env.kind != "AppEnvironment":
            continue
        _command_and_parameters(env, sink)
        if env.get("command") is None:
            fserve_apps.append(env)
            if not apps.split(env.get("args")):
                sink.report(codes.NO_APP_PROCESS, env.source.span,
                            f"`{env.name}` runs the fserve runtime (command: null) without `args`: fserve has "
                            "nothing to start; set `args` to the program to serve, or set `command`")
        _template(env, ctx.resolved.templates, sink)
        if apps.target(settings) == apps.KUBERNETES:
            _deployment_scaling(env, settings, sink)
        _auth(env, settings, sink)
    _unique_hosts([e for e in ctx.resolved.environments.values() if e.kind == "AppEnvironment"], settings, sink)
    _placeholder(fserve_apps, ctx.resolved.project, sink)


def _unique_hosts(envs: list[ResolvedEnv], settings: Settings, sink: Sink) -> None:
    """One app per host: a DomainMapping is named by its host, and two Ingress rules for one
    host are resolved by the controller, not by the author (SPEC §6.3, §8.3)."""
    owner: dict[str, ResolvedEnv] = {}
    for env in envs:
        for host in apps.hosts(env.get("domain"), settings):
            first = owner.setdefault(host, env)
            if first is not env:
                domain = env.fields["domain"].origin
                inherited = _rel(f"`{env.name}` inherits it", env.source.span) if domain.doc is not env.source.doc else ()
                sink.report(codes.NAME_COLLISION, domain.span,
                            f"host `{host}` of `{env.name}` is also the host of `{first.name}`: one app per host",
                            inherited + _rel(f"`{first.name}` claims it here", first.fields["domain"].origin.span))


def _command_and_parameters(env: ResolvedEnv, sink: Sink) -> None:
    command, params = env.fields["command"], env.fields["parameters"]
    if not params.value or command.value is None:
        return
    if apps.starts_with_fserve(command.value):
        sink.report(codes.PARAMETERS_IGNORED, params.origin.span,
                    "these parameters are not passed to the custom fserve `command`, which is kept as written: "
                    "use command: null to let envc add --parameters, or pass them yourself",
                    _rel("the command is set here", command.origin.span))
        return
    sink.report(codes.PARAMETERS_NEED_FSERVE, command.origin.span,
                "`parameters` need the fserve runtime, but this `command` does not start with fserve: use "
                "`args` instead of `command`, or drop the parameters",
                _rel("the parameters are set here", params.origin.span))


def _template(env: ResolvedEnv, templates: Mapping[str, Source], sink: Sink) -> None:
    """Flyte: an app's pod template names its primary container `app` (app_serde.py SZ9, SZ10)."""
    value = env.fields["pod_template"]
    path: tuple[str | int, ...] = ()
    if isinstance(value.value, str):
        source = templates.get(value.value)
        if source is None:
            return  # external: E602 external-template-unsupported
        data, doc = source.doc.data, source.doc
    elif isinstance(value.value, dict) and value.origin.doc is not None:
        data, doc, path = value.value, value.origin.doc, value.origin.path
    else:
        return
    problem, where = _app_container_problem(data)
    if problem is None:
        return
    span = doc.span((*path, *where))
    if isinstance(value.value, str):
        sink.report(codes.APP_CONTAINER_MISSING, value.origin.span, f"PodTemplate `{value.value}`: {problem}",
                    _rel("the template is defined here", span))
    else:
        sink.report(codes.APP_CONTAINER_MISSING, span, problem)


_MUST_BE_APP = "an app's primary container must be named `app` (as Flyte requires)"


def _app_container_problem(data: Mapping[str, Any]) -> tuple[str | None, tuple[str | int, ...]]:
    explicit = data.get("primary_container_name")
    if explicit is not None and explicit != apps.APP_CONTAINER:
        problem = f"primary_container_name is `{explicit}`, but {_MUST_BE_APP}"
        return problem, ("primary_container_name",)
    spec = data.get("spec")
    containers = spec.get("containers") if isinstance(spec, dict) else None
    names = [c.get("name") for c in containers or [] if isinstance(c, dict)]
    if names and apps.APP_CONTAINER not in names:
        shown = ", ".join(f"`{n}`" for n in names)
        return f"the template's containers ({shown}) include none named `app`: {_MUST_BE_APP}", ("spec", "containers")
    return None, ()


def _deployment_scaling(env: ResolvedEnv, settings: Settings, sink: Sink) -> None:
    """The kubernetes target: a Deployment and an HPA on CPU (SPEC §8.2, §8.3)."""
    scaling = env.fields["scaling"]
    written = isinstance(scaling.value, dict) and scaling.value.get("replicas") is not None
    span = scaling.part("replicas").span if written else scaling.origin.span
    low, high = apps.replicas(scaling.value, settings)
    if apps.metric(scaling.value) is not None:
        sink.report(codes.METRIC_IGNORED, scaling.part("metric").span,
                    "`scaling.metric` is ignored on the kubernetes target: the HorizontalPodAutoscaler "
                    "scales on CPU (80% of the request)")
    if low == 0 and written:
        sink.report(codes.NO_SCALE_TO_ZERO, span,
                    "a Deployment cannot scale to zero: the minimum 0 is raised to 1 (the knative target can)")
    resources = env.fields["resources"].value or {}
    if high > max(low, 1) and resources.get("cpu") is None and span is not None:
        sink.report(codes.HPA_NEEDS_CPU, span,
                    f"{max(low, 1)}..{high} replicas autoscale on CPU, but the app sets no CPU request: "
                    "set resources.cpu")


def _auth(env: ResolvedEnv, settings: Settings, sink: Sink) -> None:
    domain = env.fields["domain"]
    hosts = apps.hosts(domain.value, settings)
    if not env.get("requires_auth") or not hosts or apps.auth_annotations(settings):
        return
    kind = "DomainMapping" if apps.target(settings) == apps.KNATIVE else "Ingress"
    shown = ", ".join(f"`{h}`" for h in hosts)
    sink.report(codes.AUTH_NOT_ENFORCED, domain.origin.span,
                f"requires_auth is true but apps.auth_annotations is empty: the {kind} for {shown} carries "
                "no authentication; set apps.auth_annotations in envc.yaml, or write requires_auth: false",
                _rel("requires_auth is set here", env.fields["requires_auth"].origin.span))


def _placeholder(fserve_apps: list[ResolvedEnv], project: Project, sink: Sink) -> None:
    """SPEC §7: nothing fills a `{{...}}` placeholder in a Service applied as-is."""
    settings = project.settings
    path = apps.raw_data_path(settings)
    if not fserve_apps or "{{" not in path:
        return
    doc = project.project_doc
    runtime = doc.data.get("runtime") or {}
    key = next((k for k in ("app_raw_data_path", "raw_data_path") if runtime.get(k) is not None), None)
    span = doc.span(("runtime", key)) if key else doc.span(())
    related = tuple(Related(f"`{e.name}` runs fserve with it", e.source.span) for e in fserve_apps)
    sink.report(codes.UNFILLED_PLACEHOLDER, span,
                f"apps run fserve with --raw-data-path {path}, a placeholder that nothing fills in a Service "
                "applied as-is: set runtime.app_raw_data_path to a concrete URI", related)


def _rel(message: str, span: Span | None) -> tuple[Related, ...]:
    return (Related(message, span),) if span is not None else ()
