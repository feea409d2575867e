"""The one sanitizer: every text from data (a paper, a summary, a title, a model name, the question,
an LLM's sentence, a warning that quotes any of them) goes through `sanitize` before it reaches an
output, and through `markdown_text` when it is placed in Markdown.

`sanitize` makes a text plain: invisible characters dropped (`prompts.text.visible_text`), HTML
entities decoded, HTML tags removed (script and style elements with their content), any `<` that
could still open a tag defused, and every link that is not one of the prompt's replaced by
LINK_REMOVED (`prompts.links.strip_links`). `markdown_text` then escapes what Markdown would read as
markup: a `]` that would close link or image text, autolink and HTML angle brackets, entity
references, backticks, backslashes, and line breaks (data is always inline). Links in the output are only those the answer's own code
writes (`[title](url)` from the prompt) and allowed links the data quotes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from prompts.links import strip_links
from prompts.text import visible_text

# Elements whose content is code, never text: removed with it (an unclosed one to the end).
_RAW_ELEMENT = re.compile(r"<(script|style|template)\b.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<[!?][^<>]*>")
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_MD_SPECIAL = re.compile(r"([\\<>`])")
# A `]` is link syntax only when `(` (inline link or image), `[` (reference link) or `:` (a reference
# definition) follows it; a bracketed text otherwise stays as it is ("[link removed]", "[S3]").
_MD_BRACKET = re.compile(r"\](?=[(\[:])")
_ENTITY = re.compile(r"&(?=#\d|#x[0-9a-f]|[a-z][a-z0-9]*;)", re.IGNORECASE)


def strip_markup(text: str) -> str:
    """`text` as plain text: entities decoded (repeatedly, so `&amp;lt;` cannot hide a tag), comments,
    tags and script-like elements removed, and a `<` that could still start a tag followed by a space."""
    for _ in range(3):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    if "<" not in text:
        return text
    text = _COMMENT.sub("", text)
    text = _RAW_ELEMENT.sub("", text)
    text = _TAG.sub("", text)
    return _TAG_OPEN.sub("< ", text)


def sanitize(text: str, allowed: Callable[[str], bool] | None = None, removed: list[str] | None = None) -> str:
    """`text` made safe for any output (see the module docstring). `allowed(url)` says which links may
    stay (None: none may); removed links are appended to `removed` when it is given."""
    if not text:
        return text
    text = strip_markup(visible_text(text))
    return strip_links(text, allowed or (lambda _url: False), removed if removed is not None else [])


def markdown_text(text: str) -> str:
    """A sanitized text escaped for inline Markdown: it renders as the same characters and can
    create no link, image, autolink, HTML, entity or new block."""
    text = " ".join(str(text).split())
    text = _MD_BRACKET.sub(r"\\]", _MD_SPECIAL.sub(r"\\\1", text))
    return _ENTITY.sub(r"\\&", text)


def markdown_cell(text: str) -> str:
    """`markdown_text` for a table cell (a `|` would end the cell)."""
    return markdown_text(text).replace("|", "\\|")
