"""Evaluation metrics on hand-made answers: a good one scores 1.0; each kind of fault is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.answer.render import to_json
from agent.answer.schema import Answer, CitedSentence, Evidence, Reference, TaskPart
from agent.answer.workflow import build_workflow
from evals.metrics import (
    answer_from_document,
    citation_validity,
    coverage,
    expected_links,
    missing_parts,
    score_answer,
    support,
)
from prompts import load
from prompts.instructions import NOT_COVERED_PHRASE

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "prompts" / "set" / "001_1e8079f89356a990.txt"  # SISR-HAN-4x, "by 4x", three related papers
REFUSAL_CASE = REPO / "evals" / "cases" / "refusal_outside_model.txt"  # asks about SwinIR; RCAN provided

S1 = ("To address this problem, we propose a new holistic attention network (HAN), which consists of a layer "
      "attention module (LAM) and a channel-spatial attention module (CSAM).")
S2 = "Informative features play a crucial role in the single image super-resolution task."


@pytest.fixture(scope="module")
def prompt():
    return load(SEED)


def references(prompt) -> list[Reference]:
    refs = []
    for m in prompt.models:
        refs.append(Reference(title=m.name, url=m.paper_url, kind="paper", role="recommended"))
        refs.append(Reference(title=f"{m.name} code", url=m.github_url, kind="code", role="recommended"))
    for p in prompt.papers:
        refs.append(Reference(title=p.title, url=p.paper_url, kind="paper", role="related",
                              relevance="It uses super-resolution as a step.", citations=["S2"]))
        if p.github_url:
            refs.append(Reference(title=f"{p.title} code", url=p.github_url, kind="code", role="related"))
    return refs


def good_answer(prompt) -> Answer:
    workflow, _ = build_workflow(prompt)
    workflow.steps = [CitedSentence(text=S1, citations=["S1"]),
                      CitedSentence(text="Informative features matter for super-resolution.", citations=["S2"])]
    return Answer(
        prompt_id=prompt.id, question=prompt.question, backend="hand-made",
        task=TaskPart(summary=CitedSentence(text="The user enlarges an image by ×4 and asks how detail survives.",
                                            citations=["S2"]), scale=4),
        workflow=workflow, references=references(prompt),
        evidence=[Evidence(id="S1", source="HAN", url=prompt.models[0].paper_url, origin="pdf", quote=S1),
                  Evidence(id="S2", source="HAN", url=prompt.models[0].paper_url, origin="pdf", quote=S2)],
    )


def test_a_good_answer_scores_one(prompt):
    score = score_answer(good_answer(prompt), prompt)
    assert score.structure == 1.0 and score.missing_parts == []
    assert score.link_precision == 1.0 and score.outside_links == []
    assert score.link_recall == 1.0 and score.missing_links == []
    assert score.citation_validity == 1.0 and score.invalid_citations == [] and score.citations == 6
    assert score.coverage == 1.0
    assert score.outside_names == [] and score.task_fidelity is True
    assert score.refusal_expected == [] and score.refusal_present is None
    assert score.demo_ran is False and score.psnr_gain is None
    assert len(expected_links(prompt)) == 6  # HAN paper + code, three papers, HiTSR code


def test_an_outside_link_is_caught(prompt):
    answer = good_answer(prompt)
    answer.workflow.steps.append(CitedSentence(text="Get it at https://evil.example.com/sr today.", citations=["S1"]))
    score = score_answer(answer, prompt)
    assert score.outside_links == ["https://evil.example.com/sr"]
    assert score.link_precision == pytest.approx(6 / 7, abs=1e-3)
    assert score.link_recall == 1.0


def test_a_fake_citation_is_caught(prompt):
    answer = good_answer(prompt)
    answer.workflow.steps[0].citations = ["S1", "S42"]
    answer.workflow.steps[1].text += " As shown in [S77]."
    validity, total, invalid = citation_validity(answer)
    assert invalid == ["S42", "S77"] and total == 8 and validity == pytest.approx(6 / 8)
    assert score_answer(answer, prompt).citation_validity < 1.0


def test_a_missing_part_is_caught(prompt):
    answer = good_answer(prompt)
    answer.task.summary = CitedSentence(text="  ")
    assert missing_parts(answer) == ["task"]
    answer.workflow.steps = []
    answer.references = []
    score = score_answer(answer, prompt)
    assert score.structure == 0.0 and score.missing_parts == ["task", "workflow", "references"]
    assert score.link_recall == 0.0 and len(score.missing_links) == 6


def test_uncited_sentences_lower_coverage_but_refusals_do_not(prompt):
    answer = good_answer(prompt)
    answer.workflow.steps.append(CitedSentence(text="An uncited claim about the network."))
    assert coverage(answer) == pytest.approx(3 / 4)
    answer.workflow.steps[-1] = CitedSentence(text=f"{NOT_COVERED_PHRASE}: the passages say nothing of this.")
    assert coverage(answer) == 1.0


def test_an_outside_model_name_is_caught(prompt):
    answer = good_answer(prompt)
    answer.workflow.steps.append(CitedSentence(text="SwinIR and HAN both use attention.", citations=["S1"]))
    assert score_answer(answer, prompt).outside_names == ["SwinIR"]
    # a name the question's sources mention is not outside knowledge
    assert score_answer(answer, prompt, source_names=["SwinIR"]).outside_names == []


def test_task_fidelity_needs_the_scale(prompt):
    answer = good_answer(prompt)
    answer.task = TaskPart(summary=CitedSentence(text="The user enlarges an image.", citations=["S2"]))
    assert score_answer(answer, prompt).task_fidelity is False
    answer.task.sub_goals = ["Enlarge the input by 4x"]
    assert score_answer(answer, prompt).task_fidelity is True


def test_refusal_is_expected_for_a_model_that_is_not_provided():
    case = load(REFUSAL_CASE)
    answer = good_answer(case)
    score = score_answer(answer, case)
    assert score.refusal_expected == ["SwinIR"] and score.refusal_present is False
    answer.refused = [f"{NOT_COVERED_PHRASE}: SwinIR is not among the provided models and papers."]
    assert score_answer(answer, case).refusal_present is True


def test_demo_gain_over_bicubic(prompt):
    answer = good_answer(prompt)
    answer.demo = {"model": "SISR-HAN-4x", "metrics": {"psnr": 30.5, "psnr_bicubic": 28.25, "ssim": 0.9,
                                                      "ssim_bicubic": 0.8}}
    score = score_answer(answer, prompt)
    assert score.demo_ran is True and score.psnr_gain == pytest.approx(2.25)


def test_cost_comes_from_usage(prompt):
    answer = good_answer(prompt)
    answer.usage.prompt_tokens, answer.usage.completion_tokens = 900, 120
    answer.usage.add_time("write", 1.5)
    score = score_answer(answer, prompt)
    assert score.tokens == 1020 and score.seconds == {"write": 1.5}


def test_support_with_the_local_embeddings(prompt):
    from index import LocalEmbeddings

    answer = good_answer(prompt)
    answer.workflow.steps.append(CitedSentence(text="The weather in Paris was sunny and warm all week.",
                                               citations=["S1"]))
    values = support(answer, LocalEmbeddings())
    # task summary, two steps, the off-topic step, three related-paper lines
    assert len(values) == 7
    verbatim, off_topic = values[1], values[3]
    assert verbatim > 0.99 and off_topic < 0.3 and all(-1.0 <= v <= 1.0001 for v in values)


def test_a_json_document_scores_like_its_answer(prompt):
    answer = good_answer(prompt)
    answer.workflow.steps[0].citations.append("S42")
    rebuilt = answer_from_document(to_json(answer, prompt))
    assert score_answer(rebuilt, prompt) == score_answer(answer, prompt)


# --- link precision counts what a browser would see as a link (issue 11) ----------------------------
from injection_corpus import TRICKS  # noqa: E402


@pytest.mark.parametrize("trick", [t for t in TRICKS if t.is_link], ids=lambda t: t.name)
def test_link_precision_counts_every_link_trick(prompt, trick):
    # An answer that did not go through the guard (a hostile or old run file): the evaluation must
    # not report 1.00 for it, through the run-file path it reads.
    answer = good_answer(prompt)
    answer.workflow.steps.append(CitedSentence(text=f"More at {trick.payload} today.", citations=["S1"]))
    score = score_answer(answer_from_document(to_json(answer, prompt)), prompt)
    assert score.link_precision < 1.0 and score.outside_links, trick.name
    clean = score_answer(good_answer(prompt), prompt)
    assert clean.link_precision == 1.0 and clean.outside_links == []


def test_a_link_in_a_reference_title_or_name_is_counted(prompt):
    answer = good_answer(prompt)
    answer.references[0] = answer.references[0].model_copy(update={"title": "HAN](https://evil.example/m) [x"})
    score = score_answer(answer, prompt)
    assert "https://evil.example/m" in score.outside_links
