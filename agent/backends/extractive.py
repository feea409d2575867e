"""The extractive backend: no language model. It picks the best sentences of the retrieved passages
per part (query overlap + retrieval score, with diversity) and cites them; the answer says at the
top that no language model wrote it."""

from __future__ import annotations

import re
import time

from agent.answer.checks import SENTENCE_ENDS
from agent.answer.context import AnswerContext, Draft
from agent.answer.relation import relation_of
from agent.answer.schema import CitedSentence, Usage
from agent.answer.sentences import body_candidates, candidates, design_score, pick_diverse, terms
from agent.answer.tasks import prompt_family
from agent.backends import DraftCallback
from prompts.instructions import LINK_REMOVED, NOT_COVERED_PHRASE


class ExtractiveBackend:
    """Deterministic, cited answers built from the passages alone."""

    name = "extractive"

    def draft(self, ctx: AnswerContext, on_part: DraftCallback | None = None, progress=None) -> Draft:
        start = time.perf_counter()
        draft = Draft(task=task_sentence(ctx), sub_goals=sub_goals(ctx))
        if on_part:
            on_part("task", draft)
        draft.direct_answer = direct_answer(ctx)
        draft.steps = mechanism_steps(ctx, skip=draft.direct_answer)
        if on_part:
            on_part("workflow", draft)
        draft.relevance = {url: relevance_sentence(ctx, url, passages) for url, passages in ctx.reference_passages.items()}
        draft.usage = Usage(seconds={"write": round(time.perf_counter() - start, 3)})
        if on_part:
            on_part("references", draft)
        return draft


def _models_phrase(ctx: AnswerContext) -> str:
    names = [m.name for m in ctx.prompt.models]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def quoted_question(question: str) -> str:
    """The question as part 1 quotes it: without removed-link placeholders and ending where its
    last sentence ends (markup debris after the question mark would leave the sentence unended)."""
    text = " ".join(question.replace(LINK_REMOVED, " ").split())
    last = max(text.rfind(mark) for mark in SENTENCE_ENDS)
    if 0 < last < len(text) - 1:
        tail = text[last + 1:]
        if re.search(r"[\[\]()<>'\"]", tail) or not re.search(r"\w{3,}", tail):
            text = text[:last + 1]
    return text


def task_sentence(ctx: AnswerContext) -> CitedSentence:
    """Part 1, restating the question in its own words and citing the passage closest to the task."""
    family = prompt_family(ctx.prompt)
    scale = f" by ×{ctx.scale:g}" if ctx.scale and family.scales else ""
    quote = quoted_question(ctx.prompt.question)
    text = (
        f"The user wants to {family.goal}{scale} with {family.noun} and to understand how "
        f"{_models_phrase(ctx)} does it; in their words: “{quote}”{'' if quote.endswith(SENTENCE_ENDS) else '.'}"
    )
    model_passages = [p for group in ctx.model_passages.values() for p in group]
    best = pick_diverse(candidates(model_passages or ctx.question_passages, f"{family.noun} task {ctx.prompt.question}"), 1)
    return CitedSentence(text=text, citations=[best[0].passage_id] if best else [])


def sub_goals(ctx: AnswerContext) -> list[str]:
    """Short sub-goals derived from the question and the recommended models."""
    family = prompt_family(ctx.prompt)
    if family.scales:
        scale = f"×{ctx.scale:g}" if ctx.scale else "the requested factor"
        goals = [f"Enlarge the low-resolution input by {scale} without losing edges and textures"]
    else:
        goals = [f"{family.goal[0].upper()}{family.goal[1:]} without losing its detail"]
    goals += [f"Understand how {m.name} turns the input into the restored output" for m in ctx.prompt.models]
    goals.append("Point to the provided papers and code that support the explanation")
    return goals


def direct_answer(ctx: AnswerContext) -> list[CitedSentence]:
    """The sentence of the recommended models' passages that bears most on the question: the one
    that says what the model is made of (design words) and shares the question's terms."""
    passages = [p for group in ctx.model_passages.values() for p in group]
    question = terms(ctx.prompt.question) | terms(" ".join(m.name for m in ctx.prompt.models))
    found = sorted(body_candidates(passages, ctx.prompt.question), key=lambda c: design_score(c, question), reverse=True)
    return [CitedSentence(text=found[0].text, citations=[found[0].passage_id])] if found else []


def mechanism_steps(ctx: AnswerContext, n: int = 5, skip: list[CitedSentence] = ()) -> list[CitedSentence]:
    """Part 2's narrative: the most relevant, diverse sentences from each recommended model's sources
    (other than those in `skip`, e.g. the direct answer)."""
    steps: list[CitedSentence] = []
    taken = {s.text for s in skip}
    per_model = max(2, n // max(1, len(ctx.model_passages)))
    for name, passages in ctx.model_passages.items():
        query = f"{ctx.prompt.question} {name} network architecture attention residual features upscale reconstruct"
        found = [c for c in body_candidates(passages, query) if c.text not in taken]
        for cand in pick_diverse(found, per_model):
            steps.append(CitedSentence(text=cand.text, citations=[cand.passage_id]))
    if not steps and not skip:
        steps.append(CitedSentence(text=f"{NOT_COVERED_PHRASE}: the retrieved passages do not describe how the model works."))
    return steps


def relevance_sentence(ctx: AnswerContext, url: str, passages: list) -> CitedSentence:
    """Part 3: one line on how a related paper bears on the question: the relation code decides
    (same task, only a step, a different sense of the word, a different problem), then the
    paper's own sentence closest to the question."""
    best = pick_diverse(candidates(passages, ctx.prompt.question), 1)
    if not best:
        return CitedSentence(text=f"{NOT_COVERED_PHRASE}: no passage of this paper could be retrieved.")
    title = next((p.title for p in ctx.prompt.papers if p.paper_url == url), "")
    relation = relation_of(title, " ".join(p.text for p in passages), prompt_family(ctx.prompt))
    return CitedSentence(text=relation.then(best[0].text), citations=[best[0].passage_id])
