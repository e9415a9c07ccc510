"""depends_on (SPEC §6.5): names of environments of any kind; no self, no cycles.

PASS::   depends_on: [feature_store]
FAIL::   depends_on: [feature_stor]     # E510 unknown-dependency (did you mean `feature_store`?)
FAIL::   a -> b -> a                    # E511 depends-on-cycle
"""

from __future__ import annotations

from collections.abc import Mapping

from envc import codes
from envc.checks import Context
from envc.diagnostics import Related, Sink
from envc.hints import did_you_mean
from envc.model import ResolvedEnv


def check_depends_on(ctx: Context, sink: Sink) -> None:
    envs = ctx.resolved.environments
    for env in envs.values():
        value = env.fields["depends_on"]
        for i, dep in enumerate(value.value or []):
            span = value.part(i).span
            if dep == env.name:
                sink.report(codes.DEPENDS_SELF, span, f"`{env.name}` depends on itself")
            elif dep not in envs:
                sink.report(codes.UNKNOWN_DEPENDENCY, span,
                            f"depends_on names no environment `{dep}`{did_you_mean(str(dep), envs)}")
    _cycles(envs, sink)


def _cycles(envs: Mapping[str, ResolvedEnv], sink: Sink) -> None:
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(name: str, stack: list[str]) -> None:
        state[name] = 1
        stack.append(name)
        for dep in envs[name].fields["depends_on"].value or []:
            if dep not in envs or dep == name:
                continue
            if state.get(dep) == 1:
                _report(envs, stack[stack.index(dep):], reported, sink)
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[name] = 2

    for name in sorted(envs):
        if name not in state:
            visit(name, [])


def _report(envs: Mapping[str, ResolvedEnv], members: list[str], reported: set[frozenset[str]], sink: Sink) -> None:
    key = frozenset(members)
    if key in reported:
        return
    reported.add(key)
    start = members.index(min(members))
    ordered = members[start:] + members[:start]
    related = []
    for a, b in zip(ordered, ordered[1:] + ordered[:1], strict=True):
        value = envs[a].fields["depends_on"]
        idx = list(value.value).index(b)
        span = value.part(idx).span
        if span is not None:
            related.append(Related(f"`{a}` depends on `{b}`", span))
    primary = related[0].span if related else None
    chain = " -> ".join([*ordered, ordered[0]])
    sink.report(codes.DEPENDS_CYCLE, primary, f"depends_on cycle: {chain}", tuple(related))


def depth(envs: Mapping[str, ResolvedEnv]) -> dict[str, int]:
    """Deploy depth (SPEC §9.2): 0 without depends_on, else 1 + the deepest dependency."""
    memo: dict[str, int] = {}

    def d(name: str) -> int:
        if name not in memo:
            memo[name] = 0
            deps = [x for x in envs[name].fields["depends_on"].value or [] if x in envs and x != name]
            memo[name] = 1 + max(d(x) for x in deps) if deps else 0
        return memo[name]

    return {name: d(name) for name in envs}
