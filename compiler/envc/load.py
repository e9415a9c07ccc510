"""Phase 1: bytes -> documents with a position for every key and value.

PyYAML's libyaml composer builds the node graph (fast, with marks); this module
walks it once, resolving plain scalars by YAML 1.2 core rules (SPEC §3: `on`,
`yes` are strings, `0755` is 755), recording the §4.2 tags, and enforcing the
limits of SPEC §11.3 without ever expanding an alias: the composer returns the
same node object for every use of an anchor, so an identity memo counts the
expanded size while sharing the converted value.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml._yaml import CParser
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from envc import codes
from envc.diagnostics import Related, Sink, Span

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 100
MAX_ALIASES = 10_000
MAX_EXPANDED_NODES = 1_000_000

Path = tuple[str | int, ...]
PLAIN = "?plain"
MERGE_TAGS = {"!merge": "merge", "!append": "append", "!replace": "replace"}
_CORE = "tag:yaml.org,2002:"
_CORE_TAGS = frozenset(_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))

_BREAKS = re.compile(rb"\r\n|\r|\n")
_YAML11_BREAK = re.compile("[\x85\u2028\u2029]")  # NEL, LS, PS: line breaks to libyaml only
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_MAX_INT_BITS = 12_955  # about 3,900 decimal digits: Python prints ints of up to 4,300 digits
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_NOT_STR = _NULL | _TRUE | _FALSE
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")


@dataclass(frozen=True, slots=True, eq=False)
class Document:
    """One YAML document: plain data plus positions, tags and number source texts.

    `pos[path]` is (value line, value col, key line, key col), 1-based; paths
    under an alias are not recorded (lookups fall back to the nearest ancestor).
    """

    file: str
    index: int
    data: dict[str, Any]
    pos: dict[Path, tuple[int, int, int, int]]
    tags: dict[Path, str]
    raw: dict[Path, str]
    comments: frozenset[int]  # lines with an `# envc: allow ...` comment (SPEC §10.3)

    def span(self, path: Path = ()) -> Span:
        p = self._find(path)
        return Span(self.file, p[0], p[1])

    def key_span(self, path: Path) -> Span:
        p = self._find(path)
        return Span(self.file, p[2], p[3])

    def _find(self, path: Path) -> tuple[int, int, int, int]:
        while path not in self.pos and path:
            path = path[:-1]
        return self.pos.get(path, (1, 1, 1, 1))

    def tag(self, path: Path) -> str | None:
        return self.tags.get(path)


class _Loader(CParser, yaml.resolver.BaseResolver):
    """libyaml parser whose resolver marks plain scalars instead of guessing (YAML 1.1)."""

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode and implicit[0]:
            return PLAIN
        return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]


class _LoadError(Exception):
    def __init__(self, code: codes.Code, line: int, col: int, message: str, alias: int | None = None) -> None:
        super().__init__(message)
        self.code, self.line, self.col, self.message = code, line, col, message
        self.alias = alias  # the n-th alias of the file caused it: located from the event stream


def read_source(path: str, rel: str, sink: Sink) -> str | None:
    """Read a file as UTF-8 text, enforcing the size limit; None after an error."""
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            sink.report(codes.FILE_TOO_LARGE, Span(rel, 1, 1), f"{rel} is over 10 MiB")
            return None
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        sink.report(codes.IO_ERROR, Span(rel, 1, 1), f"cannot read {rel}: {exc.strerror}")
        return None
    return decode(data, rel, sink)


def decode(data: bytes, rel: str, sink: Sink) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        breaks = list(_BREAKS.finditer(data, 0, exc.start))
        line = len(breaks) + 1
        start = breaks[-1].end() if breaks else 0
        col = len(data[start:exc.start].decode("utf-8", "replace")) + 1  # characters, not bytes
        sink.report(codes.NOT_UTF8, Span(rel, line, col), f"byte 0x{data[exc.start]:02x} is not UTF-8")
        return None
    text = text[1:] if text.startswith("\ufeff") else text
    # CRLF and a lone CR are line breaks in YAML: make them "\n", so that every line count
    # (libyaml's marks, excerpts, `# envc: allow` comments) agrees.
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def load_documents(text: str, rel: str, sink: Sink) -> list[Document]:
    """Every non-empty document of a file; errors go to the sink."""
    out: list[Document] = []
    odd = _YAML11_BREAK.search(text)
    if odd:  # libyaml would count a line there, and an editor would not
        line = text.count("\n", 0, odd.start()) + 1
        col = odd.start() - (text.rfind("\n", 0, odd.start()) + 1) + 1
        sink.report(codes.YAML_SYNTAX, Span(rel, line, col),
                    f"U+{ord(odd.group()):04X} is a line break in YAML 1.1 but not in YAML 1.2: remove it, "
                    f"or write it as the escape \\u{ord(odd.group()):04x} in a double-quoted string")
        return out
    allow = _allow_comment_lines(text)
    aliases = [0]  # counted per file (SPEC §11.3), across its documents
    last = text.count("\n") + 1
    shared = "*" in text  # without a `*` there is no alias: every node is reached once
    try:
        for index, node in enumerate(_nodes(text)):
            doc = _convert_document(node, rel, index, allow, aliases, text, last, shared, sink)
            if doc is not None:
                out.append(doc)
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own cap (1,000) is past ours
            line, col = _deep_node_mark(text)
            sink.report(codes.TOO_DEEP, Span(rel, line, col), f"nesting deeper than {MAX_DEPTH} levels")
            return out
        mark = exc.problem_mark or exc.context_mark
        line, col = _clamp(text, mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        sink.report(codes.YAML_SYNTAX, Span(rel, line, col), msg)
    except yaml.YAMLError as exc:  # libyaml reports some errors without a mark
        sink.report(codes.YAML_SYNTAX, Span(rel, 1, 1), str(exc).strip() or "invalid YAML")
    return out


def _nodes(text: str) -> Iterator[Node]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node
    finally:
        loader.dispose()


def _convert_document(
    node: Node, rel: str, index: int, allow: frozenset[int], aliases: list[int], text: str, last: int,
    shared: bool, sink: Sink,
) -> Document | None:
    walker = _Walker(rel, sink, aliases, shared)
    try:
        data = walker.value(node, (), 0, None)
    except _LoadError as err:
        line, col = _alias_mark(text, err.alias) if err.alias else (err.line, err.col)
        sink.report(err.code, Span(rel, line, col), err.message)
        return None
    if data is None:  # an empty document (a trailing `---`, only comments): nothing to read
        return None
    if not isinstance(data, dict):
        line, col = _mark(node)
        sink.report(codes.NOT_A_MAPPING, Span(rel, line, col), "a document must be a mapping with a `kind`")
        return None
    return Document(rel, index, data, _inside(walker.pos, text, last), walker.tags, walker.raw, allow)


def _inside(pos: dict[Path, tuple[int, int, int, int]], text: str, last: int) -> dict[Path, tuple[int, int, int, int]]:
    """libyaml marks an empty value at the end of a file without a final newline (`? key` as the
    last line) one line past the end: keep every position on a line of the file (`last`)."""
    for path, (line, col, kline, kcol) in pos.items():
        if line > last or kline > last:
            pos[path] = (*_clamp(text, line, col), *_clamp(text, kline, kcol))
    return pos


def _alias_mark(text: str, n: int) -> tuple[int, int]:
    """Where the n-th alias of the file is: the composer keeps no position for aliases,
    so only when a limit trips is the event stream read again to find it."""
    seen = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent):
            seen += 1
            if seen == n:
                return _event_mark(event)
    return 1, 1


def _event_mark(event: yaml.Event) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _deep_node_mark(text: str) -> tuple[int, int]:
    """The first node nested deeper than MAX_DEPTH, found in the event stream."""
    level = -1
    try:  # the pure-Python parser: libyaml's scanner fails before it emits these events
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
                if level + 1 > MAX_DEPTH:
                    return _event_mark(event)
                if isinstance(event, yaml.CollectionStartEvent):
                    level += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                level -= 1
    except yaml.YAMLError:
        pass
    return 1, 1


def _clamp(text: str, line: int, col: int) -> tuple[int, int]:
    """libyaml marks an error at end of input one line past a last line without a newline:
    point at the end of the last line instead, where a user can see it."""
    lines = text.split("\n")
    if line <= len(lines):
        return line, min(col, len(lines[line - 1]) + 1)
    return len(lines), len(lines[-1]) + 1


def _allow_comment_lines(text: str) -> frozenset[int]:
    """Lines carrying `# envc: allow <code>` (SPEC §10.3 acknowledgements)."""
    if "envc: allow" not in text:
        return frozenset()
    return frozenset(i for i, line in enumerate(text.split("\n"), 1) if "# envc: allow" in line)


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Walker:
    """Converts one document's node graph; counts aliases and expanded size.

    `shared`: the file may hold aliases (it has a `*`).  Only then are nodes remembered by
    identity (an alias is the same node reached again) and the expanded size counted."""

    def __init__(self, rel: str, sink: Sink, aliases: list[int], shared: bool = True) -> None:
        self.rel, self.sink = rel, sink
        self.shared = shared
        self.pos: dict[Path, tuple[int, int, int, int]] = {}
        self.tags: dict[Path, str] = {}
        self.raw: dict[Path, str] = {}
        self.memo: dict[int, tuple[Any, int]] = {}
        self.active: set[int] = set()
        self.aliases = aliases
        self.size = 0

    def value(self, node: Node, path: Path, depth: int, key_mark: tuple[int, int] | None) -> Any:
        line, col = _mark(node)
        if depth > MAX_DEPTH:
            raise _LoadError(codes.TOO_DEEP, line, col, f"nesting deeper than {MAX_DEPTH} levels")
        kl, kc = key_mark or (line, col)
        if not self.shared:
            self.pos[path] = (line, col, kl, kc)
            return self._node(node, path, depth)
        ident = id(node)
        if ident in self.memo:  # an alias: share the value, count its size
            return self._alias(ident, line, col)
        if ident in self.active:
            self.aliases[0] += 1
            raise _LoadError(codes.ALIAS_BOMB, line, col, "an alias refers to a node that contains it", self.aliases[0])
        self.pos[path] = (line, col, kl, kc)
        before = self.size
        self.size += 1
        self.active.add(ident)
        result = self._node(node, path, depth)
        self.active.discard(ident)
        self.memo[ident] = (result, self.size - before)
        return result

    def _alias(self, ident: int, line: int, col: int) -> Any:
        value, size = self.memo[ident]
        self.aliases[0] += 1
        self.size += size
        if self.aliases[0] > MAX_ALIASES:
            raise _LoadError(codes.TOO_MANY_ALIASES, line, col, f"more than {MAX_ALIASES} aliases in one file",
                             self.aliases[0])
        if self.size > MAX_EXPANDED_NODES:
            raise _LoadError(codes.ALIAS_BOMB, line, col,
                             f"aliases expand this document beyond {MAX_EXPANDED_NODES:,} nodes", self.aliases[0])
        return value

    def _node(self, node: Node, path: Path, depth: int) -> Any:
        tag = node.tag
        if tag in MERGE_TAGS:
            self._check_tag_kind(node, tag)
            self.tags[path] = MERGE_TAGS[tag]
        elif not (tag == PLAIN or tag in _CORE_TAGS):
            line, col = _mark(node)
            shown = "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag
            self.sink.report(codes.UNKNOWN_TAG, Span(self.rel, line, col),
                             f"unknown tag {shown}: only !merge, !append and !replace are allowed")
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return self._sequence(node, path, depth)
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path)

    def _check_tag_kind(self, node: Node, tag: str) -> None:
        ok = {"!merge": MappingNode, "!append": SequenceNode}.get(tag)
        if ok is not None and not isinstance(node, ok):
            line, col = _mark(node)
            what = "a mapping" if ok is MappingNode else "a sequence"
            self.sink.report(codes.TAG_MISPLACED, Span(self.rel, line, col), f"{tag} applies only to {what}")

    def _mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, tuple[int, int]] = {}
        pos, memo, shared = self.pos, self.memo, self.shared
        shallow = depth + 1 <= MAX_DEPTH
        for knode, vnode in node.value:
            m = knode.start_mark
            kmark = (m.line + 1, m.column + 1)
            key = knode.value
            # Most keys and values are plain strings: read them here, not through `value`
            # (the same result; a third of the time of loading a large project).
            if not (type(knode) is ScalarNode and knode.tag == PLAIN and _plain_str(key) and key != "<<"):
                key = self._key(knode, kmark)
                if key is None:
                    continue
            if key in seen:
                first = Related("first written here", Span(self.rel, *seen[key]))
                self.sink.report(codes.DUPLICATE_KEY, Span(self.rel, *kmark),
                                 f"duplicate key `{key}`", (first,))
                continue
            seen[key] = kmark
            sub = (*path, key)
            if shallow and type(vnode) is ScalarNode and vnode.tag == PLAIN and _plain_str(text := vnode.value) \
                    and not (shared and id(vnode) in memo):
                m = vnode.start_mark
                pos[sub] = (m.line + 1, m.column + 1, *kmark)
                if shared:
                    self.size += 1
                    memo[id(vnode)] = (text, 1)
                out[key] = text
            else:
                out[key] = self.value(vnode, sub, depth + 1, kmark)
        return out

    def _sequence(self, node: SequenceNode, path: Path, depth: int) -> list[Any]:
        out: list[Any] = []
        pos, memo, shared = self.pos, self.memo, self.shared
        shallow = depth + 1 <= MAX_DEPTH
        for i, item in enumerate(node.value):
            if shallow and type(item) is ScalarNode and item.tag == PLAIN and _plain_str(text := item.value) \
                    and not (shared and id(item) in memo):  # as in `_mapping`
                m = item.start_mark
                line, col = m.line + 1, m.column + 1
                pos[(*path, i)] = (line, col, line, col)
                if shared:
                    self.size += 1
                    memo[id(item)] = (text, 1)
                out.append(text)
            else:
                out.append(self.value(item, (*path, i), depth + 1, None))
        return out

    def _key(self, node: Node, mark: tuple[int, int]) -> str | None:
        line, col = mark
        if not isinstance(node, ScalarNode):
            self.sink.report(codes.KEY_NOT_STRING, Span(self.rel, line, col), "a mapping key must be a string")
            return None
        if node.tag == PLAIN and node.value == "<<":
            self.sink.report(codes.YAML_MERGE_KEY, Span(self.rel, line, col),
                             "`<<` merge keys are not supported: use `extends` or the `!merge` tag")
            return None
        value = self._scalar(node, None)
        if not isinstance(value, str):
            self.sink.report(codes.KEY_NOT_STRING, Span(self.rel, line, col),
                             f"the key `{node.value}` is not a string: quote it")
            return None
        return value

    def _scalar(self, node: ScalarNode, path: Path | None) -> Any:
        text: str = node.value
        tag: str = node.tag
        if tag == PLAIN:
            value = self._plain(text, node)
        elif tag in _CORE_TAGS:
            value = self._explicit(tag[len(_CORE):], text, node)
        else:
            value = text
        if path is not None and isinstance(value, (int, float)):
            self.raw[path] = text  # numbers and booleans are emitted as written (SPEC §5.1, §6.1)
        return value

    def _plain(self, text: str, node: ScalarNode) -> Any:
        """resolve_plain, with integers kept to what Python can print back (4,300 digits)."""
        try:
            value = resolve_plain(text)
        except ValueError:  # int() refuses more digits than sys.get_int_max_str_digits()
            value = None
        if value is None and text not in _NULL or type(value) is int and value.bit_length() > _MAX_INT_BITS:
            line, col = _mark(node)
            raise _LoadError(codes.WRONG_TYPE, line, col,
                             f"the number `{text[:20]}...` is too large: envc reads integers of up to about 3,900 digits")
        return value

    def _explicit(self, name: str, text: str, node: ScalarNode) -> Any:
        if name == "str":
            return text
        value = self._plain(text, node)
        wanted = {"int": int, "float": float, "bool": bool, "null": type(None)}.get(name)
        if wanted is float and type(value) is int:
            return float(value)
        if wanted is None or type(value) is not wanted:
            line, col = _mark(node)
            self.sink.report(codes.UNKNOWN_TAG, Span(self.rel, line, col), f"`{text}` is not a valid !!{name}")
        return value


def _plain_str(text: str) -> bool:
    """Whether `resolve_plain` reads the plain scalar `text` as that string (and nothing else)."""
    return text not in _NOT_STR and not (text[0].isdigit() or text[0] in "-+.")


def resolve_plain(text: str) -> Any:
    """A plain scalar under the YAML 1.2 core schema."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    first = text[0]
    if not (first.isdigit() or first in "-+."):
        return text
    if _INT.match(text):
        return int(text, 10)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text[0] == "-" else math.inf
    if _NAN.match(text):
        return math.nan
    return text
