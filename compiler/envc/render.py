"""Diagnostics -> text: the only module that formats them (SPEC §11.1).

`human` shows each diagnostic with its source line and a caret, then its related
locations; `json` is one document for tools.  Colour only on a TTY, never with
NO_COLOR.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence

from envc.codes import Severity
from envc.diagnostics import Diagnostic, Sink, Span

_COLORS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "note": "\x1b[1;36m", "bold": "\x1b[1m", "reset": "\x1b[0m"}


def use_color(stream_isatty: bool) -> bool:
    return stream_isatty and "NO_COLOR" not in os.environ


def counts(diags: Sequence[Diagnostic]) -> tuple[int, int]:
    errors = sum(1 for d in diags if d.severity is Severity.ERROR)
    return errors, len(diags) - errors


def human(sink: Sink, diags: Sequence[Diagnostic], color: bool = False) -> str:
    paint: Callable[[str, str], str] = (lambda k, s: f"{_COLORS[k]}{s}{_COLORS['reset']}") if color else (lambda k, s: s)
    out: list[str] = []
    for d in diags:
        where = f"{d.span}: " if d.span else ""
        sev = d.severity.value
        out.append(f"{paint('bold', where)}{paint(sev, sev)} {d.code.id} {d.code.name}: {d.message}")
        out.extend(_excerpt(sink, d.span, paint))
        for r in d.related:
            out.append(f"  {paint('note', 'note')}: {r.span}: {r.message}")
    errors, warnings = counts(diags)
    if diags:
        out.append(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}")
    return "\n".join(out) + ("\n" if out else "")


def _excerpt(sink: Sink, span: Span | None, paint: Callable[[str, str], str]) -> list[str]:
    if span is None or span.file not in sink.sources:
        return []
    lines = sink.sources[span.file].split("\n")
    if not 1 <= span.line <= len(lines):
        return []
    text = lines[span.line - 1].rstrip("\r")
    gutter = str(span.line)
    pad = " " * len(gutter)
    caret = " " * _width(text[: span.col - 1]) + "^"
    return [f" {gutter} | {text}", f" {pad} | {paint('error', caret)}"]


def _width(prefix: str) -> int:
    return len(prefix.expandtabs(1))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def as_json(diags: Sequence[Diagnostic]) -> str:
    errors, warnings = counts(diags)
    return json.dumps({
        "diagnostics": [_diag_json(d) for d in diags],
        "errors": errors,
        "warnings": warnings,
    }, indent=2, ensure_ascii=False) + "\n"


def _diag_json(d: Diagnostic) -> dict[str, object]:
    out: dict[str, object] = {"code": d.code.id, "name": d.code.name, "severity": d.severity.value, "message": d.message}
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
    return "\n".join(lines)
