"""What a backend gets to write an answer: the prompt, the retrieved passages per need, the
workflow graph, and what is out of scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from agent.answer.schema import PARTS, CitedSentence, Usage, Workflow
from prompts import Prompt


@dataclass
class AnswerContext:
    """Retrieval results for one prompt. Passages are `index.Passage` objects; their ids (S1, S2, ...)
    are the only citations an answer may carry."""

    prompt: Prompt
    question_passages: list = field(default_factory=list)
    model_passages: dict[str, list] = field(default_factory=dict)  # model name -> passages
    reference_passages: dict[str, list] = field(default_factory=dict)  # paper URL (as in the prompt) -> passages
    workflow: Workflow | None = None
    workflow_warnings: list[str] = field(default_factory=list)
    scale: float | None = None
    refused: list[str] = field(default_factory=list)
    offline_fallback: bool = False
    index: object | None = None  # the question's QuestionIndex, for backends that search on their own
    tool_passages: list = field(default_factory=list)  # passages a tool-calling backend retrieved itself
    # The parts this answer needs written (a chat turn replies from part 2 only); a backend may
    # skip writing the others, which then get the extractive text.
    parts: tuple[str, ...] = PARTS

    def record_tool_passages(self, hits: list) -> None:
        """Remember passages a tool-calling backend retrieved itself (each once), so citing them is valid."""
        known = {p.id for p in self.tool_passages}
        self.tool_passages.extend(p for p in hits if p.id not in known)

    def passages(self) -> dict:
        """Every retrieved passage by id: the set citations must resolve to."""
        found: dict = {}
        groups = [self.question_passages, *self.model_passages.values(), *self.reference_passages.values(), self.tool_passages]
        for group in groups:
            for passage in group:
                found.setdefault(passage.id, passage)
        return found


class Draft(BaseModel):
    """What a backend writes: the parts it is good at, each sentence citing passage ids."""

    task: CitedSentence
    sub_goals: list[str] = Field(default_factory=list)
    direct_answer: list[CitedSentence] = Field(default_factory=list)
    steps: list[CitedSentence] = Field(default_factory=list)
    relevance: dict[str, CitedSentence] = Field(
        default_factory=dict, description="Per related paper, keyed by its paper URL as in the prompt."
    )
    warnings: list[str] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    demo: dict | None = Field(default=None, description="A run_sr_model result the backend obtained through the tool.")
