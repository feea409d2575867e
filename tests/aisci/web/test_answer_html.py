"""Answers, chat replies and source tables as HTML: every text from data is escaped, links come
only from the answer's references (and only the prompt's own http(s) links), citation marks carry
their passage, and the headings are the prompt's own."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace

from agent.answer.schema import Answer, CitedSentence, Evidence, Reference, TaskPart, Workflow, WorkflowNode
from aisci.web.answer_html import answer_fragments, chat_reply_html, headings, part_html, sources_html
from prompts import parse

HOSTILE = '<img src=x onerror="alert(1)">'
PROMPT_TEXT = f'''A user has asked the following question:
"{HOSTILE} How does the model keep edges sharp at 2x? https://evil.example/x"

Based on the following recommended models, explain:

1. What task the user is trying to perform.
2. How the model(s) would work in a CNAPS AI-like workflow (input → model → output).
3. List relevant papers and tools (with GitHub or ArXiv links) that support your answer.

### Recommended AI Models:
Model: SISR-Any-LIIF-EDSR
Paper: https://arxiv.org/pdf/2012.09161
GitHub: https://github.com/yinboc/liif

### Related Papers:
Model: <script>steal()</script> Sharper features
Paper: http://arxiv.org/pdf/2502.16025v1.pdf
Summary: A summary.
'''


class Collect(HTMLParser):
    """Tags with their attributes, and the text, of an HTML fragment."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _prompt():
    return parse(PROMPT_TEXT, path="hostile.txt")


def _answer() -> Answer:
    quote = 'LIIF takes "coordinates" <script>x()</script> & features'
    evidence = [Evidence(id="S1", source=f"{HOSTILE} paper", url="https://arxiv.org/pdf/2012.09161", page=3,
                         origin="pdf", quote=quote)]
    return Answer(
        prompt_id="p", question=_prompt().question, backend="extractive",
        task=TaskPart(summary=CitedSentence(text=f"The user wants {HOSTILE}.", citations=["S1"]), scale=2.0,
                      sub_goals=["<b>goal</b>"]),
        workflow=Workflow(
            nodes=[WorkflowNode(id="input", kind="input", label="<i>in</i>"),
                   WorkflowNode(id="model1", kind="model", label="SISR-Any-LIIF-EDSR", params={"arch": "LIIF", "scale": 2.0})],
            edges=[], steps=[CitedSentence(text="Step <u>one</u>.", citations=["S1", "S9"])],
            direct_answer=[CitedSentence(text="It predicts RGB at a coordinate.", citations=["S1"])],
        ),
        references=[
            Reference(title="LIIF (paper)", url="https://arxiv.org/pdf/2012.09161", kind="paper", role="recommended"),
            Reference(title="bad scheme", url="javascript:alert(1)", kind="code", role="recommended"),
            Reference(title="<script>steal()</script> Sharper features", url="http://arxiv.org/pdf/2502.16025v1.pdf",
                      kind="paper", role="related", relevance="Only loosely related <here>.", citations=["S1"],
                      tangential=True),
            Reference(title="not in the prompt", url="https://evil.example/x", kind="paper", role="related"),
        ],
        evidence=evidence, notices=["<notice>"], warnings=["guard: removed <a href=x>"],
    )


def _all_html() -> str:
    fr = answer_fragments(_answer(), _prompt(), ["task", "workflow", "references"])
    return "".join(fr.values())


def test_no_markup_from_data_survives():
    html = _all_html()
    for raw in ("<img", "<script>", "<b>goal", "<u>one", "<i>in", "<notice>", "<a href=x>", "<here>"):
        assert raw not in html, raw
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    tags = {tag for tag, _ in Collect(html).tags}
    assert not tags & {"script", "img", "iframe", "u", "i", "notice"}


def test_links_only_from_references_with_the_prompts_own_http_urls():
    hrefs = [a["href"] for tag, a in Collect(_all_html()).tags if tag == "a"]
    assert hrefs == ["https://arxiv.org/pdf/2012.09161", "http://arxiv.org/pdf/2502.16025v1.pdf"]
    assert all(a.get("rel") == "noopener noreferrer" for tag, a in Collect(_all_html()).tags if tag == "a")
    # The link the user pasted into the question is not one of the prompt's: the title drops it.
    assert "evil.example" not in answer_fragments(_answer(), _prompt(), [])["header"]


def test_a_citation_mark_carries_its_passage_and_an_unknown_id_stays_plain():
    collected = Collect(part_html("workflow", _answer(), _prompt()))
    buttons = [a for tag, a in collected.tags if tag == "button"]
    assert buttons and all(b["data-cite"] == "S1" for b in buttons)
    b = buttons[0]
    assert b["data-quote"] == 'LIIF takes "coordinates" <script>x()</script> & features'  # decoded back exactly
    assert (b["data-source"], b["data-page"], b["data-origin"]) == (f"{HOSTILE} paper", "3", "pdf")
    assert "[S9]" in "".join(collected.text)


def test_parts_use_the_prompts_own_headings():
    prompt = _prompt()
    assert headings(prompt) == [f"{i}. {a.rstrip('.')}" for i, a in enumerate(prompt.instructions, start=1)]
    html = part_html("references", _answer(), prompt)
    assert html.startswith('<section class="part" data-part="references"><h3 class="part-heading">3. List relevant')
    assert "loosely related" in html
    task = part_html("task", _answer(), prompt)
    assert "Scale stated in the question: ×2." in task


def test_the_workflow_part_holds_the_direct_answer_and_an_svg_diagram():
    html = part_html("workflow", _answer(), _prompt())
    assert '<p class="direct-answer">It predicts RGB at a coordinate.' in html
    assert "<svg" in html and "```mermaid" not in html and "flowchart" not in html


def test_chat_reply_lines_become_notices_sentences_and_live_marks():
    reply = "> No LLM wrote this.\nLIIF <b>predicts</b> colour. [S1]\nSources: [S1] LIIF paper\n(note: guard: removed S9)"
    html = chat_reply_html(reply, _answer())
    assert '<p class="notice">No LLM wrote this.</p>' in html
    assert "&lt;b&gt;predicts&lt;/b&gt;" in html and "<b>" not in html
    assert html.count('data-cite="S1"') == 2
    assert '<p class="guard-note">(note: guard: removed S9)</p>' in html


def test_the_sources_table_escapes_and_links_only_prompt_urls():
    prompt = _prompt()
    rows = [SimpleNamespace(ref="<script>r</script>", role="related", kind="paper", status="prompt summary only",
                            pages=None, chunks=2, url="http://arxiv.org/pdf/2502.16025v1.pdf", detail="<i>d</i>"),
            SimpleNamespace(ref="x", role="recommended", kind="code", status="failed", pages=1, chunks=0,
                            url="https://evil.example/x", detail="")]
    html = sources_html(rows, prompt)
    assert "<script>" not in html and "<i>" not in html
    hrefs = [a["href"] for tag, a in Collect(html).tags if tag == "a"]
    assert hrefs == ["http://arxiv.org/pdf/2502.16025v1.pdf"]
    assert "status-partial" in html and "status-bad" in html
