"""Differential tests of the invocation tier: Workflow steps against `task.override(...)`.

Each tests/flyte/override_*/ holds the YAML equivalent of an oracle case whose OVERRIDES list is
not empty: the environments of the case, and one Workflow (named after the case) with one step
per entry of OVERRIDES, in its order, named after its label (the dict key; a list index as
"0").  expected_sdk.json is the SDK's output reduced by tests/flyte/extract.py (never edited by
hand); its `overrides` are the `task.override(...)` results.  Five cases come from the shared
oracle; the others are envc's own, tests/flyte/<case>/<case>.py, run with the same oracle
and the real SDK (tests/flyte/cases_extra/regen.sh), for rules the shared cases do not cover:
falsy overrides, structured values (RetryStrategy, Timeout, Cache, PodTemplate, !merge/!append),
`reusable="off"` beside each restricted field, `pod_template`/`interruptible` on a step that
stays reusable, a new policy, `service_account`, `name`.

Where the SDK resolves, every step of `envc explain --all --json` (`invocations`, SPEC §11.2)
must have the SDK's value for every compared field, after ONE conversion of the SDK's shapes:
`sdk_override_to_envc` below.  The fields the Python `override(...)` call passes (read from the
case's source with `ast`) must be exactly the fields explain reports at the `invocation` tier,
from the step's line.  Where envc deliberately differs (SPEC §12.1: an explicit falsy value
wins, Flyte ignores it), FALSY_OVERRIDES states envc's value and the test checks that the SDK
really kept the task's value.  Where the SDK raises, the tests assert the contract: E209
wrong-tier (SPEC §5.2, §5.5) or E418 reusable-override (SPEC §5.4) at the override's key, and
that the same override with `reusable: off` is accepted.  tests/flyte/DIFFERENCES.md lists every
difference.
"""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from test_flyte_oracle import (
    FLYTE,
    Mismatch,
    envc_value,
    explain,
    invoke,
    load_expected,
    locate,
    sdk_to_envc,
    validate,
)

EXTRA = FLYTE / "cases_extra"

# The shared oracle's cases whose OVERRIDES is not empty, then envc's own
# (tests/flyte/cases_extra/).
RESOLVED_OVERRIDE_CASES = (
    "override_basic",
    "override_falsy",
    "override_structured",
    "override_reusable_off",
    "override_reusable_ineffective",
    "override_new_policy",
)
ERROR_OVERRIDE_CASES = (
    "override_image_error",
    "override_reusable_resources_error",
    "override_reusable_env_vars_error",
    "override_reusable_secrets_error",
    "override_reusable_service_account_error",
    "override_reusable_env_vars_empty_error",
    "override_new_policy_resources_error",
    "override_name_error",
)
OVERRIDE_CASES = RESOLVED_OVERRIDE_CASES + ERROR_OVERRIDE_CASES
EXTRA_CASES = (
    "override_falsy",
    "override_structured",
    "override_reusable_off",
    "override_reusable_ineffective",
    "override_new_policy",
    "override_new_policy_resources_error",
    "override_reusable_service_account_error",
    "override_reusable_env_vars_empty_error",
    "override_name_error",
)

# Every field a step resolves that a `task.override(...)` result has.
INVOCATION_FIELDS = (
    "short_name", "retries", "timeout", "cache", "queue", "interruptible", "service_account",
    "max_inline_io_bytes", "pod_template", "image", "resources", "env_vars", "secrets", "reusable",
)


# --------------------------------------------------------------------------------------------
# The mapping: an SDK override result (as the oracle prints it) -> envc's invocation value
# --------------------------------------------------------------------------------------------


def sdk_override_to_envc(field: str, value: Any) -> Any:
    """The one place where a `task.override(...)` result becomes what `envc explain` reports
    for the equivalent Workflow step (SPEC §11.2 `invocations`).

    * `label` -> the step's name: the OVERRIDES dict key as is, a list index as its decimal
      string (`0` -> "0"); every label of the cases is a valid step name (SPEC §6.3);
    * `fqn` -> the step's `task` (the task FQN it names, SPEC §5.5);
    * `is_async` -> the `async` of the task the step names, and the resolver's `mod` /
      `instance` -> that task's `module` / `function` (a step runs its task's code; explain's
      invocation entries carry the fields, the task entry carries the code);
    * `reusable`: the SDK's `reusable="off"` is its `None`, which is envc's null (`reusable:
      off`); a policy becomes `{replicas: [min, max], concurrency, idle_ttl, scaledown_ttl, scope}`;
    * `pod_template` `{"name": n}` -> `n`: the SDK passes the name to the backend; in envc the
      same name is a project PodTemplate document or an `external_pod_templates` entry, and
      explain reports the name as written;
    * every other field has the shape of a task's field, so the task-side conversion applies
      unchanged: `sdk_to_envc` in tests/test_flyte_oracle.py (resources without nulls, secrets
      filled in, env_vars null -> {}, cache's five keys, timeout in seconds with 0 = unset,
      the image's URI).
    """
    if field == "label":
        return str(value)
    if field == "is_async":
        return bool(value)
    return sdk_to_envc(field, value)


# SPEC §5.2, §12.1: an explicitly written value wins at the invocation tier, even 0, "", {} and
# []; the SDK's `task.override` falls back with `x or self.x` and keeps the task's value.
# (case, step) -> (field, envc's value). interruptible=False is None-checked by the SDK: no
# difference there (the step `interruptible_false` is compared like any other).
FALSY_OVERRIDES = {
    ("override_falsy", "retries_zero"): ("retries", {"count": 0, "backoff": None}),
    ("override_falsy", "timeout_zero"):
        ("timeout", {"max_runtime": 0, "max_queued_time": 0, "deadline": 0}),
    ("override_falsy", "env_vars_empty"): ("env_vars", {}),
    ("override_falsy", "queue_empty"): ("queue", ""),
    ("override_falsy", "secrets_empty"): ("secrets", []),
    ("override_falsy", "service_account_empty"): ("service_account", ""),
    ("override_falsy", "max_inline_io_bytes_zero"): ("max_inline_io_bytes", 0),
}


# --------------------------------------------------------------------------------------------
# Reading the case: the Python override calls and the YAML steps
# --------------------------------------------------------------------------------------------


def override_kwargs(case: str) -> dict[str, list[str]]:
    """label -> the keyword names of its `task.override(...)` call, read from the case's
    source with `ast` (the SDK ran the same file)."""
    tree = ast.parse((FLYTE / case / f"{case}.py").read_text("utf-8"))
    node = next(n.value for n in tree.body if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "OVERRIDES" for t in n.targets))
    if isinstance(node, ast.Dict):
        items = [(ast.literal_eval(k), v) for k, v in zip(node.keys, node.values, strict=False)]
    else:
        assert isinstance(node, ast.List), ast.dump(node)
        items = list(enumerate(node.elts))
    out = {}
    for label, call in items:
        assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute), ast.dump(call)
        assert call.func.attr == "override"
        out[str(label)] = [kw.arg for kw in call.keywords if kw.arg is not None]
    return out


def workflow_file(case: str) -> Path:
    """The file of the case's Workflow document (`name: <case>` after `kind: Workflow`)."""
    for path in sorted((FLYTE / case / "envs").glob("*.yaml")):
        if f"kind: Workflow\nname: {case}\n" in path.read_text("utf-8"):
            return path
    raise AssertionError(f"{case}: no Workflow named {case}")


def rel(case: str, path: Path) -> str:
    return path.relative_to(FLYTE / case).as_posix()


def step_key(path: Path, step: str, field: str) -> tuple[int, int]:
    """1-based (line, column) of `field:` inside the override of step `step`."""
    lines = path.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.strip() in (f"name: {step}", f'name: "{step}"'))
    for lineno in range(start + 1, len(lines)):
        text = lines[lineno]
        if text.lstrip().startswith("- task:"):
            break
        if text.lstrip().startswith(f"{field}:"):
            return lineno + 1, len(text) - len(text.lstrip()) + 1
    raise AssertionError(f"{path}: step {step} writes no {field}")


def step_value_line(path: Path, step: str, field: str) -> int:
    """The line explain's `from` gives for the value of `field:` in step `step`: where the value
    node starts, i.e. its tag or its text on the key's line, else (a block value) the next line."""
    line, _ = step_key(path, step, field)
    text = path.read_text("utf-8").splitlines()[line - 1]
    rest = text.split(f"{field}:", 1)[1].split("#", 1)[0].strip()
    return line if rest else line + 1


def invocations(case: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], str]:
    """The case's steps by name (in explain's order) and its tasks by FQN, plus a header."""
    result, data = explain(FLYTE / case)
    header = f"{case}: envc exit {result.exit_code}\n{result.stderr}"
    assert result.exit_code == 0 and data is not None, header
    steps = {i["step"]: i for i in data["invocations"] if i["workflow"] == case}
    assert len(steps) == len(data["invocations"]), header
    tasks = {t["fqn"]: t for e in data["environments"] for t in e.get("tasks", [])}
    return steps, tasks, header


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


def compare_step(case: str, step: dict[str, Any], task: dict[str, Any], sdk: dict[str, Any],
                 written: list[str]) -> list[Mismatch]:
    where = f"{case}/{step['step']}"
    out = []
    resolver = sdk["resolver"]
    code = (
        ("task", step["task"], sdk_override_to_envc("fqn", sdk["fqn"]), sdk["fqn"]),
        ("function (resolver `instance`)", task["function"], resolver["instance"], resolver),
        ("module (resolver `mod`)", task["module"], resolver["module"], resolver),
        ("async", task["async"], sdk_override_to_envc("is_async", sdk["is_async"]),
         sdk["is_async"]),
    )
    out += [Mismatch(where, key, got, want, raw) for key, got, want, raw in code if got != want]
    falsy = FALSY_OVERRIDES.get((case, step["step"]))
    for field in INVOCATION_FIELDS:
        if field not in step["fields"]:
            out.append(Mismatch(where, field, "<missing from explain>", None, sdk[field]))
            continue
        got = envc_value(field, step["fields"][field]["value"])
        want = sdk_override_to_envc(field, sdk[field])
        if falsy is not None and falsy[0] == field:
            # SPEC §12.1: envc applies the falsy value; the SDK kept the task's own value.
            task_value = envc_value(field, task["fields"][field]["value"])
            if (got, want) != (falsy[1], task_value):
                what = f"{field} (SPEC §12.1: envc {falsy[1]!r}, the SDK the task's)"
                out.append(Mismatch(where, what, got, falsy[1], sdk[field]))
        elif got != want:
            out.append(Mismatch(where, field, got, want, sdk[field]))
    # Provenance: the fields the Python call passes are exactly those at the invocation tier.
    at_invocation = sorted(f for f, v in step["fields"].items()
                           if v["from"]["tier"] == "invocation")
    if at_invocation != sorted(written):
        out.append(Mismatch(where, "fields at the invocation tier", at_invocation,
                            sorted(written), written))
    return out


def test_every_override_case_has_a_project() -> None:
    cases = sorted(p.parent.name for p in FLYTE.glob("override_*/expected_sdk.json"))
    assert cases == sorted(OVERRIDE_CASES)
    for case in cases:
        assert (FLYTE / case / "envc.yaml").is_file(), case
        assert (FLYTE / case / f"{case}.py").is_file(), case
    # Every committed oracle case that calls task.override is covered here.
    with_overrides = sorted(p.parent.name for p in FLYTE.glob("*/*.py")
                            if p.stem == p.parent.name and "\nOVERRIDES = " in p.read_text("utf-8"))
    assert with_overrides == sorted(OVERRIDE_CASES)


def test_extra_cases_are_the_sdk_output() -> None:
    """tests/flyte/<case>/<case>.py is the case the oracle ran (cases_extra/regen.sh), its output
    is cases_extra/<case>.json, and expected_sdk.json was extracted from it (same SHA-256)."""
    assert sorted(p.stem for p in EXTRA.glob("*.json")) == sorted(EXTRA_CASES)
    for case in EXTRA_CASES:
        assert (FLYTE / case / f"{case}.py").is_file(), case
        expected = load_expected(case)
        raw = (EXTRA / f"{case}.json").read_bytes()
        assert expected["source"] == f"tests/flyte/cases_extra/{case}.json", case
        assert expected["source_sha256"] == hashlib.sha256(raw).hexdigest(), case
        assert json.loads(raw).get("flyte_version") in (None, "2.12.1"), case


@pytest.mark.parametrize("case", RESOLVED_OVERRIDE_CASES)
def test_steps_match_sdk_overrides(case: str) -> None:
    expected = load_expected(case)
    assert expected["error"] is None, f"{case}: the SDK raised; not a resolved case"
    steps, tasks, header = invocations(case)
    sdk_overrides = expected["overrides"]
    labels = [sdk_override_to_envc("label", o["label"]) for o in sdk_overrides]
    assert list(steps) == labels, f"{header}steps {list(steps)} != OVERRIDES labels {labels}"
    kwargs = override_kwargs(case)
    assert sorted(kwargs) == sorted(labels)
    mismatches = []
    for sdk, label in zip(sdk_overrides, labels, strict=False):
        step = steps[label]
        mismatches += compare_step(case, step, tasks[step["task"]], sdk, kwargs[label])
    if mismatches:
        report = "\n".join(str(m) for m in mismatches)
        summary = f"{len(mismatches)} field(s) differ from the Flyte SDK"
        pytest.fail(f"{header}{summary}:\n{report}", pytrace=False)


@pytest.mark.parametrize("case", RESOLVED_OVERRIDE_CASES)
def test_overridden_fields_come_from_the_step(case: str) -> None:
    """Every invocation-tier value is traced to the step's file and the line of the value it
    writes (SPEC §11.2; explain's `from.line` is where the value starts, as for environments)."""
    steps, _, _ = invocations(case)
    path = workflow_file(case)
    for name, step in steps.items():
        for field, entry in step["fields"].items():
            if entry["from"]["tier"] != "invocation":
                continue
            line = step_value_line(path, name, field)
            assert entry["from"] == {"file": rel(case, path), "line": line, "document": case,
                                     "tier": "invocation"}, (name, field)


def step_pods(case: str) -> dict[str, dict[str, Any]]:
    """`envc compile --stdout`: every emitted PodTemplate by name."""
    import yaml

    result = invoke("compile", "--stdout", "--project", str(FLYTE / case))
    assert result.exit_code == 0, result.output
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == "PodTemplate"}


def pod_view(pod: dict[str, Any]) -> dict[str, Any]:
    """What a falsy override can change in a step's PodTemplate (SPEC §8.1)."""
    spec = pod["template"]["spec"]
    ann = pod["metadata"]["annotations"]
    return {
        "retries": ann.get("envc.dev/retries"),
        "activeDeadlineSeconds": spec.get("activeDeadlineSeconds"),
        "env": [e["name"] for e in spec["containers"][0].get("env", [])],
        "queue": ann.get("envc.dev/queue"),
        "serviceAccountName": spec.get("serviceAccountName"),
        "max_inline_io_bytes": ann.get("envc.dev/max-inline-io-bytes"),
        "interruptible": pod["metadata"]["labels"].get("envc.dev/interruptible"),
    }


# step -> what differs in its PodTemplate from the task's own (`falsy-env-work`).
FALSY_POD_CHANGES = {
    "retries_zero": {"retries": "0"},
    "timeout_zero": {"activeDeadlineSeconds": None},
    "env_vars_empty": {"env": ["S1"]},
    "queue_empty": {"queue": ""},
    "secrets_empty": {"env": ["A"]},
    "service_account_empty": {"serviceAccountName": None},
    "max_inline_io_bytes_zero": {"max_inline_io_bytes": "0"},
    "interruptible_false": {"interruptible": None},
}


def test_falsy_overrides_reach_the_step_pod() -> None:
    """SPEC §12.1, §8.1: the explicit falsy value is what the step's pod runs with (the SDK would
    run the task's values, except for interruptible=False)."""
    pods = step_pods("override_falsy")
    task = pod_view(pods["falsy-env-work"])
    assert task == {"retries": "2", "activeDeadlineSeconds": 300, "env": ["A", "S1"],
                    "queue": "q-env", "serviceAccountName": "env-sa",
                    "max_inline_io_bytes": "1024", "interruptible": "true"}
    for step, changes in FALSY_POD_CHANGES.items():
        pod = pods["override-falsy-" + step.replace("_", "-")]
        assert pod_view(pod) == {**task, **changes}, step
    assert sorted(FALSY_POD_CHANGES) == sorted(override_kwargs("override_falsy"))


# SPEC §5.4, §12.18: a step that stays in the pool and sets pod_template or interruptible is
# warning W403 at the key, the environment's policy as related location. Flyte accepts both
# (the serialized actor task carries them). (file of the policy, step, field) for each warning.
EXPECTED_WARNINGS = {
    "override_reusable_ineffective": [
        ("envs/pool_env2.yaml", "pod_template", "pod_template"),
        ("envs/pool_env2.yaml", "interruptible", "interruptible"),
    ],
}


@pytest.mark.parametrize("case", RESOLVED_OVERRIDE_CASES)
def test_step_diagnostics(case: str) -> None:
    """The equivalent projects are clean, except the W403 the contract adds."""
    result, diags = validate(FLYTE / case)
    path = workflow_file(case)
    want = []
    for env_file, step, field in EXPECTED_WARNINGS.get(case, []):
        line, col = step_key(path, step, field)
        p_line, p_col = locate(FLYTE / case / env_file, "replicas: 2")
        want.append(("W403", "reuse-override-ineffective", rel(case, path), line, col,
                     f"step `{step}` sets `{field}`", [(env_file, p_line, p_col)]))
    got = [(d["code"], d["name"], d["file"], d["line"], d["col"],
            d["message"].split(", but")[0],
            [(r["file"], r["line"], r["col"]) for r in d["related"]])
           for d in diags["diagnostics"]]
    assert got == want, json.dumps(diags, indent=2)
    assert result.exit_code == 0, result.output


def test_step_staying_reusable_keeps_its_policy() -> None:
    """The W403 steps are still resolved as the SDK resolves them: the policy is the
    environment's and the overridden value is reported; with `reusable: off` no warning."""
    steps, _, _ = invocations("override_reusable_ineffective")
    assert steps["pod_template"]["fields"]["reusable"]["from"]["tier"] == "environment"
    assert steps["interruptible"]["fields"]["interruptible"]["value"] is True
    assert steps["pod_template_off"]["fields"]["reusable"]["value"] is None


# --------------------------------------------------------------------------------------------
# Cases where the SDK raises: assert the contract instead
# --------------------------------------------------------------------------------------------


def sdk_error(case: str) -> dict[str, str]:
    err = load_expected(case)["error"]
    assert err is not None, f"{case}: the SDK no longer raises; revisit this test"
    return err


def single_diagnostic(case: str) -> dict[str, Any]:
    result, diags = validate(FLYTE / case)
    assert result.exit_code == 1, result.output
    assert len(diags["diagnostics"]) == 1, json.dumps(diags, indent=2)
    d = diags["diagnostics"][0]
    assert d["severity"] == "error", d
    return d


@pytest.mark.parametrize("case,field,sdk_message", [
    ("override_image_error", "image", "Image cannot be overridden"),
    ("override_name_error", "name", "Name cannot be overridden"),
])
def test_environment_only_field_in_override(case: str, field: str, sdk_message: str) -> None:
    """SDK: ValueError. SPEC §5.2, §5.5: `image` and `name` may be set only on the environment;
    in an override they are E209 wrong-tier at the key, saying where they may be set."""
    err = sdk_error(case)
    assert err == {"type": "ValueError", "message": sdk_message}, err
    d = single_diagnostic(case)
    path = workflow_file(case)
    line, col = step_key(path, "0", field)
    assert (d["code"], d["name"]) == ("E209", "wrong-tier")
    assert (d["file"], d["line"], d["col"]) == (rel(case, path), line, col)
    assert f"`{field}`" in d["message"] and "environment" in d["message"], d["message"]


# case -> (the field the override writes, what the SDK's message names, the needle of the policy
# in the case's YAML: the environment's, or the override's own for a new policy)
REUSABLE_OVERRIDE_ERRORS = {
    "override_reusable_resources_error": ("resources", "resources", "replicas: 2"),
    "override_reusable_env_vars_error": ("env_vars", "env", "replicas: 2"),
    "override_reusable_secrets_error": ("secrets", "secrets", "replicas: 2"),
    "override_reusable_service_account_error":
        ("service_account", "service_account", "replicas: 2"),
    "override_reusable_env_vars_empty_error": ("env_vars", "env", "replicas: 2"),
    "override_new_policy_resources_error": ("resources", "resources", "{replicas: 2}"),
}


@pytest.mark.parametrize("case", sorted(REUSABLE_OVERRIDE_ERRORS))
def test_reusable_override(case: str) -> None:
    """SDK: "Cannot override <field> when reusable is set ... (set reusable='off')", also for a
    new policy set in the same call (the resulting policy counts) and for `env_vars={}` (the SDK
    checks `is not None` there). SPEC §5.4: E418 reusable-override at the override's key, the
    policy as related location."""
    field, sdk_word, policy = REUSABLE_OVERRIDE_ERRORS[case]
    err = sdk_error(case)
    assert err["type"] == "ValueError", err
    assert err["message"].startswith(f"Cannot override {sdk_word} when reusable is set."), err
    assert "(set reusable='off')" in err["message"], err
    d = single_diagnostic(case)
    path = workflow_file(case)
    line, col = step_key(path, "0", field)
    assert (d["code"], d["name"]) == ("E418", "reusable-override")
    assert (d["file"], d["line"], d["col"]) == (rel(case, path), line, col)
    assert f"`{field}`" in d["message"] and "reusable: off" in d["message"], d["message"]
    p_line, p_col = locate(path, policy)
    related = [(r["file"], r["line"], r["col"]) for r in d["related"]]
    assert related == [(rel(case, path), p_line, p_col)], d


@pytest.mark.parametrize("case", sorted(c for c in REUSABLE_OVERRIDE_ERRORS
                                        if c != "override_new_policy_resources_error"))
def test_reusable_override_with_reusable_off_is_accepted(case: str, tmp_path: Path) -> None:
    """SPEC §5.4: the same override with `reusable: off` added is valid: the step leaves the
    pool, gets the overridden value and no policy. (The SDK agrees: override_reusable_off
    compares each field with `reusable="off"` against its values.)"""
    field = REUSABLE_OVERRIDE_ERRORS[case][0]
    project = tmp_path / case
    shutil.copytree(FLYTE / case, project)
    path = project / rel(case, workflow_file(case))
    text = path.read_text("utf-8")
    assert text.count("    override:\n") == 1
    text = text.replace("    override:\n", "    override:\n      reusable: off\n")
    path.write_text(text, "utf-8")
    result, diags = validate(project)
    assert (result.exit_code, diags["diagnostics"]) == (0, []), json.dumps(diags, indent=2)
    result, data = explain(project)
    assert result.exit_code == 0 and data is not None, result.output
    [step] = data["invocations"]
    fields = step["fields"]
    line = step_value_line(path, "0", field)
    assert fields[field]["from"] == {"file": rel(case, workflow_file(case)), "line": line,
                                     "document": case, "tier": "invocation"}
    assert fields["reusable"]["value"] is None
    assert fields["reusable"]["from"]["tier"] == "invocation"
    written = {"resources": {"cpu": "4"}, "env_vars": {"A": "2"},
               "secrets": [{"key": "x", "group": None, "mount": None, "as_env_var": "X"}],
               "service_account": "other-sa"}
    want = {} if case == "override_reusable_env_vars_empty_error" else written[field]
    assert fields[field]["value"] == want


ERROR_CASES = {
    "override_image_error": test_environment_only_field_in_override,
    "override_name_error": test_environment_only_field_in_override,
    **{case: test_reusable_override for case in REUSABLE_OVERRIDE_ERRORS},
}


def test_every_error_case_is_asserted() -> None:
    assert sorted(ERROR_CASES) == sorted(ERROR_OVERRIDE_CASES)
    for case in ERROR_OVERRIDE_CASES:
        assert load_expected(case)["overrides"] is None, case
