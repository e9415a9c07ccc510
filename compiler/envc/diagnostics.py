"""Diagnostics: what every phase reports instead of raising or printing.

A diagnostic carries a registered code (see `codes.py`), a message, the primary
span (where the failing value is written) and related spans (e.g. "the parent
set it here").  Phases append to a `Sink`; `render.py` is the only formatter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from envc.codes import Code, Severity

# The immutable records (here, in codes.py, model.py, fields.py, entrypoints.py, checks/ and
# lower/) are NamedTuples rather than frozen dataclasses: defining a frozen dataclass compiles
# six methods (about 0.6 ms a class, 12 ms of a cold `envc validate`), a NamedTuple one (about
# 0.15 ms).  They compare, hash and print as before; being tuples, they are never iterated,
# indexed or serialised (json.dumps would write them as lists, orjson refuses them).


class Span(NamedTuple):
    """A position in a user file: project-relative POSIX path, 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Related(NamedTuple):
    message: str
    span: Span


class Diagnostic(NamedTuple):
    code: Code
    message: str
    span: Span | None
    related: tuple[Related, ...] = ()

    @property
    def severity(self) -> Severity:
        return self.code.severity

    def sort_key(self) -> tuple[str, int, int, str, str]:
        s = self.span
        return (s.file, s.line, s.col, self.code.id, self.message) if s else ("", 0, 0, self.code.id, self.message)


@dataclass(slots=True)
class Sink:
    """Collects diagnostics of a run; the only mutable object phases share."""

    items: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # file -> text, for rendering carets
    root: str = ""  # the project root, once known: CI formats name files relative to the repository

    def report(
        self, code: Code, span: Span | None, message: str, related: tuple[Related, ...] = ()
    ) -> None:
        self.items.append(Diagnostic(code, message, span, related))

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        """Sorted by location, de-duplicated: the order users read them in."""
        seen: set[tuple[object, ...]] = set()
        out: list[Diagnostic] = []
        for d in sorted(self.items, key=Diagnostic.sort_key):
            key = (d.code.id, d.span, d.message)
            if key not in seen:
                seen.add(key)
                out.append(d)
        return out
