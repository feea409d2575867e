"""agent/answer/relation.py: how each related paper of the seeds and cases bears on its question."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.answer.relation import relation_of
from agent.answer.tasks import FAMILIES, SUPER_RESOLUTION
from prompts import load
from prompts.instructions import LOOSELY_RELATED

REPO = Path(__file__).resolve().parents[3]
PAPERS = {p.title: p for f in sorted((REPO / "prompts" / "set").glob("*.txt")) for p in load(f).papers}


@pytest.mark.parametrize(("title_start", "kind"), [
    ("Super-Resolution Microscopy", "other-sense"),  # optical microscopy: another sense of the word
    ("Using super-resolution for enhancing visual perception", "step"),  # SR before segmentation
    ("Semantic Segmentation Using Super Resolution", "step"),
    ("HiTSR", "same-task"),
    ("A Study in Dataset Distillation", "same-task"),
    ("FeatSharp", "other-task"),  # upsamples vision-model features, not photos
    ("Learning Multiscale Consistency", "other-task"),  # electron microscopy *segmentation*, no SR
])
def test_the_relation_is_read_from_the_papers_own_words(title_start, kind):
    paper = next(p for t, p in PAPERS.items() if t.startswith(title_start))
    relation = relation_of(paper.title, paper.summary or "", SUPER_RESOLUTION)
    assert relation.kind == kind
    assert relation.tangential == (kind != "same-task")
    assert relation.sentence.startswith(LOOSELY_RELATED) == relation.tangential
    assert relation.sentence.endswith(".") and relation.then("It does X.").endswith(". It does X.")


def test_microscopy_is_named_as_a_different_sense_and_segmentation_as_a_step():
    micro = next(p for t, p in PAPERS.items() if t.startswith("Super-Resolution Microscopy"))
    assert "microscopy technique, a different sense" in relation_of(micro.title, micro.summary, SUPER_RESOLUTION).sentence
    cyto = next(p for t, p in PAPERS.items() if "cytology" in t)
    assert "only as a step toward semantic segmentation" in relation_of(cyto.title, cyto.summary, SUPER_RESOLUTION).sentence


def test_a_denoising_paper_is_the_same_task_for_a_denoising_question():
    text = "Residual learning and batch normalization are utilized to boost the denoising performance."
    assert relation_of("Beyond a Gaussian Denoiser", text, FAMILIES["denoising"]).kind == "same-task"
    assert relation_of("Beyond a Gaussian Denoiser", text, SUPER_RESOLUTION).kind == "other-task"
