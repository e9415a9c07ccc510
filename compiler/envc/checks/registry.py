"""The explicit registry of rules: which write rules run on which field, and the
resolved rules in the order they run."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from envc.checks import ResolvedRule, WriteRule
from envc.checks.depends import check_depends_on
from envc.checks.description import check_description
from envc.checks.images import check_image_field
from envc.checks.labels import check_project_labels, check_template_labels
from envc.checks.resources import check_resources
from envc.checks.reuse import check_reusable, check_reusable_tasks, check_scaling
from envc.checks.secrets import check_secrets
from envc.checks.templates import check_external_use, check_template_name
from envc.diagnostics import Sink
from envc.model import Project

WRITE_RULES: Mapping[str, tuple[WriteRule, ...]] = {
    "resources": (check_resources,),
    "secrets": (check_secrets,),
    "image": (check_image_field,),
    "description": (check_description,),
    "reusable": (check_reusable,),
    "pod_template": (check_template_name, check_template_labels),
    "labels": (check_template_labels,),
    "annotations": (check_template_labels,),
}

PROJECT_RULES: tuple[Callable[[Project, Sink], None], ...] = (check_project_labels,)

RESOLVED_RULES: tuple[ResolvedRule, ...] = (
    check_depends_on,
    check_external_use,
    check_reusable_tasks,
    check_scaling,
)
