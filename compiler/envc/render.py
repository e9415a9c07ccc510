"""Diagnostics -> text: the only module that formats them (SPEC §11.1).

`human` shows each diagnostic with its source line and a caret, then its related
locations; `json` is one document for tools; `github` prints workflow commands
(annotations on a pull request); `sarif` a SARIF 2.1.0 log for code scanning.  Colour
only on a TTY, never with NO_COLOR.  With --strict every warning is rendered as an error.
docs/diagnostics.md describes each format.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence

from envc import codes
from envc.codes import Code, Severity
from envc.diagnostics import Diagnostic, Sink, Span

_COLORS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "note": "\x1b[1;36m", "bold": "\x1b[1m", "reset": "\x1b[0m"}


def use_color(stream_isatty: bool) -> bool:
    """Colour only on a terminal, never with a non-empty NO_COLOR (no-color.org) or TERM=dumb."""
    return stream_isatty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def level(d: Diagnostic, strict: bool = False) -> str:
    """`error` or `warning`: the code's severity, or `error` for every code under --strict."""
    return Severity.ERROR.value if strict else d.severity.value


def counts(diags: Sequence[Diagnostic], strict: bool = False) -> tuple[int, int]:
    """(errors, warnings); with `strict`, every warning counts as an error."""
    errors = sum(1 for d in diags if strict or d.severity is Severity.ERROR)
    return errors, len(diags) - errors


def human(sink: Sink, diags: Sequence[Diagnostic], color: bool = False, strict: bool = False) -> str:
    paint: Callable[[str, str], str] = (lambda k, s: f"{_COLORS[k]}{s}{_COLORS['reset']}") if color else (lambda k, s: s)
    out: list[str] = []
    for d in diags:
        where = f"{d.span}: " if d.span else ""
        sev = level(d, strict)
        out.append(f"{paint('bold', where)}{paint(sev, sev)} {d.code.id} {d.code.name}: {d.message}")
        out.extend(_excerpt(sink, d.span, paint, hide=d.code is codes.PLAINTEXT_SECRET))
        for r in d.related:
            out.append(f"  {paint('note', 'note')}: {r.span}: {r.message}")
    errors, warnings = counts(diags, strict)
    if diags:
        out.append(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}")
    return "\n".join(out) + ("\n" if out else "")


def _excerpt(sink: Sink, span: Span | None, paint: Callable[[str, str], str], hide: bool = False) -> list[str]:
    """The source line with a caret; with `hide` (a credential found in it) the line is shown
    only up to the value, so CI logs never carry the secret (SPEC §10.3)."""
    if span is None or span.file not in sink.sources:
        return []
    lines = sink.sources[span.file].split("\n")
    if not 1 <= span.line <= len(lines):
        return []
    line = lines[span.line - 1].rstrip("\r")
    if hide:
        line = line[: span.col - 1] + "********"
    text, col = _window(line, span.col)
    gutter = str(span.line)
    pad = " " * len(gutter)
    caret = "".join("\t" if ch == "\t" else " " for ch in text[: col - 1]) + "^"  # tabs kept: aligns at any tab width
    return [f" {gutter} | {text}", f" {pad} | {paint('error', caret)}"]


EXCERPT_WIDTH = 120


def _window(text: str, col: int) -> tuple[str, int]:
    """A long line (a minified document, 10 MiB of `[`) shown as the EXCERPT_WIDTH characters
    around the column, cut ends marked `...`; and the column within what is shown."""
    if len(text) <= EXCERPT_WIDTH:
        return text, col
    start = max(0, min(col - 1 - EXCERPT_WIDTH // 2, len(text) - EXCERPT_WIDTH))
    end = start + EXCERPT_WIDTH
    head, tail = ("..." if start else ""), ("..." if end < len(text) else "")
    return head + text[start:end] + tail, col - start + len(head)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def as_json(diags: Sequence[Diagnostic], strict: bool = False) -> str:
    errors, warnings = counts(diags, strict)
    return json.dumps({
        "diagnostics": [_diag_json(d, strict) for d in diags],
        "errors": errors,
        "warnings": warnings,
    }, indent=2, ensure_ascii=False) + "\n"


def _diag_json(d: Diagnostic, strict: bool = False) -> dict[str, object]:
    out: dict[str, object] = {"code": d.code.id, "name": d.code.name, "severity": level(d, strict), "message": d.message}
    if d.span:
        out.update(file=d.span.file, line=d.span.line, col=d.span.col)
    out["related"] = [{"message": r.message, "file": r.span.file, "line": r.span.line, "col": r.span.col} for r in d.related]
    return out


def explain_text(entry: dict[str, object]) -> str:
    """`envc explain NAME`: one line per field: name, value, tier, file:line."""
    title = entry.get("fqn") or entry.get("name") or f"{entry.get('workflow')}.{entry.get('step')}"
    lines = [str(title)]
    fields = entry["fields"]
    assert isinstance(fields, dict)
    width = max((len(k) for k in fields), default=0)
    for key, f in fields.items():
        origin = f.get("from", {})
        doc = f"{origin['document']} " if origin.get("document") else ""
        where = f"{doc}{origin['file']}:{origin['line']}" if "file" in origin else ""
        value = json.dumps(f["value"], ensure_ascii=False, sort_keys=False)
        lines.append(f"  {key:<{width}}  {value}  [{origin.get('tier', '?')}{' ' + where if where else ''}]")
        for m in f.get("merged_from", []):
            if "file" in m:
                lines.append(f"  {'':<{width}}  merged with {m['file']}:{m['line']} [{m['tier']}]")
        if f.get("decoded_parameters") is not None:  # an app's fserve --parameters payload (SPEC §11.2)
            decoded = json.dumps(f["decoded_parameters"], ensure_ascii=False, sort_keys=False)
            lines.append(f"  {'':<{width}}  --parameters decodes to {decoded}")
    return "\n".join(lines)


# --- CI formats: GitHub workflow commands and SARIF 2.1.0 ---------------------------------
#
# Both name files relative to the repository, not the project: `prefix` is the project root
# relative to $GITHUB_WORKSPACE (else the current directory), e.g. "deploy/" when envc.yaml is
# in deploy/, so that GitHub attaches each annotation to the right file (docs/diagnostics.md).

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def github(diags: Sequence[Diagnostic], strict: bool = False, prefix: str = "") -> str:
    """One `::error`/`::warning` workflow command per diagnostic, related locations as notes.

    Escaping follows @actions/core (`toCommandValue`/`escapeData`/`escapeProperty`)."""
    out = []
    for d in diags:
        props = [f"file={prefix}{d.span.file}", f"line={d.span.line}", f"col={d.span.col}"] if d.span else []
        props.append(f"title={d.code.id} {d.code.name}")
        text = d.message + "".join(f"\n  note: {prefix}{r.span}: {r.message}" for r in d.related)
        prop_text = ",".join(_gh_property(p) for p in props)
        out.append(f"::{level(d, strict)} {prop_text}::{_gh_data(text)}\n")
    return "".join(out)


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(prop: str) -> str:
    key, _, value = prop.partition("=")
    return f"{key}={_gh_data(value).replace(':', '%3A').replace(',', '%2C')}"


def sarif(diags: Sequence[Diagnostic], strict: bool = False, prefix: str = "") -> str:
    """A SARIF 2.1.0 log with one run: every registered code as a rule, one result per diagnostic."""
    from envc import __version__, codes

    rules = sorted(codes.ALL, key=lambda c: c.id)
    index = {c.id: i for i, c in enumerate(rules)}
    run = {
        "tool": {"driver": {"name": "envc", "version": __version__, "semanticVersion": __version__,
                            "rules": [_sarif_rule(c) for c in rules]}},
        "invocations": [{"executionSuccessful": True}],
        "columnKind": "unicodeCodePoints",
        "results": [_sarif_result(d, index[d.code.id], strict, prefix) for d in diags],
    }
    doc = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _sarif_rule(code: Code) -> dict[str, object]:
    return {
        "id": code.id,
        "name": code.name,
        "shortDescription": {"text": _capital(code.summary)},
        "fullDescription": {"text": f"{_capital(code.summary)}. Fix: {code.fix}."},
        "help": {"text": f"Fix: {code.fix}.", "markdown": f"**Fix:** {code.fix}.\n\nExample:\n\n```yaml\n{code.example}```\n"},
        "defaultConfiguration": {"level": code.severity.value},
    }


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sarif_result(d: Diagnostic, rule_index: int, strict: bool, prefix: str) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": d.code.id,
        "ruleIndex": rule_index,
        "level": level(d, strict),
        "message": {"text": d.message},
    }
    if d.span:
        result["locations"] = [_sarif_location(d.span, prefix)]
    if d.related:
        result["relatedLocations"] = [
            {"id": i, **_sarif_location(r.span, prefix), "message": {"text": r.message}}
            for i, r in enumerate(d.related, 1)
        ]
    return result


def _sarif_location(span: Span, prefix: str) -> dict[str, object]:
    from urllib.parse import quote

    return {"physicalLocation": {
        "artifactLocation": {"uri": quote(prefix + span.file), "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": span.line, "startColumn": span.col},
    }}


FORMATS = ("human", "json", "github", "sarif")


def report(fmt: str, sink: Sink, diags: Sequence[Diagnostic], *, strict: bool = False,
           color: bool = False, prefix: str = "") -> str:
    """The diagnostics of a run in one of `FORMATS` (the CLI's --format)."""
    if fmt == "json":
        return as_json(diags, strict)
    if fmt == "github":
        return github(diags, strict, prefix)
    if fmt == "sarif":
        return sarif(diags, strict, prefix)
    return human(sink, diags, color, strict)


def repo_prefix(project_root: str, base: str) -> str:
    """The project root relative to `base` with a trailing `/` ("" when it is `base` or outside it)."""
    try:
        rel = os.path.relpath(project_root, base)
    except ValueError:  # another drive (Windows)
        return ""
    if rel == "." or rel.startswith(".."):
        return ""
    return rel.replace(os.sep, "/") + "/"
