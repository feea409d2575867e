"""index/question.py end to end: loopback arXiv/GitHub → PDFs → chunks → MiniLM → Chroma → search."""

from __future__ import annotations

import socket

import pytest

from index.question import QuestionIndex
from prompts import parse
from tests.index.conftest import KNOWN_SENTENCE, PARAPHRASE, PROMPT_TEXT, README, serve_prompt_sources


@pytest.fixture
def prompt():
    return parse(PROMPT_TEXT, path="test-prompt.txt")


@pytest.fixture
def served(server, paper_pdf, testdata_dir):
    serve_prompt_sources(server, paper_pdf, testdata_dir)
    return server


def by_ref(qi):
    return {s.ref: s for s in qi.sources}


def test_build_reports_every_source(served, config, prompt):
    qi = QuestionIndex.build(prompt, config)  # cold: every chunk is embedded
    assert qi.stats["embedded"] == qi.stats["added"] == len(qi.passages())
    s = by_ref(qi)
    han, han_code = s["SISR-HAN-2x paper"], s["SISR-HAN-2x code"]
    assert (han.status, han.pages, han.origins) == ("fetched", 4, ["pdf"])
    assert han_code.status == "fetched" and han_code.chunks == 1 and han_code.origins == ["readme"]
    hitsr = s["HiTSR: A Hierarchical Transformer for Reference-based Super-Resolution"]
    assert hitsr.status == "fetched" and hitsr.origins == ["prompt-summary", "pdf"]
    assert s["HiTSR code"].status == "failed" and "HTTP 404" in s["HiTSR code"].detail
    distil = s["Dataset Distillation for Super-Resolution"]
    assert distil.status == "prompt summary only" and "encrypted" in distil.detail
    assert distil.origins == ["prompt-summary", "arxiv-abstract"]
    assert qi.offline_fallback and not qi.offline
    # Passage ids: S1.. in source order, then chunk order; spans and origins recorded.
    passages = qi.passages()
    assert [p.id for p in passages] == [f"S{i}" for i in range(1, len(passages) + 1)]
    assert passages[0].source_ref == "SISR-HAN-2x paper" and passages[0].page == 1
    assert sum(src.chunks for src in qi.sources) == len(passages) == qi.store.count()
    readme = next(p for p in passages if p.origin == "readme")
    assert readme.text == README.strip() and readme.source_url == "https://github.com/wwlCape/HAN"
    assert readme.source_kind == "code" and readme.role == "recommended"
    assert qi.get("S1") == passages[0] and qi.get("S9999") is None
    report = qi.report()
    assert set(report["sources"][0]) == {"ref", "url", "status", "pages", "chunks", "detail"}
    assert report["collection"] == f"q-{prompt.id}" and report["passages"] == len(passages)


def test_rebuild_does_no_work_and_keeps_ids(served, warm_config, prompt):
    first = QuestionIndex.build(prompt, warm_config)
    hits_before = len(served.log)
    second = QuestionIndex.build(prompt, warm_config)
    assert second.stats["embedded"] == 0 and second.stats["requests"] == 0
    assert second.stats["added"] == second.stats["removed"] == second.stats["updated"] == 0
    assert len(served.log) == hits_before
    assert [(p.id, p.chunk_id) for p in first.passages()] == [(p.id, p.chunk_id) for p in second.passages()]
    assert {s.status for s in second.sources} >= {"cached"}


def test_paraphrased_query_finds_the_sentence(built):
    qi = built
    hits = qi.search(PARAPHRASE, k=3)
    assert any(KNOWN_SENTENCE in h.text for h in hits), [h.text[:80] for h in hits]
    top = next(h for h in hits if KNOWN_SENTENCE in h.text)
    assert top.page == 3 and top.label() == "SISR-HAN-2x paper (arXiv 2008.08767), p. 3"
    assert all(isinstance(h.score, float) and -1 <= h.score <= 1 for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_per_source_cap(built):
    qi = built
    query = "residual group channel attention features"
    capped = qi.search(query, k=6, per_source_cap=2)
    uncapped = qi.search(query, k=6, per_source_cap=None)
    assert len(capped) == len(uncapped) == 6
    han = [h for h in uncapped if h.source_ref == "SISR-HAN-2x paper"]
    assert len(han) > 2  # the long paper crowds the uncapped list...
    first = capped[: len({(h.source_url, h.source_kind) for h in capped})]
    counts = {}
    for h in capped:
        counts[h.source_ref] = counts.get(h.source_ref, 0) + 1
    assert len(counts) >= 3  # ...the cap lets the other sources in
    assert first


def test_mmr_and_retriever(built):
    qi = built
    diverse = qi.search("attention", k=4, mmr=True)
    assert len(diverse) == 4 and len({h.chunk_id for h in diverse}) == 4
    docs = qi.as_retriever(k=3).invoke(PARAPHRASE)
    assert len(docs) == 3 and docs[0].metadata["id"].startswith("S")
    assert qi.get(docs[0].metadata["id"]).text == docs[0].page_content
    assert docs[0].metadata["label"] and docs[0].metadata["origin"] in ("pdf", "prompt-summary")
    assert qi.search("", k=3) == [] and qi.search("x", k=0) == []


def test_shared_paper_is_embedded_once(served, config, prompt):
    QuestionIndex.build(prompt, config)  # cold on purpose: the second question must reuse it
    other = parse(PROMPT_TEXT.replace("How do attention modules", "Why do attention modules"), path="other.txt")
    assert other.id != prompt.id
    qi = QuestionIndex.build(other, config)
    # A different question (own collection) over the same sources: nothing fetched or embedded again.
    assert qi.stats["embedded"] == 0 and qi.stats["requests"] == 0 and qi.stats["added"] == len(qi.passages())
    assert served.hits("/pdf/2008.08767") == 1


def test_papers_dir_is_used_before_the_network(served, warm_config, prompt, paper_pdf, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "2008.08767.pdf").write_bytes(paper_pdf)
    qi = QuestionIndex.build(prompt, warm_config, papers_dir=folder)
    han = by_ref(qi)["SISR-HAN-2x paper"]
    assert han.status == "papers-dir" and han.pages == 4 and "2008.08767.pdf" in han.detail
    assert served.hits("/pdf/2008.08767") == 0


@pytest.fixture
def no_sockets(monkeypatch):
    """Make every way of opening a socket (or resolving a name) raise."""

    class Forbidden(socket.socket):
        def __init__(self, *args, **kwargs):
            raise AssertionError("a socket was opened in offline mode")

    def forbidden(*args, **kwargs):
        raise AssertionError("network used in offline mode")

    monkeypatch.setattr(socket, "socket", Forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(socket, "getaddrinfo", forbidden)


def test_offline_opens_no_socket_and_falls_back(config, prompt, no_sockets):
    qi = QuestionIndex.build(prompt, config, offline=True)
    s = by_ref(qi)
    han = s["SISR-HAN-2x paper"]
    assert han.status == "abstract only" and han.origins == ["bundled-abstract"]
    assert s["SISR-HAN-2x code"].status == "offline"
    assert s["Dataset Distillation for Super-Resolution"].status == "prompt summary only"
    assert qi.offline and qi.offline_fallback and qi.offline_reason.startswith("offline mode")
    hits = qi.search("holistic attention network layer attention module", k=2)
    assert hits[0].origin == "bundled-abstract" and "HAN" in hits[0].text
    assert hits[0].label() == "SISR-HAN-2x paper (arXiv 2008.08767), arXiv abstract (bundled)"


def test_offline_uses_what_was_cached(served, warm_config, prompt, monkeypatch):
    config = warm_config
    QuestionIndex.build(prompt, config)

    class Forbidden(socket.socket):
        def __init__(self, *args, **kwargs):
            raise AssertionError("a socket was opened in offline mode")

    monkeypatch.setattr(socket, "socket", Forbidden)
    qi = QuestionIndex.build(prompt, config, offline=True)
    assert by_ref(qi)["SISR-HAN-2x paper"].status == "cached"
    assert by_ref(qi)["SISR-HAN-2x code"].status == "cached"


def test_unreachable_network_goes_offline_by_itself(config, prompt):
    dead = config.model_copy(
        update={"arxiv_base_url": "http://127.0.0.1:9", "github_raw_base_url": "http://127.0.0.1:9"}
    )
    qi = QuestionIndex.build(prompt, dead)
    assert qi.offline and "network unreachable" in qi.offline_reason
    han = by_ref(qi)["SISR-HAN-2x paper"]
    assert han.status == "abstract only" and "network unreachable" in han.detail
    assert qi.offline_fallback


_CHILD = """
import json, sys
from pathlib import Path
from index.config import IndexConfig
from index.question import QuestionIndex
from prompts import parse
from tests.index.conftest import PROMPT_TEXT
config = IndexConfig.model_validate_json(sys.argv[1])
qi = QuestionIndex.build(parse(PROMPT_TEXT, path="test-prompt.txt"), config)
print(json.dumps({"ids": [[p.id, p.chunk_id] for p in qi.passages()], "stats": qi.stats,
                  "statuses": [s.status for s in qi.sources]}))
"""


@pytest.mark.slow
def test_two_processes_indexing_at_once(served, config, prompt):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    args = [sys.executable, "-c", _CHILD, config.model_dump_json()]
    env = {**os.environ, "PYTHONPATH": str(root / "tests" / "support")}  # the child imports the loopback fixtures
    procs = [
        subprocess.Popen(args, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        outs.append(json.loads(out.strip().splitlines()[-1]))
    first, second = outs
    assert first["ids"] == second["ids"]
    # One process did the work; the other waited for the question lock and found it all done.
    assert sorted(o["stats"]["added"] for o in outs) == [0, len(first["ids"])]
    assert sorted(o["stats"]["embedded"] for o in outs)[0] == 0
    assert served.hits("/pdf/2008.08767") == 1 and served.hits("/wwlCape/HAN/HEAD/README.md") == 1
    # The cache is consistent: no temporary files, every good record has its blob.
    from index.cache import SourceCache

    cache = SourceCache(config)
    assert not [p for p in cache.root.rglob("*.tmp")]
    good = [r for r in cache.records() if r.status == "ok"]
    assert good and all(cache.lookup(r.url) is not None for r in good)
    # And this process sees the same collection.
    qi = QuestionIndex.build(prompt, config)
    assert [[p.id, p.chunk_id] for p in qi.passages()] == first["ids"]
    assert qi.store.count() == len(first["ids"]) and qi.stats["added"] == 0
