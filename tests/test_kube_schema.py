"""`--validate` (SPEC §10.1): strict schema validation of every emitted object.

* the supported versions are exactly the strict schemas kubernetes-validate ships;
* every golden object and every example's objects validate, for every supported version;
* mutation tests: every golden object, broken at every place (an unknown field in each
  structure, a wrong type at each string, each required field removed), is reported at the
  exact field path;
* Knative objects are validated against Knative's schema; an object without a schema is
  warning schema-not-validated, never silently passed;
* the CLI: `compile --validate` / `validate --validate`, codes and file:line:col, nothing
  written on failure, a usage error without the extra, and plain commands never load it.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from envc import kube_schema
from envc.checks.kubernetes_version import SUPPORTED
from envc.cli import main
from envc.diagnostics import Sink, Span
from envc.kube_schema import field_path, object_errors, unavailable, validate_objects
from envc.lower import Obj
from envc.pipeline import run
from outputcase import brief, diagnose, env_with_template, project, where

REPO = Path(__file__).resolve().parents[1]
GOLDEN = sorted(p for p in (REPO / "golden").rglob("*.yaml") if p.name != "kustomization.yaml")
EXAMPLES = sorted(p.name for p in (REPO / "examples").iterdir() if (p / "envc.yaml").is_file())


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text("utf-8"))  # type: ignore[no-any-return]


def rel(path: Path) -> str:
    return path.relative_to(REPO / "golden").as_posix()


def test_supported_versions_are_the_shipped_strict_schemas() -> None:
    assert kube_schema.shipped_versions() == list(SUPPORTED)
    assert len(SUPPORTED) >= 3 and SUPPORTED[-1] == "1.37"


def test_unsupported_version_is_e211_listing_the_supported_ones(tmp_path: Path) -> None:
    [d] = diagnose(tmp_path, "kind: TaskEnvironment\nname: a\n", 'kubernetes_version: "1.24"\n')
    assert (d.code.id, str(d.span)) == ("E211", "envc.yaml:3:21")
    assert d.message.endswith("use one of " + ", ".join(SUPPORTED))


@pytest.mark.parametrize("version", SUPPORTED)
def test_every_golden_object_validates(version: str) -> None:
    assert GOLDEN
    for path in GOLDEN:
        manifest = load(path)
        assert unavailable(manifest, version) is None, rel(path)
        assert object_errors(manifest, version) == [], rel(path)


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_validates(example: str, version: str) -> None:
    sink = Sink()
    _, objs = run(REPO / "examples" / example, None, sink)
    assert objs
    validate_objects(objs, version, sink)
    assert [f"{d.code} {d.message}" for d in sink.sorted()] == []


# --- mutations ------------------------------------------------------------------------------

# Mappings whose keys are data (any key is valid), by their last path key; a Service's
# `spec.selector` is one too (a Deployment's is a LabelSelector structure).
MAP_KEYS = {"labels", "annotations", "nodeSelector", "matchLabels", "limits", "requests"}


def is_map(manifest: dict[str, Any], path: tuple[str | int, ...]) -> bool:
    if path and path[-1] in MAP_KEYS:
        return True
    return manifest["kind"] == "Service" and manifest["apiVersion"] == "v1" and path == ("spec", "selector")


def nodes(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from nodes(v, (*path, i))


def at(data: Any, path: tuple[str | int, ...]) -> Any:
    for p in path:
        data = data[p]
    return data


def kubernetes_goldens() -> list[Path]:
    return [p for p in GOLDEN if not load(p)["apiVersion"].startswith("serving.knative.dev/")]


@pytest.mark.parametrize("path", GOLDEN, ids=rel)
def test_an_unknown_field_in_each_structure_is_reported_at_its_path(path: Path) -> None:
    manifest = load(path)
    checked = 0
    for where_, node in nodes(manifest):
        if not isinstance(node, dict) or is_map(manifest, where_):
            continue
        broken = copy.deepcopy(manifest)
        at(broken, where_)["envcUnknownField"] = 1
        assert object_errors(broken, "1.31") == [f"unknown field `{field_path((*where_, 'envcUnknownField'))}`"], where_
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("path", kubernetes_goldens(), ids=rel)
def test_a_wrong_type_at_each_string_is_reported_at_its_path(path: Path) -> None:
    manifest = load(path)
    checked = 0
    for where_, node in nodes(manifest):
        if not isinstance(node, str) or where_ in (("apiVersion",), ("kind",)):
            continue
        broken = copy.deepcopy(manifest)
        parent = at(broken, where_[:-1])
        parent[where_[-1]] = [[1]]
        errors = object_errors(broken, "1.31")
        assert errors and all(e.startswith(f"`{field_path(where_)}`: ") for e in errors), (where_, errors)
        checked += 1
    assert checked >= 5


REQUIRED = [  # (kind, path pattern with * for any index, the field) from the Kubernetes API reference
    ("*", ("template", "spec", "containers", "*"), "name"),
    ("*", ("spec", "template", "spec", "containers", "*"), "name"),
    ("*", ("template", "spec", "containers", "*", "env", "*"), "name"),
    ("*", ("spec", "template", "spec", "containers", "*", "env", "*"), "name"),
    ("*", ("template", "spec", "containers", "*", "volumeMounts", "*"), "mountPath"),
    ("*", ("template", "spec", "volumes", "*"), "name"),
    ("*", ("template", "spec", "containers", "*", "env", "*", "valueFrom", "secretKeyRef"), "key"),
    ("Deployment", ("spec",), "selector"),
    ("Deployment", ("spec",), "template"),
    ("Deployment", ("spec", "template", "spec"), "containers"),
    ("HorizontalPodAutoscaler", ("spec",), "scaleTargetRef"),
    ("HorizontalPodAutoscaler", ("spec",), "maxReplicas"),
    ("HorizontalPodAutoscaler", ("spec", "scaleTargetRef"), "name"),
    ("HorizontalPodAutoscaler", ("spec", "metrics", "*"), "type"),
    ("Service", ("spec", "ports", "*"), "port"),
    ("Ingress", ("spec", "rules", "*", "http"), "paths"),
    ("Ingress", ("spec", "rules", "*", "http", "paths", "*"), "pathType"),
]


def _matches(pattern: tuple[str, ...], path: tuple[str | int, ...]) -> bool:
    return len(pattern) == len(path) and all(p == "*" or p == q for p, q in zip(pattern, path, strict=False))


@pytest.mark.parametrize("path", kubernetes_goldens(), ids=rel)
def test_each_missing_required_field_is_reported_at_its_path(path: Path) -> None:
    manifest = load(path)
    checked = 0
    for where_, node in nodes(manifest):
        for kind, pattern, field in REQUIRED:
            if kind in ("*", manifest["kind"]) and _matches(pattern, where_) and isinstance(node, dict) and field in node:
                broken = copy.deepcopy(manifest)
                del at(broken, where_)[field]
                assert object_errors(broken, "1.31") == [f"missing required field `{field_path((*where_, field))}`"]
                checked += 1
    if manifest["kind"] in ("PodTemplate", "Deployment"):
        assert checked >= 2


def test_field_paths_quote_keys_with_dots() -> None:
    assert field_path(("metadata", "annotations", "envc.dev/fqn")) == 'metadata.annotations["envc.dev/fqn"]'
    assert field_path(("spec", "containers", 0, "name")) == "spec.containers[0].name"
    assert field_path(()) == "(the object)"


# --- dispatch by apiVersion/kind -------------------------------------------------------------

ORIGIN = Span("envs/a.yaml", 2, 7)


def obj(manifest: dict[str, Any]) -> Obj:
    return Obj("a", str(manifest["kind"]), str(manifest["metadata"]["name"]), "envs/a.yaml", manifest, 0,
               (0, 0, "a"), 0, ORIGIN)


def knative_golden() -> dict[str, Any]:
    found = [load(p) for p in GOLDEN if load(p)["apiVersion"] == "serving.knative.dev/v1"]
    assert found, "a golden Knative Service is expected (examples/ml-platform)"
    return found[0]


def test_knative_objects_use_knative_s_schema_and_object_meta() -> None:
    broken = knative_golden()
    broken["spec"]["template"]["spec"]["containers"][0]["envcUnknownField"] = 1
    broken["metadata"]["envcUnknownMeta"] = 1
    assert object_errors(broken, "1.31") == [
        "unknown field `metadata.envcUnknownMeta`",
        "unknown field `spec.template.spec.containers[0].envcUnknownField`",
    ]


def test_an_object_without_a_schema_is_a_warning_not_a_pass() -> None:
    route = {"apiVersion": "serving.knative.dev/v1", "kind": "Route", "metadata": {"name": "r"}}
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    sink = Sink()
    validate_objects([obj(route), obj(widget)], "1.31", sink)
    assert [(d.code.id, str(d.span), d.message) for d in sink.sorted()] == [
        ("W901", "envs/a.yaml:2:7", ("Route `r` (a/route-r.yaml) was not schema-checked: envc ships no Knative schema "
                                    "for serving.knative.dev/v1 Route")),
        ("W901", "envs/a.yaml:2:7", ("Widget `w` (a/widget-w.yaml) was not schema-checked: kubernetes-validate has no "
                                    "schema for example.com/v1 Widget")),
    ]


# --- the CLI -----------------------------------------------------------------------------------

BAD = env_with_template("containers:\n  - name: primary\n    imagePullPolicyy: Always\n")


def test_validate_with_schemas_reports_e903_at_the_task(tmp_path: Path) -> None:
    project(tmp_path, BAD)
    result = CliRunner().invoke(main, ["validate", "--validate", "--project", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1
    import json

    [d] = json.loads(result.stderr)["diagnostics"]
    assert (d["code"], f"{d['file']}:{d['line']}:{d['col']}") == ("E903", where(BAD, "f:"))
    assert d["message"] == ("PodTemplate `a-f` (a/podtemplate-a-f.yaml): unknown field "
                            "`template.spec.containers[0].imagePullPolicyy` (Kubernetes 1.31 schema)")


def test_plain_validate_does_not_check_schemas(tmp_path: Path) -> None:
    assert brief(diagnose(tmp_path, BAD)) == []


@pytest.mark.parametrize("extra", [[], ["--stdout"]])
def test_compile_with_schemas_fails_and_writes_nothing(tmp_path: Path, extra: list[str]) -> None:
    project(tmp_path, BAD)
    result = CliRunner().invoke(main, ["compile", "--validate", "--project", str(tmp_path), *extra])
    assert result.exit_code == 1, result.output
    assert "E903 schema-invalid-output" in result.stderr
    assert not (tmp_path / "manifests").exists() and result.stdout == ""


def test_compile_with_schemas_writes_a_valid_project(tmp_path: Path) -> None:
    project(tmp_path, env_with_template("containers:\n  - name: primary\n    imagePullPolicy: Always\n"))
    result = CliRunner().invoke(main, ["compile", "--validate", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "manifests" / "a" / "podtemplate-a-f.yaml").is_file()
    # a plain compile afterwards is unchanged (the --validate run did not disturb the cache)
    again = CliRunner().invoke(main, ["compile", "--project", str(tmp_path)])
    assert again.exit_code == 0 and "0 changed" in again.stderr, again.output


def test_without_the_extra_validate_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, env_with_template("containers:\n  - name: primary\n"))
    kube_schema.schema_root.cache_clear()
    monkeypatch.setattr(kube_schema.importlib.util, "find_spec", lambda name: None)
    try:
        result = CliRunner().invoke(main, ["validate", "--validate", "--project", str(tmp_path)])
    finally:
        kube_schema.schema_root.cache_clear()
    assert result.exit_code == 2
    assert "pip install 'envc[validate]'" in result.stderr


def test_plain_commands_never_load_the_schemas(tmp_path: Path) -> None:
    project(tmp_path, env_with_template("containers:\n  - name: primary\n"))
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from envc.cli import main\n"
        f"for args in (['validate', '--project', {str(tmp_path)!r}], ['compile', '--project', {str(tmp_path)!r}]):\n"
        "    assert CliRunner().invoke(main, args).exit_code == 0\n"
        "print(sorted(m for m in sys.modules if m in ('envc.kube_schema', 'kubernetes_validate', 'jsonschema')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
