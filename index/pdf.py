"""PDF → per-page text with pypdf, cleaned for retrieval.

Cleaning: ligatures and odd spaces normalised, words hyphenated across line breaks joined, lines
joined into running text, and running headers/footers (lines repeated at the top or bottom of most
pages, page numbers included) dropped. An encrypted, corrupt or text-less ("scanned") PDF raises
`PdfError` with the reason; the caller reports it for that source and goes on.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections import Counter
from pathlib import Path

from pydantic import BaseModel

from index.errors import PdfError

PARSER_VERSION = "pdf-1"
MAX_RUNNING_LINE = 120  # characters; longer lines are never taken for a running header/footer
MIN_TEXT_CHARS = 200  # fewer non-space characters than this in the whole file: no usable text

_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u00ad": "",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
}
_LIGATURE_RE = re.compile("|".join(map(re.escape, _LIGATURES)))
_SPACES = re.compile(r"[ \t\r\f\v]+")
_DIGITS = re.compile(r"\d+")
_HYPHEN_END = re.compile(r"[A-Za-z]-$")


class PageText(BaseModel):
    """The cleaned text of one page (1-based page number)."""

    page: int
    text: str


def _clean_line(line: str) -> str:
    return _SPACES.sub(" ", _LIGATURE_RE.sub(lambda m: _LIGATURES[m.group(0)], line)).strip()


def _signature(line: str) -> str:
    # Page numbers and dates differ from page to page; the rest of a running header does not.
    return _DIGITS.sub("#", line.lower())


def _running_lines(pages: list[list[str]], edge: int = 2) -> set[str]:
    """Signatures of lines found in the top or bottom `edge` lines of most pages."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        # Running headers and footers are short; a long line is content even if it repeats.
        counts.update({_signature(line) for line in lines[:edge] + lines[-edge:] if len(line) <= MAX_RUNNING_LINE})
    need = max(2, math.ceil(0.6 * len(pages)))
    return {sig for sig, n in counts.items() if n >= need}


def _join_lines(lines: list[str]) -> str:
    """Lines → running text; `exam-` + `ple` becomes `example` when the next line starts lower-case."""
    out = ""
    for line in lines:
        if not out:
            out = line
        elif _HYPHEN_END.search(out) and line[:1].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}"
    return out


def clean_pages(raw_pages: list[str]) -> list[PageText]:
    """Clean the raw text of each page (see the module docstring)."""
    pages = [[c for c in (_clean_line(line) for line in raw.splitlines()) if c] for raw in raw_pages]
    running = _running_lines(pages)
    out = []
    for number, lines in enumerate(pages, start=1):
        edge = set(range(min(2, len(lines)))) | set(range(max(0, len(lines) - 2), len(lines)))
        kept = [ln for i, ln in enumerate(lines) if not (i in edge and _signature(ln) in running)]
        out.append(PageText(page=number, text=_join_lines(kept)))
    return out


def read_pdf(source: Path | bytes, name: str) -> list[PageText]:
    """The cleaned text of every page of a PDF file (or bytes). `name` is used in error messages.

    Raises PdfError for an encrypted, corrupt or text-less PDF.
    """
    import pypdf
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns about every odd object
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if not data.lstrip()[:5] == b"%PDF-":
        raise PdfError(name, "not a PDF file (no %PDF- header)")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as exc:  # noqa: BLE001 - pypdf raises several types here
                raise PdfError(name, f"encrypted PDF that cannot be opened ({exc})") from None
            if not opened:
                raise PdfError(name, "encrypted PDF: a password is required")
        raw_pages = []
        for page in reader.pages:
            try:
                raw_pages.append(page.extract_text() or "")
            except Exception:  # noqa: BLE001 - one broken page must not lose the others
                raw_pages.append("")
    except PdfError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise PdfError(name, f"corrupt or unreadable PDF ({exc.__class__.__name__}: {exc})") from None
    pages = clean_pages(raw_pages)
    chars = sum(len(p.text.replace(" ", "")) for p in pages)
    if chars < MIN_TEXT_CHARS:
        raise PdfError(name, f"no usable text ({chars} characters on {len(pages)} pages): a scanned or image-only PDF")
    return pages
