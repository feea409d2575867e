"""The guard, run on every answer from every backend.

It holds the answer to the prompt's sources: links not in `prompt.allowed_links()` are stripped,
citations to passages that were not retrieved are dropped, sentences naming a model that neither
the prompt nor the passages name are removed (outside knowledge), instruction-like sentences are
removed (data is never instructions), every recommended model's paper and code link is present,
and the evidence list is rebuilt by code from the passages actually cited. Every text of the
answer (question, sentences, titles and model names, diagram labels, quotes, notices, warnings)
goes through the one sanitizer, `prompts.sanitize.sanitize`: no markup, no invisible characters,
no link that is not the prompt's. Every repair is recorded as a warning on the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.answer.schema import Answer, CitedSentence, Evidence, Reference
from agent.grounding.injection import looks_like_injection
from agent.grounding.vocabulary import allowed_model_names, model_names_in
from prompts import Prompt, normalize_url
from prompts.instructions import NOT_COVERED_PHRASE
from prompts.sanitize import sanitize
from prompts.text import one_line


class _Guard:
    def __init__(self, prompt: Prompt, passages: Mapping[str, Any]):
        self.prompt = prompt
        self.passages = passages
        self.warnings: list[str] = []
        texts = [prompt.question, *(m.name for m in prompt.models)]
        texts += [f"{p.title} {p.summary or ''}" for p in prompt.papers]
        texts += [p.text for p in passages.values()]
        self.allowed_names = allowed_model_names(texts)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def clean(self, text: str, removed: list[str] | None = None) -> str:
        """`text` through the one sanitizer: no markup, no invisible characters, no outside link."""
        return sanitize(text, self.prompt.is_allowed_link, removed)

    def text(self, text: str, where: str) -> str:
        removed: list[str] = []
        cleaned = self.clean(text, removed)
        self._removed(removed, where)
        return cleaned

    def _removed(self, removed: list[str], where: str) -> None:
        if removed:  # the warning itself must not carry the outside link
            self.warn(f"guard: removed {len(removed)} link(s) that are not in the prompt from {where}")

    def citations(self, ids: list[str], where: str) -> list[str]:
        kept = []
        for cid in ids:
            if cid in self.passages:
                if cid not in kept:
                    kept.append(cid)
            else:
                self.warn(f"guard: dropped citation [{cid}] in {where}: no such retrieved passage")
        return kept

    def violation(self, text: str) -> str | None:
        """Why a sentence cannot stay (outside model name, injected instruction), or None."""
        outside = sorted(model_names_in(text) - self.allowed_names)
        if outside:
            return f"names {', '.join(outside)}, which neither the prompt nor the retrieved passages mention"
        if looks_like_injection(text):
            return "repeats an instruction found inside the data"
        return None

    def sentence(self, sentence: CitedSentence, where: str) -> CitedSentence | None:
        removed: list[str] = []
        text = self.clean(sentence.text, removed)  # checked as a reader sees it (zero-width tricks undone)
        reason = self.violation(text)
        if reason:
            self.warn(f"guard: removed a sentence from {where} that {reason}")
            return None
        self._removed(removed, where)
        return CitedSentence(text=text, citations=self.citations(sentence.citations, where))


def guard_answer(answer: Answer, prompt: Prompt, passages: Mapping[str, Any],
                 fallback_task: CitedSentence | None = None, complete: bool = True) -> Answer:
    """Return a repaired copy of `answer` held to the prompt and the retrieved `passages`
    (a mapping of passage id → `index.Passage`). Repairs are appended to `answer.warnings`.

    `complete=False` guards an answer still being written (shown part by part): every sentence
    present is checked as usual, but a workflow with no step yet is not a defect to repair."""
    g = _Guard(prompt, passages)
    out = answer.model_copy(deep=True)
    out.question = g.text(out.question, "the question")

    task = g.sentence(out.task.summary, "the task section")
    if task is None or not task.text.strip():
        if task is not None:
            g.warn("guard: the task section was empty; restated the question instead")
        task = fallback_task or CitedSentence(text=f"The user asks: {prompt.question}")
    out.task.summary = task
    goals = []
    for goal in out.task.sub_goals:
        kept = g.sentence(CitedSentence(text=goal), "a sub-goal")
        if kept is not None and kept.text.strip():
            goals.append(kept.text)
    out.task.sub_goals = goals

    out.workflow.direct_answer = [s for s in (g.sentence(d, "the direct answer") for d in out.workflow.direct_answer)
                                  if s and s.text.strip()]
    steps = [s for s in (g.sentence(step, "the workflow section") for step in out.workflow.steps) if s and s.text.strip()]
    if not steps and complete:
        g.warn("guard: the workflow section had no grounded sentence")
        steps = [CitedSentence(text=f"{NOT_COVERED_PHRASE}: the retrieved passages do not describe how the model works.")]
        if "how the model works" not in out.refused:
            out.refused.append("how the model works")
    out.workflow.steps = steps
    # Diagram labels go into code blocks: one line each, so none can close its block.
    for node in out.workflow.nodes:
        node.label = one_line(g.text(node.label, "the workflow diagram"))
        node.params = {k: one_line(g.text(v, "the workflow diagram")) if isinstance(v, str) else v
                       for k, v in node.params.items()}
    for edge in out.workflow.edges:
        edge.label = one_line(g.text(edge.label, "the workflow diagram")) if edge.label else edge.label

    out.references = _guard_references(g, out.references, prompt)
    out.refused = [g.text(r, "the refused parts") for r in out.refused]
    out.evidence = _evidence(g, out)
    out.notices = [g.text(n, "the notices") for n in out.notices]
    # Earlier warnings quote prompt lines and titles: data, sanitized like everything else.
    out.warnings = list(dict.fromkeys(g.clean(w) for w in [*out.warnings, *g.warnings]))
    return out


def _guard_references(g: _Guard, references: list[Reference], prompt: Prompt) -> list[Reference]:
    kept: list[Reference] = []
    for ref in references:
        title = g.text(ref.title, "a reference title")  # titles and model names are data too
        if not prompt.is_allowed_link(ref.url):
            g.warn(f"guard: dropped the reference '{title}': its link is not in the prompt")
            continue
        relevance = g.sentence(CitedSentence(text=ref.relevance, citations=ref.citations), f"the reference '{title}'")
        if relevance is None:
            relevance = CitedSentence(text="")
        kept.append(ref.model_copy(update={"title": title, "relevance": relevance.text,
                                           "citations": relevance.citations}))
    present = {normalize_url(r.url) for r in kept}
    for model in prompt.models:
        for url, kind in ((model.paper_url, "paper"), (model.github_url, "code")):
            if url and normalize_url(url) not in present:
                name = g.clean(model.name)
                g.warn(f"guard: added the missing {kind} link of recommended model {name}")
                kept.append(Reference(title=name, url=url, kind=kind, role="recommended",
                                      relevance="Recommended model for this question."))
                present.add(normalize_url(url))
    return kept


def _evidence(g: _Guard, answer: Answer) -> list[Evidence]:
    """Evidence is rebuilt from the passages actually cited; quotes are data, so links in them are
    stripped too."""
    evidence = []
    for cid in answer.cited_ids():
        passage = g.passages[cid]
        evidence.append(Evidence(
            id=cid,
            source=g.text(passage.source_title, f"the evidence [{cid}]"),
            url=passage.source_url,
            page=passage.page,
            origin=passage.origin,
            quote=g.text(passage.text, f"the evidence [{cid}]"),
        ))
    return evidence
