"""The extractive backend's own sentences: part 1 quotes the question and stays one whole sentence."""

from __future__ import annotations

import pytest

from agent.answer.checks import is_broken
from agent.backends.extractive import quoted_question


@pytest.mark.parametrize(
    "question, quote",
    [
        ("How does attention keep 2x details sharp? [link removed] [link removed]'p06') [link removed]'p07')",
         "How does attention keep 2x details sharp?"),
        ("What changed in v2.0 of this model", "What changed in v2.0 of this model"),
        ("How does it work? I mean the attention part.", "How does it work? I mean the attention part."),
        ("Why is it sharp?  ]]", "Why is it sharp?"),
    ],
)
def test_the_quoted_question_drops_markup_debris_and_keeps_its_words(question, quote):
    assert quoted_question(question) == quote


def test_the_task_sentence_is_whole_with_or_without_a_question_mark(seed_prompt, seed_index, offline_settings):
    from agent.answer.compose import build_context
    from agent.backends.extractive import task_sentence

    seed_ctx = build_context(seed_prompt, seed_index, offline_settings)
    for question in ("How does the model keep details sharp", "Why is it sharp? [link removed]'x')"):
        seed_ctx.prompt = seed_ctx.prompt.model_copy(update={"question": question})
        assert not is_broken(task_sentence(seed_ctx).text)
