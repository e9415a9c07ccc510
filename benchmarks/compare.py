#!/usr/bin/env python3
"""Check that envc, the floor and Pkl did the same work on a benchmark workload.

    python benchmarks/compare.py PKL_OUT FLOOR_OUT [ENVC_OUT] [--hash]

* floor vs Pkl: the same files, and every object (and the kustomization listing) equal
  once parsed: the floor is a faithful Python port of benchmarks/peers/pkl/compile.pkl.
* envc vs Pkl: the same files, and every field the Pkl program writes is in envc's object
  with the same value, except the differences listed in KNOWN below, each of which is a
  SPEC rule that the (older) Pkl program does not follow; each is checked by its own rule
  (e.g. envc's `envc.dev/cache` JSON must carry Pkl's cache string). Whatever envc emits
  beyond the Pkl objects is counted and listed: envc may do more work, never less.

Exit status 0 when everything matches; the report is printed either way.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MISSING = object()
KUSTOMIZATION = "kustomization.yaml"


def load_tree(root: str) -> dict[str, object]:
    out = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            if name.endswith(".yaml"):
                full = os.path.join(dirpath, name)
                with open(full, "rb") as fh:
                    out[os.path.relpath(full, root).replace(os.sep, "/")] = yaml.load(fh, Loader=LOADER)
    return out


def _k8s(s: str) -> str:
    return s.replace("_", "-")


def _args_rule(hashed: bool) -> Callable[[object, object, dict], bool]:
    def rule(p: object, e: object, _ctx: dict) -> bool:
        if not isinstance(p, list) or not isinstance(e, list) or len(p) != len(e):
            return False
        for i, (a, b) in enumerate(zip(p, e)):
            if a != b and not (hashed and i > 0 and p[i - 1] == "--version"):
                return False
        return True
    return rule


def _pod_sc_rule(p: object, e: object, ctx: dict) -> bool:
    if e is not MISSING or not isinstance(p, dict):
        return False
    obj = ctx["envc"]
    pod = obj["template"]["spec"] if obj["kind"] == "PodTemplate" else obj["spec"]["template"]["spec"]
    return all(all(c.get("securityContext", {}).get(k) == v for k, v in p.items()) for c in pod["containers"])


def _pool_args(p: object, e: object, ctx: dict) -> bool:
    if not isinstance(p, list) or not isinstance(e, list) or len(e) != 3 or e[:2] != ["a0", "--version"]:
        return False
    return ctx["hashed"] or e[2] == p[p.index("--version") + 1]


def _env_rule(p: object, e: object, _ctx: dict) -> bool:
    """The same variables; envc keeps them in the order written (env_vars, then secrets),
    the Pkl program sorts env_vars by name."""
    if not isinstance(p, list) or not isinstance(e, list):
        return False
    return sorted(map(json.dumps, p)) == sorted(map(json.dumps, e))


# (object kind or "*", normalized path) -> (why, rule(pkl value, envc value or MISSING, ctx))
def known_rules(hashed: bool) -> dict[tuple[str, str], tuple[str, Callable[[object, object, dict], bool]]]:
    label = ("SPEC §8: label envc.dev/environment is k8s(<env>) (Pkl: the env name as written)",
             lambda p, e, _c: isinstance(p, str) and e == _k8s(p))
    reuse = ("SPEC §8.2: envc writes the policy as one JSON annotation envc.dev/reuse "
             "(Pkl: five envc.dev/reuse-* annotations); values checked",
             lambda p, e, c: e is MISSING and c["reuse_ok"])
    args = ("task pods' args: identical (not a difference)" + (" except the --version value (--hash: envc's content hash, Pkl's fixed bench-1)"
                            if hashed else ""), _args_rule(hashed))
    task = ("SPEC §8: label envc.dev/task is k8s(<task>) (Pkl: the task name as written)",
            lambda p, e, _c: isinstance(p, str) and e == _k8s(p))
    pod_sc = ("SPEC §10.2: no pod-level securityContext; its runAsNonRoot and seccompProfile are on "
              "every container (Pkl: on the pod too); checked", _pod_sc_rule)
    rules = {
        ("PodTemplate", "metadata.labels.envc.dev/task"): task,
        ("PodTemplate", "template.metadata.labels.envc.dev/task"): task,
        ("PodTemplate", "template.spec.securityContext"): pod_sc,
        ("Deployment", "spec.template.spec.securityContext"): pod_sc,
        ("*", "metadata.labels.envc.dev/environment"): label,
        ("PodTemplate", "template.metadata.labels.envc.dev/environment"): label,
        ("Deployment", "spec.template.metadata.labels.envc.dev/environment"): label,
        ("PodTemplate", "metadata.annotations.envc.dev/cache"): (
            "SPEC §8.1: envc.dev/cache is the policy as compact JSON (Pkl: the string); behavior checked",
            lambda p, e, _c: isinstance(e, str) and json.loads(e).get("behavior") == p),
        ("PodTemplate", "template.spec.containers[].command"): (
            "SPEC §8.1: a task pod's container has no `command` key (Pkl: command: [])",
            lambda p, e, _c: p == [] and e is MISSING),
        ("PodTemplate", "template.spec.containers[].env"): (
            "env: the same variables; envc keeps env_vars in the order written, Pkl sorts them", _env_rule),
        ("Deployment", "spec.template.spec.containers[].env"): (
            "env: the same variables; envc keeps env_vars in the order written, Pkl sorts them", _env_rule),
        ("PodTemplate", "template.spec.containers[].args"): args,
        ("Deployment", "spec.template.spec.containers[].args"): (
            "SPEC §8.2: a reusable pool's args are runtime.reusable_args, `a0 --version <v>` "
            "(Pkl: a0 --reuse --version <v> --raw-data-path … --resolver … mod <module>)",
            _pool_args),
        ("Deployment", "spec.replicas"): (
            "SPEC §8.2: a Deployment with an HPA omits spec.replicas (Pkl: always min)",
            lambda p, e, c: (e is MISSING and c["has_hpa"]) or (e == p and not c["has_hpa"])),
        ("Deployment", "spec.selector.matchLabels"): (
            "SPEC §8.2: selector {app.kubernetes.io/name, app.kubernetes.io/part-of} "
            "(Pkl: {app.kubernetes.io/name, envc.dev/environment})",
            lambda p, e, c: isinstance(e, dict) and e == {"app.kubernetes.io/name": p["app.kubernetes.io/name"],
                                                          "app.kubernetes.io/part-of": c["project"]}),
    }
    for k in ("concurrency", "idle-ttl", "replicas", "scaledown-ttl", "scope"):
        rules[("Deployment", f"metadata.annotations.envc.dev/reuse-{k}")] = reuse
    return rules


def _reuse_values(pann: dict, eann: dict) -> bool:
    if "envc.dev/reuse" not in eann:
        return False
    r = json.loads(eann["envc.dev/reuse"])
    low, high = (r["replicas"], r["replicas"]) if isinstance(r["replicas"], int) else r["replicas"]
    return (str(r["concurrency"]) == pann["envc.dev/reuse-concurrency"]
            and str(r["idle_ttl"]) == pann["envc.dev/reuse-idle-ttl"]
            and f"{low}-{high}" == pann["envc.dev/reuse-replicas"]
            and str(r["scaledown_ttl"]) == pann["envc.dev/reuse-scaledown-ttl"]
            and r["scope"] == pann["envc.dev/reuse-scope"])


class Report:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.known: Counter[str] = Counter()
        self.extra: Counter[str] = Counter()
        self.compared = 0

    def error(self, msg: str) -> None:
        if len(self.errors) < 50:
            self.errors.append(msg)
        elif len(self.errors) == 50:
            self.errors.append("... (more differences not shown)")


def _walk(p: object, e: object, path: str, kind: str, ctx: dict, rules: dict, rep: Report, where: str) -> None:
    rule = rules.get((kind, path)) or rules.get(("*", path))
    if rule is not None:
        why, check = rule
        if check(p, e, ctx):
            rep.known[why] += 1
        else:
            rep.error(f"{where}: {path}: Pkl {p!r}, envc {'(absent)' if e is MISSING else repr(e)} ({why})")
        return
    if e is MISSING:
        rep.error(f"{where}: {path}: envc lacks what Pkl writes: {p!r}")
    elif isinstance(p, dict):
        if not isinstance(e, dict):
            rep.error(f"{where}: {path}: Pkl a mapping, envc {e!r}")
            return
        for k, v in p.items():
            _walk(v, e.get(k, MISSING), f"{path}.{k}" if path else k, kind, ctx, rules, rep, where)
        for k in e:
            if k not in p:
                rep.extra[f"{kind}: {path}.{k}" if path else f"{kind}: {k}"] += 1
    elif isinstance(p, list):
        if not isinstance(e, list) or len(e) != len(p):
            rep.error(f"{where}: {path}: Pkl {p!r}, envc {e!r}")
            return
        for a, b in zip(p, e):
            _walk(a, b, path + "[]", kind, ctx, rules, rep, where)
    elif p != e or type(p) is not type(e):
        rep.error(f"{where}: {path}: Pkl {p!r}, envc {e!r}")


def compare_envc(pkl: dict[str, object], envc: dict[str, object], hashed: bool, project: str = "bench") -> Report:
    rep = Report()
    rules = known_rules(hashed)
    if set(pkl) != set(envc):
        for p in sorted(set(pkl) - set(envc))[:20]:
            rep.error(f"{p}: written by Pkl, not by envc")
        for p in sorted(set(envc) - set(pkl))[:20]:
            rep.error(f"{p}: written by envc, not by Pkl")
    for path in sorted(set(pkl) & set(envc)):
        p, e = pkl[path], envc[path]
        if path == KUSTOMIZATION:
            assert isinstance(p, dict) and isinstance(e, dict)
            if sorted(p["resources"]) != sorted(e["resources"]):
                rep.error("kustomization.yaml: the resources differ")
            elif p["resources"] != e["resources"]:
                rep.known["kustomization resources: the same files in another order "
                          "(envc: SPEC §9.2 deploy order; Pkl: by environment name)"] += 1
            else:
                rep.known["kustomization resources: the same files in the same order"] += 1
            for k in e:
                if k not in p:
                    rep.extra[f"Kustomization: {k}"] += 1
            continue
        assert isinstance(p, dict) and isinstance(e, dict)
        kind = str(p.get("kind"))
        ctx = {"hashed": hashed, "project": project, "reuse_ok": True, "envc": e,
               "has_hpa": f"{os.path.dirname(path)}/horizontalpodautoscaler-{p['metadata']['name']}.yaml" in pkl}
        if kind == "Deployment":
            ctx["reuse_ok"] = _reuse_values(p["metadata"]["annotations"], e["metadata"].get("annotations", {}))
        _walk(p, e, "", kind, ctx, rules, rep, path)
        rep.compared += 1
    return rep


def compare_exact(a: dict[str, object], b: dict[str, object], names: tuple[str, str]) -> list[str]:
    errors = []
    if set(a) != set(b):
        errors.append(f"{names[0]} and {names[1]} write different files: "
                      f"{sorted(set(a) ^ set(b))[:10]}")
    for path in sorted(set(a) & set(b)):
        if a[path] != b[path]:
            errors.append(f"{path}: {names[0]} and {names[1]} differ")
            if len(errors) > 20:
                break
    return errors


def report_text(pkl_dir: str, floor_dir: str | None, envc_dir: str | None, hashed: bool) -> tuple[bool, str]:
    pkl = load_tree(pkl_dir)
    lines = [f"Pkl output: {len(pkl)} files in {pkl_dir}"]
    ok = True
    if floor_dir:
        floor = load_tree(floor_dir)
        errs = compare_exact(floor, pkl, ("floor", "Pkl"))
        ok &= not errs
        lines.append(f"floor vs Pkl: {len(floor)} files, " +
                     ("every object equal once parsed" if not errs else "DIFFERENT:"))
        lines += ["  " + e for e in errs]
    if envc_dir:
        envc = load_tree(envc_dir)
        rep = compare_envc(pkl, envc, hashed)
        ok &= not rep.errors
        lines.append(f"envc vs Pkl: {len(envc)} files, {rep.compared} objects compared field by field: " +
                     ("every field Pkl writes is in envc's object, equal or by a known rule"
                      if not rep.errors else "DIFFERENT:"))
        lines += ["  " + e for e in rep.errors]
        lines.append("  known differences (SPEC rules the Pkl program does not follow), times checked:")
        lines += [f"    {n:6d}  {why}" for why, n in sorted(rep.known.items())]
        lines.append("  what envc writes beyond the Pkl objects (field: objects):")
        lines += [f"    {n:6d}  {k}" for k, n in sorted(rep.extra.items())]
    return ok, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    hashed = "--hash" in args
    args = [a for a in args if a != "--hash"]
    if len(args) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[2].strip())
    ok, text = report_text(args[0], args[1], args[2] if len(args) == 3 else None, hashed)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
