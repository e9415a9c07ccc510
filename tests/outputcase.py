"""A small project around one environment document, run through `envc validate`'s pipeline;
shared by the output-check tests (tests/test_pod_security.py, test_pod_output.py, ...)."""

from __future__ import annotations

from pathlib import Path

from envc.diagnostics import Diagnostic, Sink
from envc.pipeline import run

JOBS = "def f(): ...\n"


def project(root: Path, envs: str, envc_yaml: str = "", extra: dict[str, str] | None = None) -> Path:
    files = {
        "envc.yaml": "envc: 1\nproject: t\n" + envc_yaml,
        "envs/a.yaml": envs,
        "pipelines/jobs.py": JOBS,
        **(extra or {}),
    }
    for name, body in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, "utf-8")
    return root


def diagnose(root: Path, envs: str, envc_yaml: str = "", extra: dict[str, str] | None = None) -> list[Diagnostic]:
    project(root, envs, envc_yaml, extra)
    sink = Sink()
    run(root, None, sink)
    return sink.sorted()


def where(text: str, needle: str, nth: int = 0, file: str = "envs/a.yaml") -> str:
    """`file:line:col` of the nth occurrence of `needle` in `text` (the expected location)."""
    seen = 0
    for lineno, line in enumerate(text.split("\n"), 1):
        col = line.find(needle)
        while col >= 0:
            if seen == nth:
                return f"{file}:{lineno}:{col + 1}"
            seen += 1
            col = line.find(needle, col + 1)
    raise AssertionError(f"{needle!r} not in the text")


def brief(diags: list[Diagnostic]) -> list[str]:
    """`<id> <name> <file:line:col>` of each diagnostic, in the order envc reports them."""
    return [f"{d.code.id} {d.code.name} {d.span}" for d in diags]


def env_with_template(spec: str, template_extra: str = "") -> str:
    """A task environment with an inline pod template; `spec` is indented under `spec:`."""
    body = "\n".join("    " + line if line else line for line in spec.strip("\n").split("\n"))
    return (
        "kind: TaskEnvironment\n"
        "name: a\n"
        "pod_template:\n"
        f"{template_extra}"
        "  spec:\n"
        f"{body}\n"
        "tasks:\n"
        "  f:\n"
        "    entrypoint: pipelines/jobs.py:f\n"
    )
