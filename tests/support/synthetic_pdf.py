"""Two-column, multi-page PDFs made with fpdf2, laid out like an arXiv paper (running header,
page numbers in the footer), for tests and benchmarks that need real PDF bytes with known text.
"""

from __future__ import annotations

import random

_SUBJECTS = [
    "the data loader",
    "the channel attention block",
    "the upsampling module",
    "the encoder",
    "the local implicit function",
    "the reconstruction loss",
    "the training schedule",
    "the baseline",
    "the feature extractor",
    "the spatial attention map",
    "the ablation study",
    "the decoder",
]
_VERBS = [
    "improves",
    "stabilises",
    "reduces",
    "sharpens",
    "aggregates",
    "re-weights",
    "predicts",
    "regularises",
    "propagates",
    "compresses",
    "refines",
    "normalises",
]
_OBJECTS = [
    "high-frequency textures",
    "the peak signal-to-noise ratio",
    "memory use during inference",
    "edges in the Urban100 images",
    "the structural similarity index",
    "the validation split",
    "the gradients of deep layers",
    "artifacts near object boundaries",
    "the learning rate",
    "patches sampled from DIV2K",
    "the bicubic degradation",
    "the receptive field",
]
_TAILS = [
    "in every experiment we ran",
    "at a modest cost in parameters",
    "compared with the previous work",
    "when the scale factor grows",
    "on all five benchmarks",
    "as Table 2 shows",
    "without extra supervision",
    "for both x2 and x4 upscaling",
]


def filler_sentences(seed: int, count: int) -> list[str]:
    """Plausible, varied paper-like sentences (deterministic for a seed)."""
    rng = random.Random(seed)
    return [
        f"{rng.choice(_SUBJECTS).capitalize()} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}."
        for _ in range(count)
    ]


def paper_pages(
    seed: int, n_pages: int, chars_per_page: int = 3600, planted: dict[int, list[str]] | None = None
) -> list[str]:
    """Text of `n_pages` pages; `planted[page]` sentences (1-based pages) are placed on that page."""
    pool = iter(filler_sentences(seed, n_pages * chars_per_page // 40 + 50))
    pages = []
    for number in range(1, n_pages + 1):
        sentences = list((planted or {}).get(number, []))
        text = " ".join(sentences)
        while len(text) < chars_per_page:
            text = f"{text} {next(pool)}".strip()
        pages.append(text)
    return pages


def two_column_pdf(title: str, pages: list[str], header: str = "Preprint. Under review.") -> bytes:
    """A PDF whose page i holds `pages[i]` in two columns, with a running header and page numbers."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("helvetica", size=8)
        pdf.set_xy(15, 8)
        pdf.cell(180, 5, header, align="C")
        top = 18
        if number == 1:
            pdf.set_font("helvetica", style="B", size=13)
            pdf.set_xy(15, 16)
            pdf.multi_cell(180, 6, title, align="C")
            top = pdf.get_y() + 4
        pdf.set_font("helvetica", size=9)
        words = text.split(" ")
        half = len(words) // 2
        for x, chunk in ((15, words[:half]), (110, words[half:])):
            pdf.set_xy(x, top)
            pdf.multi_cell(85, 4.2, " ".join(chunk), align="L")
        pdf.set_font("helvetica", size=8)
        pdf.set_xy(15, 285)
        pdf.cell(180, 5, str(number), align="C")
    return bytes(pdf.output())
