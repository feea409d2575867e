"""The line openings the local backend writes for the model to finish."""

from __future__ import annotations

from prompts.language import ENGLISH, detect
from prompts.local_asks import answer_opening, step_openings


def test_the_answer_and_steps_open_on_the_named_parts():
    parts = ["layer attention module (LAM)", "channel-spatial attention module (CSAM)", "residual groups"]
    assert answer_opening("SISR-HAN-2x", parts, ENGLISH) == (
        "SISR-HAN-2x relies on its layer attention module (LAM) and its channel-spatial attention module (CSAM), which")
    assert step_openings(parts, ENGLISH) == (
        "First, the layer attention module (LAM)", "Next, the channel-spatial attention module (CSAM)",
        "Finally, the residual groups")
    assert step_openings(parts[:2], ENGLISH)[-1] == "Finally,"
    assert answer_opening("SISR-HAN-2x", parts, ENGLISH, "holistic attention network (HAN)").startswith(
        "SISR-HAN-2x, a holistic attention network (HAN), relies on its layer attention module (LAM)")


def test_the_steps_follow_the_data_an_encoder_first():
    parts = ["Local Implicit Image Function (LIIF)", "continuous representation", "encoder"]
    assert step_openings(parts, ENGLISH) == (
        "First, the encoder", "Next, the Local Implicit Image Function (LIIF)", "Finally, the continuous representation")


def test_another_language_gets_its_own_openings():
    korean = detect("어텐션은 어떻게 작동하나요?")
    assert korean != ENGLISH
    assert not step_openings(["layer attention module (LAM)", "residual groups"], korean)[0].startswith("First")
