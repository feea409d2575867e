"""Render an answer as Markdown (sections 1, 2, 3 as the prompt asks, the workflow diagram, the
quoted evidence) or as JSON.

Every text from data (sentences, titles, names, quotes, notices, warnings, the prompt's own asks) is
placed in Markdown through `prompts.sanitize.markdown_text`, so the only link syntax in the output is
the `[title](url)` this module writes for the prompt's references."""

from __future__ import annotations

from agent.answer.schema import Answer, CitedSentence, Evidence, Reference
from agent.answer.workflow import render_arrows, render_mermaid
from prompts import Prompt
from prompts.links import find_links, strip_links
from prompts.sanitize import markdown_text as md
from prompts.sanitize import sanitize
from prompts.text import shorten

DEFAULT_HEADINGS = [
    "What task the user is trying to perform.",
    "How the model(s) would work in a CNAPS AI-like workflow (input → model → output).",
    "List relevant papers and tools (with GitHub or ArXiv links) that support your answer.",
]
QUOTE_CHARS = 600


def cite(sentence: CitedSentence) -> str:
    """A sentence with its citations as [S3] marks."""
    marks = "".join(f"[{c}]" for c in sentence.citations)
    return f"{md(sentence.text)} {marks}".rstrip()


def headings(prompt: Prompt | None) -> list[str]:
    """The three part headings as the prompt asks them ("## 1. What task ..."), sanitized."""
    asks = prompt.instructions if prompt and len(prompt.instructions) >= 3 else DEFAULT_HEADINGS
    allowed = prompt.is_allowed_link if prompt else None
    return [f"## {i}. {md(sanitize(text, allowed)).rstrip('.')}" for i, text in enumerate(asks[:3], start=1)]


def task_section(answer: Answer) -> str:
    lines = [cite(answer.task.summary)]
    if answer.task.scale:
        lines.append(f"\nScale stated in the question: ×{answer.task.scale:g}.")
    if answer.task.sub_goals:
        lines.append("\nSub-goals:")
        lines += [f"- {md(goal)}" for goal in answer.task.sub_goals]
    if answer.refused:
        lines.append("")
        lines += [f"- {md(r)}" for r in answer.refused]
    return "\n".join(lines)


def workflow_section(answer: Answer) -> str:
    lines = [" ".join(cite(s) for s in answer.workflow.direct_answer), ""] if answer.workflow.direct_answer else []
    lines += ["```text", *render_arrows(answer.workflow), "```", "", "```mermaid", render_mermaid(answer.workflow), "```", ""]
    lines += [f"{i}. {cite(step)}" for i, step in enumerate(answer.workflow.steps, start=1)]
    if answer.demo:
        lines += ["", *demo_lines(answer.demo)]
    return "\n".join(lines)


def demo_lines(demo: dict) -> list[str]:
    """The demo's result: what ran where, the files, PSNR/SSIM of the model and of bicubic."""
    lines = [f"**Demo** — {demo.get('model')} ran on {demo.get('device')} ({demo.get('dtype')}) at ×{demo.get('scale')} "
             f"in {demo.get('seconds', 0):.2f} s."]
    metrics = demo.get("metrics")
    if metrics:
        lines += ["", "| | PSNR (dB) | SSIM |", "|---|---|---|",
                  f"| {demo.get('model')} | {metrics['psnr']:.2f} | {metrics['ssim']:.4f} |",
                  f"| bicubic | {metrics['psnr_bicubic']:.2f} | {metrics['ssim_bicubic']:.4f} |"]
    paths = demo.get("paths") or {}
    lines += ["", *[f"- {name}: `{path}`" for name, path in paths.items() if path]]
    return lines


def _reference_line(ref: Reference) -> str:
    relevance = cite(CitedSentence(text=ref.relevance, citations=ref.citations)) if ref.relevance else ""
    return f"- [{md(ref.title)}]({ref.url}) ({ref.kind}){' — ' + relevance if relevance else ''}"


def references_section(answer: Answer) -> str:
    lines = ["**Recommended models**", ""]
    lines += [_reference_line(r) for r in answer.references if r.role == "recommended"]
    related = [r for r in answer.references if r.role == "related"]
    if related:
        lines += ["", "**Related papers**", ""]
        lines += [_reference_line(r) for r in related]
    return "\n".join(lines)


def evidence_line(ev: Evidence, id_format: str = "**[{}]**") -> str:
    """One cited passage as a list item: id, source, page, origin and the (shortened) quote."""
    page = f", p. {ev.page}" if ev.page else ""
    return f"- {id_format.format(ev.id)} {md(ev.source)}{page} ({ev.origin}): “{md(shorten(ev.quote, QUOTE_CHARS))}”"


def evidence_section(answer: Answer) -> str:
    return "\n".join(evidence_line(ev) for ev in answer.evidence) or "No passage was cited."


def markdown_pieces(answer: Answer, prompt: Prompt | None = None) -> dict[str, str]:
    """The Markdown document in the pieces it is shown in as it is written: "task" (title, notices,
    part 1), "workflow" (part 2) and "references" (part 3, evidence, warnings, backend). Joined
    with newlines they are `to_markdown`."""
    h1, h2, h3 = headings(prompt)
    # The title echoes the question; a link the user pasted into it is not one of the prompt's links.
    title = strip_links(answer.question, prompt.is_allowed_link, []) if prompt else answer.question
    head = [f"# {md(title)}", "", *[f"> {md(notice)}" for notice in answer.notices], "", h1, "", task_section(answer), ""]
    tail = [h3, "", references_section(answer), "", "## Evidence", "", evidence_section(answer)]
    if answer.warnings:
        tail += ["", "## Warnings", "", *[f"- {md(w)}" for w in answer.warnings]]
    tail += ["", f"_Backend: {answer.backend}._", ""]
    return {"task": "\n".join(head), "workflow": "\n".join([h2, "", workflow_section(answer), ""]),
            "references": "\n".join(tail)}


def to_markdown(answer: Answer, prompt: Prompt | None = None) -> str:
    """The answer as Markdown: notices, sections 1–3, evidence, warnings."""
    return "\n".join(markdown_pieces(answer, prompt).values())


def to_json(answer: Answer, prompt: Prompt | None = None) -> dict:
    """The answer as the JSON document of `aisci answer --json`."""
    markdown = to_markdown(answer, prompt)
    return {
        "prompt_id": answer.prompt_id,
        "question": answer.question,
        "backend": answer.backend,
        "sections": {
            "task": task_section(answer),
            "workflow": workflow_section(answer),
            "references": references_section(answer),
        },
        "task": answer.task.model_dump(mode="json"),
        "workflow": {
            "nodes": [n.model_dump(mode="json") for n in answer.workflow.nodes],
            "edges": [e.model_dump(mode="json") for e in answer.workflow.edges],
            "direct_answer": [s.model_dump(mode="json") for s in answer.workflow.direct_answer],
            "steps": [s.model_dump(mode="json") for s in answer.workflow.steps],
            "arrows": render_arrows(answer.workflow),
            "mermaid": render_mermaid(answer.workflow),
        },
        "references": [r.model_dump(mode="json") for r in answer.references],
        "citations": [{"id": e.id, "source": e.source, "url": e.url, "page": e.page, "origin": e.origin, "text": e.quote}
                      for e in answer.evidence],
        "links": list(dict.fromkeys(find_links(markdown))),
        "demo": answer.demo,
        "refused": answer.refused,
        "notices": answer.notices,
        "warnings": answer.warnings,
        "usage": answer.usage.model_dump(mode="json"),
        "markdown": markdown,
    }
