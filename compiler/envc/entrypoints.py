"""Phase 3b: tasks to Python functions, read statically (SPEC §5.3).

An entrypoint is `path/to/file.py:function` or `dotted.module:function`; without
one, the environment's `module` supplies the module and the task key is the
function.  Files are parsed with `ast` once per run and never imported: a task is
async when its function is `async def`.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import NamedTuple

from envc import codes
from envc.diagnostics import Related, Sink, Span
from envc.hints import did_you_mean
from envc.load import MAX_FILE_BYTES
from envc.model import Resolved, ResolvedEnv, ResolvedTask, TaskCode, Value

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class _Module(NamedTuple):
    name: str
    file: str
    sha256: str
    functions: dict[str, bool]  # module-level function -> is async


class _Reader:
    """Parses each Python file once per run."""

    def __init__(self, root: FsPath, sink: Sink) -> None:
        self.root, self.sink = root.resolve(), sink
        self.cache: dict[str, _Module | None] = {}
        self.found: dict[str, tuple[str, str] | str] = {}

    def module(self, rel: str, name: str) -> _Module | None:
        if rel not in self.cache:
            self.cache[rel] = self._parse(rel, name)
        return self.cache[rel]

    def _parse(self, rel: str, name: str) -> _Module | None:
        data = self._read(rel)
        if data is None:
            return None
        try:
            tree = ast.parse(data, filename=rel)
        except SyntaxError as exc:
            span = Span(rel, *_clamp(data, exc.lineno or 1, exc.offset or 1))
            self.sink.sources.setdefault(rel, data.decode("utf-8", "replace"))  # the excerpt shows the line
            self.sink.report(codes.PYTHON_SYNTAX, span, f"{rel} does not parse: {exc.msg}")
            return None
        except ValueError as exc:  # null bytes, bad encoding declarations
            self.sink.report(codes.PYTHON_SYNTAX, Span(rel, 1, 1), f"{rel} does not parse: {exc}")
            return None
        except (RecursionError, MemoryError):  # nested deeper than CPython's parser goes
            self.sink.report(codes.PYTHON_SYNTAX, Span(rel, 1, 1),
                             f"{rel} does not parse: an expression is nested too deeply for Python's parser")
            return None
        functions = {
            n.name: isinstance(n, ast.AsyncFunctionDef)
            for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        return _Module(name, rel, hashlib.sha256(data).hexdigest(), functions)

    def _read(self, rel: str) -> bytes | None:
        """The module's bytes, within the size limit of every source (SPEC §11.3)."""
        path = self.root / rel
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                self.sink.report(codes.FILE_TOO_LARGE, Span(rel, 1, 1), f"{rel} is over 10 MiB")
                return None
            return path.read_bytes()
        except OSError as exc:
            self.sink.report(codes.IO_ERROR, Span(rel, 1, 1), f"cannot read {rel}: {exc.strerror or exc}")
            return None

    def find(self, spec: str) -> tuple[str, str] | str:
        """(file, module) for `path.py` or `dotted.module`, or an error message (cached)."""
        if spec not in self.found:
            self.found[spec] = self._find(spec)
        return self.found[spec]

    def _find(self, spec: str) -> tuple[str, str] | str:
        if spec.endswith(".py"):
            return self._by_path(spec)
        parts = spec.split(".")
        if not all(_IDENT.match(p) for p in parts):
            return f"`{spec}` is not a dotted module name of Python identifiers"
        for rel in ("/".join(parts) + ".py", "/".join(parts) + "/__init__.py"):
            if self._inside(rel) and (self.root / rel).is_file():
                return rel, spec
        return f"module `{spec}` not found: neither {'/'.join(parts)}.py nor {'/'.join(parts)}/__init__.py exists"

    def _by_path(self, rel: str) -> tuple[str, str] | str:
        if rel.startswith("/") or ".." in rel.split("/") or not self._inside(rel):
            return f"`{rel}` leaves the project root"
        if not (self.root / rel).is_file():
            return f"`{rel}` does not exist"
        parts = rel[:-3].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not parts or not all(_IDENT.match(p) for p in parts):
            return f"`{rel}` is not importable: every path component must be a Python identifier"
        return rel, ".".join(parts)

    def _inside(self, rel: str) -> bool:
        target = (self.root / rel).resolve()
        return target == self.root or self.root in target.parents


def _clamp(data: bytes, line: int, col: int) -> tuple[int, int]:
    """Python reports some errors one line or column past the end of the file: keep them on it."""
    lines = re.split("\r\n|\r|\n", data.decode("utf-8", "replace"))  # Python's line breaks
    line = min(max(line, 1), len(lines))
    return line, min(max(col, 1), len(lines[line - 1]) + 1)


def read_tasks(resolved: Resolved, sink: Sink) -> dict[str, TaskCode]:
    """TaskCode for every task whose Python function could be found."""
    reader = _Reader(FsPath(resolved.project.root), sink)
    out: dict[str, TaskCode] = {}
    for env in resolved.environments.values():
        for task in env.tasks:
            code = _task(reader, env, task, sink)
            if code is not None:
                out[task.fqn] = code
    return out


def _task(reader: _Reader, env: ResolvedEnv, task: ResolvedTask, sink: Sink) -> TaskCode | None:
    body = task.doc.data["tasks"][task.key] or {}
    entry = body.get("entrypoint")
    if entry is not None:
        return _from_entrypoint(reader, task, str(entry), body, sink)
    module = env.fields["module"]
    if module.value is None:
        sink.report(codes.NO_MODULE, task.doc.key_span(task.path),
                    f"task `{task.fqn}` has no `entrypoint` and `{env.name}` has no `module`")
        return None
    return _from_module(reader, task, module, body, sink)


def _from_entrypoint(reader: _Reader, task: ResolvedTask, entry: str, body: dict[str, object], sink: Sink) -> TaskCode | None:
    def span() -> Span:  # only an error needs it: looked up then (a project has thousands of tasks)
        return task.doc.span((*task.path, "entrypoint"))

    if "async" in body:
        sink.report(codes.ASYNC_WITH_ENTRYPOINT, task.doc.key_span((*task.path, "async")),
                    "`async:` beside an `entrypoint`: the function's source decides")
    spec, sep, function = entry.rpartition(":")
    if not sep or not spec or not _IDENT.match(function):
        sink.report(codes.BAD_ENTRYPOINT, span(), f"`{entry}` is not `path/to/file.py:function` or `dotted.module:function`")
        return None
    if function != task.key:
        sink.report(codes.TASK_KEY_MISMATCH, task.doc.key_span(task.path),
                    f"the task key `{task.key}` must equal the function name `{function}`",
                    (Related("the entrypoint names it here", span()),))
    return _resolve(reader, spec, function, task, span, None, sink)


def _from_module(reader: _Reader, task: ResolvedTask, module: Value, body: dict[str, object], sink: Sink) -> TaskCode | None:
    def where() -> Span:  # where the module is set: only an error needs it
        return module.origin.span or task.doc.span(task.path)

    code = _resolve(reader, str(module.value), task.key, task, where, where, sink)
    if code is not None and "async" in body and body["async"] != code.is_async:
        sink.report(codes.ASYNC_MISMATCH, task.doc.span((*task.path, "async")),
                    f"`async: {str(body['async']).lower()}` but `{code.function}` in {code.file} is "
                    f"{'async def' if code.is_async else 'a plain def'}")
    return code


def _resolve(reader: _Reader, spec: str, function: str, task: ResolvedTask, span: Callable[[], Span],
             module_span: Callable[[], Span] | None, sink: Sink) -> TaskCode | None:
    """`span`: where the reference is written; `module_span`: where the environment's `module`
    is, for a task without an entrypoint; both computed only for a diagnostic."""
    found = reader.find(spec)
    if isinstance(found, str):
        code = (codes.PATH_ESCAPES if "leaves the project root" in found
                else codes.BAD_ENTRYPOINT if "not importable" in found else codes.MODULE_NOT_FOUND)
        sink.report(code, span(), found)
        return None
    rel, name = found
    module = reader.module(rel, name)
    if module is None:
        return None
    if function not in module.functions:
        where = task.doc.key_span(task.path) if module_span is not None else span()
        related = (Related("the module is set here", module_span()),) if module_span is not None else ()
        sink.report(codes.FUNCTION_NOT_FOUND, where,
                    f"{rel} defines no module-level function `{function}`{did_you_mean(function, module.functions)}",
                    related)
        return None
    return TaskCode(name, function, module.functions[function], rel, module.sha256)
