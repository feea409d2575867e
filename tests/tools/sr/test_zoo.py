"""The zoo: names, facts, scales, and what it says about models it does not hold."""

from __future__ import annotations

import pytest

from tools.sr.errors import BadScale, NotInZoo
from tools.sr.zoo import get_spec, is_in_zoo, list_specs

EXPECTED = [f"SISR-{a}-{s}x" for a in ("HAN", "RCAN") for s in (2, 3, 4, 8)] + ["SISR-Any-LIIF-EDSR", "SISR-Any-LIIF-RDN"]


def test_catalogue_names():
    assert [s.name for s in list_specs()] == EXPECTED
    assert get_spec("sisr-han-2x").name == "SISR-HAN-2x"


def test_not_in_zoo_lists_the_zoo():
    with pytest.raises(NotInZoo) as info:
        get_spec("SISR-SwinIR-2x")
    message = str(info.value)
    assert "SISR-SwinIR-2x" in message and "not in the SR zoo" in message
    assert all(name in message for name in EXPECTED)
    assert not is_in_zoo("Denoise-DnCNN")


def test_facts_for_the_answer_writer():
    rcan = get_spec("SISR-RCAN-4x")
    assert rcan.arch == "RCAN" and rcan.scale == 4 and not rcan.any_scale
    assert rcan.paper_url == "https://arxiv.org/pdf/1807.02758" and rcan.github_url == "https://github.com/yulunzhang/RCAN"
    assert "0-255" in rcan.input and "DIV2K" in rcan.preprocessing and "×4" in rcan.output
    assert "channel attention" in rcan.mechanism_keywords
    assert "layer attention" in get_spec("SISR-HAN-2x").mechanism_keywords
    liif = get_spec("SISR-Any-LIIF-EDSR")
    assert liif.scale is None and liif.any_scale and liif.arch == "LIIF-EDSR"
    assert "local ensemble" in liif.mechanism_keywords and "(img - 0.5) / 0.5" in liif.preprocessing
    assert liif.weights.auto_installable and liif.weights.size == 18_890_445
    assert not get_spec("SISR-Any-LIIF-RDN").weights.auto_installable


def test_scales():
    assert get_spec("SISR-HAN-2x").check_scale(None) == 2.0
    assert get_spec("SISR-HAN-2x").check_scale(2) == 2.0
    with pytest.raises(BadScale, match="exactly 2"):
        get_spec("SISR-HAN-2x").check_scale(3)
    liif = get_spec("SISR-Any-LIIF-EDSR")
    assert liif.check_scale(3.5) == 3.5 and liif.check_scale(None) == 2.0
    for bad in (0.5, 31, float("nan"), "x"):
        with pytest.raises(BadScale):
            liif.check_scale(bad)
