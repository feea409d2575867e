"""Answer backends: each turns an `AnswerContext` into a `Draft` (`selection` picks one).

`extractive` (no LLM), `local/` (the embedded GGUF model) and `openai/` (any OpenAI-compatible
endpoint) all follow the `Backend` protocol below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from agent.answer.context import AnswerContext, Draft


class Backend(Protocol):
    """What `agent.answer.compose` needs from a backend."""

    name: str

    def draft(self, ctx: AnswerContext) -> Draft:
        """The parts this backend writes for `ctx`, each sentence citing retrieved passage ids."""
        ...
