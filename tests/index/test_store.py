"""index/store.py: the question's Chroma collection, local and on a real `chroma run` server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from index.config import IndexConfig
from index.errors import IndexBuildError
from index.question import QuestionIndex
from index.store import QuestionStore, list_collections
from prompts import parse
from tests.index.conftest import KNOWN_SENTENCE, PARAPHRASE, PROMPT_TEXT


def unit(seed: int) -> list[float]:
    v = np.random.default_rng(seed).normal(size=384)
    return (v / np.linalg.norm(v)).astype(np.float32).tolist()


def test_sync_adds_removes_and_updates(tmp_path):
    store = QuestionStore(IndexConfig(cache_dir=tmp_path), "q-sync")
    calls = []

    def vectors_for(texts):
        calls.append(list(texts))
        return [unit(hash(t) % 1000) for t in texts]

    wanted = {f"c{i}": (f"text {i}", {"id": f"S{i}"}) for i in range(3)}
    assert store.sync(wanted, vectors_for) == {"added": 3, "removed": 0, "updated": 0}
    assert store.sync(wanted, vectors_for) == {"added": 0, "removed": 0, "updated": 0} and len(calls) == 1
    wanted = {"c1": ("text 1", {"id": "S1"}), "c2": ("text 2", {"id": "S9"}), "c3": ("text 3", {"id": "S3"})}
    assert store.sync(wanted, vectors_for) == {"added": 1, "removed": 1, "updated": 1}
    assert calls[-1] == ["text 3"] and store.count() == 3
    got = store.collection.get(ids=["c2"], include=["metadatas"])
    assert got["metadatas"][0]["id"] == "S9"


def test_query_returns_cosine_similarity(tmp_path):
    store = QuestionStore(IndexConfig(cache_dir=tmp_path), "q-query")
    store.sync({"a": ("a", {"id": "S1"}), "b": ("b", {"id": "S2"})}, lambda texts: [unit(1), unit(2)])
    hits = store.query(unit(1), 5)
    assert [h[0] for h in hits] == ["a", "b"] and abs(hits[0][1] - 1.0) < 1e-4
    with_emb = store.query(unit(2), 1, with_embeddings=True)
    assert with_emb[0][0] == "b" and np.allclose(with_emb[0][2], unit(2), atol=1e-6)
    assert ("q-query", 2) in list_collections(IndexConfig(cache_dir=tmp_path))


_WRITER = """
import sys, numpy as np
from pathlib import Path
from index.config import IndexConfig
from index.store import QuestionStore
store = QuestionStore(IndexConfig(cache_dir=Path(sys.argv[1])), "q-shared")
v = np.ones(384, dtype=np.float32) / np.sqrt(384)
with store.lock():  # add six chunks beside the one the parent wrote
    store.collection.upsert(ids=[f"w{i}" for i in range(6)], embeddings=[v.tolist()] * 6,
                            documents=[f"w {i}" for i in range(6)], metadatas=[{"id": f"S{i}"} for i in range(6)])
"""


def test_query_sees_another_processes_writes(tmp_path):
    store = QuestionStore(IndexConfig(cache_dir=tmp_path), "q-shared")
    store.sync({"mine": ("mine", {"id": "S0"})}, lambda texts: [unit(3)])
    assert len(store.query(unit(3), 10)) == 1
    subprocess.run([sys.executable, "-c", _WRITER, str(tmp_path)], check=True, cwd=Path(__file__).parents[2])
    # A local Chroma caches its vector index in memory; the store notices and reopens.
    assert len(store.query(unit(3), 10)) == 7


def test_vectorstore_wrapper(tmp_path):
    store = QuestionStore(IndexConfig(cache_dir=tmp_path), "q-lc")
    from index.embed import LocalEmbeddings

    texts = ["Channel attention rescales channels.", "Bananas are yellow fruit."]
    store.sync({"x": (texts[0], {"id": "S1"}), "y": (texts[1], {"id": "S2"})}, LocalEmbeddings().embed_documents)
    docs = store.vectorstore().similarity_search("Which block re-weights feature channels?", k=1)
    assert docs[0].page_content == texts[0] and docs[0].metadata["id"] == "S1"


def test_unreachable_chroma_server_is_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = IndexConfig(cache_dir=tmp_path, chroma_url=f"http://127.0.0.1:{port}")
    with pytest.raises(IndexBuildError, match=f"Chroma server at http://127.0.0.1:{port} is not reachable"):
        QuestionStore(config, "q-x")
    with pytest.raises(IndexBuildError, match="expected http"):
        QuestionStore(IndexConfig(cache_dir=tmp_path, chroma_url="127.0.0.1:8000"), "q-x")


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` server on a free loopback port, stopped after the test."""
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        exe = Path(shutil.which("chroma") or "chroma")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(tmp_path / "srv"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "chroma.log").read_text()
            assert time.monotonic() < deadline, "chroma server did not start"
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.slow
def test_question_index_on_a_chroma_server(chroma_server, served_prompt, monkeypatch):
    server_cfg, prompt = served_prompt
    config = server_cfg.model_copy(update={"chroma_url": chroma_server})
    qi = QuestionIndex.build(prompt, config)
    assert qi.store.count() == len(qi.passages()) and not config.chroma_dir.exists()
    hits = qi.search(PARAPHRASE, k=3)
    assert any(KNOWN_SENTENCE in h.text for h in hits)
    again = QuestionIndex.build(prompt, config)
    assert again.stats["added"] == 0 and again.stats["embedded"] == 0
    assert (f"q-{prompt.id}", len(qi.passages())) in list_collections(config)


@pytest.fixture
def served_prompt(server, warm_config, paper_pdf, testdata_dir):
    from tests.index.conftest import serve_prompt_sources

    serve_prompt_sources(server, paper_pdf, testdata_dir)
    return warm_config, parse(PROMPT_TEXT, path="test-prompt.txt")


# --- a damaged local database heals itself (issue 11) -----------------------------------------------
@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_chroma_database_heals(tmp_path, damage):
    from index.store import drop_client

    config = IndexConfig(cache_dir=tmp_path)
    store = QuestionStore(config, "q-heal")
    store.sync({"a": ("alpha", {"id": "S1"}), "b": ("beta", {"id": "S2"})}, lambda texts: [unit(1), unit(2)][: len(texts)])
    drop_client(config)  # as a new process would find it
    db = config.chroma_dir / "chroma.sqlite3"
    data = db.read_bytes()
    db.write_bytes(b"garbage " * 2000 if damage == "garbage" else data[: len(data) // 3])
    healed = QuestionStore(config, "q-heal")  # no traceback: the database is made afresh
    assert healed.count() == 0
    healed.sync({"a": ("alpha", {"id": "S1"})}, lambda texts: [unit(1)])
    assert healed.query(unit(1), 1)[0][0] == "a"
    drop_client(config)


def test_a_damaged_chroma_database_heals_during_a_build(tmp_path, server, paper_pdf, testdata_dir):
    from index.store import drop_client
    from tests.index.conftest import serve_prompt_sources

    serve_prompt_sources(server, paper_pdf, testdata_dir)
    config = IndexConfig(cache_dir=tmp_path, arxiv_base_url=server.url, github_raw_base_url=server.url,
                         allow_loopback=True, host_delay_s=0.0, timeout_s=5.0, retries=1)
    prompt = parse(PROMPT_TEXT, path="p.txt")
    first = QuestionIndex.build(prompt, config)
    drop_client(config)
    (config.chroma_dir / "chroma.sqlite3").write_bytes(b"\x00" * 4096)
    second = QuestionIndex.build(prompt, config)
    assert second.stats["added"] == len(second.passages()) == len(first.passages())
    assert second.stats["embedded"] == 0, "vectors come from the vector cache: nothing is embedded again"
    assert KNOWN_SENTENCE in second.search(PARAPHRASE, k=3)[0].text
    drop_client(config)


def test_a_chroma_folder_that_cannot_be_made_is_one_line(tmp_path):
    config = IndexConfig(cache_dir=tmp_path)
    config.chroma_dir.parent.mkdir(parents=True, exist_ok=True)
    config.chroma_dir.write_text("a file where the database folder should be")
    with pytest.raises(IndexBuildError, match="cannot create the Chroma database folder"):
        QuestionStore(config, "q-x")
