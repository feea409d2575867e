"""evals/quality.py on hand-made answers: a good answer passes every reader-facing metric, and each
fault a reader would see — a drifted task, the wrong task, a cut sentence, a copied part 2, no
direct answer, the wrong language, missing key facts — is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.answer.schema import Answer, CitedSentence, Evidence, Reference, TaskPart
from agent.answer.workflow import build_workflow
from evals.metrics import score_answer
from evals.quality import keyfacts_for, parse_keyfacts
from prompts import load

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "prompts" / "set" / "001_1e8079f89356a990.txt"  # SISR-HAN-4x, "by 4x", a cytology paper related
KOREAN = REPO / "evals" / "cases" / "korean_question.txt"
DENOISING = REPO / "evals" / "cases" / "denoising_model.txt"
ABSTRACT = ("To address this problem, we propose a new holistic attention network (HAN), which consists of a layer "
            "attention module (LAM) and a channel-spatial attention module (CSAM), to model the holistic "
            "interdependencies among layers, channels, and positions.")


@pytest.fixture(scope="module")
def embeddings():
    from index import LocalEmbeddings

    return LocalEmbeddings()


def answer_for(prompt, task: str, direct: list[str], steps: list[str], relevance: str = "It studies a nearby task.") -> Answer:
    workflow, _ = build_workflow(prompt)
    workflow.direct_answer = [CitedSentence(text=t, citations=["S1"]) for t in direct]
    workflow.steps = [CitedSentence(text=t, citations=["S1"]) for t in steps]
    refs = [Reference(title=m.name, url=m.paper_url, kind="paper", role="recommended") for m in prompt.models]
    refs += [Reference(title=p.title, url=p.paper_url, kind="paper", role="related", relevance=relevance,
                       citations=["S1"]) for p in prompt.papers]
    return Answer(prompt_id=prompt.id, question=prompt.question, backend="hand-made",
                  task=TaskPart(summary=CitedSentence(text=task, citations=["S1"]), sub_goals=["keep the edges sharp"]),
                  workflow=workflow, references=refs,
                  evidence=[Evidence(id="S1", source="HAN", url=prompt.models[0].paper_url, origin="bundled-abstract",
                                     quote=ABSTRACT)])


GOOD_TASK = "The user wants to enlarge a low-resolution image by 4x with super-resolution and keep it sharp."
GOOD_DIRECT = ["HAN weighs its features with a layer attention module (LAM) across layers and a channel-spatial "
               "attention module (CSAM) across channels and positions."]
GOOD_STEPS = ["First, the small image becomes a stack of features.", "Next, LAM compares what different layers found.",
              "Finally, CSAM keeps the useful positions and the enlarged image is built."]


@pytest.fixture(scope="module")
def prompt():
    return load(SEED)


def test_a_good_answer_passes_every_reader_metric(prompt, embeddings):
    score = score_answer(answer_for(prompt, GOOD_TASK, GOOD_DIRECT, GOOD_STEPS), prompt, embeddings=embeddings)
    assert score.task_fidelity and score.task_drift is False and score.task_family and score.task_scale
    assert score.key_fact_recall == 1.0 and score.missing_facts == []
    assert score.broken == [] and score.copying is not None and score.copying < 0.5
    assert score.direct_answer is True and score.language_ok is True


def test_a_drifted_task_is_caught(prompt, embeddings):
    drifted = ("The primary objective is to enhance the quality of semantic segmentation in cytology images by "
               "incorporating super-resolution architectures.")  # the related paper's goal, not the user's
    score = score_answer(answer_for(prompt, drifted, GOOD_DIRECT, GOOD_STEPS), prompt, embeddings=embeddings)
    assert score.task_drift is True and score.task_fidelity is False
    assert score.task_similarity[1] >= score.task_similarity[0]


def test_the_wrong_task_family_is_caught():
    prompt = load(DENOISING)
    enlarge = "The user wants to enlarge their night photos by 4x."
    assert score_answer(answer_for(prompt, enlarge, GOOD_DIRECT, GOOD_STEPS), prompt).task_family is False
    clean = "The user wants to remove the grainy noise from their night photos."
    assert score_answer(answer_for(prompt, clean, GOOD_DIRECT, GOOD_STEPS), prompt).task_family is True


def test_cut_sentences_are_caught(prompt):
    cut = [*GOOD_STEPS[:2], "Finally, to address this problem, we …"]
    score = score_answer(answer_for(prompt, GOOD_TASK, GOOD_DIRECT, cut, relevance="It is significantly"), prompt)
    # the cut step, and the relevance line of each related paper
    assert score.broken == ["Finally, to address this problem, we …"] + ["It is significantly"] * len(prompt.papers)


def test_a_copied_part_two_is_caught(prompt):
    score = score_answer(answer_for(prompt, GOOD_TASK, [ABSTRACT], [ABSTRACT]), prompt)
    assert score.copying == 1.0


def test_no_direct_answer_and_a_non_answer_are_caught(prompt, embeddings):
    none = score_answer(answer_for(prompt, GOOD_TASK, [], GOOD_STEPS), prompt, embeddings=embeddings)
    assert none.direct_answer is False and "no direct answer" in none.direct_answer_problem
    results = ["Extensive experiments demonstrate that the proposed HAN performs favorably."]  # says no design
    vague = score_answer(answer_for(prompt, GOOD_TASK, results, GOOD_STEPS), prompt, embeddings=embeddings)
    assert vague.direct_answer is False and "none of the key facts" in vague.direct_answer_problem


def test_the_wrong_language_is_caught():
    prompt = load(KOREAN)
    english = score_answer(answer_for(prompt, GOOD_TASK, GOOD_DIRECT, GOOD_STEPS), prompt)
    assert english.language == "ko" and english.language_ok is False
    korean = score_answer(answer_for(prompt, "사용자는 사진을 4배로 확대하고 선명하게 유지하고 싶어 합니다.",
                                     ["HAN은 LAM과 CSAM으로 레이어 간 특징과 위치에 집중합니다."],
                                     ["먼저, 작은 사진이 특징이 됩니다.", "다음으로, LAM이 레이어를 비교합니다.",
                                      "마지막으로, CSAM이 위치를 고릅니다."]), prompt)
    assert korean.language_ok is True and korean.key_fact_recall == 1.0  # Korean wordings of the facts count


def test_missing_key_facts_are_named(prompt):
    score = score_answer(answer_for(prompt, GOOD_TASK, ["HAN makes images sharp."], ["First, it works."]), prompt)
    assert score.key_fact_recall == 0.0
    assert score.missing_facts[0] == "layer attention module"


def test_keyfacts_files_cover_every_seed_and_case():
    prompts = [*(REPO / "prompts" / "set").glob("*.txt"), *(REPO / "evals" / "cases").glob("*.txt")]
    missing = [p.name for p in prompts if not keyfacts_for(p)]
    assert missing == []
    facts = parse_keyfacts("# comment\nlayer attention module | LAM\n\n  skip connections  \n")
    assert [f.wordings for f in facts] == [("layer attention module", "LAM"), ("skip connections",)]
