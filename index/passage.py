"""`Passage`: one retrievable piece of a question's sources, with where it came from."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Origin = Literal["pdf", "arxiv-abstract", "bundled-abstract", "prompt-summary", "readme"]

ORIGIN_WORDS = {
    "pdf": None,
    "arxiv-abstract": "arXiv abstract",
    "bundled-abstract": "arXiv abstract (bundled)",
    "prompt-summary": "summary from the prompt",
    "readme": "README",
}


class Passage(BaseModel):
    """A chunk of one source as indexed for one question.

    `id` (e.g. "S3") is assigned in source order then chunk order when the question's index is
    built, so it is stable for that question; `chunk_id` is derived from the content and is the
    same in every question that shares the source.
    """

    id: str
    chunk_id: str
    source_ref: str
    source_short: str
    source_title: str
    source_url: str
    source_kind: Literal["paper", "code"]
    role: Literal["recommended", "related"]
    origin: Origin
    arxiv_id: str | None = None
    page: int | None = None
    char_start: int
    char_end: int
    text: str
    score: float | None = None

    def label(self) -> str:
        """A human citation label, e.g. "SISR-HAN-2x paper (arXiv 2008.08767), p. 3"."""
        name = self.source_short if self.source_kind == "paper" else f"{self.source_short} code"
        if self.source_kind == "paper" and self.role == "recommended":
            name = f"{self.source_short} paper"
        where = f" (arXiv {self.arxiv_id})" if self.arxiv_id else ""
        detail = f"p. {self.page}" if self.page is not None else ORIGIN_WORDS[self.origin]
        return f"{name}{where}, {detail}"

    def metadata(self) -> dict:
        """Flat metadata for Chroma (no None values: Chroma rejects them)."""
        data = self.model_dump(exclude={"text", "score", "chunk_id"})
        return {k: v for k, v in data.items() if v is not None}
