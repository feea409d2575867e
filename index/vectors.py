"""A cache of embedding vectors keyed by (model, text): a passage shared by several questions, or
re-indexed after a restart, is embedded once.

SQLite in WAL mode under the cache directory; safe for several processes (SQLite locks, and every
insert is idempotent: the same key always maps to the same vector).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np

from index.embed import DIMENSION, MODEL_ID, embed_texts


def text_key(text: str, model_id: str = MODEL_ID) -> str:
    return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()


class VectorCache:
    """Vectors of texts already embedded, on disk."""

    def __init__(self, path: Path, model_id: str = MODEL_ID):
        self.path = path
        self.model_id = model_id
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=120, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, model TEXT NOT NULL, "
            "dim INTEGER NOT NULL, data BLOB NOT NULL)"
        )

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]

    def get_many(self, texts: list[str]) -> dict[str, list[float]]:
        """Cached vectors of those `texts` that have one."""
        keys = {text_key(t, self.model_id): t for t in texts}
        found: dict[str, list[float]] = {}
        items = list(keys)
        for i in range(0, len(items), 500):  # SQLite caps the number of bound parameters
            batch = items[i : i + 500]
            marks = ",".join("?" * len(batch))
            for key, dim, data in self._db.execute(f"SELECT key, dim, data FROM vectors WHERE key IN ({marks})", batch):
                vector = np.frombuffer(data, dtype=np.float32)
                if vector.size == dim:
                    found[keys[key]] = vector.tolist()
        return found

    def put_many(self, items: dict[str, list[float]]) -> None:
        """Store vectors by text (one transaction)."""
        rows = [
            (text_key(t, self.model_id), self.model_id, len(v), np.asarray(v, dtype=np.float32).tobytes())
            for t, v in items.items()
        ]
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)

    def embed(self, texts: list[str]) -> tuple[list[list[float]], int]:
        """Vectors for `texts`, embedding only the ones not cached; returns (vectors, newly embedded)."""
        cached = self.get_many(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in cached))
        if missing:
            fresh = dict(zip(missing, embed_texts(missing), strict=True))
            self.put_many(fresh)
            cached.update(fresh)
        vectors = [cached[t] for t in texts]
        assert all(len(v) == DIMENSION for v in vectors)
        return vectors, len(missing)
