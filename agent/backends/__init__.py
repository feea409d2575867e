"""Answer backends: each turns an `AnswerContext` into a `Draft` (`selection` picks one).

`extractive` (no LLM), `local/` (the embedded GGUF model) and `openai/` (any OpenAI-compatible
endpoint) all follow the `Backend` protocol below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from agent.answer.context import AnswerContext, Draft
    from prompts.progress import Progress

from agent.answer.schema import PARTS

__all__ = ["PARTS", "Backend", "DraftCallback"]
# `on_part(part, draft_so_far)`: a backend calls it as soon as it has written one of PARTS.
DraftCallback = Callable[[str, "Draft"], None]


class Backend(Protocol):
    """What `agent.answer.compose` needs from a backend."""

    name: str

    def draft(self, ctx: AnswerContext, on_part: DraftCallback | None = None,
              progress: Progress | None = None) -> Draft:
        """The parts this backend writes for `ctx`, each sentence citing retrieved passage ids.
        It calls `on_part` after each part it finishes (in PARTS order) and reports long steps
        to `progress` (e.g. "writing part 2", tokens so far)."""
        ...
