"""Arbitrary input yields a Prompt or a PromptFormatError, never another exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from prompts import Prompt, PromptFormatError, parse

FRAGMENTS = [
    '"What is SR?"', "### Recommended AI Models:", "### Related Papers:", "Model: X", "Model:", "Paper: ",
    "Paper: https://arxiv.org/pdf/2008.08767", "Paper: javascript:x", "GitHub: https://github.com/a/b",
    "GitHub:", "Summary: s", "Summary:", "Answer:", "1. task", "\r\n", "\n", "\x00", "“", "”", "http://[::1",
    "https://a:99999/x", "Title: t", "Code: https://x.org",
]


def _check(data):
    try:
        result = parse(data, path="fuzz.txt")
    except PromptFormatError as err:
        assert err.path == "fuzz.txt"
        return
    assert isinstance(result, Prompt)
    assert result.models and all(m.paper_url for m in result.models)
    result.allowed_links()


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=30), max_size=40).map("\n".join))
def test_structured_fuzz(text):
    _check(text)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_binary_fuzz(data):
    _check(data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_text_fuzz(text):
    _check(text)
