"""The extractive backend: no language model. It picks the best sentences of the retrieved passages
per part (query overlap + retrieval score, with diversity) and cites them; the answer says at the
top that no language model wrote it."""

from __future__ import annotations

import re
import time

from agent.answer.context import AnswerContext, Draft
from agent.answer.schema import CitedSentence, Usage
from agent.answer.sentences import candidates, pick_diverse
from prompts.instructions import LOOSELY_RELATED, NOT_COVERED_PHRASE

# A related paper bears on an image super-resolution question directly when its own text is about
# super-resolution of images (not "super-resolution microscopy", an optical technique).
_SR_TOPIC = re.compile(r"super[- ]resolution(?! microscopy)|\bSR\b|single[- ]image", re.IGNORECASE)


class ExtractiveBackend:
    """Deterministic, cited answers built from the passages alone."""

    name = "extractive"

    def draft(self, ctx: AnswerContext) -> Draft:
        start = time.perf_counter()
        draft = Draft(
            task=task_sentence(ctx),
            sub_goals=sub_goals(ctx),
            steps=mechanism_steps(ctx),
            relevance={url: relevance_sentence(ctx, url, passages) for url, passages in ctx.reference_passages.items()},
        )
        draft.usage = Usage(seconds={"write": round(time.perf_counter() - start, 3)})
        return draft


def _models_phrase(ctx: AnswerContext) -> str:
    names = [m.name for m in ctx.prompt.models]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def task_sentence(ctx: AnswerContext) -> CitedSentence:
    """Part 1, restating the question in its own words and citing the passage closest to the task."""
    scale = f" by ×{ctx.scale:g}" if ctx.scale else ""
    text = (
        f"The user wants to enlarge a low-resolution image{scale} with single-image super-resolution and to "
        f"understand how {_models_phrase(ctx)} recovers sharp detail; in their words: “{ctx.prompt.question}”"
    )
    model_passages = [p for group in ctx.model_passages.values() for p in group]
    best = pick_diverse(candidates(model_passages or ctx.question_passages, "super-resolution task " + ctx.prompt.question), 1)
    return CitedSentence(text=text, citations=[best[0].passage_id] if best else [])


def sub_goals(ctx: AnswerContext) -> list[str]:
    """Short sub-goals derived from the question and the recommended models."""
    scale = f"×{ctx.scale:g}" if ctx.scale else "the requested factor"
    goals = [f"Enlarge the low-resolution input by {scale} without losing edges and textures"]
    goals += [f"Understand how {m.name} turns the input into the high-resolution output" for m in ctx.prompt.models]
    goals.append("Point to the provided papers and code that support the explanation")
    return goals


def mechanism_steps(ctx: AnswerContext, n: int = 5) -> list[CitedSentence]:
    """Part 2's narrative: the most relevant, diverse sentences from each recommended model's sources."""
    steps: list[CitedSentence] = []
    per_model = max(2, n // max(1, len(ctx.model_passages)))
    for name, passages in ctx.model_passages.items():
        query = f"{ctx.prompt.question} {name} network architecture attention residual features upscale reconstruct"
        titles = {" ".join(p.source_title.split()).rstrip(".").lower() for p in passages}
        found = [c for c in candidates(passages, query) if c.text.rstrip(".").lower() not in titles]
        for cand in pick_diverse(found, per_model):
            steps.append(CitedSentence(text=cand.text, citations=[cand.passage_id]))
    if not steps:
        steps.append(CitedSentence(text=f"{NOT_COVERED_PHRASE}: the retrieved passages do not describe how the model works."))
    return steps


def relevance_sentence(ctx: AnswerContext, url: str, passages: list) -> CitedSentence:
    """Part 3: one line on how a related paper bears on the question, honest when only loosely."""
    best = pick_diverse(candidates(passages, ctx.prompt.question), 1)
    if not best:
        return CitedSentence(text=f"{NOT_COVERED_PHRASE}: no passage of this paper could be retrieved.")
    prefix = "" if is_on_topic(" ".join(p.text for p in passages)) else LOOSELY_RELATED
    return CitedSentence(text=prefix + best[0].text, citations=[best[0].passage_id])


def is_on_topic(paper_text: str) -> bool:
    """True when a related paper's text is about image super-resolution itself."""
    return len(_SR_TOPIC.findall(paper_text)) >= 2
