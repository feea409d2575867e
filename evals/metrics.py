"""Metrics of one answer, computed with no hosted model (the local embedding model at most).

Each metric works on an `agent.answer.schema.Answer` and its `prompts.Prompt`; a line of a batch run file
becomes an Answer through `answer_from_document`. Definitions:

- structure: task summary, workflow (a model node and a non-empty step) and references all present;
- link precision: share of the links in the rendered answer that are in `prompt.allowed_links()`;
- link recall: share of the expected links (every recommended model's paper and code link, every
  related paper's paper and code link) that the answer lists;
- citation validity: share of citations (the sentences' citation lists and any [S3] mark written
  into the text) that resolve to a passage quoted in the answer's evidence;
- coverage: share of the sentences of parts 1–2 (task summary, workflow steps) that carry a
  citation; a "not covered" statement needs none and is not counted;
- support: cosine similarity (local all-MiniLM-L6-v2) of each cited sentence to the closest of its
  cited passages;
- outside knowledge: well-known model names in the answer that the prompt, the cited passages and
  the question's sources (when known) never name;
- task fidelity and the other reader-facing metrics (key facts, broken sentences, copying, direct
  answer, language): see evals/quality.py;
- refusal: when the question names a model the prompt and its sources do not provide, the answer
  carries the "not covered" statement naming it;
- demo and cost: whether the SR demo ran and its PSNR gain over bicubic; seconds per stage, tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, Field

from agent.answer.render import to_markdown
from agent.answer.schema import Answer, Evidence
from agent.grounding.scope import uncovered_models
from agent.grounding.vocabulary import model_names_in
from evals.quality import quality_fields
from prompts import Prompt, normalize_url
from prompts.instructions import NOT_COVERED_PHRASE
from prompts.links import find_links

_MARK = re.compile(r"\[(S\d+)\]")


class AnswerScore(BaseModel):
    """Every metric of one answer (None where a metric does not apply)."""

    prompt_id: str
    prompt_path: str | None = None
    status: str = "ok"
    error: str | None = None
    backend: str | None = None
    structure: float | None = None
    missing_parts: list[str] = Field(default_factory=list)
    link_precision: float | None = None
    links: int = 0
    outside_links: list[str] = Field(default_factory=list)
    link_recall: float | None = None
    missing_links: list[str] = Field(default_factory=list)
    citation_validity: float | None = None
    citations: int = 0
    invalid_citations: list[str] = Field(default_factory=list)
    coverage: float | None = None
    support: list[float] = Field(default_factory=list, description="One similarity per cited sentence.")
    outside_names: list[str] = Field(default_factory=list)
    task_fidelity: bool | None = None  # part 1 is the user's task: no drift, the right family, the stated scale
    task_scale: bool | None = None
    task_drift: bool | None = None
    task_similarity: list[float] = Field(default_factory=list, description="Part 1 vs (question, closest related summary).")
    task_family: bool | None = None
    key_fact_recall: float | None = None
    missing_facts: list[str] = Field(default_factory=list)
    broken: list[str] = Field(default_factory=list, description="Sentences of parts 1-3 cut off or ending in an ellipsis.")
    copying: float | None = None
    direct_answer: bool | None = None
    direct_answer_problem: str = ""
    language: str | None = None
    language_ok: bool | None = None
    language_share: float | None = None
    refusal_expected: list[str] = Field(default_factory=list)
    refusal_present: bool | None = None
    demo_ran: bool = False
    psnr_gain: float | None = None
    seconds: dict[str, float] = Field(default_factory=dict)
    tokens: int = 0


def _ratio(good: int, total: int) -> float:
    return round(good / total, 4) if total else 1.0


def missing_parts(answer: Answer) -> list[str]:
    """The parts that are absent or empty: task, workflow, references."""
    missing = []
    if not answer.task.summary.text.strip():
        missing.append("task")
    if not answer.workflow.model_nodes() or not any(s.text.strip() for s in answer.workflow.steps):
        missing.append("workflow")
    if not any(r.url.strip() for r in answer.references):
        missing.append("references")
    return missing


def answer_links(answer: Answer, prompt: Prompt) -> list[str]:
    """Every link in the rendered answer (as `aisci answer` prints it), once each."""
    return list(dict.fromkeys(find_links(to_markdown(answer, prompt))))


def link_precision(links: list[str], prompt: Prompt) -> tuple[float, list[str]]:
    """(share of `links` the prompt allows, the links it does not)."""
    outside = [u for u in links if not prompt.is_allowed_link(u)]
    return _ratio(len(links) - len(outside), len(links)), outside


def expected_links(prompt: Prompt) -> list[str]:
    """The links a complete answer lists: recommended models' paper and code, related papers'
    paper and code."""
    urls = [u for m in prompt.models for u in (m.paper_url, m.github_url) if u]
    urls += [u for p in prompt.papers for u in (p.paper_url, p.github_url) if u]
    return list(dict.fromkeys(urls))


def link_recall(links: list[str], prompt: Prompt) -> tuple[float, list[str]]:
    """(share of the expected links that `links` contains, the expected links it lacks)."""
    have = {normalize_url(u) for u in links}
    expected = expected_links(prompt)
    missing = [u for u in expected if normalize_url(u) not in have]
    return _ratio(len(expected) - len(missing), len(expected)), missing


def _cited_texts(answer: Answer) -> list[tuple[str, list[str]]]:
    """(text, citations) of every sentence that can cite: task summary, steps, reference lines."""
    items = [(answer.task.summary.text, answer.task.summary.citations)]
    items += [(s.text, s.citations) for s in [*answer.workflow.direct_answer, *answer.workflow.steps]]
    items += [(r.relevance, r.citations) for r in answer.references]
    return items


def citation_validity(answer: Answer) -> tuple[float, int, list[str]]:
    """(share of citations that resolve to the evidence, how many citations, the unresolved ids)."""
    known = {e.id for e in answer.evidence if e.quote.strip()}
    cited = [c for text, ids in _cited_texts(answer) for c in [*ids, *_MARK.findall(text)]]
    invalid = [c for c in cited if c not in known]
    return _ratio(len(cited) - len(invalid), len(cited)), len(cited), list(dict.fromkeys(invalid))


def coverage(answer: Answer) -> float | None:
    """Share of parts 1–2 sentences that carry a citation ("not covered" statements excluded)."""
    sentences = [answer.task.summary, *answer.workflow.direct_answer, *answer.workflow.steps]
    counted = [s for s in sentences if s.text.strip() and not s.text.startswith(NOT_COVERED_PHRASE)]
    if not counted:
        return None
    return _ratio(sum(1 for s in counted if s.citations or _MARK.search(s.text)), len(counted))


def support_pairs(answer: Answer) -> list[tuple[str, list[str]]]:
    """(cited sentence, the quotes of its resolvable cited passages) for every cited sentence."""
    quotes = {e.id: e.quote for e in answer.evidence if e.quote.strip()}
    pairs = []
    for text, ids in _cited_texts(answer):
        found = [quotes[c] for c in dict.fromkeys([*ids, *_MARK.findall(text)]) if c in quotes]
        if text.strip() and found:
            pairs.append((_MARK.sub("", text).strip(), found))
    return pairs


def support(answer: Answer, embeddings) -> list[float]:
    """For each cited sentence, the cosine similarity to the closest passage it cites. `embeddings`
    is a LangChain Embeddings (normally `index.LocalEmbeddings`)."""
    pairs = support_pairs(answer)
    if not pairs:
        return []
    texts = list(dict.fromkeys([t for t, _ in pairs] + [q for _, qs in pairs for q in qs]))
    vectors = dict(zip(texts, embeddings.embed_documents(texts), strict=True))

    def cosine(a: list[float], b: list[float]) -> float:
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        na, nb = sum(x * x for x in a) ** 0.5, sum(y * y for y in b) ** 0.5
        return dot / (na * nb) if na and nb else 0.0

    return [round(max(cosine(vectors[t], vectors[q]) for q in qs), 4) for t, qs in pairs]


def answer_text(answer: Answer) -> str:
    """Everything the answer says in its own words (no evidence quotes)."""
    parts = [answer.task.summary.text, *answer.task.sub_goals]
    parts += [s.text for s in [*answer.workflow.direct_answer, *answer.workflow.steps]]
    parts += [n.label for n in answer.workflow.nodes]
    parts += [f"{r.title} {r.relevance}" for r in answer.references]
    parts += answer.refused
    return "\n".join(parts)


def prompt_text(prompt: Prompt) -> str:
    """The prompt's own words: question, model names, paper titles and summaries."""
    parts = [prompt.question, *(m.name for m in prompt.models)]
    parts += [f"{p.title} {p.summary or ''}" for p in prompt.papers]
    return "\n".join(parts)


def outside_names(answer: Answer, prompt: Prompt, source_names: Iterable[str] = ()) -> list[str]:
    """Well-known model names in the answer that neither the prompt, the cited passages nor the
    question's sources (`source_names`, when known) name."""
    grounded = model_names_in(prompt_text(prompt)) | set(source_names)
    for ev in answer.evidence:
        grounded |= model_names_in(ev.quote)
    return sorted(model_names_in(answer_text(answer)) - grounded)


def refusal(answer: Answer, prompt: Prompt, source_names: Iterable[str] = ()) -> tuple[list[str], bool | None]:
    """(model names the question asks about that nothing provided covers, whether the answer says
    so for each of them; None when nothing is expected)."""
    expected = uncovered_models(prompt, " ".join(source_names))
    if not expected:
        return [], None
    statements = [*answer.refused, answer.task.summary.text, *(s.text for s in answer.workflow.steps)]
    statements = [s for s in statements if NOT_COVERED_PHRASE in s]
    return expected, all(any(name in s for s in statements) for name in expected)


def demo_result(answer: Answer) -> tuple[bool, float | None]:
    """(the demo ran, PSNR of the model minus PSNR of bicubic in dB when measured)."""
    if not answer.demo:
        return False, None
    metrics = answer.demo.get("metrics") or {}
    if metrics.get("psnr") is None or metrics.get("psnr_bicubic") is None:
        return True, None
    return True, round(float(metrics["psnr"]) - float(metrics["psnr_bicubic"]), 4)


def score_answer(answer: Answer, prompt: Prompt, embeddings=None, source_names: Iterable[str] = (),
                 seconds: dict[str, float] | None = None, prompt_path: str | None = None) -> AnswerScore:
    """Every metric of `answer` (support only when `embeddings` is given)."""
    source_names = list(source_names)
    links = answer_links(answer, prompt)
    precision, outside = link_precision(links, prompt)
    recall, missing = link_recall(links, prompt)
    validity, n_citations, invalid = citation_validity(answer)
    missing_p = missing_parts(answer)
    expected, present = refusal(answer, prompt, source_names)
    ran, gain = demo_result(answer)
    return AnswerScore(
        prompt_id=answer.prompt_id, prompt_path=prompt_path or prompt.path, backend=answer.backend,
        structure=0.0 if missing_p else 1.0, missing_parts=missing_p,
        link_precision=precision, links=len(links), outside_links=outside, link_recall=recall, missing_links=missing,
        citation_validity=validity, citations=n_citations, invalid_citations=invalid, coverage=coverage(answer),
        support=support(answer, embeddings) if embeddings is not None else [],
        outside_names=outside_names(answer, prompt, source_names),
        refusal_expected=expected, refusal_present=present, demo_ran=ran, psnr_gain=gain,
        seconds=dict(seconds if seconds is not None else answer.usage.seconds),
        tokens=answer.usage.prompt_tokens + answer.usage.completion_tokens,
        **quality_fields(answer, prompt, embeddings, prompt_path),
    )


def answer_from_document(doc: dict) -> Answer:
    """Rebuild the Answer behind a JSON document of `agent.answer.render.to_json` (a batch run line)."""
    evidence = [Evidence(id=c["id"], source=c.get("source", ""), url=c.get("url", ""), page=c.get("page"),
                         origin=c.get("origin", ""), quote=c.get("text", "")) for c in doc.get("citations", [])]
    workflow = doc.get("workflow") or {}
    return Answer.model_validate({
        "prompt_id": doc["prompt_id"], "question": doc.get("question", ""), "backend": doc.get("backend", ""),
        "task": doc["task"],
        "workflow": {"nodes": workflow.get("nodes", []), "edges": workflow.get("edges", []),
                     "direct_answer": workflow.get("direct_answer", []), "steps": workflow.get("steps", [])},
        "references": doc.get("references", []), "evidence": evidence, "demo": doc.get("demo"),
        "notices": doc.get("notices", []), "warnings": doc.get("warnings", []), "refused": doc.get("refused", []),
        "usage": doc.get("usage") or {},
    })
