#!/usr/bin/env python3
"""Reduce the Flyte oracle's output to what `envc explain --all --json` reports.

Reads `<oracle>/expected/<case>.json` (written by the real Flyte SDK, see the oracle's
README.md) and writes `tests/flyte/<case>/expected_sdk.json`; copies `<oracle>/cases/<case>.py`
byte for byte to `tests/flyte/<case>/<case>.py`, so that the YAML project's `module: <case>`
names the same module the SDK's resolver args name (`mod <case> instance <function>`).

The values are the SDK's own, unconverted (nulls, `request`, `min_replicas`, ... included):
turning them into envc's §11.2 shapes is the job of ONE function in tests/test_flyte_oracle.py,
so a reviewer sees every conversion in one place.  Only fields envc's explain has a counterpart
for are kept; the serialized TaskSpec is dropped except the resolver's `mod`/`instance` args.

Usage (from the repository root, with the shared folder checked out beside it):

    python3 tests/flyte/extract.py                     # every case listed in CASES
    python3 tests/flyte/extract.py clone_resources     # one case
    python3 tests/flyte/extract.py --oracle /path/to/flyte-oracle

Standard library only; the tests read the committed expected_sdk.json and never run this.
"""

from __future__ import annotations

import argparse
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

# The oracle cases about task environments, clone_with, resources, secrets, names and
# reusable policies (app_* and override_* cases are out of scope here).
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


def reduce_env(env: dict[str, Any]) -> dict[str, Any]:
    out = {k: env[k] for k in ENV_FIELDS}
    out["tasks"] = [reduce_task(t) for t in env.get("tasks", [])]
    return out


def reduce(case: str, oracle: dict[str, Any], raw: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {
        "case": case,
        "source": f"flyte-oracle/expected/{case}.json",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "flyte_version": oracle.get("flyte_version"),
        "context": ({k: oracle["context"][k] for k in ("project", "domain", "org", "module")}
                    if "context" in oracle else None),
        "error": oracle.get("error"),
        "environments": [reduce_env(e) for e in oracle.get("environments", [])
                         if e.get("kind") == "task"],
        "deploy_plan": oracle.get("deploy_plan"),
        "warnings": oracle.get("warnings"),
    }
    return out


def extract(case: str, oracle_dir: Path, copy_source: bool = True) -> Path:
    src = oracle_dir / "expected" / f"{case}.json"
    raw = src.read_bytes()
    data = reduce(case, json.loads(raw), raw)
    dest = HERE / case
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / "expected_sdk.json"
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    target.write_text(text, encoding="utf-8")
    if copy_source:
        shutil.copyfile(oracle_dir / "cases" / f"{case}.py", dest / f"{case}.py")
    return target


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", help="case names (default: every case in CASES)")
    ap.add_argument("--oracle", type=Path, default=DEFAULT_ORACLE,
                    help=f"the flyte-oracle folder (default: {DEFAULT_ORACLE})")
    ap.add_argument("--no-copy-source", action="store_true", help="do not copy cases/<case>.py")
    args = ap.parse_args(argv)
    for case in args.cases or CASES:
        print(extract(case, args.oracle, not args.no_copy_source).relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
