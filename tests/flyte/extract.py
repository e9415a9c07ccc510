#!/usr/bin/env python3
"""Reduce the Flyte oracle's output to what `envc explain --all --json` reports.

Reads `<oracle>/expected/<case>.json` (written by the real Flyte SDK, see the oracle's
README.md) and writes `tests/flyte/<case>/expected_sdk.json`; copies `<oracle>/cases/<case>.py`
byte for byte to `tests/flyte/<case>/<case>.py`, so that the YAML project's `module: <case>`
names the same module the SDK's resolver args name (`mod <case> instance <function>`).

The cases in EXTRA_CASES are envc's own oracle cases: `tests/flyte/<case>/<case>.py`, run
with the same oracle by `tests/flyte/cases_extra/regen.sh`, which stores the output beside the
case as `<case>.json`; extract.py reads those two files instead of the shared oracle's.

For the invocation-tier cases (OVERRIDE_CASES) the oracle's `overrides` list (the results of
`task.override(...)` in the case's OVERRIDES, in its order) is reduced like a task, with its
`label` (the dict key, or the list index); tests/test_flyte_oracle_overrides.py compares them.

The values are the SDK's own, unconverted (nulls, `request`, `min_replicas`, ... included):
turning them into envc's §11.2 shapes is the job of ONE function in tests/test_flyte_oracle.py,
so a reviewer sees every conversion in one place.  Only fields envc's explain has a counterpart
for are kept; the serialized TaskSpec is dropped except the resolver's `mod`/`instance` args.

Usage (from the repository root, with the shared folder checked out beside it):

    python3 tests/flyte/extract.py                     # every case listed in CASES
    python3 tests/flyte/extract.py clone_resources     # one case
    python3 tests/flyte/extract.py --oracle /path/to/flyte-oracle
    python3 tests/flyte/extract.py --overrides         # only OVERRIDE_CASES

Standard library only; the tests read the committed expected_sdk.json and never run this.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_ORACLE = Path(os.environ.get("FLYTE_ORACLE", REPO.parent / "shared" / "flyte-oracle"))
EXTRA = HERE / "cases_extra"

# The oracle cases about task environments, clone_with, resources, secrets, names,
# reusable policies, apps and task.override() (the invocation tier).
CASES = (
    "task_env_plain",
    "task_env_defaults",
    "task_decorator_overrides",
    "task_pod_template",
    "clone_resources",
    "clone_env_vars",
    "clone_image",
    "clone_name_only",
    "clone_reusable_off",
    "clone_queue_kwarg_error",
    "clone_pod_template_kwarg_error",
    "reusable_basic",
    "reusable_concurrency_sync_error",
    "reusable_pod_template_decorator_error",
    "name_invalid_uppercase",
    "name_invalid_dot",
    *(APP_CASES := (
        "app_default",
        "app_requires_auth_false",
        "app_parameters_fserve",
        "app_pod_template",
        "app_interruptible_and_image_none",
        "app_command_with_parameters_error",
        "app_invalid_name_underscore",
        "app_reserved_port_8012",
        "app_reserved_port_8022",
        "app_reserved_port_9090",
        "app_reserved_port_object",
        "app_scaling_zero_tuple_error",
    )),
    # The invocation tier (task.override): every shared oracle case with a non-empty OVERRIDES
    # list, then envc's own cases (EXTRA_CASES, read from tests/flyte/cases_extra/).
    *(OVERRIDE_CASES := (
        "override_basic",
        "override_image_error",
        "override_reusable_resources_error",
        "override_reusable_env_vars_error",
        "override_reusable_secrets_error",
        *(EXTRA_CASES := (
            "override_falsy",
            "override_structured",
            "override_reusable_off",
            "override_reusable_ineffective",
            "override_new_policy",
            "override_new_policy_resources_error",
            "override_reusable_service_account_error",
            "override_reusable_env_vars_empty_error",
            "override_name_error",
        )),
    )),
)

ENV_FIELDS = (
    "name", "class", "image", "resources", "env_vars", "secrets", "service_account",
    "interruptible", "queue", "cache", "depends_on", "reusable", "description", "pod_template",
)
TASK_FIELDS = (
    "fqn", "short_name", "function", "is_async", "retries", "timeout", "cache", "queue",
    "interruptible", "service_account", "max_inline_io_bytes", "pod_template", "image",
    "resources", "env_vars", "secrets", "reusable", "parent_env_name",
)


APP_FIELDS = (
    "name", "class", "image", "resources", "env_vars", "secrets", "service_account",
    "interruptible", "depends_on", "description", "pod_template", "port", "args", "command",
    "requires_auth", "scaling", "domain", "parameters",
)


def resolver_args(serialized: dict[str, Any]) -> dict[str, Any] | None:
    """`mod <module> instance <function>` from the task's container args (plain container, or
    the primary container of a k8sPod task)."""
    tmpl = serialized.get("taskTemplate", {})
    candidates = [tmpl.get("container", {}).get("args")]
    primary = tmpl.get("config", {}).get("primary_container_name")
    for c in tmpl.get("k8sPod", {}).get("podSpec", {}).get("containers", []):
        if c.get("name") == primary:
            candidates.append(c.get("args"))
    for args in candidates:
        if args and "mod" in args and "instance" in args:
            return {"module": args[args.index("mod") + 1],
                    "instance": args[args.index("instance") + 1]}
    return None


def reduce_task(task: dict[str, Any]) -> dict[str, Any]:
    out = {k: task[k] for k in TASK_FIELDS}
    out["resolver"] = resolver_args(task.get("serialized", {}))
    return out


def reduce_override(override: dict[str, Any]) -> dict[str, Any]:
    """One result of `task.override(...)`: its label and the task's fields, as `reduce_task`."""
    return {"label": override["label"], **reduce_task(override)}


def reduce_env(env: dict[str, Any]) -> dict[str, Any]:
    out = {k: env[k] for k in ENV_FIELDS}
    out["tasks"] = [reduce_task(t) for t in env.get("tasks", [])]
    return out


def app_container(serialized: dict[str, Any]) -> dict[str, Any] | None:
    """The `app` container the SDK serialized: `spec.container`, or the container named `app` of
    `spec.pod.podSpec` (with the pod's other containers and labels beside it)."""
    spec = serialized.get("spec")
    if spec is None:
        return None
    if "container" in spec:
        return {"container": spec["container"], "sidecars": [], "pod_labels": None}
    pod = spec["pod"]
    containers = pod["podSpec"].get("containers", [])
    return {"container": next(c for c in containers if c["name"] == "app"),
            "sidecars": [c for c in containers if c["name"] != "app"],
            "pod_labels": pod.get("metadata", {}).get("labels")}


def parameters_text(command: list[str]) -> str | None:
    """The exact JSON inside the SDK's `--parameters` payload (base64 of gzip), decoded here
    so that the test compares bytes, not the oracle's re-serialized dict."""
    if "--parameters" not in command:
        return None
    payload = command[command.index("--parameters") + 1]
    return gzip.decompress(base64.b64decode(payload)).decode("utf-8")


def reduce_app(env: dict[str, Any]) -> dict[str, Any]:
    out = {k: env[k] for k in APP_FIELDS}
    serialized = env.get("serialized", {})
    out["serialization_error"] = serialized.get("error")
    out["serialized"] = app_container(serialized)
    command = (env.get("decoded_command") or {}).get("command")
    out["container_command"] = command
    out["parameters_json"] = parameters_text(command) if command else None
    out["security_context"] = serialized.get("spec", {}).get("securityContext")
    out["autoscaling"] = serialized.get("spec", {}).get("autoscaling")
    return out


def reduce(case: str, oracle: dict[str, Any], raw: bytes) -> dict[str, Any]:
    source = (f"tests/flyte/cases_extra/{case}.json" if case in EXTRA_CASES
              else f"flyte-oracle/expected/{case}.json")
    out: dict[str, Any] = {
        "case": case,
        "source": source,
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "flyte_version": oracle.get("flyte_version"),
        "context": ({k: oracle["context"][k] for k in ("project", "domain", "org", "module")}
                    if "context" in oracle else None),
        "error": oracle.get("error"),
        "environments": [reduce_env(e) if e.get("kind") == "task" else reduce_app(e)
                         for e in oracle.get("environments", []) if e.get("kind") in ("task", "app")],
        "deploy_plan": oracle.get("deploy_plan"),
        "warnings": oracle.get("warnings"),
    }
    if case in OVERRIDE_CASES:  # null when the SDK raised while loading the case
        overrides = oracle.get("overrides")
        out["overrides"] = None if overrides is None else [reduce_override(o) for o in overrides]
    return out


def extract(case: str, oracle_dir: Path, copy_source: bool = True) -> Path:
    if case in EXTRA_CASES:  # envc's own cases: the project's copy is the source the oracle ran
        src, py = EXTRA / f"{case}.json", HERE / case / f"{case}.py"
    else:
        src, py = oracle_dir / "expected" / f"{case}.json", oracle_dir / "cases" / f"{case}.py"
    raw = src.read_bytes()
    data = reduce(case, json.loads(raw), raw)
    dest = HERE / case
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / "expected_sdk.json"
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    target.write_text(text, encoding="utf-8")
    if copy_source and py != dest / f"{case}.py":
        shutil.copyfile(py, dest / f"{case}.py")
    return target


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", help="case names (default: every case in CASES)")
    ap.add_argument("--oracle", type=Path, default=DEFAULT_ORACLE,
                    help=f"the flyte-oracle folder (default: {DEFAULT_ORACLE})")
    ap.add_argument("--no-copy-source", action="store_true", help="do not copy cases/<case>.py")
    ap.add_argument("--overrides", action="store_true", help="only the cases in OVERRIDE_CASES")
    args = ap.parse_args(argv)
    for case in args.cases or (OVERRIDE_CASES if args.overrides else CASES):
        print(extract(case, args.oracle, not args.no_copy_source).relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
