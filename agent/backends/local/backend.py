"""The local backend: the embedded GGUF model, held to the passages by JSON-schema grammars.

Small models cannot call tools, so this is a fixed retrieve → answer chain of three short calls
(task, mechanism, relevance) that share one prompt prefix (system text + numbered passages), so
llama.cpp reads the passages once. The shape lives in the schemas (`minItems`, an `enum` of the
passage ids for citations, one required key per related paper), as measured in
the local-LLM notes (BENCHMARKS.md). Invalid output is retried once with the error, then replaced by the
extractive text for that part, with a warning.
"""

from __future__ import annotations

import time

from agent.answer.context import AnswerContext, Draft
from agent.answer.schema import CitedSentence, Usage
from agent.backends import extractive
from agent.settings import Settings
from prompts.instructions import (
    LOOSELY_RELATED,
    MECHANISM_ASK,
    NOT_COVERED_PHRASE,
    SYSTEM_PROMPT,
    TASK_ASK,
    invalid_output_retry,
    local_prefix,
    mechanism_ask,
    paper_keys,
    relevance_ask,
    scale_hint,
)
from prompts.text import shorten

PASSAGE_CHARS = 420  # per passage shown to the model: the prompt dominates the time on a CPU
MAX_OUTPUT_TOKENS = {"task": 160, "mechanism": 300, "relevance": 240}


def _short(text: str, limit: int = PASSAGE_CHARS) -> str:
    return shorten(text, limit)


def _tidy(text: str, limit: int) -> str:
    """A string the grammar cut at `limit` characters ends on a whole word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) >= limit - 1:
        text = text.rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return text


def passage_block(passages: list) -> str:
    """The numbered passages as the model sees them: id, source, then the text as quoted data."""
    return "\n".join(f"[{p.id}] ({p.source_short}) {_short(p.text)}" for p in passages)


def _citations_schema(ids: list[str], min_items: int = 1) -> dict:
    return {"type": "array", "items": {"type": "string", "enum": ids}, "minItems": min_items, "maxItems": 3}


def task_schema(ids: list[str]) -> dict:
    return {
        "type": "object",
        "properties": {
            "task": {"type": "string", "minLength": 20, "maxLength": 320},
            "citations": _citations_schema(ids),
            "sub_goals": {"type": "array", "items": {"type": "string", "minLength": 8, "maxLength": 120},
                          "minItems": 2, "maxItems": 4},
        },
        "required": ["task", "citations", "sub_goals"],
    }


def mechanism_schema(ids: list[str]) -> dict:
    sentence = {
        "type": "object",
        "properties": {"text": {"type": "string", "minLength": 30, "maxLength": 240}, "citations": _citations_schema(ids)},
        "required": ["text", "citations"],
    }
    return {"type": "object", "properties": {"steps": {"type": "array", "items": sentence, "minItems": 3, "maxItems": 4}},
            "required": ["steps"]}


def relevance_schema(keys: list[str]) -> dict:
    entry = {
        "type": "object",
        "properties": {"why": {"type": "string", "minLength": 15, "maxLength": 180}},
        "required": ["why"],
    }
    return {"type": "object", "properties": {k: entry for k in keys}, "required": keys}


class LocalBackend:
    """Answers with the embedded model (or AISCI_LOCAL_MODEL)."""

    name = "local"

    def __init__(self, settings: Settings, llm=None):
        self.settings = settings
        self._llm = llm

    @property
    def llm(self):
        if self._llm is None:
            from agent.backends.local.runtime import LocalLLM

            self._llm = LocalLLM.from_settings(self.settings)
        return self._llm

    def draft(self, ctx: AnswerContext) -> Draft:
        start = time.perf_counter()
        _ = self.llm  # load (or install) the model first, timed on its own
        self.usage = Usage()
        self.warnings: list[str] = []
        usage_load = time.perf_counter() - start
        passages = self._budgeted_passages(ctx)
        user_prefix = local_prefix(ctx.prompt, passage_block(passages))
        ids = [p.id for p in passages]
        task, goals = self._task(ctx, user_prefix, ids)
        draft = Draft(task=task, sub_goals=goals, steps=self._mechanism(ctx, user_prefix, passages),
                      relevance=self._relevance(ctx, user_prefix))
        draft.warnings = self.warnings
        draft.usage = self.usage
        draft.usage.add_time("load_model", usage_load)
        draft.usage.add_time("write", time.perf_counter() - start - usage_load)
        return draft

    # --- context budget ---------------------------------------------------------------------
    def _budgeted_passages(self, ctx: AnswerContext) -> list:
        """The model's, the question's and each related paper's best passages, in that priority,
        as many as fit the window after the system text, the longest ask and its output."""
        ordered: dict = {}
        for group in ctx.model_passages.values():
            for p in group[:4]:
                ordered.setdefault(p.id, p)
        for p in ctx.question_passages[:3]:
            ordered.setdefault(p.id, p)
        for group in ctx.reference_passages.values():
            for p in group[:1]:
                ordered.setdefault(p.id, p)
        budget = self.llm.n_ctx - max(MAX_OUTPUT_TOKENS.values()) - self.llm.count_tokens(SYSTEM_PROMPT + MECHANISM_ASK) - 200
        chosen, used = [], 0
        for p in ordered.values():
            cost = self.llm.count_tokens(f"[{p.id}] ({p.source_short}) {_short(p.text)}\n")
            if used + cost > budget:
                self.warnings.append(f"local: passage {p.id} left out to fit the {self.llm.n_ctx}-token window")
                continue
            chosen.append(p)
            used += cost
        return chosen

    # --- calls --------------------------------------------------------------------------------
    def _call(self, part: str, user: str, schema: dict) -> dict | None:
        """One schema-held call, retried once with the error; None when both attempts fail."""
        from agent.backends.local.runtime import LocalLLMError

        ask = user
        for attempt in (1, 2):
            try:
                data, usage = self.llm.complete_json(SYSTEM_PROMPT, ask, schema, MAX_OUTPUT_TOKENS[part])
            except LocalLLMError as exc:
                if attempt == 2:
                    self.warnings.append(f"local: the {part} output was invalid twice ({exc}); used the extractive text")
                    return None
                ask = invalid_output_retry(user, str(exc))
                continue
            self.usage.prompt_tokens += usage.prompt_tokens
            self.usage.completion_tokens += usage.completion_tokens
            self.usage.add_time(f"llm_{part}", usage.seconds)
            return data
        return None

    def _task(self, ctx: AnswerContext, prefix: str, ids: list[str]) -> tuple[CitedSentence, list[str]]:
        data = self._call("task", prefix + TASK_ASK + scale_hint(ctx.scale), task_schema(ids))
        if data is None:
            return extractive.task_sentence(ctx), extractive.sub_goals(ctx)
        goals = [g.strip() for g in data["sub_goals"] if g.strip()]
        return CitedSentence(text=_tidy(data["task"], 320), citations=list(dict.fromkeys(data["citations"]))), goals

    def _mechanism(self, ctx: AnswerContext, prefix: str, passages: list) -> list[CitedSentence]:
        model_ids = [p.id for group in ctx.model_passages.values() for p in group if p in passages] or [p.id for p in passages]
        names = ", ".join(m.name for m in ctx.prompt.models)
        data = self._call("mechanism", prefix + mechanism_ask(names, model_ids),
                          mechanism_schema(model_ids))
        steps = [] if data is None else [
            CitedSentence(text=_tidy(s["text"], 240), citations=list(dict.fromkeys(s["citations"])))
            for s in data["steps"] if not s["text"].strip().startswith(NOT_COVERED_PHRASE)
        ]
        if not steps:  # invalid twice, or the model only took the "not covered" shortcut
            if data is not None:
                self.warnings.append("local: the model wrote no grounded mechanism sentence; used the extractive text")
            return extractive.mechanism_steps(ctx)
        return steps

    def _relevance(self, ctx: AnswerContext, prefix: str) -> dict[str, CitedSentence]:
        papers = [p for p in ctx.prompt.papers if ctx.reference_passages.get(p.paper_url)]
        if not papers:
            return {}
        by_url = {url: key for key, url in paper_keys(ctx.prompt).items()}
        keys = [by_url[paper.paper_url] for paper in papers]
        listing = [(key, paper.title, [p.id for p in ctx.reference_passages[paper.paper_url]])
                   for key, paper in zip(keys, papers, strict=True)]
        data = self._call("relevance", prefix + relevance_ask(listing),
                          relevance_schema(keys))
        out: dict[str, CitedSentence] = {}
        for key, paper in zip(keys, papers, strict=True):
            cites = [p.id for p in ctx.reference_passages[paper.paper_url]][:1]
            if data is None:
                out[paper.paper_url] = extractive.relevance_sentence(ctx, paper.paper_url, ctx.reference_passages[paper.paper_url])
                continue
            text = _tidy(data[key]["why"], 180)
            # Whether a paper is on topic is decided from its own text, not by the small model.
            paper_text = " ".join(p.text for p in ctx.reference_passages[paper.paper_url])
            if not extractive.is_on_topic(paper_text) and not text.startswith(LOOSELY_RELATED):
                text = LOOSELY_RELATED + text
            out[paper.paper_url] = CitedSentence(text=text, citations=cites)
        return out

