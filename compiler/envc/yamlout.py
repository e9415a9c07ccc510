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
from collections.abc import Mapping
from functools import lru_cache

__all__ = ["dump"]

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


@lru_cache(maxsize=65536)
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


@lru_cache(maxsize=65536)
def _after_key(s: str) -> str:
    """``: value`` and the line break, for a string written after a mapping key."""
    return ": " + _inline(s) + "\n"


@lru_cache(maxsize=65536)
def _after_lead(s: str) -> str:
    """``- value`` and the line break, for a string written as a sequence item."""
    return "- " + _inline(s) + "\n"


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
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _format_float(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML: {value!r}")


# --------------------------------------------------------------------------- keys


def _sorted_keys(mapping: Mapping[str, object]) -> list[str]:
    """``name`` first, then code-point order."""
    keys = sorted(mapping)
    if "name" in mapping and keys[0] != "name":
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


# --------------------------------------------------------------------------- writer


def _emit_mapping(
    mapping: Mapping[str, object], keys: list[str], pad: str, out: list[str], lead: str
) -> None:
    """Write a non-empty mapping whose keys are indented by ``pad``.

    ``lead`` is written before the first key instead of ``pad`` (it is ``""``
    when the mapping continues a ``- `` line).
    """
    child = pad + "  "
    for key in keys:
        key_lead, lead = lead, pad
        text = _key_text(key)
        head = key_lead + text + pad if text[-1] == "\n" else key_lead + text  # "? key\n" ":"
        value = mapping[key]
        if isinstance(value, str):
            if "\n" in value and (lit := _literal(value)) is not None:
                out.append(head + ": ")
                _emit_literal(lit, child, out)
            else:
                out.append(head + _after_key(value))
        elif isinstance(value, dict):
            if value:
                out.append(head + ":\n")
                _emit_mapping(value, _sorted_keys(value), child, out, child)
            else:
                out.append(head + ": {}\n")
        elif isinstance(value, (list, tuple)):
            if value:
                out.append(head + ":\n")
                _emit_sequence(value, child, out, child)
            else:
                out.append(head + ": []\n")
        elif value is None or isinstance(value, (int, float)):
            out.append(head + ": " + _other_scalar(value) + "\n")
        else:  # a Mapping that is not a dict
            _emit_mapping({key: _builtin(value)}, [key], pad, out, key_lead)


def _emit_sequence(
    items: list[object] | tuple[object, ...], pad: str, out: list[str], lead: str
) -> None:
    """Write a non-empty sequence whose ``- `` are indented by ``pad``.

    ``lead`` replaces ``pad`` before the first ``- `` (``""`` when the sequence
    is itself an item and continues its parent's ``- `` line).
    """
    child = pad + "  "
    for item in items:
        if isinstance(item, str):
            if "\n" in item and (lit := _literal(item)) is not None:
                out.append(lead + "- ")
                _emit_literal(lit, child, out)
            else:
                out.append(lead + _after_lead(item))
        elif isinstance(item, dict):
            if item:
                out.append(lead + "- ")
                _emit_mapping(item, _sorted_keys(item), child, out, "")
            else:
                out.append(lead + "- {}\n")
        elif isinstance(item, (list, tuple)):
            if item:
                out.append(lead + "- ")
                _emit_sequence(item, child, out, "")
            else:
                out.append(lead + "- []\n")
        elif item is None or isinstance(item, (int, float)):
            out.append(lead + "- " + _other_scalar(item) + "\n")
        else:
            _emit_sequence([_builtin(item)], pad, out, lead)
        lead = pad


def _builtin(value: object) -> object:
    """A non-dict Mapping as a dict, or raise TypeError for an unsupported value."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML: {value!r}")


def dump(obj: Mapping[str, object], *, top_level: bool = True) -> str:
    """Return the YAML text of one document for the mapping ``obj`` (SPEC §9.3).

    With ``top_level=True`` the root mapping uses the Kubernetes key order
    (``apiVersion``, ``kind``, ``metadata``, ``spec``, ``template``, ``data``,
    then code-point order); otherwise, and for every nested mapping, ``name``
    comes first and the rest follow in code-point order.
    """
    if not isinstance(obj, Mapping):
        raise TypeError(f"dump() needs a mapping, got {type(obj).__name__}")
    if not obj:
        return "{}\n"
    out: list[str] = []
    keys = _top_keys(obj) if top_level else _sorted_keys(obj)
    _emit_mapping(obj, keys, "", out, "")
    return "".join(out)
