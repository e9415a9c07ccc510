"""Differential tests: envc against the real Flyte SDK (flyte 2.12.1).

Each directory tests/flyte/<case>/ holds a YAML project equivalent to the oracle's
flyte-oracle/cases/<case>.py (the Python file is copied beside it, so `module: <case>` resolves
to the same module the SDK's resolver names) and expected_sdk.json, the SDK's resolved values
reduced by tests/flyte/extract.py.  These tests never need the SDK or the shared folder: they
read only the committed JSON.

For the cases where the SDK resolves, `envc explain --all --json` must give the same value for
every compared field, after ONE conversion of the SDK's shapes into envc's §11.2 normalised
shapes: `sdk_to_envc` below.  For the cases where the SDK raises, the tests assert what the
contract says instead (SPEC §12; tests/flyte/DIFFERENCES.md lists each difference).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from envc.cli import main

FLYTE = Path(__file__).parent / "flyte"

# Cases where the SDK resolves every environment: compared field by field.
RESOLVED_CASES = (
    "task_env_plain",
    "task_env_defaults",
    "task_decorator_overrides",
    "task_pod_template",
    "clone_resources",
    "clone_env_vars",
    "clone_image",
    "clone_name_only",
    "clone_reusable_off",
    "reusable_basic",
)

ENV_FIELDS = (
    "image", "resources", "env_vars", "secrets", "service_account", "interruptible", "queue",
    "cache", "depends_on", "reusable", "description", "pod_template",
)
TASK_FIELDS = (
    "short_name", "retries", "timeout", "cache", "queue", "interruptible", "service_account",
    "max_inline_io_bytes", "pod_template", "image", "resources", "env_vars", "secrets", "reusable",
)


# --------------------------------------------------------------------------------------------
# The mapping: SDK value (as the oracle prints it) -> envc's §11.2 normalised value
# --------------------------------------------------------------------------------------------

CACHE_KEYS = ("behavior", "version_override", "serialize", "ignored_inputs", "salt")
TIMEOUT_KEYS = ("max_runtime", "max_queued_time", "deadline")


def sdk_to_envc(field: str, value: Any) -> Any:
    """The one place where an SDK shape becomes envc's shape (SPEC §11.2).

    * image: the SDK's `{request, uri, ...}` -> the resolved URI (envc resolves `auto` to
      `images.default`, which every project here sets to the oracle's default image);
    * resources: `{cpu, memory, gpu, disk, shm}` with nulls (or null) -> the keys that are set;
      a `(request, limit)` tuple is a JSON list in both;
    * env_vars: null -> `{}`; secrets: null -> `[]`, each `{key, group, mount, as_env_var}`;
    * depends_on: a list of names in both;
    * cache: `{behavior, enabled, policies, request, max_age, ...}` -> the five keys envc keeps
      (`behavior, version_override, serialize, ignored_inputs, salt`); `enabled` and
      `policies` are derived from `behavior` in the SDK and have no envc counterpart;
    * reusable: null, or `{replicas, min_replicas, max_replicas, concurrency, idle_ttl,
      scaledown_ttl, scope}` -> `{replicas: [min, max], concurrency, idle_ttl, scaledown_ttl,
      scope}` (TTLs in seconds in both);
    * retries: `{count, backoff}` -> the same;
    * timeout: `{max_runtime, max_queued_time, deadline, request}`, null meaning unset ->
      the three durations in seconds, 0 = unlimited;
    * pod_template: null; `{"name": n}` (a template given by name) -> the name `n`; an inline
      `flyte.PodTemplate` -> `{primary_container_name, labels, annotations, spec}` (null
      labels/annotations -> `{}`, `pod_spec` -> `spec`, see `envc_pod_template`);
    * is_async -> envc's task `async`;
    * everything else (queue, service_account, interruptible, description, short_name,
      max_inline_io_bytes, names) is the same value.
    """
    if field == "image":
        return value["uri"]
    if field == "resources":
        return {k: v for k, v in (value or {}).items() if v is not None}
    if field == "env_vars":
        return dict(value or {})
    if field == "secrets":
        return [{k: s[k] for k in ("key", "group", "mount", "as_env_var")} for s in value or []]
    if field == "depends_on":
        return list(value or [])
    if field == "cache":
        out = {k: value[k] for k in CACHE_KEYS}
        out["ignored_inputs"] = list(out["ignored_inputs"] or [])
        return out
    if field == "reusable":
        if value is None:
            return None
        return {
            "replicas": [value["min_replicas"], value["max_replicas"]],
            "concurrency": value["concurrency"],
            "idle_ttl": value["idle_ttl"],
            "scaledown_ttl": value["scaledown_ttl"],
            "scope": value["scope"],
        }
    if field == "retries":
        return {"count": value["count"], "backoff": value["backoff"]}
    if field == "timeout":
        return {k: value.get(k) or 0 for k in TIMEOUT_KEYS}
    if field == "pod_template":
        if value is None:
            return None
        if set(value) == {"name"}:
            return value["name"]
        return {
            "primary_container_name": value["primary_container_name"],
            "labels": value.get("labels") or {},
            "annotations": value.get("annotations") or {},
            "spec": value.get("pod_spec"),
        }
    if field == "is_async":
        return bool(value)
    return value


def envc_pod_template(value: Any) -> Any:
    """envc's explain prints a pod template as written (a name, or the inline mapping). Compare
    a name as is and an inline template by the fields a flyte.PodTemplate has: its effective
    primary container name (SPEC §6.6: explicit, else a container named `primary`, else the
    only container; a template without containers gets a synthesized `primary`), labels,
    annotations and spec."""
    if not isinstance(value, dict):
        return value
    spec = value.get("spec")
    names = [c.get("name") for c in (spec or {}).get("containers") or []]
    primary = value.get("primary_container_name")
    if primary is None:
        if "primary" in names or not names:
            primary = "primary"
        elif len(names) == 1:
            primary = names[0]
    return {
        "primary_container_name": primary,
        "labels": value.get("labels") or {},
        "annotations": value.get("annotations") or {},
        "spec": spec,
    }


def envc_value(field: str, value: Any) -> Any:
    return envc_pod_template(value) if field == "pod_template" else value


# --------------------------------------------------------------------------------------------
# Running envc
# --------------------------------------------------------------------------------------------


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def explain(case_dir: Path) -> tuple[Result, dict[str, Any] | None]:
    result = invoke("explain", "--all", "--json", "--project", str(case_dir))
    try:
        return result, json.loads(result.stdout)
    except json.JSONDecodeError:
        return result, None


def validate(case_dir: Path) -> tuple[Result, dict[str, Any]]:
    result = invoke("validate", "--project", str(case_dir), "--format", "json")
    return result, json.loads(result.stderr)


def load_expected(case: str) -> dict[str, Any]:
    return json.loads((FLYTE / case / "expected_sdk.json").read_text("utf-8"))


def locate(path: Path, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of `needle` in a file."""
    seen = 0
    for lineno, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        col = line.find(needle)
        if col >= 0 and not line.lstrip().startswith("#"):
            if seen == nth:
                return lineno, col + 1
            seen += 1
    raise AssertionError(f"{needle!r} not found in {path}")


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    where: str
    field: str
    envc: Any
    sdk: Any
    sdk_raw: Any

    def __str__(self) -> str:
        def show(v: Any) -> str:
            return json.dumps(v, sort_keys=True, ensure_ascii=False)

        return (f"  {self.where} :: {self.field}\n"
                f"      envc    : {show(self.envc)}\n"
                f"      expected: {show(self.sdk)}\n"
                f"      SDK raw : {show(self.sdk_raw)}")


def field_value(entry: dict[str, Any], field: str) -> Any:
    fields = entry["fields"]
    if field not in fields:
        return "<missing from explain>"
    return envc_value(field, fields[field]["value"])


def compare_fields(where: str, entry: dict[str, Any], sdk: dict[str, Any],
                   fields: tuple[str, ...]) -> list[Mismatch]:
    out = []
    for field in fields:
        want, got = sdk_to_envc(field, sdk[field]), field_value(entry, field)
        if got != want:
            out.append(Mismatch(where, field, got, want, sdk[field]))
    return out


def compare_names(where: str, what: str, got: list[str], sdk: list[str]) -> list[Mismatch]:
    if sorted(got) == sorted(sdk):
        return []
    return [Mismatch(where, what, sorted(got), sorted(sdk), sdk)]


def compare_task(task: dict[str, Any], sdk: dict[str, Any]) -> list[Mismatch]:
    """The task's code (function, the resolver's `mod`/`instance`, async-ness) and its fields."""
    resolver = sdk["resolver"]
    code = (
        ("function", task["function"], sdk["function"], sdk["function"]),
        ("function (resolver `instance`)", task["function"], resolver["instance"], resolver),
        ("module (resolver `mod`)", task["module"], resolver["module"], resolver),
        ("async", task["async"], sdk_to_envc("is_async", sdk["is_async"]), sdk["is_async"]),
    )
    out = [Mismatch(sdk["fqn"], key, got, want, raw) for key, got, want, raw in code if got != want]
    return out + compare_fields(sdk["fqn"], task, sdk, TASK_FIELDS)


def compare_env(env: dict[str, Any], sdk: dict[str, Any]) -> list[Mismatch]:
    where = sdk["name"]
    out = []
    if env["kind"] != sdk["class"]:
        out.append(Mismatch(where, "kind", env["kind"], sdk["class"], sdk["class"]))
    out += compare_fields(where, env, sdk, ENV_FIELDS)
    tasks = {t["fqn"]: t for t in env["tasks"]}
    out += compare_names(where, "task fqns", list(tasks), [t["fqn"] for t in sdk["tasks"]])
    for sdk_task in sdk["tasks"]:
        if sdk_task["fqn"] in tasks:
            out += compare_task(tasks[sdk_task["fqn"]], sdk_task)
    return out


def compare_case(case: str) -> tuple[list[Mismatch], str]:
    """Every mismatch between envc's explain and the SDK's values, and a header for the report."""
    expected = load_expected(case)
    assert expected["error"] is None, f"{case}: the SDK raised; not a resolved case"
    result, data = explain(FLYTE / case)
    header = f"{case}: envc exit {result.exit_code}\n{result.stderr}"
    if result.exit_code != (1 if case in OUTPUT_ERRORS else 0) or data is None:
        return [Mismatch(case, "exit code / JSON", result.exit_code, 0, None)], header
    envs = {e["name"]: e for e in data["environments"]}
    sdk_envs = expected["environments"]
    out = compare_names(case, "environment names", list(envs), [e["name"] for e in sdk_envs])
    for sdk_env in sdk_envs:
        if sdk_env["name"] in envs:
            out += compare_env(envs[sdk_env["name"]], sdk_env)
    return out, header


def test_every_case_has_a_project() -> None:
    from test_flyte_oracle_apps import APP_CASES  # the app cases: tests/test_flyte_oracle_apps.py
    from test_flyte_oracle_overrides import OVERRIDE_CASES  # task.override: tests/test_flyte_oracle_overrides.py

    cases = sorted(p.parent.name for p in FLYTE.glob("*/expected_sdk.json"))
    covered = sorted(RESOLVED_CASES + tuple(ERROR_CASES) + APP_CASES + OVERRIDE_CASES)
    assert cases == covered
    for case in cases:
        assert (FLYTE / case / "envc.yaml").is_file(), case
        assert (FLYTE / case / f"{case}.py").is_file(), case


@pytest.mark.parametrize("case", RESOLVED_CASES)
def test_resolved_values_match_sdk(case: str) -> None:
    mismatches, header = compare_case(case)
    if mismatches:
        report = "\n".join(str(m) for m in mismatches)
        summary = f"{len(mismatches)} field(s) differ from the Flyte SDK"
        pytest.fail(f"{header}\n{summary}:\n{report}", pytrace=False)


# Cases whose pod Kubernetes would reject: envc's output checks (SPEC §10.1) report it, the SDK
# does not check (DIFFERENCES.md). `explain` still resolves them; validate reports exactly these.
OUTPUT_ERRORS = {"task_pod_template": ["E905 extended-resource-limit envs/pod_env.yaml:14:44"]}


@pytest.mark.parametrize("case", RESOLVED_CASES)
def test_project_resolves_without_warnings(case: str) -> None:
    """The equivalent projects are written so that they are clean: a warning would mean the
    YAML is not the plain counterpart of the Python case."""
    result, diags = validate(FLYTE / case)
    got = [f"{d['code']} {d['name']} {d['file']}:{d['line']}:{d['col']}" for d in diags["diagnostics"]]
    assert got == OUTPUT_ERRORS.get(case, []), json.dumps(diags, indent=2)
    assert result.exit_code == (1 if got else 0), result.output


# --------------------------------------------------------------------------------------------
# Cases where the SDK raises: assert the contract instead
# --------------------------------------------------------------------------------------------


def sdk_error(case: str) -> dict[str, str]:
    err = load_expected(case)["error"]
    assert err is not None, f"{case}: the SDK no longer raises; revisit this test"
    return err


def env_entry(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in data["environments"] if e["name"] == name)


def check_extends_sets(case: str, field: str, kwarg_value: str, parent: str, child: str,
                       parent_value: Any) -> None:
    """SPEC §12.2: `extends` may set queue and pod_template, which Flyte's
    TaskEnvironment.clone_with rejects with a TypeError."""
    err = sdk_error(case)
    assert err["type"] == "TypeError" and f"'{field}'" in err["message"], err
    result, data = explain(FLYTE / case)
    assert result.exit_code == 0, result.output
    assert data is not None
    child_field = env_entry(data, child)["fields"][field]
    assert child_field["value"] == kwarg_value
    line, _ = locate(FLYTE / case / "envs" / "envs.yaml", f"{field}: {kwarg_value}")
    where = {"file": "envs/envs.yaml", "line": line, "document": child, "tier": "environment"}
    assert child_field["from"] == where
    assert env_entry(data, parent)["fields"][field]["value"] == parent_value
    # everything else is inherited from the parent, as clone_with would do
    pf, cf = env_entry(data, parent)["fields"], env_entry(data, child)["fields"]
    for name in pf:
        if name != field:
            assert cf[name]["value"] == pf[name]["value"], name
    assert env_entry(data, child)["extends"] == parent


def test_clone_queue_kwarg_error() -> None:
    check_extends_sets("clone_queue_kwarg_error", "queue", "q2", "qbase", "qchild", "q1")


def test_clone_pod_template_kwarg_error() -> None:
    check_extends_sets("clone_pod_template_kwarg_error", "pod_template", "other-template",
                       "ptbase", "ptchild", None)


def single_error(case: str) -> dict[str, Any]:
    result, diags = validate(FLYTE / case)
    assert result.exit_code == 1, result.output
    errors = [d for d in diags["diagnostics"] if d["severity"] == "error"]
    assert len(errors) == 1, json.dumps(diags, indent=2)
    return errors[0]


def test_reusable_concurrency_sync_error() -> None:
    """SDK: ValueError at decoration time. SPEC §5.4: error naming the task and the policy,
    at the task (E410 reusable-concurrency-sync)."""
    case = "reusable_concurrency_sync_error"
    err = sdk_error(case)
    assert err["type"] == "ValueError" and "concurrency" in err["message"], err
    d = single_error(case)
    line, col = locate(FLYTE / case / "envs" / "conc_env.yaml", "sync_task:")
    assert (d["code"], d["name"]) == ("E410", "reusable-concurrency-sync")
    assert (d["file"], d["line"], d["col"]) == ("envs/conc_env.yaml", line, col)
    assert "conc_env.sync_task" in d["message"]
    policy_line, _ = locate(FLYTE / case / "envs" / "conc_env.yaml", "reusable:")
    conc_line, _ = locate(FLYTE / case / "envs" / "conc_env.yaml", "concurrency: 4")
    at_policy = [r for r in d["related"]
                 if r["file"] == "envs/conc_env.yaml" and policy_line <= r["line"] <= conc_line]
    assert at_policy, d


def test_reusable_pod_template_decorator_error() -> None:
    """SDK: "Cannot set pod_template when environment is reusable." SPEC §5.4: a task-level
    pod_template in a reusable environment is an error, at the task's pod_template (E411)."""
    case = "reusable_pod_template_decorator_error"
    err = sdk_error(case)
    assert err["type"] == "ValueError" and "pod_template" in err["message"], err
    d = single_error(case)
    line, col = locate(FLYTE / case / "envs" / "reuse_pt.yaml", "some-template")
    assert (d["code"], d["name"]) == ("E411", "reusable-task-pod-template")
    assert (d["file"], d["line"], d["col"]) == ("envs/reuse_pt.yaml", line, col)
    assert "reuse_pt.t" in d["message"]


@pytest.mark.parametrize("case,name", [("name_invalid_uppercase", "MyEnv"),
                                       ("name_invalid_dot", "my.env")])
def test_invalid_environment_name(case: str, name: str) -> None:
    """SDK: "Environment name ... must be in snake_case or kebab-case format." SPEC §6.3: the
    same pattern, E210 invalid-name at the name."""
    err = sdk_error(case)
    assert err["type"] == "ValueError" and repr(name) in err["message"], err
    d = single_error(case)
    line, col = locate(FLYTE / case / "envs" / "env.yaml", name)
    assert (d["code"], d["name"]) == ("E210", "invalid-name")
    assert (d["file"], d["line"], d["col"]) == ("envs/env.yaml", line, col)
    assert name in d["message"]


ERROR_CASES = {
    "clone_queue_kwarg_error": test_clone_queue_kwarg_error,
    "clone_pod_template_kwarg_error": test_clone_pod_template_kwarg_error,
    "reusable_concurrency_sync_error": test_reusable_concurrency_sync_error,
    "reusable_pod_template_decorator_error": test_reusable_pod_template_decorator_error,
    "name_invalid_uppercase": test_invalid_environment_name,
    "name_invalid_dot": test_invalid_environment_name,
}
