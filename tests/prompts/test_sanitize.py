"""prompts/sanitize.py: the one sanitizer and the Markdown escaping of data (issue 11)."""

from __future__ import annotations

import pytest
from injection_corpus import TRICKS, payload_text, survivors

from prompts import normalize_url
from prompts.instructions import LINK_REMOVED
from prompts.sanitize import markdown_cell, markdown_text, sanitize, strip_markup

ALLOWED = {normalize_url("https://arxiv.org/pdf/2008.08767")}


def allowed(url: str) -> bool:
    return normalize_url(url) in ALLOWED


@pytest.mark.parametrize("trick", TRICKS, ids=lambda t: t.name)
def test_each_trick_leaves_nothing_behind(trick):
    text = f"The network uses attention. {trick.payload} It is sharp."
    clean = sanitize(text, allowed)
    assert survivors(clean, allowed) == []
    assert survivors(markdown_text(clean), allowed, markdown=True) == []
    assert clean.startswith("The network uses attention.") and clean.endswith("It is sharp.")


def test_all_tricks_at_once():
    clean = sanitize(payload_text(), allowed)
    assert survivors(clean, allowed) == [] and survivors(markdown_text(clean), allowed, markdown=True) == []


def test_allowed_links_and_plain_text_stay():
    text = "See https://arxiv.org/pdf/2008.08767 (HAN), where x < y and R&D cost 5 > 3."
    assert sanitize(text, allowed) == text
    assert sanitize("a https://arxiv.org/pdf/2008.08767 b", None) == f"a {LINK_REMOVED} b"


def test_markup_is_removed_and_entities_decoded():
    assert strip_markup("<b>bold</b> &amp; <i>it</i>") == "bold & it"
    assert strip_markup("&amp;lt;script&amp;gt;x&amp;lt;/script&amp;gt;y") == "y"
    assert strip_markup("<img src=x onerror=alert(1)") == "< img src=x onerror=alert(1)"  # unclosed: defused
    assert strip_markup("a <!-- hidden --> b") == "a  b"


def test_invisible_characters_are_dropped():
    assert sanitize("zero\u200bwidth \u202eright\u2066 soft\u00adhyphen", None) == "zerowidth right softhyphen"


def test_markdown_text_escapes_link_and_html_syntax_only():
    assert markdown_text("[x](y) ![i](j) [r]: z <b> `c` \\ &#104;") == (
        "[x\\](y) ![i\\](j) [r\\]: z \\<b\\> \\`c\\` \\\\ \\&#104;")
    assert markdown_text("plain [link removed] and [S3], x_y *z*") == "plain [link removed] and [S3], x_y *z*"
    assert markdown_text("two\n\nlines") == "two lines"
    assert markdown_cell("a | b") == "a \\| b"
