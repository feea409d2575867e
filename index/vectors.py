"""A cache of embedding vectors keyed by (model, text): a passage shared by several questions, or
re-indexed after a restart, is embedded once.

SQLite in WAL mode under the cache directory; safe for several processes (SQLite locks, and every
insert is idempotent: the same key always maps to the same vector). A damaged database file (cut
short, overwritten) heals itself: it is deleted and started afresh, since every vector in it can be
computed again; only when that fails too is it an IndexBuildError naming `aisci cache clear`.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path

import numpy as np

from index.embed import DIMENSION, MODEL_ID, embed_texts
from index.errors import IndexBuildError

log = logging.getLogger(__name__)
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB: the file is not (or no longer) a database


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code in _DAMAGED or "malformed" in str(exc) or "not a database" in str(exc)


def text_key(text: str, model_id: str = MODEL_ID) -> str:
    return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()


class VectorCache:
    """Vectors of texts already embedded, on disk."""

    def __init__(self, path: Path, model_id: str = MODEL_ID):
        self.path = path
        self.model_id = model_id
        self._db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexBuildError(f"cannot create the vector cache folder {path.parent} ({exc.strerror or exc})") from None
        self._guarded(self._open)

    def _open(self) -> None:
        self._db = sqlite3.connect(str(self.path), timeout=120, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, model TEXT NOT NULL, "
            "dim INTEGER NOT NULL, data BLOB NOT NULL)"
        )

    def _guarded(self, operation):
        """Run `operation`; if the database turns out damaged, start it afresh once and run it again."""
        try:
            return operation()
        except sqlite3.DatabaseError as exc:
            if not _damaged(exc):
                raise IndexBuildError(f"the vector cache {self.path} cannot be used ({exc}); "
                                      "`aisci cache clear` deletes it (it is rebuilt as needed)") from None
            self._heal(exc)
            try:
                return operation()
            except sqlite3.DatabaseError as again:
                raise IndexBuildError(
                    f"the vector cache {self.path} is damaged and could not be rebuilt ({again}); "
                    "run `aisci cache clear`"
                ) from None

    def _heal(self, exc: sqlite3.DatabaseError) -> None:
        log.warning("the vector cache %s is damaged (%s); starting it afresh", self.path, exc)
        if self._db is not None:
            self._db.close()
            self._db = None
        try:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
        except OSError as error:
            raise IndexBuildError(f"the vector cache {self.path} is damaged ({exc}) and cannot be deleted "
                                  f"({error.strerror or error}); run `aisci cache clear`") from None
        self._open()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()

    def __len__(self) -> int:
        return self._guarded(lambda: self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def get_many(self, texts: list[str]) -> dict[str, list[float]]:
        """Cached vectors of those `texts` that have one."""
        return self._guarded(lambda: self._get_many(texts))

    def _get_many(self, texts: list[str]) -> dict[str, list[float]]:
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
        self._guarded(lambda: self._put_many(items))

    def _put_many(self, items: dict[str, list[float]]) -> None:
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
