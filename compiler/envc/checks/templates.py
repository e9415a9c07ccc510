"""Pod template references (SPEC §6.6): a PodTemplate of the project, or an external one
listed in `external_pod_templates` (tasks of non-reusable task environments only).

PASS::   pod_template: gpu-base            # kind: PodTemplate, name: gpu-base
FAIL::   pod_template: gpu-bsae            # E601 unknown-pod-template (did you mean `gpu-base`?)
FAIL::   an external template on a reusable environment or an app   # E602 external-template-unsupported
"""

from __future__ import annotations

from envc import codes
from envc.checks import Context, Write
from envc.diagnostics import Related, Sink
from envc.hints import did_you_mean
from envc.normalize import reusable


def check_template_name(w: Write, sink: Sink) -> None:
    name = w.value
    if not isinstance(name, str):
        return
    project = w.project
    local = [n for n, s in project.sources.items() if s.kind == "PodTemplate"]
    if name in local or name in project.settings.external_pod_templates:
        return
    known = [*local, *project.settings.external_pod_templates]
    sink.report(codes.UNKNOWN_TEMPLATE, w.doc.span(w.path),
                f"pod_template `{name}` is neither a PodTemplate of the project nor listed in "
                f"external_pod_templates{did_you_mean(name, known)}")


def check_external_use(ctx: Context, sink: Sink) -> None:
    external = set(ctx.resolved.project.settings.external_pod_templates)
    local = set(ctx.resolved.templates)
    for env in ctx.resolved.environments.values():
        value = env.fields["pod_template"]
        name = value.value
        if not isinstance(name, str) or name in local or name not in external:
            continue
        related: tuple[Related, ...] = ()
        if env.kind == "AppEnvironment":
            why = "an app's pod is emitted by envc"
        elif reusable(env.fields["reusable"].value) is not None:
            why = "a reusable environment's pool is a Deployment envc emits"
            span = env.fields["reusable"].origin.span
            related = (Related(f"`{env.name}` is made reusable here", span),) if span is not None else ()
        else:
            continue
        sink.report(codes.EXTERNAL_UNSUPPORTED, value.origin.span,
                    f"external pod template `{name}` cannot be used by `{env.name}`: {why}; "
                    "define the template in the project", related)
