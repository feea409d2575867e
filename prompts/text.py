"""Text helpers shared by every layer: the one way a long text is shortened for display."""

from __future__ import annotations

import os
import unicodedata

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


# Characters a reader cannot see but that change what a text means to a parser: format characters
# (zero-width spaces and joiners, bidi controls, the BOM, tag characters), variation selectors and the
# invisible Hangul fillers. Dropped from every text aisci shows.
_INVISIBLE_EXTRA = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")


def _invisible(ch: str) -> bool:
    code = ord(ch)
    if ch in _INVISIBLE_EXTRA or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return True
    category = unicodedata.category(ch)
    return category == "Cf" or (category == "Cc" and ch not in "\n\t\r")


def visible_text(text: str) -> str:
    """`text` in NFC with every invisible character (see above) and C0/C1 control dropped; tabs become
    spaces, line and paragraph separators newlines, CR LF a newline."""
    text = unicodedata.normalize("NFC", str(text))
    if text.isascii() and text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return "".join(ch for ch in text if not _invisible(ch))


def display_path(path) -> str:
    """A path as printable text on one line: bytes of a file name that are not UTF-8 are shown as
    \\xNN escapes and control characters (a newline in a name) as Python escapes, so an error message
    naming the file can always be printed, written as JSON, and stays one line."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
