"""App semantics shared by the checks, `explain` and the lowering (SPEC §7, §8.3).

Pure functions over resolved values and the project settings: the target, the
replica range with its per-target default, the port, the host names, and the
reserved names of Knative's runtime contract.

Sources: Flyte SDK 2.12.1 `flyte/app/_types.py` (`INVALID_APP_PORTS`, `Port`, `Scaling`),
Knative Serving v1.23.0 `pkg/apis/serving/k8s_validation.go` (`reservedPorts`,
`reservedEnvVars`, `reservedSidecarEnvVars`, `reservedContainerNames`, `reservedPaths`,
`validPortNames`) and `pkg/networking` constants (8012 BackendHTTPPort, 8013 BackendHTTP2Port,
8022 QueueAdminPort, 9090 AutoscalingQueueMetricsPort, 9091 UserQueueMetricsPort, 8008 the
profiling port).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from envc.project import Settings
from envc.values.duration import parse_duration

KNATIVE, KUBERNETES = "knative", "kubernetes"
APP_CONTAINER = "app"  # Flyte: an app's primary container is always `app`
DEFAULT_PORT = 8080

FLYTE_RESERVED_PORTS = (8012, 8022, 8112, 9090, 9091)  # flyte/app/_types.py INVALID_APP_PORTS
KNATIVE_RESERVED_PORTS = (8008, 8013)  # Knative's own, beyond Flyte's list (SPEC §12.16)
KNATIVE_PORT_NAMES = ("http1", "h2c")
KNATIVE_RESERVED_ENV = ("PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION")
KNATIVE_SIDECAR_RESERVED_ENV = ("K_SERVICE", "K_CONFIGURATION", "K_REVISION")  # sidecars may set PORT
KNATIVE_RESERVED_CONTAINERS = ("queue-proxy",)
KNATIVE_RESERVED_PATHS = ("/", "/dev", "/dev/log")

METRIC_ANNOTATION = {"concurrency": "concurrency", "request_rate": "rps"}


def target(settings: Settings) -> str:
    return str(settings.apps.get("target") or KNATIVE)


def reserved_ports(settings: Settings) -> tuple[int, ...]:
    extra = KNATIVE_RESERVED_PORTS if target(settings) == KNATIVE else ()
    return tuple(sorted(FLYTE_RESERVED_PORTS + extra))


def port(value: Any) -> dict[str, Any]:
    """`{port, name}` (Flyte's `Port`): an int is a port without a name."""
    if isinstance(value, dict):
        return {"port": int(value["port"]), "name": value.get("name")}
    return {"port": int(value if value is not None else DEFAULT_PORT), "name": None}


def port_name(value: Any, settings: Settings) -> str:
    """The emitted container port name: the user's, else `http1` (knative) or `http`."""
    name = port(value)["name"]
    if name:
        return str(name)
    return "http1" if target(settings) == KNATIVE else "http"


def default_replicas(settings: Settings) -> list[int]:
    return [0, 1] if target(settings) == KNATIVE else [1, 1]


def replicas(scaling: Any, settings: Settings) -> list[int]:
    value = (scaling or {}).get("replicas")
    if value is None:
        return default_replicas(settings)
    if isinstance(value, list):
        return [int(value[0]), int(value[1])]
    return [int(value), int(value)]


def metric(scaling: Any) -> tuple[str, int] | None:
    """`("concurrency", n)` or `("request_rate", n)`, or None."""
    value = (scaling or {}).get("metric")
    if not isinstance(value, dict) or not value:
        return None
    key = next(iter(value))
    return str(key), int(value[key])


def scaledown_after(scaling: Any) -> int | None:
    value = (scaling or {}).get("scaledown_after")
    return None if value is None else parse_duration(value)


def scaling(value: Any, settings: Settings) -> dict[str, Any]:
    """SPEC §11.2: `replicas` as `[min, max]` (the target's default filled in)."""
    m = metric(value)
    return {
        "replicas": replicas(value, settings),
        "metric": {m[0]: m[1]} if m else None,
        "scaledown_after": scaledown_after(value),
    }


def split(value: Any) -> list[str] | None:
    """A command or args line: a string is split like a shell line (`shlex.split`, as Flyte)."""
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]


def domain(value: Any) -> dict[str, Any]:
    value = value or {}
    return {"subdomain": value.get("subdomain"), "custom_domain": value.get("custom_domain")}


def hosts(value: Any, settings: Settings) -> list[str]:
    """The app's host names: `<subdomain>.<apps.domain>` then `custom_domain` (SPEC §7)."""
    d = domain(value)
    out: list[str] = []
    base = settings.apps.get("domain")
    if d["subdomain"] and base:
        out.append(f"{d['subdomain']}.{base}")
    if d["custom_domain"] and d["custom_domain"] not in out:
        out.append(str(d["custom_domain"]))
    return out


def auth_annotations(settings: Settings) -> Mapping[str, str]:
    return {str(k): str(v) for k, v in (settings.apps.get("auth_annotations") or {}).items()}


def knative_features(settings: Settings) -> frozenset[str]:
    return frozenset((settings.apps.get("knative") or {}).get("features") or ())


def raw_data_path(settings: Settings) -> str:
    """`runtime.app_raw_data_path`, else `runtime.raw_data_path` (SPEC §7)."""
    return settings.app_raw_data_path or settings.raw_data_path


def starts_with_fserve(command: Any) -> bool:
    """Flyte's test: the first word of the command is `fserve` (`/usr/bin/fserve` is not)."""
    words = split(command) or []
    return bool(words) and words[0] == "fserve"
