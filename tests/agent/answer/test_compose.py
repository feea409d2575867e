"""Answers for every seed prompt, extractive and scripted-fake backends: the contract of issue 5."""

from __future__ import annotations

import pytest
from answer_support import SEEDS, ScriptedBackend, good_draft

from agent.answer.compose import answer_prompt, assemble, build_context
from agent.answer.mermaid import validate
from agent.answer.render import to_json, to_markdown
from agent.backends.extractive import ExtractiveBackend
from prompts import normalize_url
from prompts.instructions import NO_LLM_NOTICE, OFFLINE_NOTICE


def check_contract(answer, prompt, passages):
    doc = to_json(answer, prompt)
    for part in ("task", "workflow", "references"):
        assert doc["sections"][part].strip(), part
    allowed = prompt.allowed_links()
    assert doc["links"], "the answer must carry the prompt's links"
    assert {normalize_url(u) for u in doc["links"]} <= allowed
    for model in prompt.models:
        assert model.paper_url in doc["links"]
        if model.github_url:
            assert model.github_url in doc["links"]
    for paper in prompt.papers:
        assert paper.paper_url in doc["links"]
    for cid in answer.cited_ids():
        assert cid in passages
    assert {c["id"] for c in doc["citations"]} == set(answer.cited_ids())
    kinds = [n["kind"] for n in doc["workflow"]["nodes"]]
    assert kinds[0] == "input" and "model" in kinds and "output" in kinds
    edges = {(e["source"], e["target"]) for e in doc["workflow"]["edges"]}
    model_ids = [n["id"] for n in doc["workflow"]["nodes"] if n["kind"] == "model"]
    for mid in model_ids:
        assert any(t == mid for _, t in edges) and any(s == mid for s, _ in edges)
    validate(doc["workflow"]["mermaid"])
    markdown = to_markdown(answer, prompt)
    assert "## 1." in markdown and "## 2." in markdown and "## 3." in markdown and "## Evidence" in markdown
    return doc


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_extractive_answers_every_seed(path, seed_index, offline_settings):
    prompt, index = seed_index(path)
    answer = answer_prompt(prompt, offline_settings, ExtractiveBackend(), index=index)
    ctx = build_context(prompt, index, offline_settings)
    doc = check_contract(answer, prompt, ctx.passages())
    assert answer.backend == "extractive"
    assert NO_LLM_NOTICE in answer.notices and OFFLINE_NOTICE in answer.notices
    assert len(answer.workflow.steps) >= 3 and all(s.citations for s in answer.workflow.steps)
    assert answer.task.summary.citations
    assert not [w for w in answer.warnings if w.startswith("guard: dropped") or "removed a sentence" in w]
    assert set(doc["usage"]["seconds"]) >= {"index", "retrieve", "write"}


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_scripted_fake_answers_every_seed(path, seed_index, offline_settings):
    prompt, index = seed_index(path)
    ctx = build_context(prompt, index, offline_settings)
    backend = ScriptedBackend([good_draft(list(ctx.passages()), [p.paper_url for p in prompt.papers])])
    answer = assemble(ctx, backend.draft(ctx), backend.name)
    check_contract(answer, prompt, ctx.passages())
    assert answer.backend == "scripted" and NO_LLM_NOTICE not in answer.notices
    assert answer.warnings == [w for w in answer.warnings if not w.startswith("guard:")]


def test_scale_is_restated(seed_index, offline_settings):
    prompt, index = seed_index(SEEDS[1])  # "by 4x"
    answer = answer_prompt(prompt, offline_settings, ExtractiveBackend(), index=index)
    assert answer.task.scale == 4
    assert "×4" in to_json(answer, prompt)["sections"]["task"]


def test_tangential_papers_are_called_so(seed_index, offline_settings):
    prompt, index = seed_index(SEEDS[4])  # LIIF-EDSR: matting and EM segmentation are off-topic
    answer = answer_prompt(prompt, offline_settings, ExtractiveBackend(), index=index)
    related = {r.title: r for r in answer.references if r.role == "related" and r.kind == "paper"}
    assert related["Enhancing Image Matting in Real-World Scenes with Mask-Guided Iterative Refinement"].tangential
    assert all(r.relevance.startswith("Only loosely related") for r in related.values() if r.tangential)


def test_online_a_failed_pdf_is_named_not_called_offline(tmp_path, testdata_dir, offline_settings):
    # Issue 11: the "Offline" notice appeared online whenever one PDF failed. The index below is
    # online (a loopback arXiv/GitHub); one paper's PDF is encrypted and one README is missing.
    from loopback import LoopbackServer

    from index import QuestionIndex
    from index.config import IndexConfig
    from index.netpolicy import clear_probe_cache
    from prompts import parse
    from prompts.instructions import MISSING_PDF_NOTICE
    from tests.index.conftest import PROMPT_TEXT, make_paper_pdf, serve_prompt_sources

    prompt = parse(PROMPT_TEXT, path="online.txt")
    clear_probe_cache()
    with LoopbackServer() as server:
        serve_prompt_sources(server, make_paper_pdf(), testdata_dir)
        config = IndexConfig(cache_dir=tmp_path / "cache", arxiv_base_url=server.url, github_raw_base_url=server.url,
                             allow_loopback=True, host_delay_s=0.0, timeout_s=5.0, retries=1)
        index = QuestionIndex.build(prompt, config)
    clear_probe_cache()
    assert not index.offline and index.offline_fallback
    answer = answer_prompt(prompt, offline_settings, ExtractiveBackend(), index=index)
    notice = next(n for n in answer.notices if n.startswith(MISSING_PDF_NOTICE))
    assert OFFLINE_NOTICE not in answer.notices and "Offline" not in " ".join(answer.notices)
    assert "Dataset Distillation for Super-Resolution (PDF unreadable: encrypted PDF" in notice
    assert "SISR-HAN-2x" not in notice and "HiTSR" not in notice  # their PDFs were read
    assert notice in to_markdown(answer, prompt)
