"""Editor support: hover docs in the schema, and the yaml-language-server modeline in examples."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from envc.cli import main

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "schemas" / "envc.schema.json").read_text("utf-8"))
MODELINE = re.compile(r"# yaml-language-server: \$schema=(?P<path>[^#\s]+)(?P<fragment>#\S*)?\Z")


def properties(node: Any, pointer: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property schema (the `if` conditions that dispatch on `kind` excepted)."""
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            if "/if" not in pointer:
                yield f"{pointer}/properties/{key}", value
        for key, value in node.items():
            yield from properties(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from properties(value, f"{pointer}/{i}")


@pytest.mark.parametrize("key", ["title", "description"])
def test_every_field_has_hover_docs(key: str) -> None:
    missing = [p for p, node in properties(SCHEMA) if not node.get(key)]
    assert missing == []


def test_every_field_has_examples() -> None:
    missing = [p for p, node in properties(SCHEMA) if not node.get("examples") and p != "#/properties/kind"]
    assert missing == []


def test_envc_schema_prints_it() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed["$defs"]["TaskEnvironment"]["properties"]["resources"]["title"] == "Resources"
    assert printed["$defs"]["TaskEnvironment"]["properties"]["resources"]["examples"]


EXAMPLE_SOURCES = sorted(
    p.relative_to(REPO).as_posix() for p in (REPO / "examples").rglob("*.yaml")
    if "manifests" not in p.relative_to(REPO).parts  # a user's own compile output is not a source
)


@pytest.mark.parametrize("path", EXAMPLE_SOURCES)
def test_example_files_carry_the_modeline(path: str) -> None:
    first = (REPO / path).read_text("utf-8").splitlines()[0]
    match = MODELINE.match(first)
    assert match, f"{path}: first line is {first!r}"
    target = ((REPO / path).parent / match["path"]).resolve()
    assert target == REPO / "schemas" / "envc.schema.json"
    if Path(path).name == "envc.yaml":
        assert match["fragment"] == "#/$defs/Project"
    else:
        assert match["fragment"] is None
