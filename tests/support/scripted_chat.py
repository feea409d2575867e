"""A scripted LangChain fake chat model for backend tests.

`GenericFakeChatModel` with a `bind_tools` that returns itself (so `create_agent` and
`with_structured_output` accept it) and a script whose items may be functions of the messages the
model was sent, so a scripted answer can cite the passages a tool really returned.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

PASSAGE_ID = re.compile(r"\[(S\d+)\]")
USAGE = {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}


class ScriptedChat(GenericFakeChatModel):
    """Answers each call with the next script item (an AIMessage, or a function of the messages)."""

    script: list[Any]
    messages: Any = iter(())
    calls: list[list[BaseMessage]] = []

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.calls.append(list(messages))
        if not self.script:
            raise AssertionError("the scripted model was called more often than scripted")
        item = self.script.pop(0)
        message = item(messages) if callable(item) else item
        return ChatResult(generations=[ChatGeneration(message=message)])

    def tool_outputs(self, name: str) -> list[str]:
        """Contents of the `name` tool results the model was sent."""
        seen: list[str] = []
        for call in self.calls:
            for m in call:
                if isinstance(m, ToolMessage) and m.name == name and m.content not in seen:
                    seen.append(str(m.content))
        return seen

    def passage_ids(self) -> list[str]:
        """Passage ids in the search_papers results the model was sent."""
        ids: list[str] = []
        for content in self.tool_outputs("search_papers"):
            ids += [i for i in PASSAGE_ID.findall(content) if i not in ids]
        return ids


def tool_call(name: str, args: dict, call_id: str) -> AIMessage:
    """An assistant message calling one tool."""
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}], usage_metadata=USAGE)


def final(text: str) -> AIMessage:
    """An assistant message that ends the agent loop."""
    return AIMessage(content=text, usage_metadata=USAGE)


def parts_call(args: dict) -> AIMessage:
    """The structured-output answer: a call of the forced AnswerParts tool."""
    return tool_call("AnswerParts", args, "parts")


def good_parts(ids: list[str], n_papers: int = 3) -> dict:
    """Valid AnswerParts arguments citing `ids`."""
    first, *rest = ids
    return {
        "task": {"text": "The user wants to enlarge a small image by 2x and keep edges and textures sharp.",
                 "citations": [first]},
        "sub_goals": ["Enlarge the image by 2x", "Keep edges and textures sharp"],
        "direct_answer": [{"text": "An encoder and a local implicit function let the model predict every new pixel "
                                   "from nearby features.", "citations": [first]}],
        "mechanism": [
            {"text": "An encoder turns the low-resolution image into a grid of deep features.", "citations": [first]},
            {"text": "A local implicit function predicts the colour at any continuous coordinate.",
             "citations": [rest[0] if rest else first]},
            {"text": "Querying it at the target resolution produces the enlarged image.",
             "citations": [rest[1] if len(rest) > 1 else first]},
        ],
        "relevance": [{"paper": f"P{i}", "text": "It bears on the question only loosely.", "citations": [ids[-1]]}
                      for i in range(1, n_papers + 1)],
    }
