"""Where a field of an assembled pod was authored (SPEC §11.1): the environment field that
added it (a GPU's node selector, a secret's mount, an env var) or the pod template's line.

Paths are those of `checks.knative` (containers by name, env vars by name, mounts by path).
A field of a named PodTemplate is reported at the environment's `pod_template` reference, with
the template's own line as a related location; an inline template's field at its own line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envc.diagnostics import Related, Span
from envc.lower.pods import SHM_VOLUME
from envc.model import ResolvedEnv, Source
from envc.normalize import secrets as normalise_secrets
from envc.project import Settings
from envc.values.gpu import parse_gpu
from envc.values.secret_ref import secret_volume_name

Cause = tuple[Span | None, str]


class Blame:
    def __init__(self, env: ResolvedEnv, templates: Mapping[str, Source], settings: Settings) -> None:
        self.env, self.settings = env, settings
        self.template = env.fields["pod_template"]
        value = self.template.value
        self.named: str | None = None
        self.data: Mapping[str, Any] = {}
        self.doc, self.base = self.template.origin.doc, self.template.origin.path
        if isinstance(value, str) and value in templates:
            self.named, self.data, self.doc, self.base = value, templates[value].doc.data, templates[value].doc, ()
        elif isinstance(value, dict):
            self.data = value

    def where(self, path: tuple[str, ...]) -> tuple[Span | None, tuple[Related, ...]]:
        causes = self._fields(path)
        tpath = self._template_path(path)
        if tpath is not None and self.doc is not None:
            span = self.doc.span((*self.base, *tpath))
            if self.named is not None:
                causes.append((self.template.origin.span, f"the pod template `{self.named}` is used here"))
                causes.append((span, f"PodTemplate `{self.named}` sets it here"))
            else:
                causes.append((span, "the pod template sets it here"))
        causes = [c for c in causes if c[0] is not None]
        if not causes:
            return self.template.origin.span or self.env.source.span, ()
        (first, _), rest = causes[0], causes[1:]
        return first, tuple(Related(message, span) for span, message in rest if span is not None)

    # -- the environment's own fields ------------------------------------------------------

    def _fields(self, path: tuple[str, ...]) -> list[Cause]:
        f = self.env.fields
        if path == ("nodeSelector",):
            return self._gpu(by_label=True) + self._interruptible(bool(self.settings.interruptible_node_selector))
        if path == ("tolerations",):
            return self._gpu(by_label=False) + self._interruptible(bool(self.settings.interruptible_tolerations))
        if path[:3] == ("containers", "app", "env") and len(path) == 4:
            return self._env(path[3])
        if path[:3] == ("containers", "app", "volumeMounts") and len(path) == 4:
            return self._mount(path[3])
        if path[:1] == ("volumes",) and len(path) == 2:
            if path[1] == SHM_VOLUME:
                return [(f["resources"].part("shm").span, "`shm` adds this volume")]
            return [c for mount in self._secret_mounts() if secret_volume_name(mount) == path[1]
                    for c in self._mount(mount)]
        return []

    def _gpu(self, by_label: bool) -> list[Cause]:
        res = self.env.fields["resources"]
        value = (res.value or {}).get("gpu")
        if value is None:
            return []
        gpu = parse_gpu(value)
        adds = (gpu.node_label_value or gpu.partition) if by_label else self.settings.gpu_tolerations
        what = "a node selector" if by_label else "the project's gpu.tolerations"
        return [(res.part("gpu").span, f"the GPU adds {what}")] if adds else []

    def _interruptible(self, adds: bool) -> list[Cause]:
        value = self.env.fields["interruptible"]
        return [(value.origin.span, "interruptible: true adds the project's interruptible settings")] if value.value and adds else []

    def _env(self, name: str) -> list[Cause]:
        env_vars, secrets = self.env.fields["env_vars"], self.env.fields["secrets"]
        if name in (env_vars.value or {}):
            origin = env_vars.part(name)
            return [(origin.doc.key_span(origin.path) if origin.doc else None, f"env var `{name}` is set here")]
        for i, s in enumerate(normalise_secrets(secrets.value)):
            if s["as_env_var"] == name:
                return [(secrets.part(i).span, f"secret `{s['key']}` sets env var `{name}`")]
        return []

    def _mount(self, mount: str) -> list[Cause]:
        f = self.env.fields
        if mount == "/dev/shm" and (f["resources"].value or {}).get("shm") is not None:
            return [(f["resources"].part("shm").span, "`shm` mounts /dev/shm")]
        secrets = f["secrets"]
        for i, s in enumerate(normalise_secrets(secrets.value)):
            if s["mount"] == mount:
                return [(secrets.part(i).span, f"secret `{s['key']}` is mounted at {mount}")]
        return []

    def _secret_mounts(self) -> list[str]:
        return [s["mount"] for s in normalise_secrets(self.env.fields["secrets"].value) if s["mount"]]

    # -- the pod template ------------------------------------------------------------------

    def _template_path(self, path: tuple[str, ...]) -> tuple[str | int, ...] | None:
        spec = self.data.get("spec") if isinstance(self.data, Mapping) else None
        if not isinstance(spec, dict) or not path:
            return None
        if path[0] == "containers" and len(path) >= 2:
            return self._container_path(spec, path[1], path[2:])
        if path[0] == "volumes" and len(path) == 2:
            i = _index(spec.get("volumes"), "name", path[1])
            return None if i is None else ("spec", "volumes", i)
        return ("spec", *path) if path[0] in spec else None

    def _container_path(self, spec: dict[str, Any], name: str, rest: tuple[str, ...]) -> tuple[str | int, ...] | None:
        containers = spec.get("containers")
        i = _index(containers, "name", name)
        if i is None:
            return None
        base: tuple[str | int, ...] = ("spec", "containers", i)
        if not rest:
            return base
        container = containers[i]  # type: ignore[index]
        if rest[0] in ("env", "volumeMounts") and len(rest) == 2:
            j = _index(container.get(rest[0]), "name" if rest[0] == "env" else "mountPath", rest[1])
            return None if j is None else (*base, rest[0], j)
        return (*base, *rest) if rest[0] in container else None


def _index(items: Any, key: str, value: str) -> int | None:
    if not isinstance(items, list):
        return None
    return next((i for i, item in enumerate(items) if isinstance(item, dict) and str(item.get(key)) == value), None)
