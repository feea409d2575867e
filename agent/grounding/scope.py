"""What the question asks that the provided sources cannot answer.

A question that names a model the prompt does not provide (e.g. "how does SwinIR compare?") gets
the "not covered" statement for that part instead of an answer from outside knowledge.
"""

from __future__ import annotations

import re

from agent.grounding.vocabulary import model_names_in
from prompts import Prompt
from prompts.instructions import NOT_COVERED_PHRASE

# Catalogue-style names (SISR-SwinIR-4x, Denoise-Restormer, ...).
_CATALOGUE = re.compile(r"\b(?:SISR|Denoise|Deblur|Derain|Dehaze|Inpaint|Colorize|VSR)-[A-Za-z0-9][\w.-]*", re.IGNORECASE)


def _provided_text(prompt: Prompt) -> str:
    parts = [m.name for m in prompt.models] + [f"{p.title} {p.summary or ''}" for p in prompt.papers]
    return "\n".join(parts)


def uncovered_models(prompt: Prompt, extra_text: str = "") -> list[str]:
    """Model names the question asks about that no provided model, paper title or summary names.
    `extra_text` (e.g. the retrieved passages) widens what counts as provided."""
    provided = _provided_text(prompt) + "\n" + extra_text
    provided_names = model_names_in(provided)
    provided_lower = provided.lower()
    catalogue = [m.group(0) for m in _CATALOGUE.finditer(prompt.question) if m.group(0).lower() not in provided_lower]
    # A known name inside an asked-about catalogue name (CARN in SISR-CARN-4x) is the same model.
    names = [n for n in sorted(model_names_in(prompt.question) - provided_names) if not any(n in c for c in catalogue)]
    return list(dict.fromkeys(names + catalogue))


def refusal_statement(name: str) -> str:
    """The sentence an answer carries for a model the sources do not cover."""
    return f"{NOT_COVERED_PHRASE}: {name} is not among the provided models and papers, so this answer does not describe it."
