"""The fserve runtime (compiler/envc/fserve.py; SPEC §7, §12.14, §12.20).

* the gzip member envc writes: the exact header, stored deflate blocks of at most 65,535
  bytes, CRC-32 and ISIZE; readable by `gzip.decompress` (what fserve uses) at every size;
* the parameter JSON: byte for byte what the real Flyte SDK's pydantic model writes, for the
  probe recorded by tests/flyte/probe_parameters_json.py (awkward strings, every download rule);
* the fserve line: Flyte's flags in Flyte's order, the code bundle, the payload, the raw data
  path; a custom command is kept as written.
"""

from __future__ import annotations

import base64
import gzip
import json
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envc.fserve import (
    GZIP_HEADER,
    STORED_BLOCK_MAX,
    container_command,
    decode_payload,
    fserve_line,
    parameters_json,
    payload,
    payload_of,
    serializable,
    stored_gzip,
)
from envc.project import Settings, settings_from

PROBE = Path(__file__).parent / "flyte" / "parameters_json_probe.json"


def project(**extra: object) -> Settings:
    return settings_from({"envc": 1, "project": "acme", "domain": "production", "org": "o", **extra}, Path("."))


# --- the gzip member ------------------------------------------------------------------------


def test_header_is_the_spec_bytes() -> None:
    assert GZIP_HEADER.hex() == "1f8b08000000000000ff"
    assert stored_gzip(b"x").startswith(GZIP_HEADER)


def test_empty_input_is_one_final_empty_block() -> None:
    member = stored_gzip(b"")
    assert member == GZIP_HEADER + bytes([1, 0, 0, 0xFF, 0xFF]) + struct.pack("<II", 0, 0)
    assert gzip.decompress(member) == b""


@pytest.mark.parametrize("size", [1, STORED_BLOCK_MAX - 1, STORED_BLOCK_MAX, STORED_BLOCK_MAX + 1,
                                  2 * STORED_BLOCK_MAX, 2 * STORED_BLOCK_MAX + 7])
def test_blocks_at_the_boundaries(size: int) -> None:
    data = bytes(i % 251 for i in range(size))
    member = stored_gzip(data)
    assert gzip.decompress(member) == data
    blocks, pos, body = [], 0, member[len(GZIP_HEADER):-8]
    while pos < len(body):
        final, (length, nlength) = body[pos], struct.unpack("<HH", body[pos + 1:pos + 5])
        assert final in (0, 1) and length ^ 0xFFFF == nlength and length <= STORED_BLOCK_MAX
        blocks.append((final, length))
        pos += 5 + length
    assert [f for f, _ in blocks] == [0] * (len(blocks) - 1) + [1]
    assert sum(n for _, n in blocks) == size
    assert len(blocks) == -(-size // STORED_BLOCK_MAX)
    assert member[-8:] == struct.pack("<II", zlib.crc32(data), size)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_round_trip(data: bytes) -> None:
    assert gzip.decompress(stored_gzip(data)) == data
    assert stored_gzip(data) == stored_gzip(bytes(data))  # a pure function of the input


# --- the parameter JSON: Flyte's bytes ------------------------------------------------------


def probe() -> list[dict[str, object]]:
    data = json.loads(PROBE.read_text("utf-8"))
    assert data["flyte_version"] == "2.12.1"
    return data["records"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("record", probe(), ids=lambda r: str(len(r["yaml"])) + ":" + json.dumps(r["yaml"][0])[:40])
def test_parameters_json_is_flytes_bytes(record: dict[str, object]) -> None:
    assert parameters_json(record["yaml"]) == record["flyte_json"]  # type: ignore[arg-type]


def test_payload_decodes_to_the_json() -> None:
    params = [{"name": "model", "value": "s3://b/m.pt", "type": "file", "mount": "/models"}]
    text = payload(params)
    assert base64.b64encode(base64.b64decode(text)).decode() == text  # standard, padded
    assert decode_payload(text) == parameters_json(params)
    assert gzip.decompress(base64.b64decode(text)) == parameters_json(params).encode()


@pytest.mark.parametrize("param,download", [
    ({"name": "s", "value": "v"}, False),                                         # a string never downloads
    ({"name": "s", "value": "v", "download": True, "mount": "/m"}, False),
    ({"name": "f", "value": "s3://f", "type": "file"}, True),                     # File: download defaults true
    ({"name": "f", "value": "s3://f", "type": "file", "download": False}, False),
    ({"name": "f", "value": "s3://f", "type": "file", "download": False, "mount": "/m"}, True),  # a mount forces it
    ({"name": "d", "value": "s3://d/", "type": "directory", "download": False}, False),
])
def test_download_rules(param: dict[str, object], download: bool) -> None:
    assert serializable(param)["download"] is download


def test_key_order_is_flytes() -> None:
    assert list(serializable({"name": "a", "value": "b"})) == [
        "name", "value", "download", "type", "env_var", "dest", "ignore_patterns"]


# --- the command line -----------------------------------------------------------------------


def test_fserve_line_without_bundle_or_parameters() -> None:
    s = project()
    assert fserve_line("v1", [], s) == [
        "fserve", "--version", "v1", "--project", "acme", "--domain", "production", "--org", "o",
        "--raw-data-path", "{{.rawOutputDataPrefix}}", "--"]


def test_fserve_line_with_bundle_parameters_and_app_raw_path() -> None:
    s = project(runtime={"code_bundle": "s3://b/{version}.tgz", "raw_data_path": "s3://tasks",
                         "app_raw_data_path": "s3://apps"})
    params = [{"name": "m", "value": "x"}]
    line = fserve_line("v1", params, s)
    assert line == ["fserve", "--version", "v1", "--project", "acme", "--domain", "production", "--org", "o",
                    "--tgz", "s3://b/v1.tgz", "--dest", ".", "--parameters", payload(params),
                    "--raw-data-path", "s3://apps", "--"]
    assert payload_of(line) == payload(params)


def test_raw_data_path_falls_back_to_the_tasks() -> None:
    s = project(runtime={"raw_data_path": "s3://tasks"})
    assert fserve_line("v1", [], s)[-2] == "s3://tasks"


def test_empty_org_is_an_empty_word() -> None:
    s = replace(project(), org="")
    line = fserve_line("v1", [], s)
    assert line[line.index("--org") + 1] == ""


@pytest.mark.parametrize("command,expected", [
    ("uvicorn api:app --port '8 0'", ["uvicorn", "api:app", "--port", "8 0"]),
    (["python", "serve.py"], ["python", "serve.py"]),
    ("fserve --version mine -- python app.py", ["fserve", "--version", "mine", "--", "python", "app.py"]),
    ([], []),
])
def test_custom_command_is_kept_as_written(command: object, expected: list[str]) -> None:
    params = [{"name": "m", "value": "x"}]
    assert container_command(command, params, "v1", project()) == expected
    assert payload_of(expected) is None


def test_null_command_is_the_fserve_line() -> None:
    s = project()
    assert container_command(None, None, "v1", s) == fserve_line("v1", [], s)
