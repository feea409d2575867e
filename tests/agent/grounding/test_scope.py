"""Questions about models the prompt does not provide are recognised."""

from __future__ import annotations

from agent.grounding.scope import refusal_statement, uncovered_models
from prompts import parse
from prompts.instructions import NOT_COVERED_PHRASE

TEMPLATE = '"{q}"\n\n### Recommended AI Models:\nModel: SISR-HAN-2x\nPaper: https://arxiv.org/pdf/2008.08767\n' \
           "\n### Related Papers:\nModel: P\nPaper: https://x.org/p.pdf\nSummary: We compare with EDSR.\n"


def test_outside_model_in_question():
    prompt = parse(TEMPLATE.format(q="Is SwinIR or HAN better? And SISR-CARN-4x?"))
    assert uncovered_models(prompt) == ["SwinIR", "SISR-CARN-4x"]


def test_provided_names_are_covered():
    assert uncovered_models(parse(TEMPLATE.format(q="How does HAN beat EDSR?"))) == []
    assert uncovered_models(parse(TEMPLATE.format(q="What about RCAN?")), extra_text="RCAN is a baseline") == []


def test_statement_carries_the_sentinel():
    assert refusal_statement("SwinIR").startswith(NOT_COVERED_PHRASE)
