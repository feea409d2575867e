"""Support for the answer-layer tests: the seed list and a scripted fake chat model as a backend.

It is LangChain's fake chat model (replies come from a list) with a `bind_tools` that returns
itself; the backend asks it for a Draft as JSON and parses what it says, as an LLM backend would.
"""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from agent.answer.context import AnswerContext, Draft
from prompts.instructions import SYSTEM_PROMPT

SEEDS = sorted((Path(__file__).resolve().parents[2] / "prompts" / "set").glob("*.txt"))


class ScriptedChatModel(FakeListChatModel):
    """Fake chat model that also accepts tools (and ignores them)."""

    def bind_tools(self, tools, **kwargs):  # noqa: ARG002 - same signature as real chat models
        return self


class ScriptedBackend:
    """A backend whose 'LLM' replies with scripted JSON drafts (one per answer)."""

    name = "scripted"

    def __init__(self, replies: list[dict | str]):
        self.model = ScriptedChatModel(responses=[r if isinstance(r, str) else json.dumps(r) for r in replies])
        self.seen: list[str] = []

    def draft(self, ctx: AnswerContext, on_part=None, progress=None) -> Draft:
        passages = "\n".join(f"[{p.id}] {p.text}" for p in ctx.passages().values())
        user = f"Question: {ctx.prompt.question}\nPassages:\n{passages}\nWrite the draft as JSON."
        self.seen.append(user)
        reply = self.model.bind_tools([]).invoke([SystemMessage(SYSTEM_PROMPT), HumanMessage(user)])
        return Draft.model_validate_json(reply.content)


def good_draft(ctx_ids: list[str], paper_urls: list[str]) -> dict:
    """A well-behaved draft citing the given passage ids."""
    first = ctx_ids[0]
    return {
        "task": {"text": "The user wants to enlarge an image and understand the model.", "citations": [first]},
        "sub_goals": ["Enlarge the image", "Explain the model"],
        "steps": [{"text": f"The model's paper explains its design (step {i}).", "citations": [first]} for i in range(3)],
        "relevance": {url: {"text": "This paper discusses a related topic.", "citations": [first]} for url in paper_urls},
    }
