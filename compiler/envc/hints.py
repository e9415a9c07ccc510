""""Did you mean" suggestions, shared by every phase that reports an unknown name."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """` (did you mean `x`?)` for the closest candidate, or an empty string."""
    import difflib  # only when a hint or a diff is printed: keeps cold start lean

    pool = sorted(set(candidates))
    best = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not best:
        lowered = {c.lower(): c for c in pool}
        best = [lowered[word.lower()]] if word.lower() in lowered else []
    return f" (did you mean `{best[0]}`?)" if best else ""
