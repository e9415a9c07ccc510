"""The project file `envc.yaml` (SPEC §2): discovery, settings, source files.

Discovery walks up from the working directory (or takes --project); the settings
are validated by the schema phase and then read into a frozen `Settings` record
with every default of SPEC §2 filled in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_FILE = "envc.yaml"
DEFAULT_IMAGE = "ghcr.io/flyteorg/flyte:py3.12-v2.12.1"
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")


@dataclass(frozen=True, slots=True)
class Settings:
    """envc.yaml with every default applied (SPEC §2)."""

    project: str
    domain: str
    org: str
    namespace: str
    sources: tuple[str, ...]
    output: str
    kubernetes_version: str
    version: str | None
    default_image: str
    defaults: Mapping[str, Any]
    raw_data_path: str
    app_raw_data_path: str | None
    code_bundle: str | None
    reusable_args: tuple[str, ...]
    gpu_device_node_label: str
    gpu_partition_size_node_label: str
    gpu_tolerations: tuple[Mapping[str, Any], ...]
    interruptible_node_selector: Mapping[str, str]
    interruptible_tolerations: tuple[Mapping[str, Any], ...]
    apps: Mapping[str, Any]
    external_pod_templates: tuple[str, ...]
    pod_security: str
    run_as_user: int | None
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    raw: Mapping[str, Any] = field(default_factory=dict)


def find_project_file(start: Path, explicit: str | None) -> Path | None:
    """The envc.yaml named by --project (a file or directory), or the nearest one above `start`."""
    if explicit is not None:
        p = Path(explicit)
        p = p / PROJECT_FILE if p.is_dir() else p
        return p if p.is_file() else None
    for d in (start, *start.parents):
        candidate = d / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


def default_project_name(root: Path) -> str:
    name = root.resolve().name
    return name if _DNS_LABEL.match(name) and len(name) <= 63 else ""


def settings_from(data: Mapping[str, Any], root: Path) -> Settings:
    """Settings from schema-valid envc.yaml data; every absent key takes SPEC §2's default."""
    project = data.get("project") or default_project_name(root)
    domain = data.get("domain") or "development"
    runtime = data.get("runtime") or {}
    gpu = data.get("gpu") or {}
    intr = data.get("interruptible") or {}
    security = data.get("security") or {}
    return Settings(
        project=project,
        domain=domain,
        org=data.get("org") or "",
        namespace=data.get("namespace") or f"{project}-{domain}",
        sources=tuple(data.get("sources") or ("envs/**/*.yaml",)),
        output=data.get("output") or "manifests",
        kubernetes_version=str(data.get("kubernetes_version") or "1.31"),
        version=data.get("version"),
        default_image=(data.get("images") or {}).get("default") or DEFAULT_IMAGE,
        defaults=data.get("defaults") or {},
        raw_data_path=runtime.get("raw_data_path") or "{{.rawOutputDataPrefix}}",
        app_raw_data_path=runtime.get("app_raw_data_path"),
        code_bundle=runtime.get("code_bundle"),
        reusable_args=tuple(runtime.get("reusable_args") or ("a0", "--version", "{version}")),
        gpu_device_node_label=gpu.get("device_node_label") or "k8s.amazonaws.com/accelerator",
        gpu_partition_size_node_label=gpu.get("partition_size_node_label")
        or "k8s.amazonaws.com/gpu-partition-size",
        gpu_tolerations=tuple(gpu.get("tolerations") or ()),
        interruptible_node_selector=intr.get("node_selector") or {},
        interruptible_tolerations=tuple(intr.get("tolerations") or ()),
        apps=data.get("apps") or {},
        external_pod_templates=tuple(data.get("external_pod_templates") or ()),
        pod_security=security.get("pod_security") or "restricted",
        run_as_user=security.get("run_as_user", 1000),
        labels=data.get("labels") or {},
        annotations=data.get("annotations") or {},
        raw=data,
    )


def project_hash_input(s: Settings) -> dict[str, Any]:
    """The project part of the content-hash input C (SPEC §9.3)."""
    return {
        "namespace": s.namespace,
        "images": {"default": s.default_image},
        "runtime": {
            "raw_data_path": s.raw_data_path,
            "app_raw_data_path": s.app_raw_data_path,
            "code_bundle": s.code_bundle,
            "reusable_args": list(s.reusable_args),
        },
        "gpu": {
            "device_node_label": s.gpu_device_node_label,
            "partition_size_node_label": s.gpu_partition_size_node_label,
            "tolerations": list(s.gpu_tolerations),
        },
        "interruptible": {
            "node_selector": dict(s.interruptible_node_selector),
            "tolerations": list(s.interruptible_tolerations),
        },
        "apps": dict(s.apps),
        "security": {"pod_security": s.pod_security, "run_as_user": s.run_as_user},
        "labels": dict(s.labels),
        "annotations": dict(s.annotations),
        "project": s.project,
        "domain": s.domain,
        "org": s.org,
    }


def source_files(root: Path, settings: Settings) -> list[Path]:
    """Files matched by `sources`, sorted by POSIX path, the output directory excluded."""
    out_dir = (root / settings.output).resolve()
    found: set[Path] = set()
    for pattern in settings.sources:
        for p in root.glob(pattern):
            if p.is_file() and not _is_under(p.resolve(), out_dir):
                found.add(p)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _is_under(p: Path, d: Path) -> bool:
    return p == d or d in p.parents


def relpath(p: Path, root: Path) -> str:
    return Path(os.path.relpath(p, root)).as_posix()
