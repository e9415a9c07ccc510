"""Which edits explain a changed manifest field (`envc diff`).

A `Pool` holds, for one environment or workflow, every source line behind its
changes: per resolved scope (environment, task, step) and field, plus the edits of
the PodTemplate documents it uses, its Python code, envc.yaml and — for a rename —
its `name:` lines.  `for_object` picks, for one manifest path, the sources of the
fields that can produce it (`_TABLE`); a path that depends on everything (the
content-hash `--version`) gets them all, and so does a path whose table entry
found nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from envc.diff_sources import Source
from envc.lower import Obj


class Pool:
    """The sources available to explain the changes of one owner's objects."""

    def __init__(self, owner: str, values: Iterable[tuple[str, str, tuple[Source, ...]]], *,
                 project: list[Source], templates: list[Source], code: list[Source],
                 renamed: tuple[Source, ...] = ()) -> None:
        """`values`: (scope, changed field path, its sources) of every resolved change."""
        self.owner, self.project, self.templates, self.code = owner, project, templates, code
        self.renamed = list(renamed)
        self.by_scope: dict[str, dict[str, list[Source]]] = {}
        for scope, field, sources in values:
            top = field.split(".")[0].split("[")[0]  # `resources.memory` is a change of `resources`
            self.by_scope.setdefault(scope, {}).setdefault(top, []).extend(sources)

    def for_object(self, obj: Obj, path: str) -> tuple[Source, ...]:
        scopes = _object_scopes(obj, self.owner)
        fields = self._scoped(scopes)
        wanted = _categories(path)
        found = self._pick(fields, wanted)
        if not found and "@all" not in wanted:
            found = self._pick(fields, {"@all"})
        return tuple(dict.fromkeys(found))

    def _scoped(self, scopes: set[str] | None) -> dict[str, list[Source]]:
        out: dict[str, list[Source]] = {}
        for scope, by_field in self.by_scope.items():
            if scopes is None or scope in scopes:
                for name, srcs in by_field.items():
                    out.setdefault(name, []).extend(srcs)
        return out

    def _pick(self, fields: dict[str, list[Source]], wanted: set[str]) -> list[Source]:
        if "@all" in wanted:
            return ([s for srcs in fields.values() for s in srcs] + self.renamed + self.templates
                    + self.code + self.project)
        out = [s for name in sorted(wanted) for s in fields.get(name, [])]
        if "@name" in wanted:
            out += self.renamed
        if "pod_template" in wanted:
            out += self.templates
        if "@project" in wanted:
            out += self.project
        if "@code" in wanted:
            out += self.code
        return out


def _object_scopes(obj: Obj, owner: str) -> set[str] | None:
    """Which resolved scopes shape an object: its task, its step, or (pools) the whole owner."""
    annotations = obj.manifest.get("metadata", {}).get("annotations", {})
    labels = obj.manifest.get("metadata", {}).get("labels", {})
    fqn = annotations.get("envc.dev/fqn")
    if not isinstance(fqn, str):
        return None
    if "envc.dev/step" in labels:
        return {s for s in _step_scopes(obj, owner)} | {owner}
    return {fqn, owner}


def _step_scopes(obj: Obj, workflow: str) -> set[str]:
    step = obj.manifest["metadata"]["labels"]["envc.dev/step"]
    return {f"{workflow}.{step}", f"{workflow}.{str(step).replace('-', '_')}"}


# Which resolved fields can change a manifest path; `@all` = anything the owner changed
# (the content hash in `--version` moves with every input), `@project` = envc.yaml.
_TABLE: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(p), frozenset(c)) for p, c in (
        (r"^metadata\.namespace$", {"@project"}),
        (r'^metadata\.name$|\["envc\.dev/(fqn|environment|task)"\]|\["app\.kubernetes\.io/name"\]', {"@name"}),
        (r'\["envc\.dev/(retries|retry-backoff)"\]', {"retries"}),
        (r'\["envc\.dev/cache"\]', {"cache"}),
        (r'\["envc\.dev/(max-queued-time|deadline)"\]', {"timeout"}),
        (r'\["envc\.dev/short-name"\]', {"short_name"}),
        (r'\["envc\.dev/queue"\]', {"queue"}),
        (r'\["envc\.dev/max-inline-io-bytes"\]', {"max_inline_io_bytes"}),
        (r'\["envc\.dev/reuse"\]', {"reusable"}),
        (r'\["envc\.dev/pod-template"\]', {"pod_template"}),
        (r'\["envc\.dev/interruptible"\]', {"interruptible"}),
        (r'\["envc\.dev/(description|short-description)"\]', {"description"}),
        (r'\["envc\.dev/tasks"\]', {"@all"}),
        (r"sync-wave", {"depends_on"}),
        (r"\.args\b", {"@all"}),
        (r"\.command\b", {"@all"}),  # an app's fserve line carries the content hash too
        (r"\.resources\b", {"resources", "pod_template"}),
        (r"\.env\b", {"env_vars", "secrets", "pod_template", "parameters"}),
        (r"\.image$", {"image", "pod_template", "@project"}),
        (r"\.(volumeMounts|volumes)\b", {"secrets", "resources", "pod_template", "parameters"}),
        (r"\.(nodeSelector|tolerations)\b", {"resources", "interruptible", "pod_template", "@project"}),
        (r"activeDeadlineSeconds", {"timeout"}),
        (r"serviceAccountName", {"service_account"}),
        (r"securityContext", {"pod_template", "@project"}),
        (r"(replicas|minReplicas|maxReplicas|behavior|metrics)\b", {"reusable", "scaling"}),
        (r"(ports|containerPort|readinessProbe)", {"port", "pod_template"}),
        (r"autoscaling\.knative\.dev/", {"scaling"}),
        (r"networking\.knative\.dev/visibility", {"requires_auth"}),
        (r"\.(rules|tls|ingressClassName)\b|^spec\.ref\b", {"domain", "@project"}),
        (r"(labels|annotations)", {"@project", "pod_template", "interruptible", "requires_auth", "domain"}),
    )
)


def _categories(path: str) -> set[str]:
    for pattern, cats in _TABLE:
        if pattern.search(path):
            return set(cats)
    return {"@all"}
