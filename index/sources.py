"""Resolve a prompt into the sources to index, in prompt order.

Each recommended model gives its paper and (when listed) its GitHub repository; each related paper
gives the paper and its repository. arXiv links of any form become one canonical id and PDF URL
under the configured arXiv base; a GitHub repository becomes its README on the default branch;
any other paper URL (a conference PDF) is fetched as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from index.arxiv import bundled_record
from index.config import IndexConfig
from prompts import Prompt, github_repo, parse_arxiv


@dataclass(frozen=True)
class Source:
    """One thing to index for a question."""

    key: str  # stable within the prompt, e.g. "model1-paper"
    ref: str  # what the status table shows, e.g. "SISR-HAN-2x paper"
    short: str  # a short name for passage labels
    kind: Literal["paper", "code"]
    role: Literal["recommended", "related"]
    url: str  # the prompt's own URL
    fetch_url: str  # what is fetched (canonical PDF, raw README, or the URL itself)
    title: str
    arxiv_id: str | None = None
    arxiv_version: int | None = None
    summary: str | None = None


def arxiv_pdf_url(base_url: str, arxiv_id: str, version: int | None) -> str:
    """The PDF URL of an arXiv paper under `base_url` (`/pdf/<id>` or `/pdf/<id>v<N>`)."""
    suffix = f"v{version}" if version else ""
    return f"{base_url.rstrip('/')}/pdf/{arxiv_id}{suffix}"


def readme_url(base_url: str, owner: str, repo: str) -> str:
    """The raw README of a GitHub repository's default branch under `base_url`."""
    return f"{base_url.rstrip('/')}/{owner}/{repo}/HEAD/README.md"


def _short_title(title: str) -> str:
    head = title.split(":", 1)[0].strip()
    return head if 0 < len(head) <= 40 else (title[:37] + "..." if len(title) > 40 else title)


def _paper(key, name, short, role, url, summary, config) -> Source:
    parsed = parse_arxiv(url)
    arxiv, version = parsed if parsed else (None, None)
    fetch_url = arxiv_pdf_url(config.arxiv_base_url, arxiv, version) if arxiv else url
    return Source(
        key=key,
        ref=f"{name} paper" if role == "recommended" else name,
        short=short,
        kind="paper",
        role=role,
        url=url,
        fetch_url=fetch_url,
        title=name,
        arxiv_id=arxiv,
        arxiv_version=version,
        summary=summary,
    )


def _code(key, name, short, role, url, config) -> Source:
    repo = github_repo(url)
    fetch_url = readme_url(config.github_raw_base_url, *repo) if repo else url
    return Source(
        key=key,
        ref=f"{short} code" if role == "related" else f"{name} code",
        short=short,
        kind="code",
        role=role,
        url=url,
        fetch_url=fetch_url,
        title=f"{name} code ({repo[0]}/{repo[1]})" if repo else name,
    )


def resolve(prompt: Prompt, config: IndexConfig) -> list[Source]:
    """The sources of `prompt`, models first, then related papers, each paper before its code."""
    sources: list[Source] = []
    for i, model in enumerate(prompt.models, start=1):
        parsed = parse_arxiv(model.paper_url)
        record = bundled_record(parsed[0]) if parsed else None
        paper = _paper(f"model{i}-paper", model.name, model.name, "recommended", model.paper_url, None, config)
        if record:  # the paper's real title, for labels and references
            paper = Source(**{**paper.__dict__, "title": record.title})
        sources.append(paper)
        if model.github_url:
            sources.append(_code(f"model{i}-code", model.name, model.name, "recommended", model.github_url, config))
    for i, ref in enumerate(prompt.papers, start=1):
        short = _short_title(ref.title)
        sources.append(_paper(f"paper{i}", ref.title, short, "related", ref.paper_url, ref.summary, config))
        if ref.github_url:
            sources.append(_code(f"paper{i}-code", ref.title, short, "related", ref.github_url, config))
    return sources
