"""The agent's tools: search_papers over a real question index, and reading run_sr_model results."""

from __future__ import annotations

import json

from agent.answer.context import AnswerContext
from agent.backends.openai.tools import search_tool as make_search_tool
from agent.backends.openai.tools import tool_result
from prompts.instructions import DATA_NOTICE, NO_HITS, passage_line


def test_search_papers_numbers_passages_and_records_them(seed_prompt, seed_index):
    ctx = AnswerContext(prompt=seed_prompt, index=seed_index)
    tool = make_search_tool(ctx, k=3)
    assert tool.name == "search_papers" and "query" in tool.args

    out = tool.invoke({"query": "continuous image representation at arbitrary resolution"})
    lines = out.splitlines()
    assert lines[0] == DATA_NOTICE and len(lines) == 4
    assert [p.id for p in ctx.tool_passages] == [line.split("]")[0][1:] for line in lines[1:]]
    first = ctx.tool_passages[0]
    assert lines[1] == passage_line(first)
    assert lines[1].startswith(f"[{first.id}] ({first.label()}) ")
    assert set(ctx.passages()) == {p.id for p in ctx.tool_passages}  # citations to them resolve

    tool.invoke({"query": "continuous image representation at arbitrary resolution"})
    assert len(ctx.tool_passages) == 3  # a repeated search adds nothing twice


def test_search_papers_refuses_an_empty_query(seed_prompt, seed_index):
    ctx = AnswerContext(prompt=seed_prompt, index=seed_index)
    assert make_search_tool(ctx, k=3).invoke({"query": "   "}).startswith("error: the query is empty")
    assert ctx.tool_passages == []


def test_search_papers_without_hits(seed_prompt):
    class EmptyIndex:
        def search(self, query, k):
            return []

    ctx = AnswerContext(prompt=seed_prompt, index=EmptyIndex())
    assert make_search_tool(ctx, k=3).invoke({"query": "anything"}) == NO_HITS


def test_tool_result_reads_results_and_errors():
    result = {"model": "SISR-Any-LIIF-EDSR", "scale": 2.0, "metrics": {"psnr": 30.0}}
    assert tool_result(json.dumps(result)) == (result, None)
    assert tool_result(json.dumps({"error": "weights not installed\n(run aisci weights install)"})) == (
        None, "weights not installed (run aisci weights install)")
    assert tool_result("error: image_path is outside the allowed folders") == (
        None, "error: image_path is outside the allowed folders")
    assert tool_result([{"type": "text", "text": json.dumps(result)}]) == (result, None)
    assert tool_result("[1]") == (None, "the tool returned no result object")
