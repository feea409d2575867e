"""index/loaders.py: a damaged download is not trusted, a damaged parsed-text entry heals itself."""

from __future__ import annotations

import json

import pytest
from loopback import pdf_reply

from index.cache import SourceCache
from index.pdf import PARSER_VERSION
from index.question import QuestionIndex
from prompts import parse
from tests.index.conftest import PROMPT_TEXT, serve_prompt_sources

HAN = "SISR-HAN-2x paper"


@pytest.fixture
def prompt():
    return parse(PROMPT_TEXT, path="test-prompt.txt")


@pytest.fixture
def served(server, paper_pdf, testdata_dir):
    serve_prompt_sources(server, paper_pdf, testdata_dir)
    return server


def han(qi):
    return next(s for s in qi.sources if s.ref == HAN)


def test_a_corrupt_pdf_served_with_200_is_fetched_again_next_time(served, warm_config, prompt, paper_pdf):
    # Complete-looking bytes (a %PDF- header and a %%EOF trailer) that pypdf cannot read: the parse
    # error must not pin the bad copy in the cache for ever (issue 11).
    corrupt = paper_pdf[: len(paper_pdf) // 2] + b"\n%%EOF\n"
    served.route("/pdf/2008.08767", pdf_reply(corrupt), pdf_reply(paper_pdf))
    first = QuestionIndex.build(prompt, warm_config)
    assert han(first).status == "abstract only" and "corrupt or unreadable" in han(first).detail
    assert "fetched again next time" in han(first).detail
    cache = SourceCache(warm_config)
    assert cache.lookup(f"{served.url}/pdf/2008.08767") is None
    second = QuestionIndex.build(prompt, warm_config)
    assert han(second).status == "fetched" and han(second).pages == 4 and "pdf" in han(second).origins
    assert served.hits("/pdf/2008.08767") == 2


def test_an_encrypted_pdf_is_remembered_not_fetched_again(served, warm_config, prompt):
    QuestionIndex.build(prompt, warm_config)
    QuestionIndex.build(prompt, warm_config)
    assert served.hits("/pdf/2502.03656v1") == 1  # a real property of the paper, not a bad download


@pytest.mark.parametrize("entry", [
    [], "pages", {"version": PARSER_VERSION}, {"version": PARSER_VERSION, "pages": 5},
    {"version": PARSER_VERSION, "pages": [["1", "text"]]}, {"version": PARSER_VERSION, "pages": [[1]]},
    {"version": PARSER_VERSION, "error": ""}, {"version": 3, "pages": []},
])
def test_a_parsed_text_entry_of_the_wrong_shape_heals(served, warm_config, prompt, entry):
    first = QuestionIndex.build(prompt, warm_config)
    cache = SourceCache(warm_config)
    record, _ = cache.lookup(f"{served.url}/pdf/2008.08767")
    text_path = cache.text_path(record.sha256)
    text_path.write_text(json.dumps(entry), encoding="utf-8")
    again = QuestionIndex.build(prompt, warm_config)  # no traceback: parsed again
    assert (han(again).status, han(again).pages) == ("cached", han(first).pages)
    healed = json.loads(text_path.read_text(encoding="utf-8"))
    assert healed["version"] == PARSER_VERSION and len(healed["pages"]) == han(first).pages
    assert [p.text for p in again.passages()] == [p.text for p in first.passages()]


def test_an_unreadable_parsed_text_entry_heals(served, warm_config, prompt):
    QuestionIndex.build(prompt, warm_config)
    cache = SourceCache(warm_config)
    record, _ = cache.lookup(f"{served.url}/pdf/2008.08767")
    cache.text_path(record.sha256).write_bytes(b"\xff\xfe{not json")
    assert han(QuestionIndex.build(prompt, warm_config)).status == "cached"
