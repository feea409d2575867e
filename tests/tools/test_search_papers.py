"""tools/search_papers.py: the search tool over a real, offline-built question index."""

from __future__ import annotations

import pytest

from prompts import bundled_set_dir, load
from prompts.instructions import DATA_NOTICE, NO_HITS, passage_line
from tools.search_papers import MAX_QUERY_CHARS, make_search_tool


@pytest.fixture(scope="module")
def liif_index(tmp_path_factory):
    from agent.settings import Settings
    from index import QuestionIndex

    base = tmp_path_factory.mktemp("search-tool")
    settings = Settings(cache_dir=base / "cache", offline=True, no_download=True)
    prompt = load(bundled_set_dir() / "004_22a4445001d39c44.txt")
    return QuestionIndex.build(prompt, settings.index_config())


def test_hits_are_numbered_after_the_data_notice_and_reported(liif_index):
    seen: list = []
    tool = make_search_tool(liif_index, k=3, on_hits=seen.extend)
    assert tool.name == "search_papers" and "query" in tool.args
    lines = tool.invoke({"query": "continuous image representation"}).splitlines()
    assert lines[0] == DATA_NOTICE and len(lines) == 4
    assert lines[1:] == [passage_line(p) for p in seen]


def test_queries_are_flattened_and_capped(liif_index):
    queries = []

    class Recording:
        def search(self, query, k):
            queries.append(query)
            return liif_index.search(query, k=k)

    make_search_tool(Recording(), k=2).invoke({"query": "local\n\timplicit   " + "x" * 2000})
    assert queries[0].startswith("local implicit x") and len(queries[0]) == MAX_QUERY_CHARS


def test_empty_query_missing_index_and_no_hits():
    class Empty:
        def search(self, query, k):
            return []

    assert make_search_tool(Empty(), k=3).invoke({"query": " \n "}).startswith("error: the query is empty")
    assert make_search_tool(None, k=3).invoke({"query": "x"}).startswith("error: no index")
    assert make_search_tool(Empty(), k=3).invoke({"query": "anything"}) == NO_HITS
