"""docs/reference.md is generated from schemas/envc.schema.json and must stay equal to it.

`pytest --update-golden` rewrites the page; a missing page fails.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "schemas" / "envc.schema.json"
REFERENCE_PATH = ROOT / "docs" / "reference.md"

try:
    from envc.schema_docs import HEADER, render_reference
except ImportError:  # pragma: no cover - package not installed: use the source tree
    sys.path.insert(0, str(ROOT / "compiler"))
    from envc.schema_docs import HEADER, render_reference


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def rendered(schema: dict[str, Any]) -> str:
    return render_reference(schema)


def test_reference_is_up_to_date(rendered: str, update_golden: bool) -> None:
    if update_golden:
        REFERENCE_PATH.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE_PATH.write_text(rendered, "utf-8", newline="\n")
        return
    assert REFERENCE_PATH.exists(), f"{REFERENCE_PATH} is missing: run `pytest --update-golden`"
    committed = REFERENCE_PATH.read_text("utf-8")
    assert committed == rendered, (
        "docs/reference.md differs from what schemas/envc.schema.json renders: "
        "run `pytest --update-golden` and review the diff"
    )


def test_render_is_deterministic(schema: dict[str, Any], rendered: str) -> None:
    assert render_reference(json.loads(json.dumps(schema))) == rendered


def test_header_and_shape(rendered: str) -> None:
    assert rendered.splitlines()[0] == HEADER
    assert HEADER == (
        "<!-- Generated from schemas/envc.schema.json by envc.schema_docs. "
        "Do not edit; run pytest --update-golden. -->"
    )
    assert rendered.endswith("\n") and not rendered.endswith("\n\n")
    for heading in (
        "## Project file `envc.yaml`",
        "## TaskEnvironment",
        "## Task",
        "## AppEnvironment",
        "## PodTemplate",
        "## Workflow",
        "## Override",
        "## Shared definitions",
    ):
        assert heading + "\n" in rendered, heading


def _property_names(node: object, names: bool = False) -> Iterator[str]:
    """Every key declared under `properties` anywhere in the schema; `if` conditions and data
    (`examples`, `default`, `const`, `enum`) declare none. `names`: `node` is a `properties` map."""
    if isinstance(node, dict):
        if names:
            yield from node
        for key, value in node.items():
            if not names and key in ("if", "examples", "default", "const", "enum"):
                continue
            yield from _property_names(value, key == "properties" and not names)
    elif isinstance(node, list):
        for item in node:
            yield from _property_names(item)


def _documented_keys(markdown: str) -> set[str]:
    """The key names in the first column of the reference's tables (`a.b`, `steps[].task`)."""
    keys: set[str] = set()
    for match in re.finditer(r"^\| `([^`]+)` \|", markdown, flags=re.MULTILINE):
        keys.update(part for part in re.split(r"\.|\[\]\.?", match.group(1)) if part)
    return keys


def test_every_schema_property_is_documented(schema: dict[str, Any]) -> None:
    """Independent of the renderer's golden: read the page as it is on disk."""
    if not REFERENCE_PATH.exists():
        pytest.fail(f"{REFERENCE_PATH} is missing: run `pytest --update-golden`")
    documented = _documented_keys(REFERENCE_PATH.read_text("utf-8"))
    missing = sorted(set(_property_names(schema)) - documented)
    assert not missing, f"schema properties missing from docs/reference.md: {missing}"


def test_every_definition_has_a_section(schema: dict[str, Any], rendered: str) -> None:
    headings = set(re.findall(r"^#{2,3} (.+)$", rendered, flags=re.MULTILINE))
    for name in schema["$defs"]:
        assert name in headings or name == "Project", name
    assert "## Project file `envc.yaml`" in rendered


def test_links_point_at_sections(rendered: str) -> None:
    anchors = {
        re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        for heading in re.findall(r"^#{1,3} (.+)$", rendered, flags=re.MULTILINE)
    }
    targets = set(re.findall(r"\]\(#([^)]+)\)", rendered))
    assert targets and targets <= anchors, sorted(targets - anchors)


def test_tables_are_well_formed(rendered: str) -> None:
    for line in rendered.splitlines():
        if line.startswith("| `"):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            assert len(cells) == 4, line


def test_a_nested_key_and_a_ref_render() -> None:
    schema = {
        "$defs": {
            "Project": {
                "description": "P.",
                "type": "object",
                "properties": {
                    "apps": {
                        "description": "Apps.",
                        "type": "object",
                        "properties": {
                            "target": {"description": "T.", "enum": ["a", "b"], "default": "a"}
                        },
                    },
                    "d": {
                        "description": "D.",
                        "anyOf": [{"$ref": "#/$defs/Duration"}, {"type": "null"}],
                    },
                },
            },
            "Duration": {"description": "Dur.", "type": "integer", "minimum": 0, "examples": [3]},
        }
    }
    text = render_reference(schema)
    assert '| `apps.target` | `"a"` or `"b"` | `"a"` | T. |' in text
    assert "| `d` | [Duration](#duration) or null |  | D. |" in text
    assert "### Duration\n\nDur.\n\nType: integer ≥ 0.\n\nExamples: `3`.\n" in text
