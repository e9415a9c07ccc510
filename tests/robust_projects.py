"""Hypothesis strategies for the robustness tests: valid envc projects, and mutations of them.

A project is a dict `{relative path: bytes}`.  `valid_projects()` builds one from parts known to
be valid together (so the unmutated project compiles cleanly: tests/test_robustness.py checks
that); `mutated_projects()` then damages it the ways users and editors do: a deleted key or
line, a value of another type, unicode in keys and values, a file cut short (possibly inside a
UTF-8 sequence), a random YAML tag, huge and odd numbers, deep nesting, duplicated lines,
aliases, and broken Python sources.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

Project = dict[str, bytes]

PROJECT_FILE = "envc: 1\nproject: t\n"
PYTHON = "pipelines/jobs.py"
FUNCTIONS = ("extract", "transform", "train", "score")  # score is async
MODULE = (
    "def extract(): ...\n\n\ndef transform(): ...\n\n\ndef train(): ...\n\n\n"
    "async def score(): ...\n"
)

IMAGES = ("auto", "python:3.12", "ghcr.io/acme/train:1.4.2", None)
QUANTITIES = ("500m", "1", 2, "4Gi", "512Mi", ["1", "2"], ["1Gi", "4Gi"])
ENV_VARS = ({"LOG_LEVEL": "info"}, {"N": 3, "DEBUG": True}, {"PATH_PREFIX": "/opt"})
SECRETS = ("openai-key", {"key": "token", "group": "github", "as_env_var": "GH_TOKEN"},
           {"key": "sa-json", "group": "gcp", "mount": "/etc/flyte/secrets"})
CACHES = ("auto", "disable", "enable", {"behavior": "override", "version_override": "v1"})
TASK_FIELDS = {
    "retries": st.sampled_from([0, 3, {"count": 2, "backoff": {"base": "10s", "factor": 2, "cap": "5m"}}]),
    "timeout": st.sampled_from(["1h", 600, {"max_runtime": "30m", "max_queued_time": "5m"}]),
    "cache": st.sampled_from(CACHES),
    "queue": st.sampled_from(["gpu", "default"]),
    "short_name": st.sampled_from(["step", "run"]),
}


@st.composite
def resources(draw: st.DrawFn, cpu: bool = False, gpu: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if cpu or draw(st.booleans()):
        out["cpu"] = draw(st.sampled_from(["500m", "1", 2, ["1", "2"]]))
    if draw(st.booleans()):
        out["memory"] = draw(st.sampled_from(["4Gi", "512Mi", ["1Gi", "4Gi"]]))
    if gpu and draw(st.booleans()):  # a named GPU adds a nodeSelector: a Knative feature flag
        out["gpu"] = draw(st.sampled_from(["A100:2", 1, "L4:1"]))
    if draw(st.booleans()):
        out["disk"] = "10Gi"
    if draw(st.booleans()):
        out["shm"] = draw(st.sampled_from(["auto", "1Gi"]))
    return out


@st.composite
def task_environment(draw: st.DrawFn, name: str, parents: list[str], others: list[str]) -> dict[str, Any]:
    reusable = draw(st.booleans())
    doc: dict[str, Any] = {"kind": "TaskEnvironment", "name": name}
    if parents and draw(st.booleans()):
        doc["extends"] = draw(st.sampled_from(parents))
    optional = {
        "description": st.sampled_from(["Nightly analytics", "Training ✓ — GPU"]),
        "image": st.sampled_from(IMAGES),
        "env_vars": st.sampled_from(ENV_VARS),
        "secrets": st.lists(st.sampled_from(SECRETS), max_size=3, unique_by=repr),
        "interruptible": st.booleans(),
        "queue": st.sampled_from(["default", "gpu"]),
        "cache": st.sampled_from(CACHES),
        "service_account": st.just("analytics"),
        "pod_template": st.sampled_from(["gpu-base", {"labels": {"team": "ml"}}]),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            doc[key] = draw(strategy)
    doc["resources"] = draw(resources(cpu=True))  # a child may inherit a reusable policy: its HPA needs a CPU request
    if others and draw(st.booleans()):
        doc["depends_on"] = draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
    if reusable:
        doc["reusable"] = draw(st.sampled_from([{}, {"replicas": [1, 3], "idle_ttl": "10m"}, {"replicas": 2}]))
        doc.pop("pod_template", None)
    doc["module"] = "pipelines.jobs"
    names = draw(st.lists(st.sampled_from(FUNCTIONS[:3]), min_size=1, max_size=3, unique=True))
    doc["tasks"] = {n: draw(st.fixed_dictionaries({}, optional=TASK_FIELDS)) for n in names}
    return doc


@st.composite
def app_environment(draw: st.DrawFn, name: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": "AppEnvironment", "name": name, "args": "python app.py",
                           "requires_auth": False}
    if draw(st.booleans()):
        doc["port"] = draw(st.sampled_from([8080, 3000, {"port": 8080, "name": "h2c"}]))
    if draw(st.booleans()):
        doc["resources"] = draw(resources(gpu=False))
    if draw(st.booleans()):
        doc["scaling"] = draw(st.sampled_from([{"replicas": [0, 2]}, {"replicas": 1}]))
    if draw(st.booleans()):
        doc["env_vars"] = draw(st.sampled_from(ENV_VARS))
    return doc


POD_TEMPLATE = {"kind": "PodTemplate", "name": "gpu-base", "labels": {"team": "ml"},
                "spec": {"containers": [{"name": "primary"}],
                         "tolerations": [{"key": "gpu", "operator": "Exists"}]}}


@st.composite
def valid_projects(draw: st.DrawFn) -> Project:
    """1-4 task environments (extends and depends_on without cycles), maybe an app, a
    PodTemplate and a Workflow over their tasks, spread over 1-3 files."""
    count = draw(st.integers(1, 4))
    names = [f"env{i}" for i in range(count)]
    docs: list[dict[str, Any]] = [POD_TEMPLATE]
    for i, name in enumerate(names):
        docs.append(draw(task_environment(name, names[:i], names[:i])))
    if draw(st.booleans()):
        docs.append(draw(app_environment("dash")))
    fqns = [f"{d['name']}.{t}" for d in docs if d["kind"] == "TaskEnvironment" for t in d["tasks"]]
    if fqns and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(fqns), min_size=1, max_size=2, unique=True))
        steps = [{"task": fqn, "name": f"step{i}"} for i, fqn in enumerate(chosen)]  # step names are unique
        steps[0]["override"] = {"retries": 5, "interruptible": True}
        docs.append({"kind": "Workflow", "name": "nightly", "steps": steps})
    files = draw(st.integers(1, 3))
    out: Project = {"envc.yaml": PROJECT_FILE.encode(), PYTHON: MODULE.encode(),
                    "pipelines/__init__.py": b""}
    for f in range(files):
        chunk = docs[f::files]
        if chunk:
            out[f"envs/f{f}.yaml"] = dump(chunk).encode()
    return out


def dump(docs: list[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True, width=10_000)


# --- mutations -------------------------------------------------------------------------------

ODD_NUMBERS = ("1" * 5000, "-" + "9" * 400, "1e400", "-1e400", ".inf", "-.inf", ".nan", "0x" + "f" * 300,
               "0o" + "7" * 300, "1_000", "0755", "-0", "1.5e-300", "99999999999999999999Gi", "1:30")
TAGS = ("!merge", "!append", "!replace", "!foo", "!!python/object:os.system", "!!python/name:os.system",
        "!!str", "!!int", "!!float", "!!bool", "!!null", "!!binary", "!!timestamp", "!!set", "!!omap",
        "!<tag:yaml.org,2002:str>", "!!map", "!!seq")
UNICODE = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
_KEY_LINE = re.compile(r"^(\s*(?:- )?[^\s:#][^:#]*:)( +)(\S.*)$")


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = root
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return root


def _get(root: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        root = root[part]
    return root


ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | UNICODE,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(UNICODE, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def _data_mutation(draw: st.DrawFn, docs: list[Any]) -> list[Any]:
    """Mutate the parsed documents of one YAML file in place: delete a key, swap a type,
    inject unicode into a key or a value, nest a value deeply, or make a number odd."""
    if not docs:
        return docs
    doc_index = draw(st.integers(0, len(docs) - 1))
    paths = _paths(docs[doc_index])
    path = draw(st.sampled_from(paths))
    target = _get(docs[doc_index], path)
    op = draw(st.sampled_from(["delete", "swap", "unicode-value", "unicode-key", "nest", "number"]))
    if op == "delete" and path:
        parent = _get(docs[doc_index], path[:-1])
        del parent[path[-1]]
    elif op == "swap":
        docs[doc_index] = _set(docs[doc_index], path, draw(ANY_VALUE))
    elif op == "unicode-value":
        docs[doc_index] = _set(docs[doc_index], path, draw(UNICODE))
    elif op == "unicode-key" and isinstance(target, dict) and target:
        key = draw(st.sampled_from(list(target)))
        target[draw(UNICODE)] = target.pop(key)
    elif op == "nest":
        depth = draw(st.integers(1, 130))
        value: Any = target
        wrap_in_list = draw(st.booleans())
        for _ in range(depth):
            value = [value] if wrap_in_list else {"k": value}
        docs[doc_index] = _set(docs[doc_index], path, value)
    elif op == "number":
        docs[doc_index] = _set(docs[doc_index], path, f"@@NUMBER{draw(st.integers(0, len(ODD_NUMBERS) - 1))}@@")
    return docs


def _numbers(text: str) -> str:
    """Replace the number markers by their text, unquoted: plain scalars YAML resolves itself."""
    return re.sub(r"'?@@NUMBER(\d+)@@'?", lambda m: ODD_NUMBERS[int(m.group(1))], text)


@st.composite
def _text_mutation(draw: st.DrawFn, text: str) -> str:
    lines = text.split("\n")
    op = draw(st.sampled_from(["tag", "delete-line", "duplicate-line", "alias", "indent", "insert-junk"]))
    i = draw(st.integers(0, max(len(lines) - 1, 0)))
    if op == "tag":
        match = _KEY_LINE.match(lines[i])
        if match:
            lines[i] = f"{match.group(1)} {draw(st.sampled_from(TAGS))} {match.group(3)}"
    elif op == "delete-line":
        del lines[i]
    elif op == "duplicate-line":
        lines.insert(i, lines[i])
    elif op == "alias":
        match = _KEY_LINE.match(lines[i])
        j = draw(st.integers(0, max(len(lines) - 1, 0)))
        other = _KEY_LINE.match(lines[j])
        if match and other and i != j:
            lines[i] = f"{match.group(1)} &a {match.group(3)}"
            lines[j] = f"{other.group(1)} *a"
    elif op == "indent":
        lines[i] = " " * draw(st.integers(1, 3)) + lines[i]
    else:
        lines.insert(i, draw(st.sampled_from(["<<: *a", "? [a, b]\n: 1", "{a: 1", "- x", "%YAML 1.1", "---", "...",
                                               "key: 'unterminated", "\t- tab", "x: *undefined"])))
    return "\n".join(lines)


@st.composite
def _python_mutation(draw: st.DrawFn, source: bytes) -> bytes:
    op = draw(st.sampled_from(["truncate", "deep", "null", "latin1", "rename", "async", "empty"]))
    if op == "truncate":
        return source[: draw(st.integers(0, len(source)))]
    if op == "deep":
        return source + b"\nx = " + b"-" * draw(st.integers(100, 200_000)) + b"1\n"
    if op == "null":
        return source + b"\x00\n"
    if op == "latin1":
        return source + "# café\n".encode("latin-1")
    if op == "rename":
        return source.replace(b"def transform", b"def transfrom")
    if op == "async":
        return source.replace(b"def train", b"async def train")
    return b""


@st.composite
def mutated_projects(draw: st.DrawFn, base: st.SearchStrategy[Project] | None = None) -> Project:
    """A valid project with 1-3 mutations, each on a file chosen at random."""
    project = dict(draw(base if base is not None else valid_projects()))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(sorted(project)))
        project[path] = draw(_mutate_file(path, project[path]))
    return project


@st.composite
def _mutate_file(draw: st.DrawFn, path: str, data: bytes) -> bytes:
    if path.endswith(".py"):
        return draw(_python_mutation(data))
    kind = draw(st.sampled_from(["data", "text", "truncate", "bytes"]))
    if kind == "truncate":  # possibly in the middle of a UTF-8 sequence
        return data[: draw(st.integers(0, len(data)))]
    if kind == "bytes":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    text = data.decode("utf-8", "replace")
    if kind == "text":
        return draw(_text_mutation(text)).encode()
    try:
        docs = list(yaml.safe_load_all(text))
    except Exception:  # noqa: BLE001 - PyYAML's YAML 1.1 constructors fail in many ways (`!!bool 1`: KeyError)
        return draw(_text_mutation(text)).encode()
    docs = draw(_data_mutation(docs))
    return _numbers(yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True, width=10_000)).encode()


def robust_settings(examples: int) -> settings:
    """CI: `examples` derandomized examples and no database, so a run is bounded and repeatable;
    under `--hypothesis-profile=fuzz` (registered in tests/conftest.py): that profile."""
    if settings.get_current_profile_name() == "fuzz":
        return settings()
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


@contextmanager
def bounded(cpu_seconds: float, wall_seconds: float = 60.0) -> Iterator[None]:
    """Fail when the body uses more than `cpu_seconds` of CPU — a pathologically slow path,
    measured in CPU time so that a busy CI machine does not fail it — or runs for
    `wall_seconds` at all: a hang, stopped by SIGALRM."""

    def hang(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {wall_seconds}s: a hang")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.setitimer(signal.ITIMER_REAL, wall_seconds)
    start = time.process_time()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    used = time.process_time() - start
    assert used < cpu_seconds, f"{used:.1f}s of CPU"
