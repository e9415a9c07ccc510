#!/usr/bin/env python3
"""The benchmark workload: an envc project of N task environments, and the same work in Pkl.

    python benchmarks/workload.py N OUTDIR [--seed 1] [--hash] [--pkl PKLDIR] [--force]

Writes OUTDIR (an envc project) and, with --pkl, PKLDIR (the same environments as Pkl
modules for the program in benchmarks/peers/pkl/). The output is a pure function of
(N, seed, --hash): the same arguments give byte-identical files on every machine.

Shape (docs: benchmarks/README.md), the same as the team's earlier yardstick:

* `envc.yaml`: project `bench`, namespace `bench-development`, `version: bench-1`
  (`--hash`: `version: null`, so every environment gets its §9.3 content hash), and an
  interruptible node selector and toleration.
* `envs/group_NNN.yaml`: max(1, N // 50) files holding the environments in definition order
  (a parent is always defined in the same or an earlier file).
* 10 bases: an image with a pinned tag, resources (cpu, memory as a scalar or
  [request, limit], disk on about a third), 8 env_vars, 2 secrets, interruptible on 3.
* Every other environment `extends` a base (40%) or an earlier non-reusable environment
  whose chain is shorter than 3, and writes 1-3 whole fields among image, resources,
  env_vars, secrets and interruptible; each new value keeps every key the parent set (so no
  replace-drops warning). About 10% are reusable (they write `reusable`, plus 0-2 of those
  fields); nothing extends them and their tasks are `async def`.
* Every environment has 3 tasks with entrypoint, retries, timeout (seconds, or 90s/30m/1h
  style, sometimes 0) and cache; about 10% of the tasks of non-reusable environments set
  `interruptible` at the task tier.
* `pipelines/batch.py` (sync functions) and `pipelines/online.py` (async functions).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
from dataclasses import dataclass, field

PROJECT = "bench"
DOMAIN = "development"
NAMESPACE = "bench-development"
FIXED_VERSION = "bench-1"
SPOT = "cloud.google.com/gke-spot"

BASES = 10
PER_FILE = 50
MAX_CHAIN = 3          # extends levels below a base
REUSABLE_SHARE = 0.10
TASK_INTERRUPTIBLE_SHARE = 0.10

FAMILIES = ("pytorch", "sklearn", "spark", "ray", "duckdb",
            "polars", "jax", "xgboost", "tensorflow", "python")
BATCH = ("prepare", "featurize", "train", "evaluate", "score",
         "aggregate", "export_model", "validate_data")           # pipelines/batch.py, def
ONLINE = ("infer", "embed", "fetch_batch", "enrich", "rerank", "summarize")  # pipelines/online.py, async def
CPU = ("250m", "500m", "1", "2", "4", "8", ("500m", "1"), ("1", "2"), ("2", "4"))
MEMORY = ("512Mi", "1Gi", "2Gi", "4Gi", "8Gi", "16Gi", ("2Gi", "4Gi"), ("4Gi", "8Gi"))
DISK = ("10Gi", "20Gi", "50Gi")
TIMEOUT = (0, 300, 600, 1800, 3600, "90s", "20m", "30m", "45m", "1h", "2h")
CACHE = ("auto", "disable", "override")
REGION = ("us-east-1", "us-west-2", "eu-west-1", "ap-south-1")
LOG_LEVEL = ("debug", "info", "warning", "error")
# The order fields are written in, in both languages.
FIELDS = ("image", "resources", "env_vars", "secrets", "interruptible", "reusable")
OVERRIDABLE = FIELDS[:5]


@dataclass
class Task:
    name: str
    module_file: str               # pipelines/batch.py or pipelines/online.py
    retries: int
    timeout: int | str
    cache: str
    interruptible: bool | None     # None: not written at the task tier

    @property
    def entrypoint(self) -> str:
        return f"{self.module_file}:{self.name}"


@dataclass
class Env:
    name: str
    file: int                      # index of its source file
    parent: str | None
    chain: int                     # number of extends above it (a base: 0)
    writes: dict                   # the fields this document writes, as plain data
    tasks: list[Task]
    resolved: dict = field(default_factory=dict)  # parent's fields updated with `writes`

    @property
    def reusable(self) -> bool:
        return "reusable" in self.resolved


@dataclass
class Workload:
    n: int
    seed: int
    files: int
    envs: list[Env]                # definition order: parents first

    def path(self, i: int, ext: str = "yaml") -> str:
        return f"envs/group_{i:03d}.{ext}"


def _tag(rng: random.Random) -> str:
    return f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 30)}"


def _tasks(rng: random.Random, reusable: bool) -> list[Task]:
    names = rng.sample(ONLINE if reusable else BATCH, 3)
    out = []
    for name in names:
        flag = None
        if not reusable and rng.random() < TASK_INTERRUPTIBLE_SHARE:
            flag = rng.random() < 0.5
        out.append(Task(name, "pipelines/online.py" if reusable else "pipelines/batch.py",
                        rng.randint(0, 5), rng.choice(TIMEOUT), rng.choice(CACHE), flag))
    return out


def _base(rng: random.Random, k: int) -> dict:
    fam = FAMILIES[k]
    resources = {"cpu": rng.choice(CPU), "memory": rng.choice(MEMORY)}
    if rng.random() < 1 / 3:
        resources["disk"] = rng.choice(DISK)
    first_secret = (f"{fam}-db-password" if rng.random() < 0.5
                    else {"key": "api-key", "group": f"svc-{fam}"})
    writes = {
        "image": f"ghcr.io/acme/{fam}:{_tag(rng)}",
        "resources": resources,
        "env_vars": {
            "LOG_LEVEL": rng.choice(LOG_LEVEL),
            "REGION": rng.choice(REGION),
            "STAGE": "dev",
            "FEATURE_FLAGS": ",".join(sorted(rng.sample("abcdef", 2))),
            "DATA_BUCKET": f"s3://acme-{fam}/data",
            "MAX_WORKERS": str(rng.choice((2, 4, 8, 16))),
            "BATCH_SIZE": str(rng.choice((32, 64, 128, 256))),
            "OTEL_SERVICE_NAME": f"{fam}-jobs",
        },
        "secrets": [first_secret, {"key": "token", "group": "github", "as_env_var": "GH_TOKEN"}],
    }
    if k % 3 == 2:
        writes["interruptible"] = True
    return writes


def _override(rng: random.Random, fld: str, parent: dict, i: int):
    """A whole new value for `fld` that keeps every key the parent's value has."""
    if fld == "image":
        return parent["image"].rsplit(":", 1)[0] + ":" + _tag(rng)
    if fld == "resources":
        r = dict(parent["resources"])
        r["cpu"], r["memory"] = rng.choice(CPU), rng.choice(MEMORY)
        if "disk" in r or rng.random() < 0.2:
            r["disk"] = rng.choice(DISK)
        return r
    if fld == "env_vars":
        ev = dict(parent["env_vars"])
        for key in rng.sample(sorted(ev), rng.randint(1, 2)):
            if key == "LOG_LEVEL":
                ev[key] = rng.choice(LOG_LEVEL)
            elif key == "REGION":
                ev[key] = rng.choice(REGION)
            elif key in ("MAX_WORKERS", "BATCH_SIZE"):
                ev[key] = str(rng.randint(1, 512))
            else:
                ev[key] = f"{ev[key]}-v{i}"
        if rng.random() < 0.5:
            ev[f"EXTRA_{i}"] = f"value-{i}"
        return ev
    if fld == "secrets":
        return [*parent["secrets"], {"key": f"key-{i}", "group": f"team-{i % 23}"}]
    assert fld == "interruptible"
    return not parent.get("interruptible", False)


def make(n: int, seed: int = 1) -> Workload:
    """The workload as data: N environments drawn from `seed`."""
    if n < BASES:
        raise ValueError(f"N must be at least {BASES}")
    rng = random.Random(seed)
    files = max(1, n // PER_FILE)
    envs: list[Env] = []
    extendable: list[Env] = []     # non-reusable, chain < MAX_CHAIN
    for k in range(BASES):
        writes = _base(rng, k)
        e = Env(f"base_{k:02d}", k * files // n, None, 0, writes, _tasks(rng, False), dict(writes))
        envs.append(e)
        extendable.append(e)
    for i in range(BASES, n):
        parent = envs[rng.randrange(BASES)] if rng.random() < 0.4 else rng.choice(extendable)
        reusable = rng.random() < REUSABLE_SHARE
        count = rng.randint(0, 2) if reusable else rng.randint(1, 3)
        chosen = set(rng.sample(OVERRIDABLE, count))
        writes = {f: _override(rng, f, parent.resolved, i) for f in OVERRIDABLE if f in chosen}
        if reusable:
            low = rng.choice((1, 1, 2))
            high = rng.choice((low, low + 2, low + 4))
            writes["reusable"] = {
                "replicas": low if low == high else [low, high],
                "concurrency": rng.choice((2, 4, 8)),
                "idle_ttl": rng.choice(("10m", "1h", 300)),
                "scaledown_ttl": rng.choice(("2m", "5m", 60)),
                "scope": rng.choice(("global", "run")),
            }
        e = Env(f"env_{i:05d}", i * files // n, parent.name, parent.chain + 1, writes,
                _tasks(rng, reusable), {**parent.resolved, **writes})
        envs.append(e)
        if not reusable and e.chain < MAX_CHAIN:
            extendable.append(e)
    return Workload(n, seed, files, envs)


# ------------------------------------------------------------------ envc (YAML) writer

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./:,-]*")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        if _PLAIN.fullmatch(v) and not v.endswith(":") and v.lower() not in _RESERVED:
            return v
        return json.dumps(v)
    raise TypeError(v)


def _flow(v) -> str:
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    return _scalar(v)


def _yaml_env(e: Env) -> list[str]:
    out = ["---", "kind: TaskEnvironment", f"name: {e.name}"]
    if e.parent:
        out.append(f"extends: {e.parent}")
    for f in FIELDS:
        if f not in e.writes:
            continue
        v = e.writes[f]
        if f in ("resources", "env_vars", "reusable"):
            out.append(f"{f}:")
            out += [f"  {k}: {_flow(x)}" for k, x in v.items()]
        elif f == "secrets":
            out.append("secrets:")
            for s in v:
                if isinstance(s, str):
                    out.append(f"  - {_scalar(s)}")
                else:
                    items = [f"{k}: {_scalar(x)}" for k, x in s.items()]
                    out.append("  - " + items[0])
                    out += ["    " + it for it in items[1:]]
        else:
            out.append(f"{f}: {_scalar(v)}")
    out.append("tasks:")
    for t in e.tasks:
        out += [f"  {t.name}:", f"    entrypoint: {t.entrypoint}", f"    retries: {t.retries}",
                f"    timeout: {_scalar(t.timeout)}", f"    cache: {t.cache}"]
        if t.interruptible is not None:
            out.append(f"    interruptible: {_scalar(t.interruptible)}")
    return out


def project_file(w: Workload, hashed: bool = False) -> str:
    return "\n".join([
        f"# envc benchmark workload: N={w.n} seed={w.seed} (benchmarks/workload.py)",
        "envc: 1",
        f"project: {PROJECT}",
        f"domain: {DOMAIN}",
        f"namespace: {NAMESPACE}",
        'sources: ["envs/**/*.yaml"]',
        "output: manifests",
        "version: null" if hashed else f"version: {FIXED_VERSION}",
        "interruptible:",
        "  node_selector:",
        f'    {SPOT}: "true"',
        "  tolerations:",
        f"    - key: {SPOT}",
        "      operator: Equal",
        '      value: "true"',
        "      effect: NoSchedule",
    ]) + "\n"


def _groups(w: Workload) -> list[list[Env]]:
    groups: list[list[Env]] = [[] for _ in range(w.files)]
    for e in w.envs:
        groups[e.file].append(e)
    return groups


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def write_envc(w: Workload, out: str, hashed: bool = False) -> None:
    _write(os.path.join(out, "envc.yaml"), project_file(w, hashed))
    for i, envs in enumerate(_groups(w)):
        lines = [f"# envc benchmark workload: N={w.n} seed={w.seed}, file {i + 1} of {w.files}"]
        for e in envs:
            lines += _yaml_env(e)
        _write(os.path.join(out, w.path(i)), "\n".join(lines) + "\n")
    for path, kw, names in (("pipelines/batch.py", "def", BATCH), ("pipelines/online.py", "async def", ONLINE)):
        body = ['"""Task functions of the envc benchmark workload (read with ast, never run)."""']
        for name in names:
            body += ["", "", f"{kw} {name}(x: int = 0) -> int:", "    return x"]
        _write(os.path.join(out, path), "\n".join(body) + "\n")
    _write(os.path.join(out, "pipelines", "__init__.py"), "")


# ------------------------------------------------------------------ Pkl writer

PKL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers", "pkl")
PKL_PROGRAM = ("schema.pkl", "envfile.pkl", "compile.pkl")


def _pkl(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, str)):
        return json.dumps(v)  # a JSON string is a Pkl string: no `\(` can appear
    if isinstance(v, (list, tuple)):
        return "new Listing { " + "; ".join(_pkl(x) for x in v) + " }"
    if isinstance(v, dict):
        return "new Mapping { " + "; ".join(f"[{json.dumps(k)}] = {_pkl(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def _pkl_new(cls: str, d: dict) -> str:
    return f"new schema.{cls} {{ " + "; ".join(f"{k} = {_pkl(x)}" for k, x in d.items()) + " }"


def _pkl_value(f: str, v) -> str:
    if f == "secrets":
        return "new Listing { " + "; ".join(
            _pkl(s) if isinstance(s, str) else _pkl_new("Secret", s) for s in v) + " }"
    if f == "reusable":
        return _pkl_new("Reusable", v)
    return _pkl(v)


def _pkl_task(t: Task) -> str:
    d = {"entrypoint": t.entrypoint, "retries": t.retries, "timeout": t.timeout, "cache": t.cache}
    if t.interruptible is not None:
        d["interruptible"] = t.interruptible
    return _pkl_new("Task", d)


def write_pkl(w: Workload, out: str) -> None:
    """envs/group_NNN.pkl modules amending envfile.pkl (a child is `(parent) { field = ... }`),
    main.pkl rendering every file through compile.pkl, and the three program files."""
    os.makedirs(os.path.join(out, "envs"), exist_ok=True)
    for name in PKL_PROGRAM:
        shutil.copyfile(os.path.join(PKL_DIR, name), os.path.join(out, name))
    where = {e.name: e.file for e in w.envs}
    for i, envs in enumerate(_groups(w)):
        imports = sorted({where[e.parent] for e in envs if e.parent and where[e.parent] != i})
        lines = [f"// envc benchmark workload: N={w.n} seed={w.seed}, file {i + 1} of {w.files}",
                 'amends "../envfile.pkl"', "", 'import "../schema.pkl"']
        lines += [f'import "group_{j:03d}.pkl" as g{j:03d}' for j in imports]
        lines += ["", f"src = {json.dumps(w.path(i))}", "", "envs {"]
        for e in envs:
            body = [f"name = {json.dumps(e.name)}"]
            body += [f"{f} = {_pkl_value(f, e.writes[f])}" for f in FIELDS if f in e.writes]
            body.append("tasks = new Mapping { " + "; ".join(
                f"[{json.dumps(t.name)}] = {_pkl_task(t)}" for t in e.tasks) + " }")
            if e.parent is None:
                head = "new schema.TaskEnvironment"
            elif where[e.parent] == i:
                head = f"(module.envs[{json.dumps(e.parent)}])"
            else:
                head = f"(g{where[e.parent]:03d}.envs[{json.dumps(e.parent)}])"
            lines.append(f"  [{json.dumps(e.name)}] = {head} {{")
            lines += ["    " + b for b in body]
            lines.append("  }")
        lines.append("}")
        _write(os.path.join(out, w.path(i, "pkl")), "\n".join(lines) + "\n")
    main = [f"// envc benchmark workload: N={w.n} seed={w.seed}; renders every object",
            'import "compile.pkl"']
    main += [f'import "{w.path(i, "pkl")}" as g{i:03d}' for i in range(w.files)]
    main += ["", "local groups = List(" + ", ".join(f"g{i:03d}" for i in range(w.files)) + ")", "",
             "output {", "  files {", "    for (f in compile.files(groups)) {",
             "      [f.first] { text = f.second }", "    }", "  }", "}"]
    _write(os.path.join(out, "main.pkl"), "\n".join(main) + "\n")


def expected_objects(w: Workload) -> int:
    """How many objects the workload compiles to (PodTemplates, Deployments, HPAs)."""
    count = 0
    for e in w.envs:
        r = e.resolved.get("reusable")
        if r is None:
            count += len(e.tasks)
        else:
            rep = r["replicas"]
            count += 2 if isinstance(rep, list) and rep[1] > rep[0] else 1
    return count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help=f"number of task environments (>= {BASES})")
    ap.add_argument("outdir", help="where to write the envc project")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hash", action="store_true", help="write `version: null` (per-environment hashes)")
    ap.add_argument("--pkl", metavar="PKLDIR", help="also write the same workload in Pkl here")
    ap.add_argument("--force", action="store_true", help="replace OUTDIR / PKLDIR if they exist")
    a = ap.parse_args(argv)
    if a.n < BASES:
        ap.error(f"N must be at least {BASES}")
    for d in filter(None, (a.outdir, a.pkl)):
        if os.path.exists(d) and os.listdir(d):
            if not a.force:
                ap.error(f"{d} exists and is not empty (use --force)")
            shutil.rmtree(d)
    w = make(a.n, a.seed)
    write_envc(w, a.outdir, a.hash)
    if a.pkl:
        write_pkl(w, a.pkl)
    reusable = sum(e.reusable for e in w.envs)
    print(f"{a.n} environments ({reusable} reusable) in {w.files} files, "
          f"{expected_objects(w)} objects expected", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
