"""agent/answer/checks.py: cut sentences, verbatim copying, drift of part 1."""

from __future__ import annotations

import pytest

from agent.answer.checks import copy_share, ends_in_ellipsis, is_broken, task_drift


@pytest.mark.parametrize(("sentence", "broken"), [
    ("HAN weighs features across layers.", False),
    ("How does it do that?”", False),  # a quoted question ends the sentence
    ("사용자는 사진을 확대하고 싶어 합니다.", False),
    ("To address this problem, we …", True),
    ("The model learns features and", True),
    ("It models the holistic interdependencies among layers, channels, and.", True),
    ("Finally, it is significantly ...", True),
])
def test_is_broken(sentence, broken):
    assert is_broken(sentence) is broken


def test_copy_share_counts_verbatim_8_grams():
    source = "the proposed LAM adaptively emphasizes hierarchical features by considering correlations among layers"
    assert copy_share([source], [source]) == 1.0
    assert copy_share(["LAM weighs features from different layers by how they relate."], [source]) == 0.0
    assert copy_share(["too short"], [source]) is None
    assert ends_in_ellipsis("keep edges …") and not ends_in_ellipsis("keep edges")


def test_drift_compares_part_1_with_the_question_and_the_related_summaries():
    from index import LocalEmbeddings

    emb = LocalEmbeddings()
    question = "I enlarged a photo by 4x; how does HAN keep the edges sharp?"
    summary = "The primary objective of this research was to enhance semantic segmentation in cytology images."
    drifted, to_q, to_r = task_drift("The user wants to enhance semantic segmentation of cytology images.", question,
                                     [summary], emb)
    assert drifted and to_r > to_q
    assert not task_drift("The user wants to enlarge a photo by 4x and keep its edges sharp.", question, [summary], emb)[0]
