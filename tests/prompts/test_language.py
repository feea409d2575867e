"""prompts/language.py: a question's language by its script."""

from __future__ import annotations

from prompts.language import ENGLISH, detect, share_in


def test_detect_by_script():
    assert detect("How does HAN work?") == ENGLISH
    assert detect("저해상도 사진을 4배로 확대했는데 HAN 모델은 어떻게 작동하나요?").code == "ko"
    assert detect("この画像を4倍に拡大しました").code == "ja"
    assert detect("如何把图像放大四倍？").code == "zh"
    assert detect("Как работает HAN?").code == "ru"
    assert detect("https://example.org 12345") == ENGLISH


def test_share_in_ignores_given_names():
    korean = detect("한국어")
    text = "HAN은 LAM과 CSAM으로 특징에 집중합니다."
    assert share_in(text, korean) < 1.0
    assert share_in(text, korean, ignore=("HAN", "LAM", "CSAM")) == 1.0
    assert share_in("The model uses attention.", korean) == 0.0
