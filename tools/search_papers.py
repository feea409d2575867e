"""The agent's `search_papers` tool: the best passages of the question's own index for a query.

The query is untrusted (an LLM wrote it): it is flattened and capped. Tool output is data for the
model, not instructions: the passages come after `DATA_NOTICE`, numbered with their ids so the
model can cite them, and every passage returned is reported through `on_hits` so the guard can
accept citations to it (and only to passages that were actually retrieved).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from prompts.instructions import format_passages

NAME = "search_papers"
MAX_QUERY_CHARS = 500


class SearchArgs(BaseModel):
    """Arguments of search_papers."""

    query: str = Field(description="What to look for in the provided papers, e.g. 'EDSR residual blocks upsampling'.")


def make_search_tool(index, k: int, on_hits: Callable[[list], None] | None = None) -> BaseTool:
    """`search_papers(query)` over `index` (a QuestionIndex, or None when there is none): the `k`
    best passages; `on_hits(passages)` is called with each search's hits (under a lock: the agent
    may run several tool calls at once)."""
    lock = threading.Lock()

    def search_papers(query: str) -> str:
        """Search the prompt's own papers and code READMEs; returns numbered passages to cite by id."""
        query = " ".join(str(query).split())[:MAX_QUERY_CHARS]
        if not query:
            return "error: the query is empty; pass a few keywords."
        if index is None:
            return "error: no index is available for this question."
        hits = index.search(query, k=k)
        if on_hits is not None:
            with lock:
                on_hits(hits)
        return format_passages(hits)

    return StructuredTool.from_function(
        func=search_papers, name=NAME, args_schema=SearchArgs,
        description="Search the prompt's own papers (and code READMEs) for passages about a topic. Returns "
                    "numbered passages like '[S3] (source, page) text'; cite them by id.",
    )
