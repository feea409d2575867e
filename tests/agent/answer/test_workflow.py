"""The CNAPS workflow: one branch per recommended model, a compare node for several, valid Mermaid."""

from __future__ import annotations

import pytest

from agent.answer.mermaid import validate
from agent.answer.workflow import build_workflow, question_scale, render_arrows, render_mermaid
from prompts import parse

HEAD = '"{q}"\n\n### Recommended AI Models:\n'


def prompt_with(models: list[str], question: str = "How does it work?"):
    body = "".join(f"Model: {m}\nPaper: https://arxiv.org/pdf/2008.08767\n\n" for m in models)
    return parse(HEAD.format(q=question) + body)


@pytest.mark.parametrize(
    "question, scale",
    [
        ("enlarged by 4x", 4), ("upscaled by 4×, and", 4), ("a ×3 enlargement", 3), ("x2 please", 2),
        ("2 times larger", 2), ("a 2.5x zoom", 2.5), ("no scale here", None), ("the 1x1 conv", None),
        ("enlarge it x 4", 4), ("at 8-fold", 8),
    ],
)
def test_question_scale(question, scale):
    assert question_scale(question) == scale


def test_single_model_branch_from_the_zoo():
    workflow, warnings = build_workflow(prompt_with(["SISR-RCAN-2x"], "Enlarged by 2x"))
    assert [n.kind for n in workflow.nodes] == ["input", "preprocess", "model", "output"]
    model = workflow.model_nodes()[0]
    assert model.params["arch"] == "RCAN" and model.params["scale"] == 2 and model.params["runnable_here"] is True
    assert warnings == []
    (arrows,) = render_arrows(workflow)
    assert arrows.startswith("Low-resolution input image → Preprocess") and "SISR-RCAN-2x (RCAN, x2)" in arrows
    validate(render_mermaid(workflow))


def test_a_denoising_model_takes_a_noisy_image_and_gives_a_denoised_one():
    workflow, warnings = build_workflow(prompt_with(["Denoise-DnCNN"], "Clean the noise of my 2x zoomed photo"))
    (arrows,) = render_arrows(workflow)
    assert arrows.startswith("Noisy input image → Preprocess") and arrows.endswith("Denoised image: restored image")
    assert "→ Denoise-DnCNN →" in arrows  # no "(Denoise-DnCNN)" repeated after the name
    assert "resolution" not in arrows.lower() and workflow.model_nodes()[0].params["scale"] is None
    assert warnings == []
    validate(render_mermaid(workflow))


def test_several_models_join_at_compare_and_scale_mismatch_warns():
    workflow, warnings = build_workflow(prompt_with(["SISR-HAN-2x", "SISR-Any-LIIF-EDSR"], "enlarge by 4x"))
    assert [n.id for n in workflow.model_nodes()] == ["model1", "model2"]
    assert workflow.node("compare") is not None
    assert {(e.source, e.target) for e in workflow.edges} >= {("out1", "compare"), ("out2", "compare")}
    assert workflow.model_nodes()[1].params["scale"] == 4, "any-scale LIIF follows the question"
    assert any("SISR-HAN-2x enlarges by ×2 only" in w for w in warnings)
    assert len(render_arrows(workflow)) == 2
    validate(render_mermaid(workflow))


def test_model_outside_the_zoo_is_described_not_run():
    workflow, _ = build_workflow(prompt_with(["SISR-SwinIR-4x"]))
    model = workflow.model_nodes()[0]
    assert model.params["runnable_here"] is False and model.params["scale"] == 4
    assert model.label == "SISR-SwinIR-4x"
    validate(render_mermaid(workflow))


def test_only_provided_models_appear():
    workflow, _ = build_workflow(prompt_with(["SISR-HAN-4x"]))
    names = {n.label for n in workflow.model_nodes()}
    assert names == {"SISR-HAN-4x"}
