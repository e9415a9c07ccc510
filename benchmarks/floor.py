#!/usr/bin/env python3
"""The floor: about the least a Python compiler can do for a benchmark project.

    python benchmarks/floor.py PROJECT_DIR --out DIR

Reads envc.yaml and every `envs/**/*.yaml` with PyYAML's C loader (CSafeLoader), resolves
`extends` with plain dicts (copy the resolved parent, drop name/tasks, apply the child's
fields), builds each object as a dict (a PodTemplate per task of a non-reusable
environment; a Deployment, and an HPA when max > min, per reusable one) and writes one file
per object with PyYAML's C dumper (CSafeDumper) to DIR/<env>/<kind>-<name>.yaml after the
generated-file header, plus DIR/kustomization.yaml.

The objects are exactly those of the Pkl program (benchmarks/peers/pkl/compile.pkl), so
the floor, Pkl and envc can be compared on the same output (benchmarks/compare.py). No
validation, diagnostics, entrypoint parsing, hashing, atomic writes or stale-file removal:
only what benchmark workloads contain is handled (TaskEnvironment documents, no tags).
"""

from __future__ import annotations

import glob
import os
import sys

import yaml

try:
    LOADER = yaml.CSafeLoader
    BASE_DUMPER = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    sys.exit("floor.py: PyYAML has no libyaml (yaml.CSafeLoader); the floor is defined with it")


class Dumper(BASE_DUMPER):  # type: ignore[misc,valid-type]
    def ignore_aliases(self, data: object) -> bool:  # shared sub-dicts are written out, not &anchored
        return True


DEFAULT_IMAGE = "ghcr.io/flyteorg/flyte:py3.12-v2.12.1"
RAW = "{{.rawOutputDataPrefix}}"
RESOLVER = "flyte._internal.resolvers.default.DefaultTaskResolver"
SECONDS = {"s": 1, "m": 60, "h": 3600}
RESOURCE_NAMES = (("cpu", "cpu"), ("memory", "memory"), ("disk", "ephemeral-storage"))
NOT_INHERITED = {"kind", "name", "extends", "tasks"}


def seconds(v: int | str) -> int:
    return v if isinstance(v, int) else int(v[:-1]) * SECONDS[v[-1]]


def k8s(name: str) -> str:
    return name.replace("_", "-")


def module_of(entrypoint: str) -> str:
    return entrypoint.split(":")[0][:-3].replace("/", ".")


def resolve(docs: dict[str, dict]) -> dict[str, dict]:
    done: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in done:
            d = docs[name]
            r = dict(get(d["extends"])) if "extends" in d else {}
            r.update((k, v) for k, v in d.items() if k not in NOT_INHERITED)
            done[name] = r
        return done[name]

    for name in docs:
        get(name)
    return done


class Project:
    def __init__(self, data: dict) -> None:
        self.project = data["project"]
        self.namespace = data.get("namespace") or f"{data['project']}-{data.get('domain', 'development')}"
        self.version = str(data.get("version"))
        spot = data.get("interruptible") or {}
        self.node_selector = spot.get("node_selector", {})
        self.tolerations = spot.get("tolerations", [])
        self.container_sc = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                             "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
        self.pod_sc = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}

    def container(self, env: dict, args: list[str]) -> dict:
        ev = env.get("env_vars") or {}
        variables = [{"name": k, "value": ev[k]} for k in sorted(ev)]
        for s in env.get("secrets") or []:
            s = {"key": s} if isinstance(s, str) else s
            key, group = s["key"], s.get("group")
            name = s.get("as_env_var") or (f"{group}_{key}" if group else key).upper().replace("-", "_")
            variables.append({"name": name, "valueFrom": {"secretKeyRef": {"name": group or key, "key": key}}})
        requests, limits = {}, {}
        res = env.get("resources") or {}
        for src, dst in RESOURCE_NAMES:
            if src in res:
                v = res[src]
                requests[dst], limits[dst] = (v[0], v[1]) if isinstance(v, list) else (v, v)
        image = env.get("image", "auto")
        return {"name": "primary", "image": DEFAULT_IMAGE if image == "auto" else image,
                "command": [], "args": args, "env": variables,
                "resources": {"requests": requests, "limits": limits},
                "securityContext": self.container_sc}

    def pod(self, container: dict, interruptible: bool, deadline: int) -> dict:
        spec: dict = {"activeDeadlineSeconds": deadline} if deadline > 0 else {}
        spec["containers"] = [container]
        if interruptible:
            spec["nodeSelector"] = self.node_selector
            spec["tolerations"] = self.tolerations
        spec["securityContext"] = self.pod_sc
        return spec

    def labels(self, name: str) -> dict:
        return {"app.kubernetes.io/name": k8s(name), "app.kubernetes.io/part-of": self.project,
                "app.kubernetes.io/managed-by": "envc", "envc.dev/environment": name}

    def objects(self, name: str, env: dict, tasks: dict, src: str):
        """(file path, object) for one resolved environment, in the Pkl program's order."""
        ename = k8s(name)
        reuse = env.get("reusable")
        if reuse is None:
            for tname in sorted(tasks):
                t = tasks[tname]
                flag = t.get("interruptible", env.get("interruptible", False))
                labels = {**self.labels(name), "envc.dev/task": tname}
                if flag:
                    labels["envc.dev/interruptible"] = "true"
                args = ["a0", "--inputs", "{{.input}}", "--outputs-path", "{{.outputPrefix}}",
                        "--version", self.version, "--raw-data-path", RAW,
                        "--checkpoint-path", "{{.checkpointOutputPrefix}}",
                        "--prev-checkpoint", "{{.prevCheckpointPrefix}}", "--run-name", "{{.runName}}",
                        "--name", "{{.actionName}}", "--run-start-time", "{{.runStartTime}}",
                        "--resolver", RESOLVER, "mod", module_of(t["entrypoint"]),
                        "instance", t["entrypoint"].split(":")[1]]
                oname = f"{ename}-{k8s(tname)}"
                yield f"{ename}/podtemplate-{oname}.yaml", {
                    "apiVersion": "v1", "kind": "PodTemplate",
                    "metadata": {"name": oname, "namespace": self.namespace, "labels": labels,
                                 "annotations": {"argocd.argoproj.io/sync-wave": "0",
                                                 "envc.dev/cache": t.get("cache", "disable"),
                                                 "envc.dev/fqn": f"{name}.{tname}",
                                                 "envc.dev/retries": str(t.get("retries", 0)),
                                                 "envc.dev/source": src}},
                    "template": {"metadata": {"labels": labels},
                                 "spec": self.pod(self.container(env, args), flag, seconds(t.get("timeout", 0)))}}
            return
        labels = self.labels(name)
        if env.get("interruptible"):
            labels["envc.dev/interruptible"] = "true"
        rep = reuse["replicas"]
        low, high = (rep, rep) if isinstance(rep, int) else (rep[0], rep[1])
        args = ["a0", "--reuse", "--version", self.version, "--raw-data-path", RAW,
                "--resolver", RESOLVER, "mod", module_of(tasks[min(tasks)]["entrypoint"])]
        yield f"{ename}/deployment-{ename}.yaml", {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": ename, "namespace": self.namespace, "labels": labels, "annotations": {
                "argocd.argoproj.io/sync-wave": "0",
                "envc.dev/reuse-concurrency": str(reuse.get("concurrency", 1)),
                "envc.dev/reuse-idle-ttl": str(seconds(reuse["idle_ttl"])),
                "envc.dev/reuse-replicas": f"{low}-{high}",
                "envc.dev/reuse-scaledown-ttl": str(seconds(reuse["scaledown_ttl"])),
                "envc.dev/reuse-scope": reuse.get("scope", "global"),
                "envc.dev/source": src}},
            "spec": {"replicas": low,
                     "selector": {"matchLabels": {"app.kubernetes.io/name": ename, "envc.dev/environment": name}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": self.pod(self.container(env, args), bool(env.get("interruptible")), 0)}}}
        if high > low:
            yield f"{ename}/horizontalpodautoscaler-{ename}.yaml", {
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": ename, "namespace": self.namespace, "labels": labels,
                             "annotations": {"argocd.argoproj.io/sync-wave": "0", "envc.dev/source": src}},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": ename},
                         "minReplicas": low, "maxReplicas": high,
                         "metrics": [{"type": "Resource", "resource": {
                             "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]}}


def dump(obj: dict) -> str:
    return yaml.dump(obj, Dumper=Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--out" not in args or len(args) != 3:
        sys.exit("usage: floor.py PROJECT_DIR --out DIR")
    i = args.index("--out")
    out = args[i + 1]
    root = (args[:i] + args[i + 2:])[0]
    with open(os.path.join(root, "envc.yaml"), "rb") as fh:
        proj = Project(yaml.load(fh, Loader=LOADER))
    docs: dict[str, dict] = {}
    src: dict[str, str] = {}
    for path in sorted(glob.glob(os.path.join(root, "envs", "**", "*.yaml"), recursive=True)):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        with open(path, "rb") as fh:
            for d in yaml.load_all(fh, Loader=LOADER):
                if d and d.get("kind") == "TaskEnvironment":
                    docs[d["name"]] = d
                    src[d["name"]] = rel
    resolved = resolve(docs)
    listing = []
    made: set[str] = set()
    for name in sorted(docs):
        header = f"# Generated by envc from {src[name]}. DO NOT EDIT.\n"
        for rel, obj in proj.objects(name, resolved[name], docs[name]["tasks"], src[name]):
            d = os.path.join(out, os.path.dirname(rel))
            if d not in made:
                os.makedirs(d, exist_ok=True)
                made.add(d)
            with open(os.path.join(out, rel), "w", encoding="utf-8") as fh:
                fh.write(header + dump(obj))
            listing.append(rel)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "kustomization.yaml"), "w", encoding="utf-8") as fh:
        fh.write("# Generated by envc. DO NOT EDIT.\n" + dump(
            {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": listing}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
