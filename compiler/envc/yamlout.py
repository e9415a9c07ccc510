"""Fast, deterministic YAML writer for Kubernetes manifests (SPEC §9.3).

``dump(obj)`` turns a tree of ``dict`` / ``list`` / ``tuple`` / ``str`` / ``int`` /
``bool`` / ``None`` (and, rarely, ``float``) into the text of one YAML document:
no ``---``, LF line endings, exactly one trailing newline.  The same input always
gives the same bytes.

Layout (SPEC §9.3)
------------------
* 2-space indentation; a sequence is indented under its key (``- `` at the
  parent's indentation + 2); a mapping that is a sequence item starts on the
  ``- `` line and its further keys align with the first one; a sequence that is
  a sequence item is written in the same compact block form (``- - x``).
* Empty containers are flow: ``key: {}``, ``key: []``, ``- {}``.
* No line wrapping, however long a scalar is; non-ASCII is written as raw UTF-8.
* Key order: in the top-level mapping (``top_level=True``) ``apiVersion``,
  ``kind``, ``metadata``, ``spec``, ``template``, ``data`` (those present, in
  that order), then the other keys in code-point order.  In every other mapping:
  ``name`` first, then the other keys in code-point order.
* ``int`` is decimal, ``bool`` is ``true``/``false``, ``None`` is ``null``,
  ``float`` uses the shortest ``repr`` with a ``.`` forced into exponent forms
  (``1.0e+20``) so that YAML 1.1 readers also see a float.

Strings
-------
A string is written *plain* only when it reads back as the same string both
under the YAML 1.2 core schema and under YAML 1.1, which is what Kubernetes'
readers (go-yaml v2 through ``sigs.k8s.io/yaml``, and PyYAML) implement.  The
two differ: YAML 1.1 also resolves ``yes``/``no``/``on``/``off``/``y``/``n`` to
booleans, ``1:30`` (sexagesimal) and ``017``/``0b101``/``1_000`` to integers,
``2001-12-14`` to a timestamp, ``<<`` to a merge key and ``=`` to a value key,
and treats U+0085/U+2028/U+2029 as line breaks; go-yaml additionally accepts
``0X1F``/``0O17``/``1e3`` style numbers and strips every ``_`` before parsing a
number.  The quoting test below is the union of all of these, made
deliberately broad: any string that merely *looks* like one of those forms is
quoted (e.g. ``2001-12-14-x``, ``1_``, ``0x``, ``tRuE``, ``inf``, ``nan``), as is
any string with a leading indicator character (except ``-``, ``?`` or ``:``
followed by a non-space, as in ``--inputs``), ``: `` or `` #`` inside, a
trailing ``:``, leading/trailing spaces, a leading ``---``/``...``, or any
character for which ``str.isprintable()`` is false (TAB, controls, NBSP, ...).

Unsafe single-line strings are double-quoted with JSON escapes
(``json.dumps(s, ensure_ascii=False)``); the few characters JSON leaves raw but
YAML cannot carry raw inside double quotes (DEL, C1 controls including NEL,
U+2028/U+2029, BOM, U+FFFE/U+FFFF, lone surrogates) are additionally written as
``\\uXXXX`` escapes.

Strings containing ``\\n`` are block literals: ``|`` when they end with exactly
one newline, ``|-`` with none, ``|+`` with more, plus the indentation indicator
``2`` when the first non-empty line starts with a space or a tab (which would
otherwise be taken for indentation).  Content is always indented two columns
past the key or the ``- ``, so the indicator is always ``2``.  Empty lines are
written empty, except the trailing ones of a ``|+`` literal, which are written
as indentation-only lines so that the document still ends with exactly one
newline.  When a literal cannot carry the string (``\\r``, control characters,
or nothing but newlines) it is double-quoted instead.

Keys are quoted by the same rule as values (a key never becomes a block
literal); a key longer than YAML's 1024-character implicit-key limit is written
as an explicit ``? key`` followed by ``: value`` on the next line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

__all__ = ["Memo", "dump"]

_TOP_KEYS: tuple[str, ...] = ("apiVersion", "kind", "metadata", "spec", "template", "data")
_TOP_KEY_SET = frozenset(_TOP_KEYS)

# Characters that may not start a plain scalar (YAML 1.1 and 1.2 c-indicator).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# Of those, the ones that may start a plain scalar when followed by a non-space.
_SOFT_INDICATORS = frozenset("-?:")
# First characters that can begin a number / timestamp under any resolver.
_NUMERIC_START = frozenset("0123456789+-.")

# Reserved words of YAML 1.1 / 1.2 / go-yaml, matched case-insensitively on
# purpose (over-quoting ``tRuE`` is harmless, missing ``TRUE`` is not).
_RESERVED_RE = re.compile(
    r"(?i:y|n|yes|no|true|false|on|off|null|~|<<|=|[-+]?\.?(?:inf|infinity|nan))"
)
# Numbers in any base or notation, applied to the string with every ``_``
# removed (go-yaml does the same; YAML 1.1 allows ``_`` between digits).
_NUMBER_RE = re.compile(
    r"[-+]?(?:"
    r"0[xX][0-9a-fA-F]*"
    r"|0[oO][0-7]*"
    r"|0[bB][01]*"
    r"|[0-9]+(?::[0-9]+)*(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"
    r"|\.[0-9]+(?:[eE][-+]?[0-9]+)?"
    r")"
)
# YAML 1.1 / go-yaml timestamps start like this; quote the whole family.
_TIMESTAMP_RE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
# Characters that must be escaped inside a double-quoted scalar although JSON
# leaves them raw: DEL, C1 controls (incl. NEL), LS, PS, BOM, non-characters,
# lone surrogates.
_QUOTED_EXTRA_RE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
# Characters a block literal cannot carry raw (everything non-printable or a
# line break other than LF; TAB is fine).
_LITERAL_BAD_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"
)
# Implicit keys are limited to 1024 characters; stay well clear (UTF-8 bytes).
_MAX_IMPLICIT_KEY = 1000


# --------------------------------------------------------------------------- scalars


def _escape_extra(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _double_quote(s: str) -> str:
    """JSON-escaped double-quoted scalar that every YAML reader accepts."""
    text = json.dumps(s, ensure_ascii=False)
    if _QUOTED_EXTRA_RE.search(text) is not None:
        text = _QUOTED_EXTRA_RE.sub(_escape_extra, text)
    return text


def _looks_typed(s: str) -> bool:
    """True if some YAML 1.1 / 1.2 / go-yaml resolver could read ``s`` as non-str."""
    if _RESERVED_RE.fullmatch(s) is not None:
        return True
    if s[0] in _NUMERIC_START:
        if _NUMBER_RE.fullmatch(s.replace("_", "")) is not None:
            return True
        if _TIMESTAMP_RE.match(s) is not None:
            return True
    return False


def _needs_quotes(s: str) -> bool:
    """True if the single-line string ``s`` cannot be written as a plain scalar."""
    if not s or not s.isprintable():  # empty, controls, TAB, NEL, LS/PS, NBSP, BOM...
        return True
    first = s[0]
    if first in _INDICATORS:
        if first not in _SOFT_INDICATORS or len(s) == 1 or s[1] == " ":
            return True
    if first == " " or s[-1] in " :":
        return True
    if ": " in s or " #" in s:
        return True
    if s.startswith(("---", "...")):  # document markers at column 0
        return True
    return _looks_typed(s)


@lru_cache(maxsize=8192)
def _inline(s: str) -> str:
    """The single-line form of ``s`` (plain if safe, else double-quoted)."""
    if "\n" in s or _needs_quotes(s):
        return _double_quote(s)
    return s


# A block literal: (header, body lines, number of trailing kept empty lines).
_Literal = tuple[str, tuple[str, ...], int]


@lru_cache(maxsize=4096)
def _literal(s: str) -> _Literal | None:
    """Block-literal form of a string containing ``\\n``, or None if impossible."""
    if _LITERAL_BAD_RE.search(s) is not None or not s.strip("\n"):
        return None
    if s.endswith("\n"):
        lines = s[:-1].split("\n")
        chomp = "+" if s.endswith("\n\n") else ""
    else:
        lines = s.split("\n")
        chomp = "-"
    keep = 0
    if chomp == "+":
        while lines and not lines[-1]:
            lines.pop()
            keep += 1
    first = next(line for line in lines if line)
    indicator = "2" if first[0] in " \t" else ""
    return "|" + indicator + chomp, tuple(lines), keep


def _emit_literal(lit: _Literal, pad: str, out: list[str]) -> None:
    """Write the header (``key: `` or ``- `` is already written) and the content."""
    header, lines, keep = lit
    out.append(header + "\n")
    for line in lines:
        out.append(pad + line + "\n" if line else "\n")
    if keep:
        out.append((pad + "\n") * keep)


def _format_float(value: float) -> str:
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = float.__repr__(value)
    if "." not in text and "e" in text:  # 1e+20 is not a float in YAML 1.1
        mantissa, _, exponent = text.partition("e")
        text = mantissa + ".0e" + exponent
    return text


def _other_scalar(value: object) -> str:
    """Text of ``None``, a bool, an int or a float."""
    if value is None:
        return "null"
    if isinstance(value, int):  # a bool is an int
        return _int_text(value)
    if isinstance(value, float):
        return _format_float(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML: {value!r}")


# --------------------------------------------------------------------------- keys


def _sorted_keys(mapping: Mapping[str, object]) -> list[str]:
    """``name`` first, then code-point order."""
    keys = sorted(mapping)
    if keys and keys[0] != "name" and "name" in mapping:
        keys.remove("name")
        keys.insert(0, "name")
    return keys


def _top_keys(mapping: Mapping[str, object]) -> list[str]:
    """The well-known Kubernetes keys first, then code-point order."""
    head = [key for key in _TOP_KEYS if key in mapping]
    if len(head) == len(mapping):
        return head
    return head + sorted(key for key in mapping if key not in _TOP_KEY_SET)


@lru_cache(maxsize=65536)
def _key_text(key: str) -> str:
    """The text written before the value, up to (not including) the ``:``."""
    if not isinstance(key, str):
        raise TypeError(f"mapping keys must be str, got {type(key).__name__}: {key!r}")
    text = _inline(key)
    if len(text) * 4 > _MAX_IMPLICIT_KEY and len(text.encode("utf-8")) > _MAX_IMPLICIT_KEY:
        return "? " + text + "\n"
    return text


def _key_colon(key: str) -> str | None:
    """``key:`` for an implicit key, or None for a key that must be written explicitly
    (``? key``), which needs the indentation and so takes the general path."""
    text = _key_text(key)
    return None if text[-1] == "\n" else text + ":"


# A mapping's layout: its keys in output order, each with its ``key:`` text (None for an
# explicit key).  Manifests repeat a few hundred key sets (every container, every label
# set), so the layout of a key set, in the order its dict holds the keys, is remembered
# instead of sorting each mapping again.
_Layout = tuple[tuple[str, str | None], ...]
_LAYOUTS: dict[tuple[str, ...], _Layout] = {}
_TOP_LAYOUTS: dict[tuple[str, ...], _Layout] = {}
_MAX_LAYOUTS = 4096


def _layout(mapping: Mapping[str, object]) -> _Layout:
    """The layout of a nested mapping (``name`` first, then code-point order).  The hot
    paths of the writer look ``_LAYOUTS`` up themselves and call this only on a miss."""
    return _cached_layout(_LAYOUTS, _sorted_keys, mapping)


def _top_layout(mapping: Mapping[str, object]) -> _Layout:
    """The layout of a top-level mapping (the Kubernetes keys first)."""
    return _cached_layout(_TOP_LAYOUTS, _top_keys, mapping)


def _cached_layout(table: dict[tuple[str, ...], _Layout], order: Callable[[Mapping[str, object]], list[str]],
                  mapping: Mapping[str, object]) -> _Layout:
    """The layout of `mapping`'s key set in `order`, from `table` or computed and put there."""
    key = tuple(mapping)
    layout = table.get(key)
    if layout is None:
        if len(table) >= _MAX_LAYOUTS:
            table.clear()
        layout = table[key] = tuple((k, _key_colon(k)) for k in order(mapping))
    return layout


# The text of a string entry (``key: value`` and the line break) by (key, value), and of a
# string item (``- value`` and the line break) by value; "" when the general path must write
# it (a block literal, or an explicit key).  Manifests repeat the same pairs (labels,
# annotations, env vars, args) over and over: one lookup per entry instead of two (the key,
# the value).  Plain dicts, emptied when full, rather than ``lru_cache``: a hit touches one
# dict entry, not the LRU's links as well, and these are looked up for nearly every line.
_ENTRIES: dict[tuple[str, str], str] = {}
_ITEMS: dict[str, str] = {}
_MAX_TEXTS = 65536


def _str_entry(key: str, value: str) -> str:
    """The text of the entry ``key: value`` (``value`` a ``str``), remembered."""
    text = _ENTRIES.get((key, value))
    if text is None:
        head = _key_colon(key)
        text = "" if head is None or ("\n" in value and _literal(value) is not None) else head + " " + _inline(value) + "\n"
        if len(_ENTRIES) >= _MAX_TEXTS:
            _ENTRIES.clear()
        _ENTRIES[key, value] = text
    return text


def _str_item(s: str) -> str:
    """The text of the sequence item ``- s`` (``s`` a ``str``), remembered."""
    text = _ITEMS.get(s)
    if text is None:
        text = "" if "\n" in s and _literal(s) is not None else "- " + _inline(s) + "\n"
        if len(_ITEMS) >= _MAX_TEXTS:
            _ITEMS.clear()
        _ITEMS[s] = text
    return text


def _int_text(value: int) -> str:
    """An int or a bool (``type(value)`` is exactly one of them)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return int.__repr__(value)


# --------------------------------------------------------------------------- memo


class Memo:
    """Sequences already written by the ``dump`` calls of one batch, by identity.

    Lowering shares subtrees between the objects of a unit (the tasks of an environment
    share one pod: its env list, tolerations...).  ``dump(obj, memo=m)`` with one memo for
    the objects of a unit writes each shared sequence once and copies its text after that.

    Only sound while no object dumped with the memo is changed, and only for one batch:
    drop the memo with the objects.  The memo keeps every sequence it remembers (and the
    output it was written to) alive, so an ``id`` cannot be reused by another object
    while the memo exists.  Sequences only: they hold most of what is shared, and checking
    every mapping costs more than it saves."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        # id(sequence) -> [sequence, indentation, output list, start, end, text or None]
        self.seen: dict[int, list[Any]] = {}


def _remembered(seen: dict[int, list[Any]], items: object, pad: str) -> str | None:
    """The text already written for ``items`` at indentation ``pad``, or None."""
    entry = seen.get(id(items))
    if entry is None or entry[1] != pad:
        return None
    if entry[5] is None:
        entry[5] = "".join(entry[2][entry[3]:entry[4]])
    return str(entry[5])


# --------------------------------------------------------------------------- writer
#
# The writer dispatches on ``type(value) is ...`` for the exact types lowering builds
# (``str``, ``dict``, ``list``, ``int``, ``bool``), which is cheaper than a chain of
# ``isinstance`` calls (mypy does not narrow through ``t = type(value)``: the values are
# typed ``Any`` here); everything else (subclasses, tuples, other Mappings, floats,
# ``None``, block literals, explicit keys) takes the general path, ``_emit_entry`` /
# ``_emit_item``, which is the reference behaviour the fast paths reproduce.


def _emit_mapping(
    mapping: Mapping[str, Any], layout: _Layout, pad: str, out: list[str], lead: str,
    seen: dict[int, list[Any]] | None,
) -> None:
    """Write a non-empty mapping whose keys are indented by ``pad``.

    ``lead`` is written before the first key instead of ``pad`` (``- `` plus the
    parent's indentation when the mapping is a sequence item).
    """
    child = pad + "  "
    append = out.append
    for key, head in layout:
        value = mapping[key]
        t = type(value)
        if t is str and (line := _ENTRIES.get((key, value)) or _str_entry(key, value)):
            append(lead + line)
        elif head is None:
            _emit_entry(key, value, pad, out, lead, seen)
        elif t is dict:
            if value:
                append(lead + head + "\n")
                _emit_mapping(value, _LAYOUTS.get(tuple(value)) or _layout(value), child, out, child, seen)
            else:
                append(lead + head + " {}\n")
        elif t is list:
            if not value:
                append(lead + head + " []\n")
            elif seen is None:
                append(lead + head + "\n")
                _emit_sequence(value, child, out, child, seen)
            elif (text := _remembered(seen, value, child)) is not None:
                append(lead + head + "\n")
                append(text)
            else:
                append(lead + head + "\n")
                start = len(out)
                _emit_sequence(value, child, out, child, seen)
                seen[id(value)] = [value, child, out, start, len(out), None]
        elif t is int or t is bool:
            append(lead + head + " " + _int_text(value) + "\n")
        else:
            _emit_entry(key, value, pad, out, lead, seen)
        lead = pad


def _emit_entry(
    key: str, value: object, pad: str, out: list[str], lead: str, seen: dict[int, list[Any]] | None
) -> None:
    """Write one ``key: value`` entry of a mapping whose keys are indented by ``pad``
    (``lead`` before the key): the general path, for any supported value."""
    child = pad + "  "
    text = _key_text(key)
    head = lead + text + pad if text[-1] == "\n" else lead + text  # "? key\n" ":"
    if isinstance(value, str):
        _emit_str(head + ": ", value, child, out)
    elif isinstance(value, dict):
        if value:
            out.append(head + ":\n")
            _emit_mapping(value, _layout(value), child, out, child, seen)
        else:
            out.append(head + ": {}\n")
    elif isinstance(value, (list, tuple)):
        if value:
            out.append(head + ":\n")
            _emit_sequence(value, child, out, child, seen)
        else:
            out.append(head + ": []\n")
    elif value is None or isinstance(value, (int, float)):
        out.append(head + ": " + _other_scalar(value) + "\n")
    else:  # a Mapping that is not a dict
        _emit_entry(key, _builtin(value), pad, out, lead, seen)


def _emit_sequence(
    items: list[Any] | tuple[Any, ...], pad: str, out: list[str], lead: str,
    seen: dict[int, list[Any]] | None,
) -> None:
    """Write a non-empty sequence whose ``- `` are indented by ``pad``.

    ``lead`` replaces ``pad`` before the first ``- `` (the parent's ``- `` and
    indentation when the sequence is itself an item and continues that line).
    """
    append = out.append
    for item in items:
        t = type(item)
        if t is str and (line := _ITEMS.get(item) or _str_item(item)):
            append(lead + line)
        elif t is dict and item:
            _emit_mapping(item, _LAYOUTS.get(tuple(item)) or _layout(item), pad + "  ", out, lead + "- ", seen)
        else:
            _emit_item(item, pad, out, lead, seen)
        lead = pad


def _emit_item(item: object, pad: str, out: list[str], lead: str, seen: dict[int, list[Any]] | None) -> None:
    """Write one sequence item (``lead`` before its ``- ``): the general path."""
    child = pad + "  "
    if isinstance(item, str):
        _emit_str(lead + "- ", item, child, out)
    elif isinstance(item, dict):
        if item:
            _emit_mapping(item, _layout(item), child, out, lead + "- ", seen)
        else:
            out.append(lead + "- {}\n")
    elif isinstance(item, (list, tuple)):
        if item:
            _emit_sequence(item, child, out, lead + "- ", seen)
        else:
            out.append(lead + "- []\n")
    elif item is None or isinstance(item, (int, float)):
        out.append(lead + "- " + _other_scalar(item) + "\n")
    else:
        _emit_item(_builtin(item), pad, out, lead, seen)


def _emit_str(prefix: str, s: str, child: str, out: list[str]) -> None:
    """``prefix`` (``key: `` or ``- ``) and the string: a block literal indented by ``child``
    when it has line breaks a literal can carry, else its single-line form."""
    if "\n" in s and (lit := _literal(s)) is not None:
        out.append(prefix)
        _emit_literal(lit, child, out)
    else:
        out.append(prefix + _inline(s) + "\n")


def _builtin(value: object) -> object:
    """A non-dict Mapping as a dict, or raise TypeError for an unsupported value."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML: {value!r}")


def dump(obj: Mapping[str, object], *, top_level: bool = True, memo: Memo | None = None) -> str:
    """Return the YAML text of one document for the mapping ``obj`` (SPEC §9.3).

    With ``top_level=True`` the root mapping uses the Kubernetes key order
    (``apiVersion``, ``kind``, ``metadata``, ``spec``, ``template``, ``data``,
    then code-point order); otherwise, and for every nested mapping, ``name``
    comes first and the rest follow in code-point order.

    ``memo``: shared by the ``dump`` calls of one batch of objects that share subtrees
    and are not changed while the memo lives (see ``Memo``); the bytes are the same
    with or without it.
    """
    if not isinstance(obj, Mapping):
        raise TypeError(f"dump() needs a mapping, got {type(obj).__name__}")
    if not obj:
        return "{}\n"
    out: list[str] = []
    layout = _top_layout(obj) if top_level else _layout(obj)
    _emit_mapping(obj, layout, "", out, "", memo.seen if memo is not None else None)
    return "".join(out)
