"""Text helpers shared by every layer: the one way a long text is shortened for display."""

from __future__ import annotations

ELLIPSIS = " …"


def one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines included) collapsed to one space."""
    return " ".join(str(text).split())


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most about `limit` characters, with an
    ellipsis when something was cut. For display (quotes, error details, tables); never for a
    sentence of an answer, which must end where it ends."""
    text = one_line(text)
    if len(text) <= limit:
        return text
    head = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return head.rstrip(",;:") + ELLIPSIS
