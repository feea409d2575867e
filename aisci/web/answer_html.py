"""Guarded answers, chat replies and source tables as HTML fragments for the page.

Everything that comes from data (the question, sentences, titles, quotes, URLs) is untrusted and
HTML-escaped here; links are built only from the answer's references (code-assembled from the
prompt and checked against the prompt's links again). A citation mark is a button that carries
its passage (source, page, origin, quote) in data attributes; the page shows them on click/hover.
"""

from __future__ import annotations

import re
from html import escape

from agent.answer.render import QUOTE_CHARS
from agent.answer.render import headings as markdown_headings
from agent.answer.schema import Answer, CitedSentence, Evidence, Reference
from agent.answer.workflow import render_arrows
from aisci.web.svg import workflow_svg
from prompts import Prompt
from prompts.links import is_http_url, strip_links
from prompts.text import shorten

PART_NAMES = ("task", "workflow", "references")
_MARK = re.compile(r"\[(S\d+)\]")


def e(text: object) -> str:
    """HTML-escape any value (quotes included, so it is safe inside attributes too)."""
    return escape("" if text is None else str(text), quote=True)


def evidence_map(answer: Answer) -> dict[str, Evidence]:
    return {ev.id: ev for ev in answer.evidence}


def cite_html(cid: str, evidence: dict[str, Evidence]) -> str:
    """A citation mark: a button holding the quoted passage, or plain text if the id is unknown."""
    ev = evidence.get(cid)
    if ev is None:
        return f'<span class="cite cite-missing">[{e(cid)}]</span>'
    page = "" if ev.page is None else str(ev.page)
    return (f'<button type="button" class="cite" data-cite="{e(cid)}" data-source="{e(ev.source)}" '
            f'data-page="{e(page)}" data-origin="{e(ev.origin)}" data-quote="{e(shorten(ev.quote, QUOTE_CHARS))}" '
            f'aria-label="passage {e(cid)}: {e(ev.source)}">{e(cid)}</button>')


def sentence_html(sentence: CitedSentence, evidence: dict[str, Evidence]) -> str:
    marks = "".join(cite_html(c, evidence) for c in sentence.citations)
    return f"{e(sentence.text)}{' ' + marks if marks else ''}"


def marked_text_html(text: str, evidence: dict[str, Evidence]) -> str:
    """Escaped text whose `[S3]` marks become citation buttons (for the chat's reply lines)."""
    return _MARK.sub(lambda m: cite_html(m.group(1), evidence), e(text))


def headings(prompt: Prompt | None) -> list[str]:
    """The three part headings as the prompt asks them (render's own headings, without '## ')."""
    return [h.removeprefix("## ") for h in markdown_headings(prompt)]


def task_html(answer: Answer) -> str:
    ev = evidence_map(answer)
    out = [f'<p class="sentence">{sentence_html(answer.task.summary, ev)}</p>']
    if answer.task.scale:
        out.append(f'<p class="scale">Scale stated in the question: ×{answer.task.scale:g}.</p>')
    if answer.task.sub_goals:
        out.append('<p class="label">Sub-goals:</p><ul class="sub-goals">')
        out += [f"<li>{e(goal)}</li>" for goal in answer.task.sub_goals]
        out.append("</ul>")
    if answer.refused:
        out.append('<ul class="refused">' + "".join(f"<li>{e(r)}</li>" for r in answer.refused) + "</ul>")
    return "".join(out)


def workflow_html(answer: Answer) -> str:
    ev = evidence_map(answer)
    arrows = render_arrows(answer.workflow)
    out = []
    if answer.workflow.direct_answer:
        out.append('<p class="direct-answer">' + " ".join(sentence_html(s, ev) for s in answer.workflow.direct_answer)
                   + "</p>")
    out += [f'<figure class="workflow">{workflow_svg(answer.workflow, " | ".join(arrows) or "Workflow")}',
           '<figcaption class="arrows">' + "<br>".join(e(a) for a in arrows) + "</figcaption></figure>"]
    if answer.workflow.steps:
        out.append('<ol class="steps">')
        out += [f'<li class="sentence">{sentence_html(step, ev)}</li>' for step in answer.workflow.steps]
        out.append("</ol>")
    return "".join(out)


def link_html(ref: Reference, prompt: Prompt | None) -> str:
    """A reference's title as a link when its URL is http(s) and one of the prompt's links."""
    ok = is_http_url(ref.url) and (prompt is None or prompt.is_allowed_link(ref.url))
    if not ok:
        return f'<span class="ref-title">{e(ref.title)}</span>'
    return f'<a class="ref-link" href="{e(ref.url)}" target="_blank" rel="noopener noreferrer">{e(ref.title)}</a>'


def _reference_item(ref: Reference, prompt: Prompt | None, ev: dict[str, Evidence]) -> str:
    relevance = sentence_html(CitedSentence(text=ref.relevance, citations=ref.citations), ev) if ref.relevance else ""
    tag = f'<span class="kind kind-{e(ref.kind)}">{e(ref.kind)}</span>'
    loose = ' <span class="loose">loosely related</span>' if ref.tangential else ""
    why = f'<div class="relevance">{relevance}</div>' if relevance else ""
    return f'<li class="reference">{link_html(ref, prompt)} {tag}{loose}{why}</li>'


def references_html(answer: Answer, prompt: Prompt | None) -> str:
    ev = evidence_map(answer)
    recommended = [r for r in answer.references if r.role == "recommended"]
    related = [r for r in answer.references if r.role == "related"]
    out = ['<p class="label">Recommended models</p><ul class="references">']
    out += [_reference_item(r, prompt, ev) for r in recommended]
    out.append("</ul>")
    if related:
        out.append('<p class="label">Related papers</p><ul class="references">')
        out += [_reference_item(r, prompt, ev) for r in related]
        out.append("</ul>")
    return "".join(out)


def part_html(part: str, answer: Answer, prompt: Prompt | None) -> str:
    """One part of the answer under the prompt's own heading for it."""
    index = PART_NAMES.index(part)
    body = (task_html(answer), workflow_html(answer), references_html(answer, prompt))[index]
    return (f'<section class="part" data-part="{part}"><h3 class="part-heading">{e(headings(prompt)[index])}</h3>'
            f"{body}</section>")


def title_text(answer: Answer, prompt: Prompt | None) -> str:
    """The question as the title (a link pasted into it that is not one of the prompt's is removed)."""
    return strip_links(answer.question, prompt.is_allowed_link, []) if prompt else answer.question


def header_html(answer: Answer, prompt: Prompt | None) -> str:
    notices = "".join(f'<p class="notice">{e(n)}</p>' for n in answer.notices)
    return (f'<h2 class="answer-title">{e(title_text(answer, prompt))}</h2>{notices}'
            f'<p class="backend-line">Backend: <b>{e(answer.backend)}</b></p>')


def warnings_html(answer: Answer) -> str:
    if not answer.warnings:
        return ""
    items = "".join(f"<li>{e(w)}</li>" for w in answer.warnings)
    return f'<div class="warnings"><p class="label">Warnings</p><ul>{items}</ul></div>'


def evidence_html(answer: Answer) -> str:
    """The cited passages, quoted (the answer's Evidence section)."""
    if not answer.evidence:
        return '<p class="muted">No passage was cited.</p>'
    rows = []
    for ev in answer.evidence:
        page = f", p. {ev.page}" if ev.page else ""
        rows.append(f'<li><b>[{e(ev.id)}]</b> {e(ev.source)}{e(page)} <span class="origin">({e(ev.origin)})</span>: '
                    f'<q>{e(shorten(ev.quote, QUOTE_CHARS))}</q></li>')
    return '<details class="evidence"><summary>Evidence (' + str(len(rows)) + ' passages)</summary><ul>' + \
        "".join(rows) + "</ul></details>"


def answer_fragments(answer: Answer, prompt: Prompt | None, parts: list[str]) -> dict[str, str]:
    """What the page shows of an answer with `parts` written so far."""
    out = {"header": header_html(answer, prompt), "warnings": warnings_html(answer), "evidence": evidence_html(answer)}
    for part in parts:
        out[part] = part_html(part, answer, prompt)
    return out


def chat_reply_html(reply: str, answer: Answer) -> str:
    """A chat reply (the text of `agent.sessions.chat.reply_for`) with live citation marks."""
    ev = evidence_map(answer)
    out = []
    for line in reply.split("\n"):
        if not line.strip():
            continue
        if line.startswith("> "):
            out.append(f'<p class="notice">{e(line[2:])}</p>')
        elif line.startswith("Sources: "):
            out.append(f'<p class="chat-sources">{marked_text_html(line, ev)}</p>')
        elif line.startswith("(note: "):
            out.append(f'<p class="guard-note">{e(line)}</p>')
        else:
            out.append(f'<p class="sentence">{marked_text_html(line, ev)}</p>')
    return "".join(out)


STATUS_CLASS = {"fetched": "ok", "cached": "ok", "papers-dir": "ok", "prompt summary only": "partial",
                "abstract only": "partial", "offline": "partial", "failed": "bad"}


def sources_html(sources: list, prompt: Prompt | None) -> str:
    """The index's source table: source, kind, status, pages, chunks, URL, detail."""
    head = "".join(f"<th>{h}</th>" for h in ("source", "kind", "status", "pages", "chunks", "URL", "detail"))
    rows = []
    for s in sources:
        url = str(s.url)
        shown = url.split("://", 1)[-1]
        link = (f'<a href="{e(url)}" target="_blank" rel="noopener noreferrer">{e(shown)}</a>'
                if is_http_url(url) and (prompt is None or prompt.is_allowed_link(url)) else e(url))
        status = f'<span class="status status-{STATUS_CLASS.get(s.status, "partial")}">{e(s.status)}</span>'
        rows.append(f"<tr><td>{e(s.ref)}</td><td>{e(s.role)} {e(s.kind)}</td><td>{status}</td>"
                    f"<td>{'-' if s.pages is None else e(s.pages)}</td><td>{e(s.chunks)}</td><td>{link}</td>"
                    f"<td>{e(s.detail)}</td></tr>")
    return f'<table class="sources"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
