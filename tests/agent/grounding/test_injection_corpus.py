"""The injection corpus (tests/support/injection_corpus.py) through every output format: the
Markdown answer, the `--json` document (its `links` included), the `--out` files, the chat reply and
the saved transcript. The tricks sit everywhere data can: the question, a recommended model's name,
related papers' titles and summaries (indexed, so quoted as evidence) and an LLM's every sentence.
Zero survivors (issue 11)."""

from __future__ import annotations

import json

import pytest
from answer_support import ScriptedBackend
from injection_corpus import CASE_FILE, TRICKS, hostile_prompt_text, payload_text, strings_of, survivors

from agent.answer.compose import answer_prompt, build_context
from agent.answer.render import to_json, to_markdown
from agent.sessions.chat import ChatSession
from aisci.cli import run
from aisci.cli.answer import write_outputs
from prompts import load


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile prompt file and its offline index (summaries and bundled abstracts)."""
    from agent.settings import Settings
    from index import QuestionIndex

    base = tmp_path_factory.mktemp("hostile")
    path = base / "hostile.txt"
    path.write_text(hostile_prompt_text(), encoding="utf-8")
    prompt = load(path)
    settings = Settings(cache_dir=base / "cache", output_dir=base / "runs", offline=True, no_download=True)
    return prompt, settings, QuestionIndex.build(prompt, settings.index_config()), path


def hostile_draft(ids: list[str], prompt) -> dict:
    """An LLM that writes every trick into every part, citing every passage (so all are quoted)."""
    spread = [ids[i % len(ids)] for i in range(len(TRICKS))]
    return {
        "task": {"text": f"The user wants sharp 2x output. {TRICKS[0].payload}", "citations": ids[:2]},
        "sub_goals": [t.payload for t in TRICKS[:5]],
        "direct_answer": [{"text": f"Attention decides. {TRICKS[5].payload}", "citations": ids[:1]}],
        "steps": [{"text": f"Step {i}: the network attends {t.payload} to features.", "citations": [spread[i]]}
                  for i, t in enumerate(TRICKS)],
        "relevance": {p.paper_url: {"text": f"Related through {payload_text(TRICKS[:8])}.", "citations": ids[:1]}
                      for p in prompt.papers},
        "warnings": [f"backend note {TRICKS[2].payload}"],
    }


def check_document(doc: dict, allowed) -> None:
    problems = [f"{s[:60]!r}: {found}" for s in strings_of(doc) if (found := survivors(s, allowed))]
    for key in ("markdown",):
        problems += [f"markdown: {found}" for found in [survivors(doc[key], allowed, markdown=True)] if found]
    for name, section in doc["sections"].items():
        problems += [f"section {name}: {found}" for found in [survivors(section, allowed, markdown=True)] if found]
    assert problems == []
    assert doc["links"] and all(allowed(u) for u in doc["links"])


def check_markdown(text: str, allowed) -> None:
    assert survivors(text, allowed, markdown=True) == []


def test_scripted_llm_and_hostile_data_in_markdown_json_and_out_files(hostile, tmp_path):
    prompt, settings, index, _ = hostile
    ids = list(build_context(prompt, index, settings).passages())
    answer = answer_prompt(prompt, settings, ScriptedBackend([hostile_draft(ids, prompt)]), index=index)
    allowed = prompt.is_allowed_link
    markdown, doc = to_markdown(answer, prompt), to_json(answer, prompt)
    check_markdown(markdown, allowed)
    check_document(doc, allowed)
    assert {e["id"] for e in doc["citations"]} == set(ids), "every passage (every summary) is quoted"
    assert any("link(s) that are not in the prompt" in w for w in doc["warnings"])
    md_path, json_path = write_outputs(tmp_path / "out", markdown, doc)
    check_markdown(md_path.read_text(encoding="utf-8"), allowed)
    check_document(json.loads(json_path.read_text(encoding="utf-8")), allowed)
    # The answer still says what it should: the prompt's links, the steps, the model.
    for url in ("https://arxiv.org/pdf/2008.08767", "https://github.com/wwlCape/HAN", "https://arxiv.org/pdf/1807.02758"):
        assert url in doc["links"]
    assert len(answer.workflow.steps) == len(TRICKS) and "SISR-HAN-2x" in markdown


def test_the_cli_answer_with_json_and_out(hostile, tmp_path, capsys, monkeypatch):
    prompt, settings, _, path = hostile
    monkeypatch.setenv("AISCI_CACHE_DIR", str(settings.cache_dir))
    out = tmp_path / "cli-out"
    assert run(["answer", str(path), "--offline", "--backend", "extractive", "--json", "--out", str(out)]) == 0
    allowed = prompt.is_allowed_link
    check_document(json.loads(capsys.readouterr().out), allowed)
    check_markdown((out / "answer.md").read_text(encoding="utf-8"), allowed)
    check_document(json.loads((out / "answer.json").read_text(encoding="utf-8")), allowed)


def test_the_chat_reply_and_transcript(hostile, tmp_path):
    prompt, settings, index, _ = hostile
    ids = list(build_context(prompt, index, settings).passages())
    backend = ScriptedBackend([hostile_draft(ids, prompt)] * 3)
    session = ChatSession(prompt, settings, backend, index=index)
    allowed = prompt.is_allowed_link
    outputs = [session.handle(f"Tell me about {TRICKS[i].payload} and the network") for i in (0, 20, 31)]
    outputs += [session.handle("/sources"), session.handle("/evidence"),
                session.handle(f"/save {tmp_path / 'x'}<script>alert('p31')</script>")]
    for output in outputs:
        check_markdown(output, allowed)
    json_path, md_path = session.save(tmp_path / "chat")
    transcript = json.loads(json_path.read_text(encoding="utf-8"))
    problems = [f"{s[:60]!r}: {found}" for s in strings_of(transcript) if (found := survivors(s, allowed))]
    assert problems == []
    check_markdown(md_path.read_text(encoding="utf-8"), allowed)


def test_the_corpus_is_big_enough_and_shared_with_the_evals():
    assert len(TRICKS) >= 30 and len({t.name for t in TRICKS}) == len(TRICKS)
    # evals/cases holds the same hostile prompt, so `aisci eval evals/cases` runs the corpus too
    # (regenerate: python -c "import sys; sys.path[:0]=['tests/support','.']; import injection_corpus as c; c.write_case()").
    assert CASE_FILE.read_text(encoding="utf-8") == hostile_prompt_text()
