"""GPUs and other accelerators (SPEC §6.1), exactly as Flyte SDK 2.12.1 accepts them.

Sources, in PyPI `flyte==2.12.1`:

* `flyte/_resources.py`: the device names of each class (`GPUType` :22-39 with `SharedGPUType` :14,
  `TPUType` :70, `NeuronType` :88, `AMD_GPUType` :90, `HABANA_GAUDIType` :92, `AppleSiliconType`
  :94), the accepted `"<device>:<count>"` strings (`Accelerators` :102-290), the partitions
  (`A100Parts` :41, `A100_80GBParts` :46, `H100Parts` :51, `H200Parts` :56, `RTXPro6000Parts` :61,
  `V5EParts` :71, `V5PParts` :76, `V6EParts` :83), the deprecated spellings
  (`_DEPRECATED_GPU_ALIASES` :294-297) and the rules of `GPU()` :353-398, `TPU()` :401-423,
  `Neuron()`/`AMD_GPU()`/`HABANA_GAUDI()` :426-470 and `Resources.get_device` :656-687 (an int is
  a count of the "GPU" class with no device).
* `flyte/_internal/runtime/resources_serde.py`: `ACCELERATOR_DEVICE_MAP` :11-34, the device name the
  backend matches on a node label; names it does not map pass through.

envc differs from Flyte where Kubernetes needs it: `gpu: 0` is an error (omit the field); a mapping
takes the counts of the string form (1 for TPUs); the shared (time-sliced) GPUs and AppleSilicon,
which Flyte accepts, are errors: a shared device's name is not a valid node label value and Flyte's
backend schedules it, and AppleSilicon runs only on a local devbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from envc.values.names import is_label_value

_1_TO_8 = tuple(range(1, 9))
_TRAINIUM = (1, 4, 8, 16)

# fmt: off
GPU_TYPES = (
    "A2", "A10", "A10G", "A100", "A100_80G", "B200", "H100", "H200", "L4", "L40s", "T4", "V100",
    "RTX_PRO_4500", "RTX_PRO_6000", "GB10",
)
SHARED_GPU_TYPES = ("T4 shared", "L4 shared", "A10G shared", "A10 shared", "L40S shared")
TPU_TYPES = ("V5E", "V5P", "V6E")
NEURON_TYPES = ("Inf1", "Inf2", "Trn1", "Trn1n", "Trn2", "Trn2u")
AMD_GPU_TYPES = (
    "MI100", "MI210", "MI250", "MI250X", "MI300A", "MI300X", "MI325X", "MI350X", "MI355X",
)
# fmt: on
HABANA_GAUDI_TYPES = ("Gaudi1",)
APPLE_SILICON = "AppleSilicon"

DEVICE_CLASSES: Mapping[str, str] = MappingProxyType(
    {d: "GPU" for d in GPU_TYPES + SHARED_GPU_TYPES}
    | {d: "TPU" for d in TPU_TYPES}
    | {d: "NEURON" for d in NEURON_TYPES}
    | {d: "AMD_GPU" for d in AMD_GPU_TYPES}
    | {d: "HABANA_GAUDI" for d in HABANA_GAUDI_TYPES}
)
"""Device name -> Flyte device class (`_DeviceClassType`)."""

# fmt: off
RESOURCE_NAMES: Mapping[str, str] = MappingProxyType({
    "GPU": "nvidia.com/gpu",
    "AMD_GPU": "amd.com/gpu",
    "NEURON": "aws.amazon.com/neuron",
    "TPU": "google.com/tpu",
    "HABANA_GAUDI": "habana.ai/gaudi",
})
"""Flyte device class -> the Kubernetes extended resource its device plugin advertises."""

COUNTS: Mapping[str, tuple[int, ...]] = MappingProxyType({
    "A2": (1,), "A10": _1_TO_8, "A10G": _1_TO_8, "A100": _1_TO_8, "A100_80G": _1_TO_8,
    "B200": _1_TO_8, "H100": _1_TO_8, "H200": _1_TO_8, "L4": _1_TO_8, "L40s": _1_TO_8,
    "V100": _1_TO_8, "RTX_PRO_4500": (1,), "RTX_PRO_6000": (1, 2), "GB10": (1,), "T4": _1_TO_8,
    "T4 shared": (1,), "L4 shared": (1,), "A10G shared": (1,), "A10 shared": (1,),
    "L40S shared": (1,),
    "Trn1": _TRAINIUM, "Trn1n": _TRAINIUM, "Trn2": _TRAINIUM, "Trn2u": _TRAINIUM,
    "Inf1": tuple(range(1, 17)), "Inf2": tuple(range(1, 13)),
    "MI100": (1,), "MI210": (1,), "MI250": (1,), "MI250X": (1,), "MI300A": (1,), "MI300X": (1,),
    "MI325X": (1,), "MI350X": (1,), "MI355X": (1,),
    "Gaudi1": (1,),
    "V5E": (1,), "V5P": (1,), "V6E": (1,),
})
"""Device -> allowed counts, in the order of Flyte's `Accelerators`; TPUs (no string) take 1."""

ACCELERATORS: tuple[str, ...] = tuple(
    f"{device}:{n}" for device, counts in COUNTS.items() if device not in TPU_TYPES for n in counts
) + (APPLE_SILICON, f"{APPLE_SILICON}:1")
"""Flyte's `Accelerators` literal: every `gpu` string Flyte accepts (envc rejects shared/Apple)."""

PARTITIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "A100": ("1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"),
    "A100_80G": ("1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H100": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H200": ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"),
    "RTX_PRO_6000": ("1g.24gb", "2g.48gb", "4g.96gb"),
    "V5E": ("1x1", "2x2", "2x4", "4x4", "4x8", "8x8", "8x16", "16x16"),
    "V5P": (
        "2x2x1", "2x2x2", "2x4x4", "4x4x4", "4x4x8", "4x8x8", "8x8x8", "8x8x16", "8x16x16",
        "16x16x16", "16x16x24",
    ),
    "V6E": ("1x1", "2x2", "2x4", "4x4", "4x8", "8x8", "8x16", "16x16"),
})
"""Checked partitions. Other "GPU" class devices take any partition (Flyte does not check them);
the Neuron, AMD and Gaudi helpers take none, nor do shared GPUs."""

DEVICE_NODE_LABELS: Mapping[str, str] = MappingProxyType({
    "A100": "nvidia-tesla-a100",
    "A100_80G": "nvidia-a100-80gb",
    "A100 80G": "nvidia-a100-80gb",
    "H100": "nvidia-tesla-h100",
    "A10": "nvidia-a10",
    "A10G": "nvidia-a10g",
    "A100G": "nvidia-a100g",
    "L4": "nvidia-l4",
    "L40s": "nvidia-l40s",
    "L4_VWS": "nvidia-l4-vws",
    "K80": "nvidia-tesla-k80",
    "M60": "nvidia-tesla-m60",
    "P4": "nvidia-tesla-p4",
    "P100": "nvidia-tesla-p100",
    "RTX_PRO_4500": "nvidia-rtx-pro-4500",
    "RTX_PRO_6000": "nvidia-rtx-pro-6000",
    "RTX PRO 6000": "nvidia-rtx-pro-6000",
    "T4": "nvidia-tesla-t4",
    "V100": "nvidia-tesla-v100",
    "V5E": "tpu-v5-lite-podslice",
    "V5P": "tpu-v5p-slice",
    "V6E": "tpu-v6e-slice",
})
# fmt: on
"""Flyte's `ACCELERATOR_DEVICE_MAP`, verbatim: device -> node label value; others pass through."""

DEPRECATED_ALIASES: Mapping[str, str] = MappingProxyType(
    {"A100 80G": "A100_80G", "RTX PRO 6000": "RTX_PRO_6000"}
)
"""Old spellings Flyte still accepts, with a warning, as the current name."""

_FIELDS = ("device", "count", "partition")
_FORMS = 'expected a count, "<device>:<count>" or a mapping {device, count, partition}'


@dataclass(frozen=True, slots=True)
class Gpu:
    """A validated accelerator request.

    `device` is None for a bare count; `node_label_value` is the mapped device name to select
    nodes with (None for a bare count); `resource_name` is the extended resource to request.
    """

    count: int
    device: str | None
    partition: str | None
    resource_name: str
    node_label_value: str | None


def parse_gpu(value: int | str | Mapping[str, object]) -> Gpu:
    """Validate a `gpu` value: a count >= 1, `"<device>:<count>"`, or `{device, count, partition}`."""
    if isinstance(value, bool):
        raise ValueError(f"gpu: {_FORMS}, got {str(value).lower()}")
    if isinstance(value, int):
        return _from_count(value)
    if isinstance(value, str):
        return _from_string(value)
    if isinstance(value, Mapping):
        return _from_mapping(value)
    raise ValueError(f"gpu: {_FORMS}")


def deprecated_name(value: int | str | Mapping[str, object]) -> str | None:
    """A warning text when `value` names its device by a deprecated Flyte spelling, else None."""
    device: object = None
    if isinstance(value, str):
        device = value.partition(":")[0]
    elif isinstance(value, Mapping):
        device = value.get("device")
    if not isinstance(device, str) or device not in DEPRECATED_ALIASES:
        return None
    return f"GPU type {device!r} is deprecated, use {DEPRECATED_ALIASES[device]!r} instead"


def _from_count(count: int) -> Gpu:
    if count == 0:
        raise ValueError("gpu: 0 is not allowed; omit the field")
    if count < 0:
        raise ValueError(f"gpu: {count} is not allowed; the count must be at least 1")
    return Gpu(count, None, None, RESOURCE_NAMES["GPU"], None)


def _from_string(text: str) -> Gpu:
    device, sep, count = text.partition(":")
    device = DEPRECATED_ALIASES.get(device, device)
    _check_supported(device)
    if f"{device}{sep}{count}" not in ACCELERATORS:
        if device in TPU_TYPES:
            raise ValueError(
                f"gpu: TPUs have no string form; write {{device: {device}, partition: ...}}"
            )
        raise ValueError(f"gpu: {text!r} is not allowed; {_allowed_counts(device)}")
    return _named(device, int(count), None)


def _from_mapping(mapping: Mapping[str, object]) -> Gpu:
    unknown = sorted(str(key) for key in mapping if key not in _FIELDS)
    if unknown:
        raise ValueError(f"gpu: unknown field {unknown[0]!r}; expected device, count, partition")
    device, count, partition = (mapping.get(key) for key in _FIELDS)
    if not isinstance(device, str):
        raise ValueError("gpu: 'device' must be a device name, e.g. A100")
    device = DEPRECATED_ALIASES.get(device, device)
    _check_supported(device)
    count = _mapping_count(device, 1 if count is None else count)
    return _named(device, count, _partition(device, partition))


def _mapping_count(device: str, count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, int):
        raise ValueError("gpu: 'count' must be an integer")
    if count == 0:
        raise ValueError("gpu: count 0 is not allowed; omit the field")
    if count not in COUNTS[device]:
        raise ValueError(f"gpu: count {count} is not allowed; {_allowed_counts(device)}")
    return count


def _partition(device: str, partition: object) -> str | None:
    if partition is None:
        return None
    if not isinstance(partition, str):
        raise ValueError("gpu: 'partition' must be a string, e.g. 1g.5gb")
    allowed = PARTITIONS.get(device)
    if allowed is not None and partition not in allowed:
        raise ValueError(
            f"gpu: partition {partition!r} is not allowed for {device}; expected one of {', '.join(allowed)}"
        )
    if allowed is None and DEVICE_CLASSES[device] != "GPU":
        raise ValueError(f"gpu: {device} takes no partition")
    if not is_label_value(partition):
        raise ValueError(f"gpu: partition {partition!r} is not a valid node label value")
    return partition


def _check_supported(device: str) -> None:
    if device == APPLE_SILICON:
        raise ValueError("gpu: AppleSilicon runs only on a local Flyte devbox, not on Kubernetes")
    if device in SHARED_GPU_TYPES:
        raise ValueError(
            f"gpu: shared GPU {device!r} is not supported (Flyte's backend schedules it; "
            "its name is not a valid node label value)"
        )
    if device not in DEVICE_CLASSES:
        raise ValueError(
            f"gpu: unknown device {device!r}{_suggestion(device)}; expected one of {_device_list()}"
        )


def _named(device: str, count: int, partition: str | None) -> Gpu:
    resource = RESOURCE_NAMES[DEVICE_CLASSES[device]]
    return Gpu(count, device, partition, resource, DEVICE_NODE_LABELS.get(device, device))


def _allowed_counts(device: str) -> str:
    counts = COUNTS[device]
    if counts == tuple(range(1, len(counts) + 1)) and len(counts) > 2:
        return f"{device} takes a count from 1 to {len(counts)}"
    *rest, last = (str(n) for n in counts)
    return f"{device} takes a count of {', '.join(rest) + ' or ' if rest else ''}{last}"


def _suggestion(device: str) -> str:
    """The same name in another case, else the closest name (`A10O` -> `A100`)."""
    import difflib  # only on an error: keeps cold start lean

    lowered = device.lower().replace(" ", "_")
    allowed = [d for d in DEVICE_CLASSES if d not in SHARED_GPU_TYPES]
    matches = [d for d in allowed if d.lower() == lowered]
    if not matches:
        upper = {d.upper(): d for d in allowed}
        matches = [upper[m] for m in difflib.get_close_matches(device.upper(), list(upper), n=1, cutoff=0.75)]
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _device_list() -> str:
    return ", ".join(d for d in DEVICE_CLASSES if d not in SHARED_GPU_TYPES)
