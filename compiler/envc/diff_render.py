"""`envc diff` reports as text (terminals), JSON (tools) and Markdown (a pull-request comment).

The Markdown comment is rendered from the jinja2 templates in `templates/diff/`
(imported only for `--format markdown`): a summary table, the edited lines and
the environments each one reaches, then one folded `<details>` block per
environment.  It stays under GitHub's 65,536-character comment limit by leaving
out the last environments' details, and says so.
"""

from __future__ import annotations

import json
from typing import Any

from envc.diff import Group, Report
from envc.diff_sources import Source
from envc.diff_values import ABSENT, plain, show

COMMENT_MARKER = "<!-- envc-diff -->"
COMMENT_BUDGET = 60_000  # GitHub rejects comments over 65,536 characters
_CELL = 120  # longest value shown in a table cell or a text line
_MARK = {"added": "+", "removed": "-", "changed": "~", "renamed": ">"}


def headline(report: Report) -> str:
    if report.base_missing:
        where = f"{report.base} ({report.base_sha[:12]}) has no envc.yaml here: everything is new"
    else:
        where = f"{report.base} ({report.base_sha[:12]}) -> working tree"
    return f"envc diff: {where}"


def totals(report: Report) -> str:
    if not report.changed:
        return "no change to the emitted objects"
    n = len(report.groups)
    parts = [f"{report.count(s)} {s}" for s in ("added", "removed", "changed") if report.count(s)]
    objects = ", ".join(parts) if parts else "no object changed"
    return f"{n} environment{'s' if n != 1 else ''} or workflow{'s' if n != 1 else ''}: objects {objects}"


# --- text -------------------------------------------------------------------

def text(report: Report) -> str:
    lines = [headline(report), totals(report)]
    for g in report.groups:
        lines.append("")
        renamed = f" (renamed from {g.renamed_from})" if g.renamed_from else ""
        lines.append(f"{_MARK[g.status]} {g.name}  {g.kind}  {g.status}{renamed}{_at(g.sources)}")
        for v in g.values:
            scope = "" if v.scope == g.name else f"{v.scope}: "
            lines.append(f"    {scope}{v.field}: {show(v.old, _CELL)} -> {show(v.new, _CELL)}{_at(v.sources)}")
        for o in g.objects:
            moved = f" (was {o.old_path})" if o.old_path else ""
            lines.append(f"  {_MARK[o.status]} {o.path}{moved}{_at(o.sources) if o.status != 'changed' else ''}")
            for f in o.fields:
                lines.append(f"      {f.path}: {show(f.old, _CELL)} -> {show(f.new, _CELL)}{_at(f.sources)}")
    if report.edits:
        lines += ["", "edits and what they reach:"]
        for e in report.edits:
            lines.append(f"  {e.source.where}  {e.source.what}  -> {', '.join(e.reaches)} ({len(e.reaches)})")
    return "\n".join(lines) + "\n"


def _at(sources: tuple[Source, ...]) -> str:
    if not sources:
        return ""
    shown = ", ".join(f"{s.where} {s.what}" for s in sources[:3])
    more = f" +{len(sources) - 3}" if len(sources) > 3 else ""
    return f"   [{shown}{more}]"


# --- json -------------------------------------------------------------------

def as_json(report: Report) -> str:
    data = {
        "base": {"rev": report.base, "sha": report.base_sha, "has_project": not report.base_missing},
        "changed": report.changed,
        "objects": {s: report.count(s) for s in ("added", "removed", "changed")},
        "groups": [_group_json(g) for g in report.groups],
        "edits": [{**_source_json(e.source), "reaches": list(e.reaches)} for e in report.edits],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _source_json(s: Source) -> dict[str, Any]:
    return {"file": s.file, "line": s.line, "side": s.side, "document": s.document, "field": s.field, "tier": s.tier}


def _old_new(old: Any, new: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if old is not ABSENT:
        out["old"] = plain(old)
    if new is not ABSENT:
        out["new"] = plain(new)
    return out


def _group_json(g: Group) -> dict[str, Any]:
    return {
        "name": g.name, "kind": g.kind, "status": g.status, "renamed_from": g.renamed_from,
        "sources": [_source_json(s) for s in g.sources],
        "values": [{"scope": v.scope, "field": v.field, **_old_new(v.old, v.new),
                    "sources": [_source_json(s) for s in v.sources]} for v in g.values],
        "objects": [{
            "status": o.status, "path": o.path, "old_path": o.old_path, "kind": o.kind, "name": o.name,
            "sources": [_source_json(s) for s in o.sources],
            "fields": [{"path": f.path, **_old_new(f.old, f.new), "sources": [_source_json(s) for s in f.sources]}
                       for f in o.fields],
        } for o in g.objects],
    }


# --- markdown ---------------------------------------------------------------

def markdown(report: Report, budget: int | None = None) -> str:
    budget = COMMENT_BUDGET if budget is None else budget
    env = _environment()
    head = env.get_template("comment.md.j2").render(
        report=report, headline=headline(report), totals=totals(report), marker=COMMENT_MARKER)
    parts, used, left_out = [head], len(head), []
    for g in report.groups:
        block = env.get_template("group.md.j2").render(group=g)
        if used + len(block) > budget:
            left_out.append(g.name)
            continue
        parts.append(block)
        used += len(block)
    if left_out:
        parts.append(env.get_template("truncated.md.j2").render(names=left_out))
    return "".join(parts)


def _environment() -> Any:
    import jinja2  # lazy: only `--format markdown` needs it

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("envc", "templates/diff"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: values go through the `cell` filter
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = cell
    env.filters["code"] = code
    env.filters["where"] = lambda srcs: "<br>".join(code(s.where) + " " + s.what for s in srcs[:3]) + (
        f" +{len(srcs) - 3}" if len(srcs) > 3 else "") if srcs else "—"
    env.globals["mark"] = _MARK
    return env


def code(text: str) -> str:
    """Inline code that survives a Markdown table: pipes escaped, backticks fenced longer."""
    text = str(text).replace("|", "\\|").replace("\n", " ")
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(value: Any) -> str:
    """A value in a table cell: inline code, or an em dash when the side does not have it."""
    if value is ABSENT:
        return "—"
    return code(show(value, _CELL))
