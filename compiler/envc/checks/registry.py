"""The explicit registry of rules: which write rules run on which field, and the
resolved rules in the order they run."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from envc.checks import ResolvedRule, WriteRule, plaintext
from envc.checks.apps import (
    check_app_scaling,
    check_apps,
    check_command_line,
    check_domain,
    check_parameters,
    check_port,
)
from envc.checks.depends import check_depends_on
from envc.checks.description import check_description
from envc.checks.durations import check_durations
from envc.checks.images import check_image_field
from envc.checks.invocations import check_invocations
from envc.checks.kubernetes_version import check_kubernetes_version, check_security
from envc.checks.labels import check_project_labels, check_template_labels
from envc.checks.pod_shape import check_template_spec
from envc.checks.resources import check_resources
from envc.checks.reuse import check_reusable, check_reusable_tasks, check_scaling
from envc.checks.secrets import check_env_var_names, check_secrets
from envc.checks.templates import check_external_use, check_template_name
from envc.diagnostics import Sink
from envc.model import Project

WRITE_RULES: Mapping[str, tuple[WriteRule, ...]] = {
    "resources": (check_resources,),
    "secrets": (check_secrets,),
    "env_vars": (check_env_var_names, plaintext.check_env_vars),
    "image": (check_image_field,),
    "description": (check_description,),
    "reusable": (check_reusable,),
    "pod_template": (check_template_name, check_template_labels, check_template_spec, plaintext.check_template),
    "spec": (check_template_spec, plaintext.check_template),
    "labels": (check_template_labels,),
    "annotations": (check_template_labels, plaintext.check_annotations),
    "port": (check_port,),
    "scaling": (check_app_scaling,),
    "parameters": (check_parameters, plaintext.check_parameters),
    "command": (check_command_line, plaintext.check_command),
    "args": (check_command_line, plaintext.check_command),
    "domain": (check_domain,),
    "timeout": (check_durations,),
    "retries": (check_durations,),
}

PROJECT_RULES: tuple[Callable[[Project, Sink], None], ...] = (
    check_project_labels,
    check_kubernetes_version,
    check_security,
    plaintext.check_project_annotations,
)

RESOLVED_RULES: tuple[ResolvedRule, ...] = (
    check_depends_on,
    check_invocations,
    check_external_use,
    check_reusable_tasks,
    check_scaling,
    check_apps,
)
