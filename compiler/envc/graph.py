"""`envc graph`: the project's extends, depends_on and Workflow → task graph as
Mermaid (renders in pull-request comments on the common code hosts) or Graphviz dot.

Deterministic: nodes by kind then name, edges by (kind, source, target, label).
"""

from __future__ import annotations

from dataclasses import dataclass

from envc.model import Resolved

_KIND_ORDER = {"TaskEnvironment": 0, "AppEnvironment": 1, "Workflow": 2}


@dataclass(frozen=True, slots=True, order=True)
class Edge:
    kind: str  # extends | depends_on | step
    source: str
    target: str
    label: str


def edges(resolved: Resolved) -> list[Edge]:
    out: set[Edge] = set()
    for env in resolved.environments.values():
        if env.extends:
            out.add(Edge("extends", env.name, env.extends, "extends"))
        for dep in env.fields["depends_on"].value or []:
            out.add(Edge("depends_on", env.name, str(dep), "depends_on"))
    for inv in resolved.invocations:
        out.add(Edge("step", inv.workflow, inv.task_fqn.split(".", 1)[0], f"{inv.step}: {inv.task_fqn}"))
    return sorted(out)


def nodes(resolved: Resolved) -> list[tuple[str, str]]:
    named = [(s.kind, n) for n, s in resolved.project.sources.items() if s.kind in _KIND_ORDER]
    return sorted(named, key=lambda kn: (_KIND_ORDER[kn[0]], kn[1]))


def mermaid(resolved: Resolved) -> str:
    ids = {name: f"n{i}" for i, (_, name) in enumerate(nodes(resolved))}
    lines = ["flowchart LR"]
    for kind, name in nodes(resolved):
        shape = ("[", "]") if kind == "TaskEnvironment" else ("([", "])") if kind == "AppEnvironment" else ("[[", "]]")
        lines.append(f'  {ids[name]}{shape[0]}"{name}<br/><small>{kind}</small>"{shape[1]}')
    arrows = {"extends": "-->", "depends_on": "-.->", "step": "==>"}
    for e in edges(resolved):
        if e.source in ids and e.target in ids:
            lines.append(f'  {ids[e.source]} {arrows[e.kind]}|"{e.label}"| {ids[e.target]}')
    return "\n".join(lines) + "\n"


def dot(resolved: Resolved) -> str:
    shapes = {"TaskEnvironment": "box", "AppEnvironment": "ellipse", "Workflow": "component"}
    styles = {"extends": "solid", "depends_on": "dashed", "step": "bold"}
    lines = ["digraph envc {", "  rankdir=LR;"]
    for kind, name in nodes(resolved):
        lines.append(f'  "{name}" [shape={shapes[kind]}, label="{name}\\n{kind}"];')
    for e in edges(resolved):
        lines.append(f'  "{e.source}" -> "{e.target}" [label="{e.label}", style={styles[e.kind]}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
