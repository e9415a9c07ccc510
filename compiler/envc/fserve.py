"""The fserve runtime of apps (SPEC §7): Flyte's container command and its `--parameters` payload.

With `command: null` an app's container runs Flyte's `fserve`, with the flags, in the order,
that Flyte SDK 2.12.1 writes (`AppEnvironment.container_cmd`, flyte/app/_app_environment.py):

    fserve --version <v> --project <p> --domain <d> --org <o> [--tgz <uri> --dest .]
           [--parameters <payload>] --raw-data-path <path> --

followed by the app's `args` (the container's `args`). There is no `--resolver` pair: it names
a Python variable, which YAML has not (SPEC §12.20).

The payload is Flyte's `SerializableParameterCollection.to_transport`: standard padded base64 of
a gzip member holding the collection's JSON. Flyte compresses with zlib, whose output may differ
between zlib builds; envc writes the member itself with *stored* deflate blocks (RFC 1951 §3.2.4,
BTYPE 00), so the bytes are the same on every machine (SPEC §12.14). `fserve` decodes it with
`gzip.decompress` like Flyte's own; the JSON inside is byte for byte Flyte's.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Sequence
from typing import Any

from envc.apps import raw_data_path, split
from envc.project import Settings

# RFC 1952: ID1 ID2, CM=8 (deflate), FLG=0, MTIME=0, XFL=0, OS=255 (unknown).
GZIP_HEADER = bytes((0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF))
STORED_BLOCK_MAX = 65535
_DIRECT = ("file", "directory")


def stored_gzip(data: bytes) -> bytes:
    """A gzip member of `data` in stored deflate blocks of at most 65,535 bytes."""
    out = bytearray(GZIP_HEADER)
    starts = range(0, len(data), STORED_BLOCK_MAX) if data else range(1)
    for start in starts:
        chunk = data[start:start + STORED_BLOCK_MAX]
        final = start + STORED_BLOCK_MAX >= len(data)
        # BFINAL, BTYPE=00, then padding to the byte boundary: one byte, 0x01 or 0x00.
        out.append(1 if final else 0)
        out += struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF)
        out += chunk
    out += struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return bytes(out)


def serializable(param: dict[str, Any]) -> dict[str, Any]:
    """Flyte's `SerializableParameter.from_parameter`, in its key order.

    `type: file|directory` is Flyte's `flyte.io.File`/`Dir` value: downloaded unless
    `download: false`, and always when it has a `mount`. A string is never downloaded.
    """
    kind = param.get("type") or "string"
    mount = param.get("mount")
    if kind in _DIRECT:
        download = True if mount is not None else bool(param.get("download", True))
    else:
        download = False
    return {
        "name": param["name"],
        "value": param.get("value"),
        "download": download,
        "type": kind,
        "env_var": param.get("env_var"),
        "dest": mount,
        "ignore_patterns": list(param.get("ignore_patterns") or []),
    }


def parameters_json(parameters: Sequence[dict[str, Any]]) -> str:
    """Compact JSON as pydantic's `model_dump_json` writes it (raw UTF-8, no spaces)."""
    body = {"parameters": [serializable(p) for p in parameters]}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def payload(parameters: Sequence[dict[str, Any]]) -> str:
    return base64.b64encode(stored_gzip(parameters_json(parameters).encode("utf-8"))).decode("ascii")


def decode_payload(text: str) -> str:
    """The JSON inside a `--parameters` payload (what `fserve` reads)."""
    import gzip

    return gzip.decompress(base64.b64decode(text.encode("ascii"), validate=True)).decode("utf-8")


def fserve_line(version: str, parameters: Sequence[dict[str, Any]], settings: Settings) -> list[str]:
    line = ["fserve", "--version", version, "--project", settings.project,
            "--domain", settings.domain, "--org", settings.org]
    if settings.code_bundle is not None:
        line += ["--tgz", settings.code_bundle.replace("{version}", version), "--dest", "."]
    if parameters:
        line += ["--parameters", payload(parameters)]
    return [*line, "--raw-data-path", raw_data_path(settings), "--"]


def container_command(command: Any, parameters: Any, version: str, settings: Settings) -> list[str]:
    """The `app` container's command: the fserve line, or the custom command as written."""
    written = split(command)
    if written is not None:
        return written
    return fserve_line(version, list(parameters or []), settings)


def payload_of(command: Sequence[str]) -> str | None:
    """The `--parameters` value of an fserve line envc generated, if any."""
    for i, word in enumerate(command[:-1]):
        if word == "--parameters":
            return command[i + 1]
        if word == "--":
            return None
    return None
