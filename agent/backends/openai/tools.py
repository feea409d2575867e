"""What the OpenAI-compatible agent calls, bound to one answer: `search_papers` (recording what it
returns in the answer context) and `run_sr_model` (loaded lazily: it pulls in torch), and how a
`run_sr_model` result message is read back."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.tools import BaseTool

from agent.answer.context import AnswerContext
from agent.settings import Settings
from prompts.text import shorten
from tools.search_papers import make_search_tool

ERROR_CHARS = 300  # of a tool error shown in a warning


def search_tool(ctx: AnswerContext, k: int) -> BaseTool:
    """`search_papers` over the question's index; what it finds becomes citable (`ctx.tool_passages`)."""
    return make_search_tool(ctx.index, k, on_hits=ctx.record_tool_passages)


def load_sr_tool(settings: Settings) -> BaseTool | None:
    """`run_sr_model` (tools/run_sr_model.py), or None when the SR stack is not installed here."""
    try:
        from tools.run_sr_model import make_sr_tool
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
        return None, shorten(text, ERROR_CHARS) or "the tool returned nothing"
    if not isinstance(data, dict):
        return None, "the tool returned no result object"
    if data.get("error"):
        return None, shorten(str(data["error"]), ERROR_CHARS)
    return data, None
