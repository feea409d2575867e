"""Image tasks: which one a recommended model performs (from its name), and how a text names it.

Part 1 of an answer restates the user's task; for a denoising model that is removing noise, not
enlarging the image. The family comes from the catalogue prefix of the model's name
(`SISR-HAN-2x` → super-resolution, `Denoise-DnCNN` → denoising) or, failing that, from words in
the name. `terms` are the stems that show a text names the task (English and a few other
languages a question may come in), used by the answer checks and the evaluation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prompts import Prompt


@dataclass(frozen=True)
class TaskFamily:
    """One kind of image task."""

    key: str
    goal: str  # what the user wants, as a verb phrase: "enlarge a low-resolution image"
    noun: str  # the task's name in a sentence: "single-image super-resolution"
    terms: tuple[str, ...]  # lower-case stems that name the task in a text
    scales: bool = False  # whether an enlargement factor belongs to the task
    image_in: str = "Input image"  # the workflow's input node: "Low-resolution input image"
    image_out: str = "Restored image"  # the workflow's output node: "Super-resolved image"


SUPER_RESOLUTION = TaskFamily(
    "super-resolution", "enlarge a low-resolution image", "single-image super-resolution",
    ("super-resolution", "super resolution", "superresolution", "upscal", "upsampl", "enlarg", "higher resolution",
     "high-resolution", "high resolution", "초해상", "해상도", "업스케일", "확대", "超分辨", "超解像", "高分辨率"),
    scales=True, image_in="Low-resolution input image", image_out="Super-resolved image",
)
FAMILIES = {
    family.key: family
    for family in (
        SUPER_RESOLUTION,
        TaskFamily("denoising", "remove noise from an image", "image denoising",
                   ("denois", "noise", "noisy", "노이즈", "잡음", "去噪", "噪声", "ノイズ"),
                   image_in="Noisy input image", image_out="Denoised image"),
        TaskFamily("deblurring", "remove blur from an image", "image deblurring",
                   ("deblur", "blur", "sharpen", "블러", "흐림", "去模糊", "ぼけ"),
                   image_in="Blurred input image", image_out="Deblurred image"),
        TaskFamily("deraining", "remove rain streaks from an image", "image deraining",
                   ("derain", "rain", "빗줄기", "去雨"),
                   image_in="Rainy input image", image_out="Derained image"),
        TaskFamily("dehazing", "remove haze from an image", "image dehazing",
                   ("dehaz", "haze", "fog", "안개", "去雾"),
                   image_in="Hazy input image", image_out="Dehazed image"),
        TaskFamily("inpainting", "fill in missing regions of an image", "image inpainting",
                   ("inpaint", "missing region", "hole", "인페인팅", "修复"),
                   image_in="Input image with missing regions", image_out="Inpainted image"),
        TaskFamily("colorization", "add colour to a grayscale image", "image colorization",
                   ("coloriz", "colouriz", "color", "colour", "채색", "着色"),
                   image_in="Grayscale input image", image_out="Colorized image"),
        TaskFamily("low-light enhancement", "brighten a low-light image", "low-light image enhancement",
                   ("low-light", "low light", "brighten", "저조도", "低光"),
                   image_in="Low-light input image", image_out="Enhanced image"),
        TaskFamily("artifact removal", "remove compression artifacts from an image", "compression artifact removal",
                   ("artifact", "artefact", "deblock", "jpeg", "압축"),
                   image_in="Compressed input image", image_out="Artifact-free image"),
    )
}
# Catalogue prefixes of model names (`SISR-HAN-2x`) and words inside names, to their family.
_PREFIXES = {"sisr": "super-resolution", "sr": "super-resolution", "vsr": "super-resolution",
             "denoise": "denoising", "dn": "denoising", "deblur": "deblurring", "derain": "deraining",
             "dehaze": "dehazing", "inpaint": "inpainting", "colorize": "colorization", "llie": "low-light enhancement",
             "lowlight": "low-light enhancement", "jpeg": "artifact removal", "car": "artifact removal"}
_NAME_WORDS = (("denois", "denoising"), ("deblur", "deblurring"), ("derain", "deraining"), ("dehaz", "dehazing"),
               ("inpaint", "inpainting"), ("color", "colorization"), ("esrgan", "super-resolution"),
               ("sr", "super-resolution"))


def model_family(name: str) -> TaskFamily | None:
    """The task family of a model named `name`, or None when the name does not say."""
    prefix = re.split(r"[-_ ]", name.strip(), maxsplit=1)[0].lower()
    if prefix in _PREFIXES:
        return FAMILIES[_PREFIXES[prefix]]
    lowered = name.lower()
    for word, key in _NAME_WORDS:
        if word in lowered:
            return FAMILIES[key]
    return None


def prompt_family(prompt: Prompt) -> TaskFamily:
    """The task of a prompt's recommended models (the first that says; super-resolution, the
    product's subject, when none does)."""
    for model in prompt.models:
        family = model_family(model.name)
        if family is not None:
            return family
    return SUPER_RESOLUTION


def names_task(text: str, family: TaskFamily) -> bool:
    """Whether `text` names the task of `family` (any of its terms, any case)."""
    lowered = text.lower()
    return any(term in lowered for term in family.terms)
