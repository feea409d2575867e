"""The tools the OpenAI-compatible agent may call: `search_papers` over the question's own index,
and `run_sr_model` from `tools/sr_tool.py` (loaded lazily: it pulls in torch).

Tool output is data for the model, not instructions: passages are numbered with their ids so the
model can cite them, and every passage a search returns is recorded in `ctx.tool_passages`, so
the guard accepts citations to it (and only to passages that were actually retrieved).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from agent.context import AnswerContext
from agent.instructions import DATA_NOTICE
from agent.settings import Settings

SEARCH_TOOL = "search_papers"
SR_TOOL = "run_sr_model"
MAX_QUERY_CHARS = 500
NO_HITS = "No passage of the provided papers matches this query."


class SearchArgs(BaseModel):
    query: str = Field(description="What to look for in the provided papers, e.g. 'EDSR residual blocks upsampling'.")


def format_passage(passage) -> str:
    """`[S3] (EDSR paper (arXiv 1707.02921), p. 3) text...` on one line."""
    return f"[{passage.id}] ({passage.label()}) {' '.join(passage.text.split())}"


def format_passages(passages: list) -> str:
    """Numbered passages after the notice that they are data."""
    if not passages:
        return NO_HITS
    return "\n".join([DATA_NOTICE, *(format_passage(p) for p in passages)])


def make_search_tool(ctx: AnswerContext, k: int) -> BaseTool:
    """`search_papers(query)`: the `k` best passages of the question's index for `query`."""
    lock = threading.Lock()  # the agent may run several tool calls at once

    def search_papers(query: str) -> str:
        """Search the prompt's own papers and code READMEs; returns numbered passages to cite by id."""
        query = " ".join(str(query).split())[:MAX_QUERY_CHARS]
        if not query:
            return "error: the query is empty; pass a few keywords."
        if ctx.index is None:
            return "error: no index is available for this question."
        hits = ctx.index.search(query, k=k)
        with lock:
            known = {p.id for p in ctx.tool_passages}
            ctx.tool_passages.extend(p for p in hits if p.id not in known)
        return format_passages(hits)

    return StructuredTool.from_function(
        func=search_papers, name=SEARCH_TOOL, args_schema=SearchArgs,
        description="Search the prompt's own papers (and code READMEs) for passages about a topic. Returns "
                    "numbered passages like '[S3] (source, page) text'; cite them by id.",
    )


def load_sr_tool(settings: Settings) -> BaseTool | None:
    """`run_sr_model` from tools/sr_tool.py, or None when the SR stack is not installed here."""
    try:
        from tools.sr_tool import make_sr_tool
    except ImportError:
        return None
    return make_sr_tool(settings.sr_config())


def tool_result(content: Any) -> tuple[dict | None, str | None]:
    """A `run_sr_model` ToolMessage's content as (result dict, None) or (None, error text)."""
    if isinstance(content, list):
        content = "".join(c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
    text = str(content).strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None, " ".join(text.split())[:300] or "the tool returned nothing"
    if not isinstance(data, dict):
        return None, "the tool returned no result object"
    if data.get("error"):
        return None, " ".join(str(data["error"]).split())[:300]
    return data, None
