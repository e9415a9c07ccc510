"""`envc fmt`: canonical formatting of envc YAML that keeps every comment (SPEC §11).

Two passes, each checked:

1. **Key order**, on the text itself: in every block mapping the JSON Schema
   describes, keys are put in the order of the schema's `properties` (the order
   of SPEC's examples); keys the schema does not know follow, as written.  A key
   moves with its value, the comment lines above it and its end-of-line comment;
   comments above the first key of a document stay at the top.  Mappings whose
   keys are the user's (env_vars, labels, tasks, a PodSpec) are never reordered,
   nor is a document that uses anchors and aliases (an alias must follow its anchor).
2. **Layout**, with ruamel.yaml's round-trip emitter (imported lazily): 2-space
   mappings, sequences indented under their key (`  - item`), no line wrapping,
   LF line ends, quotes and scalar styles as written, `---` between documents;
   flow mappings (`{cpu: "2", memory: 4Gi}`) are reordered here.

After formatting, every document is read back with envc's own loader and compared
with the original — data, tags and the source text of every number.  If pass 2
would change anything, only pass 1 is kept; if that would too, the file is left
as it was (`Result.unsafe`).  Formatting is idempotent (tests/test_fmt.py).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from envc.diagnostics import Sink
from envc.load import load_documents
from envc.schema import schema

Node = yaml.Node


@dataclass(frozen=True, slots=True)
class Result:
    text: str  # the formatted text (the input when `unsafe`)
    unsafe: bool = False  # formatting would have changed the meaning: nothing was changed

    def changed(self, original: str) -> bool:
        return self.text != original


def format_text(text: str, file: str, project_file: bool = False) -> Result | None:
    """The canonical form of one file, or None when it does not parse (errors go to `sink`)."""
    sink = Sink()
    meaning = _meaning(text, file, sink)
    if meaning is None:
        return None
    ordered = reorder(text, project_file)
    for candidate in (_layout(ordered, project_file), ordered):
        if candidate is not None and _meaning(candidate, file, Sink()) == meaning:
            return Result(candidate)
    return Result(text, unsafe=True)


def parse_errors(text: str, file: str) -> Sink:
    sink = Sink()
    sink.sources[file] = text
    load_documents(text, file, sink)
    return sink


def _meaning(text: str, file: str, sink: Sink) -> list[Any] | None:
    docs = load_documents(text, file, sink)
    if sink.has_errors:
        return None
    return [json.dumps([d.data, sorted(map(str, d.tags.items())), sorted(map(str, d.raw.items()))], sort_keys=True)
            for d in docs]


# --- schema: which order applies where ---------------------------------------

@cache
def _defs() -> Mapping[str, Any]:
    return schema()["$defs"]  # type: ignore[no-any-return]


def _deref(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = _defs()[node["$ref"].rsplit("/", 1)[1]]
    return node


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every object schema a value may match (anyOf/oneOf branches, $refs followed)."""
    node = _deref(node)
    if not isinstance(node, dict):
        return
    if "properties" in node or "additionalProperties" in node:
        yield node
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(key, []):
            yield from _objects(branch)


def _object_for(node: Any, keys: list[str]) -> dict[str, Any] | None:
    best, score = None, 0
    for obj in _objects(node):
        known = sum(1 for k in keys if k in obj.get("properties", {}))
        if known > score or (best is None and "additionalProperties" in obj):
            best, score = obj, known
    return best


def _child(obj: dict[str, Any] | None, key: str) -> Any:
    if obj is None:
        return None
    props = obj.get("properties", {})
    if key in props:
        return props[key]
    extra = obj.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def _items(node: Any) -> Any:
    for obj in [_deref(node), *(_deref(b) for k in ("anyOf", "oneOf") for b in (_deref(node) or {}).get(k, []))]:
        if isinstance(obj, dict) and isinstance(obj.get("items"), dict):
            return obj["items"]
    return None


def root_schema(data_keys: dict[str, str], project_file: bool) -> Any:
    if project_file:
        return _defs()["Project"]
    kind = data_keys.get("kind")
    return _defs().get(kind) if kind else None


def order(obj: dict[str, Any] | None, keys: list[str]) -> list[str]:
    """Schema order first, then the keys the schema does not list, as written."""
    props = list((obj or {}).get("properties", {}))
    rank = {k: i for i, k in enumerate(props)}
    return sorted(keys, key=lambda k: (rank.get(k, len(props)), keys.index(k)))


# --- pass 1: key order on the text -------------------------------------------

def reorder(text: str, project_file: bool) -> str:
    """`text` with the keys of every schema-described block mapping in canonical order."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        if _uses_anchors(text):
            return text
        docs = list(yaml.compose_all(text, Loader=loader))
    except yaml.YAMLError:
        return text
    lines = text.split("\n")
    result = list(lines)
    for doc in docs:
        if not isinstance(doc, yaml.MappingNode) or doc.flow_style or not doc.value:
            continue
        scalars = {k.value: v.value for k, v in doc.value if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)}
        sch = root_schema(scalars, project_file)
        if sch is not None:
            result[doc.start_mark.line:_last_line(doc) + 1] = _block(doc, sch, lines)
    return "\n".join(result)


def _uses_anchors(text: str) -> bool:
    if "&" not in text and "*" not in text:
        return False
    return any(isinstance(t, (yaml.AnchorToken, yaml.AliasToken)) for t in yaml.scan(text, Loader=yaml.SafeLoader))


def _is_comment_or_blank(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _block(node: yaml.MappingNode, sch: Any, lines: list[str]) -> list[str]:
    """A block mapping's lines (first key .. last value), keys in canonical order, recursively.

    Each key's chunk is the comment and blank lines above it, its line(s) and its value;
    the first key has no lines above it (they belong to what precedes the mapping)."""
    first, last = node.value[0][0].start_mark.line, _last_line(node)  # not start_mark: a tag comes first
    keys = [k.value if isinstance(k, yaml.ScalarNode) else "" for k, _ in node.value]
    obj = _object_for(sch, keys)
    chunks: list[list[str]] = []
    start = first
    for (key, value), name in zip(node.value, keys, strict=True):
        if key.start_mark.line < start:
            return lines[first:last + 1]  # two keys on one line: leave the mapping as written
        end = max(_last_line(value), key.end_mark.line)
        inner = _nested(value, _child(obj, name), lines)
        if inner is None:
            chunks.append(lines[start:end + 1])
        else:
            chunks.append(lines[start:inner[0]] + inner[1])
        start = end + 1
    if obj is None or not obj.get("properties") or len(set(keys)) != len(keys):
        return [line for c in chunks for line in c]
    names = order(obj, keys)
    ranked = [list(chunks[keys.index(name)]) for name in names]
    col = node.value[0][0].start_mark.column
    lead = lines[first][:col]
    if lead.strip() and names[0] != keys[0]:  # a sequence item `- key: ...`: its first line keeps the `- `
        ranked = _keep_item_prefix(ranked, names.index(keys[0]), lead)
    return [line for c in ranked for line in c]


def _keep_item_prefix(ranked: list[list[str]], was_first: int, lead: str) -> list[list[str]]:
    """Move `- ` from the item's old first key to its new first key (comments above it go first)."""
    col = len(lead)
    old = ranked[was_first]
    old[0] = " " * col + old[0][col:]
    head = ranked[0]
    comments = []
    while len(head) > 1 and _is_comment_or_blank(head[0]):
        comments.append(head.pop(0))
    head[0] = lead + head[0][col:]
    return [comments, *ranked]


def _nested(value: Node, sch: Any, lines: list[str]) -> tuple[int, list[str]] | None:
    """A nested block mapping, or block sequence of mappings, reordered, from which line;
    None = as written."""
    if sch is None:
        return None
    if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
        return value.value[0][0].start_mark.line, _block(value, sch, lines)
    if not (isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value):
        return None
    item_schema = _items(sch)
    if item_schema is None:
        return None
    out: list[str] = []
    pos = first = value.value[0].start_mark.line
    for item in value.value:
        if isinstance(item, yaml.MappingNode) and not item.flow_style and item.value:
            out += lines[pos:item.start_mark.line] + _block(item, item_schema, lines)
        else:
            out += lines[pos:_last_line(item) + 1]
        pos = _last_line(item) + 1
    return first, out


def _last_line(node: Node) -> int:
    """The 0-based last line of a node's own text: comments after it are not part of it."""
    if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
        key, value = node.value[-1]
        return max(_last_line(value), int(key.end_mark.line))
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        return _last_line(node.value[-1])
    end = node.end_mark
    if end.column == 0 and end.line > node.start_mark.line:  # a block scalar ends at the next line
        line = end.line - 1
        buf = (end.buffer or "").split("\n")
        while line > node.start_mark.line and line < len(buf) and not buf[line].strip():
            line -= 1
        return int(line)
    return int(end.line)


# --- pass 2: layout with ruamel.yaml -----------------------------------------

def _layout(text: str, project_file: bool) -> str | None:
    from ruamel.yaml import YAML  # lazy: only `envc fmt` needs it
    from ruamel.yaml.error import YAMLError

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 1_000_000  # never wrap
    rt.indent(mapping=2, sequence=4, offset=2)
    try:
        docs = list(rt.load_all(text))
        for doc in docs:
            _order_flow(doc, _root_for(doc, project_file))
        out = io.StringIO()
        rt.dump_all(docs, out)
    except (YAMLError, ValueError, TypeError):
        return None
    result = out.getvalue()
    if text.lstrip().startswith("---") and not result.startswith("---"):
        result = "---\n" + result
    return result


def _root_for(doc: Any, project_file: bool) -> Any:
    if not isinstance(doc, dict):
        return None
    kind = doc.get("kind")
    return root_schema({"kind": kind} if isinstance(kind, str) else {}, project_file)


def _order_flow(data: Any, sch: Any) -> None:
    if sch is None:
        return
    if isinstance(data, dict):
        keys = [str(k) for k in data]
        obj = _object_for(sch, keys)
        flow = getattr(getattr(data, "fa", None), "flow_style", lambda: False)()
        if flow and obj is not None and obj.get("properties"):
            for key in order(obj, keys):
                data.move_to_end(key)  # type: ignore[attr-defined]
        for key, value in data.items():
            _order_flow(value, _child(obj, str(key)))
    elif isinstance(data, list):
        item = _items(sch)
        for value in data:
            _order_flow(value, item)
