"""The answer schema: what every backend's answer becomes before it is guarded and rendered.

Links and references are assembled by code from the prompt (never from model text); model text
is confined to sentences that cite passage ids (`S1`, `S2`, ...).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

NodeKind = Literal["input", "preprocess", "model", "output", "compare"]
# The answer's parts, in the order they are written and shown: part 1, part 2, part 3.
PARTS = ("task", "workflow", "references")


class CitedSentence(BaseModel):
    """One sentence of the answer and the passage ids it rests on."""

    text: str
    citations: list[str] = Field(default_factory=list)


class TaskPart(BaseModel):
    """Part 1: what the user is trying to do."""

    summary: CitedSentence
    sub_goals: list[str] = Field(default_factory=list)
    scale: float | None = Field(default=None, description="The enlargement factor the question states, if any.")


class WorkflowNode(BaseModel):
    """A node of the CNAPS-style graph with typed parameters."""

    id: str
    kind: NodeKind
    label: str
    params: dict[str, str | int | float | bool | None] = Field(default_factory=dict)


class WorkflowEdge(BaseModel):
    source: str
    target: str
    label: str | None = None


class Workflow(BaseModel):
    """Part 2: the input → model → output graph, and the narrative of how the model works."""

    nodes: list[WorkflowNode]
    edges: list[WorkflowEdge]
    direct_answer: list[CitedSentence] = Field(
        default_factory=list, description="1-3 cited sentences that answer the user's question directly, opening part 2."
    )
    steps: list[CitedSentence] = Field(default_factory=list)

    def node(self, node_id: str) -> WorkflowNode | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def model_nodes(self) -> list[WorkflowNode]:
        return [n for n in self.nodes if n.kind == "model"]


class Reference(BaseModel):
    """Part 3: one paper or code link, always taken from the prompt."""

    title: str
    url: str
    kind: Literal["paper", "code"]
    role: Literal["recommended", "related"]
    relevance: str = ""
    citations: list[str] = Field(default_factory=list)
    tangential: bool = Field(default=False, description="True when the source bears on the question only loosely.")


class Evidence(BaseModel):
    """A passage the answer cites: id, where it comes from, and the quoted text."""

    id: str
    source: str
    url: str
    page: int | None = None
    origin: str
    quote: str


class Usage(BaseModel):
    """Token and time accounting of one answer."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_tokens_new: int = Field(default=0, description="Prompt tokens the local model had to read (not in its KV cache).")
    seconds: dict[str, float] = Field(default_factory=dict, description="Seconds per stage (index, retrieve, write, ...).")

    def add_time(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + seconds, 3)


class Answer(BaseModel):
    """A complete, guarded answer to one prompt."""

    prompt_id: str
    question: str
    backend: str
    task: TaskPart
    workflow: Workflow
    references: list[Reference]
    evidence: list[Evidence] = Field(default_factory=list)
    demo: dict[str, Any] | None = Field(default=None, description="The SR tool's result (SRResult as JSON), if run.")
    notices: list[str] = Field(default_factory=list, description="Statements shown at the top (no LLM, offline, ...).")
    warnings: list[str] = Field(default_factory=list)
    refused: list[str] = Field(default_factory=list, description="Parts the provided sources do not cover.")
    usage: Usage = Field(default_factory=Usage)

    def cited_ids(self) -> list[str]:
        """Every passage id the answer cites, in first-seen order."""
        seen: dict[str, None] = {}
        for sentence in [self.task.summary, *self.workflow.direct_answer, *self.workflow.steps]:
            seen.update(dict.fromkeys(sentence.citations))
        for ref in self.references:
            seen.update(dict.fromkeys(ref.citations))
        return list(seen)
