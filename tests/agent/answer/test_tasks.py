"""agent/answer/tasks.py: the task family of a model from its name, and naming it in a text."""

from __future__ import annotations

import pytest

from agent.answer.tasks import FAMILIES, SUPER_RESOLUTION, model_family, names_task, prompt_family
from prompts import parse


@pytest.mark.parametrize(("name", "family"), [
    ("SISR-HAN-2x", "super-resolution"), ("SISR-Any-LIIF-EDSR", "super-resolution"), ("Denoise-DnCNN", "denoising"),
    ("Deblur-NAFNet", "deblurring"), ("Real-ESRGAN", "super-resolution"), ("Inpaint-LaMa", "inpainting"),
])
def test_the_family_comes_from_the_name(name, family):
    assert model_family(name).key == family


def test_an_unknown_name_says_nothing_and_a_prompt_defaults_to_super_resolution():
    assert model_family("Mystery") is None
    prompt = parse('A user has asked the following question:\n"Why?"\n### Recommended AI Models:\nModel: Mystery\n'
                   "Paper: https://arxiv.org/abs/2008.08767\n", path="x.txt")
    assert prompt_family(prompt) is SUPER_RESOLUTION


def test_names_task_knows_other_languages_and_not_other_tasks():
    assert names_task("사진을 4배로 확대하고 싶어요", SUPER_RESOLUTION)
    assert names_task("The user wants to remove the noise", FAMILIES["denoising"])
    assert not names_task("The user wants to enlarge the photo", FAMILIES["denoising"])
