#!/usr/bin/env python3
"""Record how the real Flyte SDK serializes app parameters, for tests/test_fserve.py.

envc writes the `--parameters` JSON itself (compiler/envc/fserve.py) and must produce Flyte's
bytes exactly (SPEC §7): the same keys in the same order, the same `download` rules, and the
same escaping as pydantic's `model_dump_json` (raw UTF-8; control characters, quotes and
backslashes escaped like Python's json). This script runs the SDK on parameters with awkward
strings and writes what `SerializableParameterCollection.model_dump_json()` returns.

Run it with the oracle's interpreter (flyte==2.12.1 installed), from the repository root:

    /tmp/flyte-oracle/venv/bin/python tests/flyte/probe_parameters_json.py

It rewrites tests/flyte/parameters_json_probe.json; review the diff like code.
"""

from __future__ import annotations

import json
from pathlib import Path

import flyte.io
from flyte.app._parameter import Parameter, SerializableParameterCollection

import flyte

OUT = Path(__file__).resolve().parent / "parameters_json_probe.json"
STRINGS = [
    "plain", "é ü 日本 🚀", 'quote" back\\slash', "ctl\x00\x01\x1f\x7f\x80\x9f", "\b\f\n\r\t",
    "\u2028\u2029\ufeff", "</script>&<>", "a/b", "\ud7ff\ue000\uffff",
]


def cases() -> list[dict[str, object]]:
    """Each case: envc's YAML parameter (a mapping) and the Flyte Parameter it stands for."""
    out: list[dict[str, object]] = []
    for s in STRINGS:
        out.append({"yaml": {"name": "n" + s, "value": s, "env_var": "E", "ignore_patterns": [s]},
                    "flyte": Parameter(name="n" + s, value=s, env_var="E", ignore_patterns=[s])})
        out.append({"yaml": {"name": "f", "value": s, "type": "file", "mount": "/m" + s},
                    "flyte": Parameter(name="f", value=flyte.io.File(path=s), mount="/m" + s)})
    out += [
        {"yaml": {"name": "d", "value": "s3://x/", "type": "directory", "download": False},
         "flyte": Parameter(name="d", value=flyte.io.Dir(path="s3://x/"), download=False)},
        {"yaml": {"name": "f", "value": "s3://y"}, "flyte": Parameter(name="f", value="s3://y")},
        {"yaml": {"name": "f", "value": "s3://y", "type": "file"},
         "flyte": Parameter(name="f", value=flyte.io.File(path="s3://y"))},
        {"yaml": {"name": "f", "value": "s3://y", "type": "file", "download": False, "mount": "/m"},
         "flyte": Parameter(name="f", value=flyte.io.File(path="s3://y"), download=False, mount="/m")},
        {"yaml": {"name": "s", "value": "v", "type": "string", "download": True, "mount": "/m"},
         "flyte": Parameter(name="s", value="v", type="string", download=True, mount="/m")},
        {"yaml": {"name": "g", "value": "s3://z", "type": "directory", "ignore_patterns": ["*.tmp", "*.log"]},
         "flyte": Parameter(name="g", value=flyte.io.Dir(path="s3://z"), ignore_patterns=["*.tmp", "*.log"])},
    ]
    return out


def main() -> None:
    records = []
    for case in cases():
        one = SerializableParameterCollection.from_parameters([case["flyte"]]).model_dump_json()
        records.append({"yaml": [case["yaml"]], "flyte_json": one})
    every = [c["yaml"] for c in cases()]
    whole = SerializableParameterCollection.from_parameters([c["flyte"] for c in cases()]).model_dump_json()
    records.append({"yaml": every, "flyte_json": whole})
    data = {"flyte_version": flyte.__version__, "records": records}
    OUT.write_text(json.dumps(data, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
