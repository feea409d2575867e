"""The prompt as data: a user's question, the recommended models and the related papers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from prompts.links import normalize_url


class ModelRef(BaseModel):
    """A recommended model: its catalogue name, its paper and (maybe) its code."""

    model_config = ConfigDict(frozen=True)

    name: str
    paper_url: str
    github_url: str | None = None


class PaperRef(BaseModel):
    """A related paper as the prompt lists it, with the prompt's own summary when there is one."""

    model_config = ConfigDict(frozen=True)

    title: str
    paper_url: str
    github_url: str | None = None
    summary: str | None = None


class Prompt(BaseModel):
    """One prompt file, parsed. `id` is derived from the file's content (line endings normalised)."""

    id: str
    path: str
    question: str
    instructions: list[str] = Field(default_factory=list)
    models: list[ModelRef]
    papers: list[PaperRef] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def allowed_links(self) -> set[str]:
        """The normalised set of every Paper/GitHub URL in the prompt: the only links an answer
        may carry (compare with `prompts.links.normalize_url`)."""
        links: set[str] = set()
        for ref in [*self.models, *self.papers]:
            links.add(normalize_url(ref.paper_url))
            if ref.github_url:
                links.add(normalize_url(ref.github_url))
        return links

    def is_allowed_link(self, url: str) -> bool:
        """True when `url` is, once normalised, one of the prompt's links."""
        try:
            return normalize_url(url) in self.allowed_links()
        except ValueError:
            return False
