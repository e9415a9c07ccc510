"""Plain-text credentials (SPEC §10.3, §6.2): error `plaintext-secret` for a value that looks
like a credential, wherever it is written in the places a value reaches a manifest: env vars
(`env_vars`, at every tier and in `defaults`), an app's `command`, `args` and parameter values,
a pod template's container `env`, `args` and `command`, and annotations (of templates and of
the project).  Secrets belong in `secrets`, which emits references only.

`PATTERNS` is the documented list (docs/output-checks.md): specific formats, so ordinary values
(image references, URIs, hashes, UUIDs, base64 payloads) do not match.  A false positive is
acknowledged by the line comment `# envc: allow plaintext-secret` on the line that writes the
value (or its key).  The message never repeats the value.

PASS::

    env_vars:
      LOG_LEVEL: info
      DB_URL: postgres://app@db:5432/orders
      EXAMPLE_KEY: AKIAIOSFODNN7EXAMPLE   # envc: allow plaintext-secret

FAIL::

    env_vars:
      AWS_ACCESS_KEY_ID: AKIA2JD6QF3VHLX7N4PB      # E902 plaintext-secret
      DB_URL: postgres://app:hunter2@db:5432/x     # E902 plaintext-secret
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from envc import codes
from envc.checks import Write
from envc.diagnostics import Sink
from envc.load import Document, Path
from envc.model import Project

ALLOW = "envc: allow plaintext-secret"


class Pattern(NamedTuple):
    name: str
    value: re.Pattern[str]
    key: re.Pattern[str] | None = None  # only for env vars whose name matches


def _p(name: str, value: str, key: str | None = None) -> Pattern:
    return Pattern(name, re.compile(value), re.compile(key) if key else None)


PATTERNS: tuple[Pattern, ...] = (
    _p("a private key block", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    _p("an AWS access key id", r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"),
    _p("an AWS secret access key", r"^[A-Za-z0-9/+]{40}$", r"(?i)secret_?access_?key"),
    _p("a Google API key", r"(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])"),
    _p("an Azure storage account key", r"AccountKey=[A-Za-z0-9+/]{86}=="),
    _p("a GitHub token", r"(?<![A-Za-z0-9_])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    _p("a GitHub fine-grained token", r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{82}"),
    _p("a GitLab token", r"(?<![A-Za-z0-9_])glpat-[A-Za-z0-9_-]{20,}"),
    _p("a Slack token", r"(?<![A-Za-z0-9])xox[abposr]-[0-9]{6,}-[A-Za-z0-9-]{6,}"),
    _p("a Slack webhook URL", r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]{16,}"),
    _p("an OpenAI API key", r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{10,}T3BlbkFJ[A-Za-z0-9_-]{10,}"),
    _p("an Anthropic API key", r"(?<![A-Za-z0-9])sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}"),
    _p("a Stripe live secret key", r"(?<![A-Za-z0-9])(?:sk|rk)_live_[0-9a-zA-Z]{24,}"),
    _p("a Hugging Face token", r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{34,}(?![A-Za-z0-9])"),
    _p("an npm token", r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    _p("a PyPI token", r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    _p("a Databricks token", r"(?<![A-Za-z0-9])dapi[0-9a-f]{32}(?:-[0-9])?(?![A-Za-z0-9])"),
    _p("a JSON Web Token", r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    _p("a password in a URL", r"(?<![\w+.-])[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]+:(?![$<{*%])[^\s/@]+@"),
    _p("a password", r"^(?![$<{*]).*\S", r"(?i)(?:^|_)(?:PASSWORD|PASSWD|PASSPHRASE)$"),
)


def detect(value: str, env_name: str | None = None) -> str | None:
    """The name of the first credential pattern `value` matches, or None."""
    for p in PATTERNS:
        if p.key is not None and (env_name is None or not p.key.search(env_name)):
            continue
        if p.value.search(value):
            return p.name
    return None


# --- where values are written --------------------------------------------------------------

Found = tuple[Path, Path, str, str | None]  # (value path, key path, text, env var name)


def check_env_vars(w: Write, sink: Sink) -> None:
    if isinstance(w.value, dict):
        _report(w.doc, _env_map(w.path, w.value), "env var", sink)


def check_command(w: Write, sink: Sink) -> None:
    """An app's `command` or `args`: a string or a list of strings."""
    value = w.value
    items = [(w.path, value)] if isinstance(value, str) else [((*w.path, i), v) for i, v in enumerate(value or [])]
    _report(w.doc, [(p, p, str(v), None) for p, v in items if isinstance(v, (str, int, float))], w.field, sink)


def check_parameters(w: Write, sink: Sink) -> None:
    found: list[Found] = [((*w.path, i, "value"), (*w.path, i, "value"), str(p["value"]), None)
             for i, p in enumerate(w.value if isinstance(w.value, list) else [])
             if isinstance(p, dict) and isinstance(p.get("value"), str)]
    _report(w.doc, found, "parameter value", sink)


def check_template(w: Write, sink: Sink) -> None:
    """An inline `pod_template`, or a PodTemplate document's `spec`."""
    value = w.value
    if w.field == "pod_template":
        if not isinstance(value, dict):
            return
        if isinstance(value.get("annotations"), dict):
            _report(w.doc, _map((*w.path, "annotations"), value["annotations"]), "annotation", sink)
        spec, base = value.get("spec"), (*w.path, "spec")
    else:
        spec, base = value, w.path
    _report(w.doc, list(_containers(base, spec)), "pod template value", sink)


def check_annotations(w: Write, sink: Sink) -> None:
    if isinstance(w.value, dict):
        _report(w.doc, _map(w.path, w.value), "annotation", sink)


def check_project_annotations(project: Project, sink: Sink) -> None:
    doc = project.project_doc
    if isinstance(doc.data.get("annotations"), dict):
        _report(doc, _map(("annotations",), doc.data["annotations"]), "annotation", sink)


def _containers(base: Path, spec: Any) -> Iterator[Found]:
    if not isinstance(spec, dict):
        return
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for i, c in enumerate(_list(spec.get(group))):
            if not isinstance(c, dict):
                continue
            path = (*base, group, i)
            for k, e in enumerate(_list(c.get("env"))):
                if isinstance(e, dict) and isinstance(e.get("value"), (str, int, float)):
                    name = e.get("name")
                    yield (*path, "env", k, "value"), (*path, "env", k), str(e["value"]), str(name) if name else None
            for key in ("command", "args"):
                for k, a in enumerate(_list(c.get(key))):
                    if isinstance(a, str):
                        yield (*path, key, k), (*path, key, k), a, None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _env_map(path: Path, mapping: dict[str, Any]) -> list[Found]:
    return [((*path, k), (*path, k), str(v), str(k)) for k, v in mapping.items() if isinstance(v, (str, int, float))]


def _map(path: Path, mapping: dict[str, Any]) -> list[Found]:
    return [((*path, k), (*path, k), str(v), None) for k, v in mapping.items() if isinstance(v, str)]


def _report(doc: Document, found: list[Found], what: str, sink: Sink) -> None:
    for vpath, kpath, text, env_name in found:
        kind = detect(text, env_name)
        if kind is None:
            continue
        span = doc.span(vpath)
        if _acknowledged(doc, (span.line, doc.key_span(kpath).line), sink):
            continue
        label = f"env var `{env_name}`" if env_name else what
        sink.report(codes.PLAINTEXT_SECRET, span,
                    f"{label} looks like {kind} written in plain text: reference it through `secrets` "
                    f"(SPEC §6.2); if it is not a credential, add `# {ALLOW}` on its line")


def _acknowledged(doc: Document, lines: tuple[int, ...], sink: Sink) -> bool:
    text = sink.sources.get(doc.file)
    source = text.split("\n") if text is not None else None
    for line in lines:
        if line in doc.comments and (source is None or (line <= len(source) and ALLOW in source[line - 1])):
            return True
    return False
