"""The local backend: the embedded GGUF model writes each part from only what that part needs.

Small models cannot call tools, so this is a fixed chain of two short calls that share one prompt
prefix (system text + the question block, read once by llama.cpp):

1. **task** — the question and the model names only (no paper: a small model copies the most
   "task-like" sentence it sees, and related papers' goals are not the user's);
2. **mechanism** — a direct answer and three workflow steps, from the recommended models' best
   sentences (picked by code, see `selection`);
and part 3 — how each related paper bears on the question — is written by code from the paper's
own words (`agent.answer.relation`), which measured both more accurate and free.

Code writes the start of every line and the model finishes it (`lines`); every part is checked — cut-offs, drift to a related
paper, the task named, the question's language, verbatim copying, repeated lines — and asked once
more with the problem named, then replaced by the extractive text for that part, with a warning.
"""

from __future__ import annotations

import re
import time

from agent.answer.checks import copy_share, in_language, is_broken
from agent.answer.context import AnswerContext, Draft
from agent.answer.schema import CitedSentence, Usage
from agent.answer.tasks import names_task, prompt_family
from agent.backends import DraftCallback, extractive
from agent.backends.local.lines import Reply, cite_by_overlap, whole_sentences
from agent.backends.local.selection import components, model_sentences, named_parts, network_of, sentence_lines
from agent.settings import Settings
from prompts.language import Language, detect
from prompts.local_asks import (
    LOCAL_SYSTEM,
    answer_opening,
    line_openings,
    local_question_block,
    mechanism_request,
    retry_note,
    step_openings,
    task_request,
)

MAX_TOKENS = {"task": 60, "goal": 20, "answer": 90, "step": 60}  # per line; a cut line keeps its whole sentences
MAX_COPY = 0.5  # part 2 may repeat at most half its word 8-grams from the passages
PART_LABELS = {"task": "writing part 1", "mechanism": "writing part 2"}


class LocalBackend:
    """Answers with the embedded model (or AISCI_LOCAL_MODEL); see the module docstring."""

    name = "local"

    def __init__(self, settings: Settings, llm=None):
        self.settings = settings
        self._llm = llm

    def model(self, progress=None):
        """The loaded model (installed on first use; the install reports to `progress`)."""
        if self._llm is None:
            from agent.backends.local.runtime import LocalLLM

            self._llm = LocalLLM.from_settings(self.settings, progress)
        return self._llm

    @property
    def llm(self):
        return self.model()

    def draft(self, ctx: AnswerContext, on_part: DraftCallback | None = None, progress=None) -> Draft:
        started = time.perf_counter()
        if progress:
            progress("load the local model")
        self.model(progress)
        loaded = time.perf_counter() - started
        writer = _PartWriter(self.llm, ctx, progress)
        draft = Draft(task=extractive.task_sentence(ctx), sub_goals=extractive.sub_goals(ctx))
        if "task" in ctx.parts:
            draft.task, draft.sub_goals = writer.task()
        if on_part:
            on_part("task", draft)
        draft.direct_answer, draft.steps = writer.mechanism()
        if on_part:
            on_part("workflow", draft)
        if "references" in ctx.parts:
            draft.relevance = writer.relevance()
        draft.warnings, draft.usage = writer.warnings, writer.usage
        draft.usage.add_time("load_model", loaded)
        draft.usage.add_time("write", time.perf_counter() - started - loaded)
        if on_part:
            on_part("references", draft)
        return draft


class _PartWriter:
    """The calls of one answer, their checks, retries and fallbacks."""

    def __init__(self, llm, ctx: AnswerContext, progress=None):
        self.llm, self.ctx, self.progress = llm, ctx, progress
        self.language: Language = detect(ctx.prompt.question)
        self.family = prompt_family(ctx.prompt)
        self.openings = line_openings(self.language)
        self.head = local_question_block(ctx.prompt.question, [m.name for m in ctx.prompt.models], self.family.noun)
        self.names = [m.name for m in ctx.prompt.models]
        self.usage = Usage()
        self.warnings: list[str] = []

    # --- writing a reply -----------------------------------------------------------------------
    def _write(self, part: str, request: str, lines: list[tuple[str, str, int]]) -> list[str] | None:
        """One reply of `lines` (label, opening words, token budget), each finished by the model;
        None when the model cannot be run (the caller falls back)."""
        from agent.backends.local.runtime import LocalLLMError

        label = PART_LABELS[part]
        written = 0

        def tokens(count: int, _text: str) -> None:
            self.progress(label, written + count, 0, "tok")

        reply = Reply()
        started = time.perf_counter()
        try:
            for line_label, opening, budget in lines:
                _, usage = reply.line(self.llm, LOCAL_SYSTEM, self.head + request, line_label, opening, budget,
                                      on_token=tokens if self.progress else None)
                written += usage.completion_tokens
                self.usage.prompt_tokens += usage.prompt_tokens
                self.usage.prompt_tokens_new += usage.prompt_new
                self.usage.completion_tokens += usage.completion_tokens
        except LocalLLMError as exc:
            self.warnings.append(f"local: the {part} call failed ({exc})")
            return None
        self.usage.add_time(f"llm_{part}", time.perf_counter() - started)
        return reply.lines

    def _in_language(self, texts: list[str]) -> bool:
        return in_language(" ".join(texts), self.language, self.names)

    def _twice(self, part: str, request: str, lines, problem_of, copied_of=None):
        """Write, check with `problem_of(lines) -> str | None`; on a problem write once more with
        the problem named. Returns (lines, None) or (None, the last problem).

        Copying too much (`copied_of(lines)` above MAX_COPY) is a lesser problem: if both tries only
        copy, the one that copies less is kept (with a warning) — the extractive text would copy all."""
        problem, copying = "no output", []
        for attempt in (1, 2):
            out = self._write(part, request if attempt == 1 else request + retry_note(problem), lines)
            if out is None:
                return None, "the model could not be run"
            problem = problem_of(out)
            if problem is None and copied_of is not None and (copied := copied_of(out)) > MAX_COPY:
                copying.append((copied, out))
                problem = f"{copied:.0%} of it copies the passages word for word; explain in your own words"
            if problem is None:
                return out, None
        if len(copying) == 2:
            copied, out = min(copying, key=lambda c: c[0])
            self.warnings.append(f"local: part 2 still repeats {copied:.0%} of its word 8-grams from the passages")
            return out, None
        return None, problem

    # --- part 1 --------------------------------------------------------------------------------
    def task(self) -> tuple[CitedSentence, list[str]]:
        """The user's task in one sentence and two sub-goals; the citation is chosen by code."""
        request = task_request(self.family.goal, self.ctx.scale, self.language)
        lines = [("TASK:", self.openings["task"], MAX_TOKENS["task"]), ("-", "", MAX_TOKENS["goal"]),
                 ("-", "", MAX_TOKENS["goal"])]
        out, problem = self._twice("task", request, lines, self._task_problem)
        fallback = extractive.task_sentence(self.ctx)
        if out is None:
            self.warnings.append(f"local: part 1 was not usable twice ({problem}); used the extractive task sentence")
            return fallback, extractive.sub_goals(self.ctx)
        task, *goals = out
        return CitedSentence(text=task, citations=fallback.citations), [_goal(g) for g in goals if _goal(g)]

    def _task_problem(self, out: list[str]) -> str | None:
        task, *goals = out
        if not task or is_broken(task):
            return "the task sentence is missing or cut off"
        if not names_task(" ".join(out), self.family):
            return f"it does not say that the task is {self.family.noun}"
        if not self._in_language([task, *goals]):
            return f"it is not written in {self.language.name}"
        return None

    # --- part 2 --------------------------------------------------------------------------------
    def mechanism(self) -> tuple[list[CitedSentence], list[CitedSentence]]:
        """A direct answer (1–2 sentences) and three steps, from the models' own sentences; each
        sentence cites the passage it shares most words with."""
        sentences = model_sentences(self.ctx)
        if not sentences:
            self.warnings.append("local: no passage describes the recommended model; used the extractive text")
            direct = extractive.direct_answer(self.ctx)
            return direct, extractive.mechanism_steps(self.ctx, skip=direct)
        parts = named_parts(sentences)
        request = mechanism_request([m.name for m in self.ctx.prompt.models], sentence_lines(sentences), parts,
                                    self.language)
        own = components(parts, self.names)
        single = self.names[0] if len(self.names) == 1 else None
        network = network_of(parts, self.names) if single else None
        lines = [("ANSWER:", answer_opening(single, own, self.language, network), MAX_TOKENS["answer"])]
        lines += [(f"{i}.", opening, MAX_TOKENS["step"])
                  for i, opening in enumerate(step_openings(own, self.language), start=1)]
        sources = [s.text for s in sentences]

        def problem_of(out: list[str]) -> str | None:
            answer, steps = out[0], _distinct(out[1:])
            if not answer or len(steps) < 2:
                return "the answer or the steps are missing"
            texts = [answer, *steps]
            if any(is_broken(t) for t in texts):
                return "a sentence is cut off"
            if not self._in_language(texts):
                return f"it is not written in {self.language.name}"
            return None

        def copied_of(out: list[str]) -> float:
            return copy_share([t for t in out if t], sources) or 0.0

        out, problem = self._twice("mechanism", request, lines, problem_of, copied_of)
        if out is None:
            self.warnings.append(f"local: part 2 was not usable twice ({problem}); used the extractive text")
            direct = extractive.direct_answer(self.ctx)
            return direct, extractive.mechanism_steps(self.ctx, skip=direct)

        def cited(text: str) -> CitedSentence:
            return CitedSentence(text=text, citations=cite_by_overlap(text, sentences))

        return [cited(whole_sentences(out[0], limit=2))], [cited(s) for s in _distinct(out[1:])]

    # --- part 3 --------------------------------------------------------------------------------
    def relevance(self) -> dict[str, CitedSentence]:
        """One line per related paper, written by code: how it bears on the question (decided from its
        own words, see `agent.answer.relation`), then its own sentence closest to the question.
        Measured on the seeds: the 1.5B model's relevance clauses were vague or wrong ("… not about
        image resolution", stray "P2: Relevant") and cost ~17 s of a ~60 s answer."""
        return {url: extractive.relevance_sentence(self.ctx, url, passages)
                for url, passages in self.ctx.reference_passages.items()}


def _distinct(lines: list[str]) -> list[str]:
    """Non-empty `lines` without repeats (a small model sometimes writes the same step twice)."""
    seen: set[str] = set()
    kept = []
    for line in lines:
        key = " ".join(line.lower().split())
        if key and key not in seen:
            seen.add(key)
            kept.append(line)
    return kept


def _goal(line: str) -> str:
    """A sub-goal without the labels a small model adds ("Sub-goal 1:", "(…)")."""
    text = re.sub(r"^(?:sub-?goal\s*\d*\s*[:.)-]?\s*|\d+[.)]\s*)", "", line.strip(), flags=re.IGNORECASE)
    return text.strip(" ()").rstrip(".")
