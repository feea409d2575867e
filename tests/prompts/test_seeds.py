"""Every field of every seed prompt, asserted against values written out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aisci.cli import run
from prompts import load, load_set

HAN = ("https://arxiv.org/pdf/2008.08767", "https://github.com/wwlCape/HAN")
RCAN = ("https://arxiv.org/pdf/1807.02758", "https://github.com/yulunzhang/RCAN")
LIIF = ("https://arxiv.org/pdf/2012.09161", "https://github.com/yinboc/liif")
FEATSHARP = ("FeatSharp: Your Vision Model Features, Sharper", "http://arxiv.org/pdf/2502.16025v1.pdf", None,
             "The feature maps of vision encoders are fundamental")
HITSR = ("HiTSR: A Hierarchical Transformer for Reference-based Super-Resolution",
         "http://arxiv.org/pdf/2408.16959v1.pdf", "https://github.com/bia006/hitsr", "In this paper, we propose HiTSR")
VET = ("Using super-resolution for enhancing visual perception and segmentation performance in veterinary cytology",
       "http://arxiv.org/pdf/2306.11848v1.pdf", None, "The primary objective of this research")

EXPECTED = {
    "000_e84ef3a245fb1958.txt": (
        "Some super-resolution models keep details incredibly sharp. What kind of design helps AI focus on "
        "important image features so precisely?",
        [("SISR-HAN-2x", *HAN)],
        [FEATSHARP, HITSR, VET],
    ),
    "001_1e8079f89356a990.txt": (
        "After enlarging a low-resolution image by 4x, its sharpness remained impressive. How does AI "
        "super-resolution achieve such clarity?",
        [("SISR-HAN-4x", *HAN)],
        [("Semantic Segmentation Using Super Resolution Technique as Pre-Processing",
          "http://arxiv.org/pdf/2306.15218v1.pdf", None, "Combining high-level and low-level visual tasks"),
         HITSR, VET],
    ),
    "002_91de229b16697f71.txt": (
        "I upscaled a low-resolution image by 4×, and even small text and patterns became clear. How does AI "
        "bring out these hidden details so accurately when enlarging this much?",
        [("SISR-Any-LIIF-RDN", *LIIF)],
        [("On the Effect of Image Resolution on Semantic Segmentation", "http://arxiv.org/pdf/2402.05398v1.pdf",
          None, "High-resolution semantic segmentation requires"),
         FEATSHARP,
         ("Elastic-DETR: Making Image Resolution Learnable with Content-Specific Network Prediction",
          "http://arxiv.org/pdf/2412.06341v1.pdf", None, "Multi-scale image resolution is a de facto standard")],
    ),
    "003_447ceb70a0fd5139.txt": (
        "I enlarged a low-resolution image by 2x, and it still looked detailed. How does this super-resolution "
        "technology work so well at moderate scales?",
        [("SISR-RCAN-2x", *RCAN)],
        [("Super-Resolution Microscopy Based on the Inherent Fluctuations of Dye Molecules",
          "http://arxiv.org/pdf/2401.00261v2.pdf", None, "Fluorescence microscopy is a critical tool"),
         HITSR,
         ("A Study in Dataset Distillation for Image Super-Resolution", "http://arxiv.org/pdf/2502.03656v1.pdf",
          None, "Dataset distillation is the concept")],
    ),
    "004_22a4445001d39c44.txt": (
        "I enlarged a small image by 2x with AI, and the details like edges and textures remained sharp. How does "
        "AI preserve such realistic details during enlargement?",
        [("SISR-Any-LIIF-EDSR", *LIIF)],
        [FEATSHARP,
         ("Enhancing Image Matting in Real-World Scenes with Mask-Guided Iterative Refinement",
          "http://arxiv.org/pdf/2502.17093v1.pdf", None, "Real-world image matting is essential"),
         ("Learning Multiscale Consistency for Self-supervised Electron Microscopy Instance Segmentation",
          "http://arxiv.org/pdf/2308.09917v3.pdf", None, "Instance segmentation in electron microscopy")],
    ),
}

INSTRUCTIONS = [
    "What task the user is trying to perform.",
    "How the model(s) would work in a CNAPS AI-like workflow (input → model → output).",
    "List relevant papers and tools (with GitHub or ArXiv links) that support your answer.",
]


def _summary_lines(path: Path) -> list[str]:
    """The Summary lines of a file, read independently of the parser."""
    return [ln[len("Summary: "):].strip() for ln in path.read_text("utf-8").splitlines() if ln.startswith("Summary: ")]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_fields(prompt_set_dir: Path, name: str):
    path = prompt_set_dir / name
    prompt = load(path)
    question, models, papers = EXPECTED[name]
    assert prompt.question == question
    assert prompt.instructions == INSTRUCTIONS
    assert [(m.name, m.paper_url, m.github_url) for m in prompt.models] == models
    assert [(p.title, p.paper_url, p.github_url) for p in prompt.papers] == [p[:3] for p in papers]
    summaries = _summary_lines(path)
    assert [p.summary for p in prompt.papers] == summaries
    for paper, expected in zip(prompt.papers, papers, strict=True):
        assert paper.summary.startswith(expected[3])
    assert prompt.warnings == []
    links = {m[1] for m in models} | {m[2] for m in models} | {p[1] for p in papers} | {
        p[2] for p in papers if p[2]
    }
    assert len(prompt.allowed_links()) == len(links)
    assert all(prompt.is_allowed_link(link) for link in links)


def test_ids_are_stable_and_distinct(prompt_set_dir: Path):
    first = [p.id for p in load_set(prompt_set_dir)]
    assert first == [p.id for p in load_set(prompt_set_dir)]
    assert len(set(first)) == 5
    assert first[0] == "6d2a18582caba411"


def test_seed_files_are_the_shared_seeds_byte_for_byte(prompt_set_dir: Path, testdata_dir: Path):
    seeds = testdata_dir.parent / "seeds"
    names = sorted(p.name for p in seeds.glob("*.txt"))
    assert names == sorted(p.name for p in prompt_set_dir.glob("*.txt"))
    for name in names:
        assert (seeds / name).read_bytes() == (prompt_set_dir / name).read_bytes()


def test_cli_show_json_seed_000(prompt_set_dir: Path, capsys):
    assert run(["prompts", "show", str(prompt_set_dir / "000_e84ef3a245fb1958.txt"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["question"] == EXPECTED["000_e84ef3a245fb1958.txt"][0]
    assert data["models"] == [{"name": "SISR-HAN-2x", "paper_url": HAN[0], "github_url": HAN[1]}]
    assert [p["title"] for p in data["papers"]] == [FEATSHARP[0], HITSR[0], VET[0]]
    assert all(p["summary"] for p in data["papers"])
    assert "https://github.com/wwlCape/HAN" in data["allowed_links"]
