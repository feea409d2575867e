"""Compose one answer: index → retrieve per need → backend draft → code assembles references and
links from the prompt → guard → optional demo through the SR tool."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from agent.answer.context import AnswerContext, Draft
from agent.answer.schema import Answer, CitedSentence, Reference, TaskPart, Usage
from agent.answer.workflow import build_workflow, question_scale
from agent.backends import PARTS
from agent.grounding.guard import guard_answer
from agent.grounding.scope import refusal_statement, uncovered_models
from agent.settings import Settings
from prompts import Prompt, normalize_url
from prompts.instructions import LOOSELY_RELATED, NO_LLM_NOTICE, OFFLINE_NOTICE, missing_pdf_notice
from prompts.progress import Progress

# `on_part(part, answer)`: a guarded answer holding the parts written so far (see `answer_prompt`).
OnPart = Callable[[str, Answer], None]


def _same_source(passage, urls: set[str]) -> bool:
    return normalize_url(passage.source_url) in urls


def _broad_search(index, query: str, k: int) -> list:
    """Enough hits for `query`, without the per-source cap, to pick any one source's best from."""
    return index.search(query, k=max(40, 4 * k), per_source_cap=None)


def _from_sources(hits: list, urls: set[str], k: int) -> list:
    """The best `k` of `hits` among the sources with these URLs."""
    return [p for p in hits if _same_source(p, urls)][:k]


def build_context(prompt: Prompt, index, settings: Settings) -> AnswerContext:
    """Retrieve for the question, for each recommended model and for each related paper."""
    k = settings.top_k
    workflow, workflow_warnings = build_workflow(prompt)
    ctx = AnswerContext(prompt=prompt, workflow=workflow, workflow_warnings=workflow_warnings,
                        scale=question_scale(prompt.question), index=index)
    ctx.question_passages = index.search(prompt.question, k=k, mmr=True)
    for model in prompt.models:
        urls = {normalize_url(model.paper_url)} | ({normalize_url(model.github_url)} if model.github_url else set())
        query = f"{model.name} how the network works: {prompt.question}"
        ctx.model_passages[model.name] = _from_sources(_broad_search(index, query, k), urls, k)
    question_hits = _broad_search(index, prompt.question, 3)  # one search serves every related paper
    for paper in prompt.papers:
        ctx.reference_passages[paper.paper_url] = _from_sources(question_hits, {normalize_url(paper.paper_url)}, 3)
    retrieved_text = "\n".join(p.text for p in ctx.passages().values())
    ctx.refused = [refusal_statement(name) for name in uncovered_models(prompt, retrieved_text)]
    ctx.offline_fallback = bool(getattr(index, "offline_fallback", False))
    return ctx


def fallback_notice(index) -> str:
    """What happened when some paper is indexed from a summary or abstract only: offline (no network),
    or, online, which PDFs could not be fetched or read and why."""
    if index is None or getattr(index, "offline", True):
        return OFFLINE_NOTICE
    missing = [f"{s.ref} ({s.reason})" if getattr(s, "reason", "") else s.ref
               for s in index.sources if s.kind == "paper" and "pdf" not in s.origins]
    return missing_pdf_notice(missing) if missing else OFFLINE_NOTICE


def references_from_prompt(prompt: Prompt, draft: Draft) -> list[Reference]:
    """Part 3, assembled by code: every link comes from the prompt; only the relevance line is drafted."""
    refs: list[Reference] = []
    for model in prompt.models:
        refs.append(Reference(title=f"{model.name} (paper)", url=model.paper_url, kind="paper", role="recommended",
                              relevance=f"The paper of the recommended model {model.name}."))
        if model.github_url:
            refs.append(Reference(title=f"{model.name} (code)", url=model.github_url, kind="code", role="recommended",
                                  relevance=f"Official code of {model.name}."))
    for paper in prompt.papers:
        line = draft.relevance.get(paper.paper_url, CitedSentence(text=""))
        tangential = line.text.startswith(LOOSELY_RELATED)
        refs.append(Reference(title=paper.title, url=paper.paper_url, kind="paper", role="related",
                              relevance=line.text, citations=line.citations, tangential=tangential))
        if paper.github_url:
            refs.append(Reference(title=f"{paper.title} (code)", url=paper.github_url, kind="code", role="related",
                                  relevance="Code released with this related paper.", tangential=tangential))
    return refs


def assemble(ctx: AnswerContext, draft: Draft, backend_name: str, complete: bool = True) -> Answer:
    """Turn a draft into a guarded answer (`complete=False`: a draft still being written)."""
    workflow = ctx.workflow.model_copy(deep=True)
    workflow.direct_answer = draft.direct_answer
    workflow.steps = draft.steps
    notices = [NO_LLM_NOTICE] if backend_name == "extractive" else []
    if ctx.offline_fallback:
        notices.append(fallback_notice(ctx.index))
    answer = Answer(
        prompt_id=ctx.prompt.id,
        question=ctx.prompt.question,
        backend=backend_name,
        task=TaskPart(summary=draft.task, sub_goals=draft.sub_goals, scale=ctx.scale),
        workflow=workflow,
        references=references_from_prompt(ctx.prompt, draft),
        notices=notices,
        warnings=[*ctx.prompt.warnings, *ctx.workflow_warnings, *draft.warnings],
        refused=list(ctx.refused),
        demo=draft.demo,
        usage=draft.usage.model_copy(deep=True),
    )
    from agent.backends.extractive import task_sentence

    return guard_answer(answer, ctx.prompt, ctx.passages(), fallback_task=task_sentence(ctx), complete=complete)


def answer_prompt(prompt: Prompt, settings: Settings, backend, index=None, progress: Progress | None = None,
                  on_part: OnPart | None = None) -> Answer:
    """Answer one prompt end to end with `backend` (a `agent.backends.Backend`).

    `on_part(part, answer)` is called once per part of PARTS ("task", "workflow", "references"),
    in that order, as soon as the backend has written it: `answer` is guarded (nothing unguarded
    is ever handed out) and holds the parts written so far; the last call gets the final answer.
    """
    usage = Usage()
    start = time.perf_counter()
    if index is None:
        from index import QuestionIndex

        index = QuestionIndex.build(prompt, settings.index_config(), progress=progress)
    usage.add_time("index", time.perf_counter() - start)
    start = time.perf_counter()
    ctx = build_context(prompt, index, settings)
    usage.add_time("retrieve", time.perf_counter() - start)
    shown: list[str] = []

    def drafted(part: str, draft: Draft) -> None:
        if on_part is not None and part in PARTS and part not in shown and part != PARTS[-1]:
            shown.append(part)
            on_part(part, assemble(ctx, draft, backend.name, complete=False))

    draft = backend.draft(ctx, on_part=drafted, progress=progress)
    answer = assemble(ctx, draft, backend.name)
    for stage, seconds in usage.seconds.items():
        answer.usage.add_time(stage, seconds)
    if on_part is not None:  # parts the backend did not announce, and the last one, from the final answer
        for part in PARTS:
            if part not in shown:
                on_part(part, answer)
    return answer


def run_demo(answer: Answer, settings: Settings, image: Path | None, out_dir: Path,
             progress: Progress | None = None) -> Answer:
    """Execute the answer's workflow through the SR tool: the first model node that can run here.
    A model whose weights are missing (or that the zoo lacks) becomes a warning, never a fake output."""
    from prompts import AisciError
    from tools.sr.demo import run_demo as sr_demo

    start = time.perf_counter()
    for node in answer.workflow.model_nodes():
        if not node.params.get("runnable_here"):
            answer.warnings.append(f"demo: {node.label} is not in the SR zoo, so it cannot be run here")
            continue
        scale = node.params.get("scale")
        try:
            result = sr_demo(str(node.params["name"]), image_path=image, scale=scale, out_dir=out_dir,
                             config=settings.sr_config(), progress=progress)
        except AisciError as exc:
            answer.warnings.append(f"demo: {exc}")
            continue
        answer.demo = result.model_dump(mode="json")
        break
    answer.usage.add_time("demo", time.perf_counter() - start)
    return answer
