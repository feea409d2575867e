"""Which named parts of a model the local backend's answer is built around."""

from __future__ import annotations

from agent.backends.local.selection import components


def test_the_models_mechanisms_come_first_and_the_network_itself_is_left_out():
    parts = ["residual in residual (RIR)", "low-frequency information", "residual groups", "long skip connections",
             "channel attention mechanism", "holistic attention network (HAN)"]
    own = components(parts, ["SISR-RCAN-2x", "SISR-HAN-2x"])
    assert own == ["residual in residual (RIR)", "channel attention mechanism", "residual groups",
                   "long skip connections"]


def test_the_function_a_model_is_named_after_stays():
    parts = ["Local Implicit Image Function (LIIF)", "continuous representation", "arbitrary resolution", "encoder"]
    assert components(parts, ["SISR-Any-LIIF-EDSR"]) == [
        "Local Implicit Image Function (LIIF)", "continuous representation", "encoder"]


def test_what_the_paper_calls_the_model_is_found_in_the_singular():
    from agent.backends.local.selection import Sentence, named_parts, network_of

    text = ("We construct feed-forward denoising convolutional neural networks (DnCNNs) to embrace the "
            "progress in very deep architecture, learning algorithm, and regularization method.")
    parts = named_parts([Sentence("S1", text)])
    assert parts[0] == "denoising convolutional neural networks (DnCNNs)"
    assert network_of(parts, ["Denoise-DnCNN"]) == "denoising convolutional neural network (DnCNN)"
    assert components(parts, ["Denoise-DnCNN"]) == []
    assert network_of(["holistic attention network (HAN)"], ["SISR-HAN-2x"]) == "holistic attention network (HAN)"
    assert network_of(["residual in residual (RIR)"], ["SISR-RCAN-2x"]) is None
