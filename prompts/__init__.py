"""The prompt set and how a prompt is read."""

from prompts.errors import AisciError, PromptFormatError
from prompts.links import arxiv_id, github_repo, normalize_url, parse_arxiv
from prompts.model import ModelRef, PaperRef, Prompt
from prompts.parser import load, load_set, parse, prompt_id

__all__ = [
    "AisciError",
    "ModelRef",
    "PaperRef",
    "Prompt",
    "PromptFormatError",
    "arxiv_id",
    "github_repo",
    "load",
    "load_set",
    "normalize_url",
    "parse",
    "parse_arxiv",
    "prompt_id",
]


def bundled_set_dir():
    """The folder of the bundled prompt set (prompts/set)."""
    from pathlib import Path

    return Path(__file__).parent / "set"
