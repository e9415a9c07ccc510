"""Tests for envc.values.gpu: Flyte 2.12.1's accelerator list, device map and partitions.

The tables are generated from the module, and pinned by values copied by hand from
`flyte/_resources.py` and `flyte/_internal/runtime/resources_serde.py` (flyte 2.12.1), so a change
to either side fails here.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

try:
    from envc.values import gpu
    from envc.values.gpu import Gpu, parse_gpu
    from envc.values.names import is_label_value
except ImportError:  # pragma: no cover - package not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "compiler"))
    from envc.values import gpu
    from envc.values.gpu import Gpu, parse_gpu
    from envc.values.names import is_label_value

UNSUPPORTED = set(gpu.SHARED_GPU_TYPES) | {gpu.APPLE_SILICON}
SUPPORTED = [d for d in gpu.COUNTS if d not in UNSUPPORTED and d not in gpu.TPU_TYPES]
DEVICES = (
    "A2, A10, A10G, A100, A100_80G, B200, H100, H200, L4, L40s, T4, V100, RTX_PRO_4500, "
    "RTX_PRO_6000, GB10, V5E, V5P, V6E, Inf1, Inf2, Trn1, Trn1n, Trn2, Trn2u, MI100, MI210, "
    "MI250, MI250X, MI300A, MI300X, MI325X, MI350X, MI355X, Gaudi1"
)

# --------------------------------------------------------------------------- Flyte's tables


def test_accelerators_match_flyte() -> None:
    """`Accelerators` (flyte/_resources.py:102-290): 154 strings in this order."""
    acc = gpu.ACCELERATORS
    assert len(acc) == 154
    assert acc[:2] == ("A2:1", "A10:1")
    assert acc[-3:] == ("Gaudi1:1", "AppleSilicon", "AppleSilicon:1")
    assert acc.index("RTX_PRO_6000:2") == acc.index("RTX_PRO_6000:1") + 1
    assert "RTX_PRO_6000:3" not in acc and "RTX_PRO_4500:2" not in acc and "GB10:2" not in acc
    assert [a for a in acc if a.startswith("Trn2u:")] == [
        "Trn2u:1",
        "Trn2u:4",
        "Trn2u:8",
        "Trn2u:16",
    ]
    assert "Inf1:16" in acc and "Inf1:17" not in acc
    assert "Inf2:12" in acc and "Inf2:13" not in acc
    assert "A100_80G:8" in acc and "A100 80G:1" not in acc  # the old spelling is an alias
    assert "L40S shared:1" in acc and "L40s shared:1" not in acc
    assert not any(a.startswith(("V5E", "V5P", "V6E")) for a in acc)  # TPUs: mapping only


def test_device_classes_match_flyte() -> None:
    assert gpu.GPU_TYPES == (
        "A2", "A10", "A10G", "A100", "A100_80G", "B200", "H100", "H200", "L4", "L40s", "T4",
        "V100", "RTX_PRO_4500", "RTX_PRO_6000", "GB10",
    )  # fmt: skip
    assert gpu.SHARED_GPU_TYPES == (
        "T4 shared",
        "L4 shared",
        "A10G shared",
        "A10 shared",
        "L40S shared",
    )
    assert gpu.TPU_TYPES == ("V5E", "V5P", "V6E")
    assert gpu.NEURON_TYPES == ("Inf1", "Inf2", "Trn1", "Trn1n", "Trn2", "Trn2u")
    assert len(gpu.AMD_GPU_TYPES) == 9 and gpu.AMD_GPU_TYPES[-1] == "MI355X"
    assert gpu.HABANA_GAUDI_TYPES == ("Gaudi1",)
    assert set(gpu.DEVICE_CLASSES) == set(gpu.COUNTS)


def test_device_map_matches_flyte() -> None:
    """`ACCELERATOR_DEVICE_MAP` (resources_serde.py:11-34)."""
    assert len(gpu.DEVICE_NODE_LABELS) == 22
    assert gpu.DEVICE_NODE_LABELS["A100"] == "nvidia-tesla-a100"
    assert gpu.DEVICE_NODE_LABELS["A100_80G"] == "nvidia-a100-80gb"
    assert gpu.DEVICE_NODE_LABELS["H100"] == "nvidia-tesla-h100"
    assert gpu.DEVICE_NODE_LABELS["L40s"] == "nvidia-l40s"
    assert gpu.DEVICE_NODE_LABELS["RTX_PRO_4500"] == "nvidia-rtx-pro-4500"
    assert gpu.DEVICE_NODE_LABELS["T4"] == "nvidia-tesla-t4"
    assert gpu.DEVICE_NODE_LABELS["V5E"] == "tpu-v5-lite-podslice"
    assert gpu.DEVICE_NODE_LABELS["V6E"] == "tpu-v6e-slice"
    assert "H200" not in gpu.DEVICE_NODE_LABELS and "B200" not in gpu.DEVICE_NODE_LABELS


def test_partitions_match_flyte() -> None:
    assert gpu.PARTITIONS["A100"] == ("1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb")
    assert gpu.PARTITIONS["H200"][-1] == "7g.141gb"
    assert gpu.PARTITIONS["RTX_PRO_6000"] == ("1g.24gb", "2g.48gb", "4g.96gb")
    assert gpu.PARTITIONS["V5P"][-1] == "16x16x24" and len(gpu.PARTITIONS["V5P"]) == 11
    assert gpu.PARTITIONS["V5E"] == gpu.PARTITIONS["V6E"]
    assert set(gpu.PARTITIONS) == {
        "A100",
        "A100_80G",
        "H100",
        "H200",
        "RTX_PRO_6000",
        "V5E",
        "V5P",
        "V6E",
    }


# --------------------------------------------------------------------------- strings

ALL_STRINGS = [(device, n) for device in SUPPORTED for n in range(max(gpu.COUNTS[device]) + 2)]


@pytest.mark.parametrize(("device", "count"), ALL_STRINGS)
def test_every_device_and_count(device: str, count: int) -> None:
    text = f"{device}:{count}"
    if count in gpu.COUNTS[device]:
        parsed = parse_gpu(text)
        label = gpu.DEVICE_NODE_LABELS.get(device, device)
        resource = gpu.RESOURCE_NAMES[gpu.DEVICE_CLASSES[device]]
        assert parsed == Gpu(count, device, None, resource, label)
    else:
        with pytest.raises(
            ValueError, match=rf"^gpu: {text!r} is not allowed; {device} takes a count "
        ):
            parse_gpu(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A100:2", Gpu(2, "A100", None, "nvidia.com/gpu", "nvidia-tesla-a100")),
        ("A100_80G:8", Gpu(8, "A100_80G", None, "nvidia.com/gpu", "nvidia-a100-80gb")),
        ("A100 80G:3", Gpu(3, "A100_80G", None, "nvidia.com/gpu", "nvidia-a100-80gb")),
        ("RTX PRO 6000:2", Gpu(2, "RTX_PRO_6000", None, "nvidia.com/gpu", "nvidia-rtx-pro-6000")),
        ("H200:8", Gpu(8, "H200", None, "nvidia.com/gpu", "H200")),  # unmapped: passes through
        ("A2:1", Gpu(1, "A2", None, "nvidia.com/gpu", "A2")),
        ("GB10:1", Gpu(1, "GB10", None, "nvidia.com/gpu", "GB10")),
        ("T4:8", Gpu(8, "T4", None, "nvidia.com/gpu", "nvidia-tesla-t4")),
        ("Trn1:16", Gpu(16, "Trn1", None, "aws.amazon.com/neuron", "Trn1")),
        ("Inf2:12", Gpu(12, "Inf2", None, "aws.amazon.com/neuron", "Inf2")),
        ("MI300X:1", Gpu(1, "MI300X", None, "amd.com/gpu", "MI300X")),
        ("Gaudi1:1", Gpu(1, "Gaudi1", None, "habana.ai/gaudi", "Gaudi1")),
    ],
)
def test_strings(text: str, expected: Gpu) -> None:
    assert parse_gpu(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A100:9", "gpu: 'A100:9' is not allowed; A100 takes a count from 1 to 8"),
        ("A100:0", "gpu: 'A100:0' is not allowed; A100 takes a count from 1 to 8"),
        ("A100", "gpu: 'A100' is not allowed; A100 takes a count from 1 to 8"),
        ("A100:01", "gpu: 'A100:01' is not allowed; A100 takes a count from 1 to 8"),
        ("A100: 1", "gpu: 'A100: 1' is not allowed; A100 takes a count from 1 to 8"),
        ("Trn1:2", "gpu: 'Trn1:2' is not allowed; Trn1 takes a count of 1, 4, 8 or 16"),
        (
            "RTX_PRO_6000:4",
            "gpu: 'RTX_PRO_6000:4' is not allowed; RTX_PRO_6000 takes a count of 1 or 2",
        ),
        ("MI300X:2", "gpu: 'MI300X:2' is not allowed; MI300X takes a count of 1"),
        ("Inf2:13", "gpu: 'Inf2:13' is not allowed; Inf2 takes a count from 1 to 12"),
        ("a100:1", f"gpu: unknown device 'a100' (did you mean 'A100'?); expected one of {DEVICES}"),
        (
            "a100 80g:1",
            f"gpu: unknown device 'a100 80g' (did you mean 'A100_80G'?); expected one of {DEVICES}",
        ),
        ("L40S:1", f"gpu: unknown device 'L40S' (did you mean 'L40s'?); expected one of {DEVICES}"),
        ("K80:1", f"gpu: unknown device 'K80'; expected one of {DEVICES}"),  # mapped, not accepted
        ("", f"gpu: unknown device ''; expected one of {DEVICES}"),
        ("2", f"gpu: unknown device '2'; expected one of {DEVICES}"),
        ("V5P:1", "gpu: TPUs have no string form; write {device: V5P, partition: ...}"),
        (
            "T4 shared:1",
            (
                "gpu: shared GPU 'T4 shared' is not supported (Flyte's backend schedules it; "
                "its name is not a valid node label value)"
            ),
        ),
        ("AppleSilicon", "gpu: AppleSilicon runs only on a local Flyte devbox, not on Kubernetes"),
        (
            "AppleSilicon:1",
            "gpu: AppleSilicon runs only on a local Flyte devbox, not on Kubernetes",
        ),
    ],
)
def test_invalid_strings(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_gpu(text)
    assert str(info.value) == message


# --------------------------------------------------------------------------- counts


@pytest.mark.parametrize("count", [1, 2, 8, 64])
def test_counts(count: int) -> None:
    assert parse_gpu(count) == Gpu(count, None, None, "nvidia.com/gpu", None)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "gpu: 0 is not allowed; omit the field"),
        (-1, "gpu: -1 is not allowed; the count must be at least 1"),
        (
            True,
            'gpu: expected a count, "<device>:<count>" or a mapping {device, count, partition}, got true',
        ),
        (1.5, 'gpu: expected a count, "<device>:<count>" or a mapping {device, count, partition}'),
        (None, 'gpu: expected a count, "<device>:<count>" or a mapping {device, count, partition}'),
    ],
)
def test_invalid_counts(value: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_gpu(value)  # type: ignore[arg-type]
    assert str(info.value) == message


# --------------------------------------------------------------------------- mappings


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({"device": "A100"}, Gpu(1, "A100", None, "nvidia.com/gpu", "nvidia-tesla-a100")),
        (
            {"device": "A100", "count": 8},
            Gpu(8, "A100", None, "nvidia.com/gpu", "nvidia-tesla-a100"),
        ),
        (
            {"device": "A100", "count": 2, "partition": "1g.5gb"},
            Gpu(2, "A100", "1g.5gb", "nvidia.com/gpu", "nvidia-tesla-a100"),
        ),
        (
            {"device": "A100 80G", "partition": "7g.80gb"},
            Gpu(1, "A100_80G", "7g.80gb", "nvidia.com/gpu", "nvidia-a100-80gb"),
        ),
        (
            {"device": "H200", "partition": "7g.141gb"},
            Gpu(1, "H200", "7g.141gb", "nvidia.com/gpu", "H200"),
        ),
        (
            {"device": "RTX_PRO_6000", "count": 2, "partition": "4g.96gb"},
            Gpu(2, "RTX_PRO_6000", "4g.96gb", "nvidia.com/gpu", "nvidia-rtx-pro-6000"),
        ),
        # Flyte's GPU() checks no partition for the other GPU types
        (
            {"device": "T4", "partition": "anything-1"},
            Gpu(1, "T4", "anything-1", "nvidia.com/gpu", "nvidia-tesla-t4"),
        ),
        (
            {"device": "V5P", "partition": "2x2x1"},
            Gpu(1, "V5P", "2x2x1", "google.com/tpu", "tpu-v5p-slice"),
        ),
        (
            {"device": "V5E", "count": 1},
            Gpu(1, "V5E", None, "google.com/tpu", "tpu-v5-lite-podslice"),
        ),
        (
            {"device": "V6E", "partition": "16x16"},
            Gpu(1, "V6E", "16x16", "google.com/tpu", "tpu-v6e-slice"),
        ),
        ({"device": "Trn1", "count": 16}, Gpu(16, "Trn1", None, "aws.amazon.com/neuron", "Trn1")),
        ({"device": "MI355X"}, Gpu(1, "MI355X", None, "amd.com/gpu", "MI355X")),
        (
            {"device": "Gaudi1", "partition": None},
            Gpu(1, "Gaudi1", None, "habana.ai/gaudi", "Gaudi1"),
        ),
    ],
)
def test_mappings(mapping: Mapping[str, object], expected: Gpu) -> None:
    assert parse_gpu(mapping) == expected


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({}, "gpu: 'device' must be a device name, e.g. A100"),
        ({"count": 2}, "gpu: 'device' must be a device name, e.g. A100"),
        ({"device": 100}, "gpu: 'device' must be a device name, e.g. A100"),
        (
            {"device": "A100", "type": "x"},
            "gpu: unknown field 'type'; expected device, count, partition",
        ),
        (
            {"device": "A100", "count": 9},
            "gpu: count 9 is not allowed; A100 takes a count from 1 to 8",
        ),
        ({"device": "A100", "count": 0}, "gpu: count 0 is not allowed; omit the field"),
        ({"device": "A100", "count": "2"}, "gpu: 'count' must be an integer"),
        ({"device": "A100", "count": True}, "gpu: 'count' must be an integer"),
        ({"device": "V5P", "count": 4}, "gpu: count 4 is not allowed; V5P takes a count of 1"),
        (
            {"device": "Trn1", "count": 3},
            "gpu: count 3 is not allowed; Trn1 takes a count of 1, 4, 8 or 16",
        ),
        (
            {"device": "A100", "partition": "1g.10gb"},
            (
                "gpu: partition '1g.10gb' is not allowed for A100; "
                "expected one of 1g.5gb, 2g.10gb, 3g.20gb, 4g.20gb, 7g.40gb"
            ),
        ),
        (
            {"device": "V6E", "partition": "2x2x1"},
            (
                "gpu: partition '2x2x1' is not allowed for V6E; "
                "expected one of 1x1, 2x2, 2x4, 4x4, 4x8, 8x8, 8x16, 16x16"
            ),
        ),
        ({"device": "A100", "partition": 5}, "gpu: 'partition' must be a string, e.g. 1g.5gb"),
        ({"device": "Trn1", "partition": "x"}, "gpu: Trn1 takes no partition"),
        ({"device": "MI300X", "partition": "x"}, "gpu: MI300X takes no partition"),
        (
            {"device": "T4", "partition": "1g 5gb"},
            "gpu: partition '1g 5gb' is not a valid node label value",
        ),
        (
            {"device": "a100"},
            f"gpu: unknown device 'a100' (did you mean 'A100'?); expected one of {DEVICES}",
        ),
        ({"device": "A100:2"}, f"gpu: unknown device 'A100:2' (did you mean 'A100'?); expected one of {DEVICES}"),
        (
            {"device": "L4 shared"},
            (
                "gpu: shared GPU 'L4 shared' is not supported (Flyte's backend schedules it; "
                "its name is not a valid node label value)"
            ),
        ),
        (
            {"device": "AppleSilicon"},
            "gpu: AppleSilicon runs only on a local Flyte devbox, not on Kubernetes",
        ),
    ],
)
def test_invalid_mappings(mapping: Mapping[str, object], message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_gpu(mapping)
    assert str(info.value) == message


@pytest.mark.parametrize(("device", "partitions"), sorted(gpu.PARTITIONS.items()))
def test_every_checked_partition(device: str, partitions: tuple[str, ...]) -> None:
    for partition in partitions:
        assert parse_gpu({"device": device, "partition": partition}).partition == partition


def test_every_node_label_value_is_a_label_value() -> None:
    for device in SUPPORTED + list(gpu.TPU_TYPES):
        label = parse_gpu({"device": device}).node_label_value
        assert label is not None and is_label_value(label), device


# --------------------------------------------------------------------------- deprecated names


@pytest.mark.parametrize(
    ("value", "warning"),
    [
        ("A100 80G:1", "GPU type 'A100 80G' is deprecated, use 'A100_80G' instead"),
        (
            {"device": "RTX PRO 6000"},
            "GPU type 'RTX PRO 6000' is deprecated, use 'RTX_PRO_6000' instead",
        ),
        ("A100_80G:1", None),
        ({"device": "A100"}, None),
        ({"device": 3}, None),
        (2, None),
    ],
)
def test_deprecated_name(value: int | str | Mapping[str, object], warning: str | None) -> None:
    assert gpu.deprecated_name(value) == warning
