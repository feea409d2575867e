"""`QuestionIndex`: the sources of one prompt, fetched, read, chunked, embedded and stored in the
question's own Chroma collection, and searched with a per-source cap.

Building twice does no work the second time: fetched files, parsed pages and vectors are cached
by content, and the collection is only told about chunks it lacks. A paper shared by several
questions is fetched, read and embedded once.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from index.cache import SourceCache
from index.chunk import chunk_pages
from index.config import IndexConfig
from index.fetch import Fetcher
from index.loaders import SourceLoader, SourceReport
from index.netpolicy import allowed_hosts
from index.passage import Passage
from index.sources import Source, resolve
from index.store import QuestionStore, collection_name
from index.vectors import VectorCache
from prompts import Prompt
from prompts.progress import Progress


def _assign(sources: list[Source], loaded) -> tuple[list[Passage], list[SourceReport]]:
    """Passages numbered S1, S2, ... in source order, then document and chunk order."""
    passages: list[Passage] = []
    seen: set[str] = set()
    reports = []
    for source, item, chunks_of in loaded:
        count = 0
        for doc, chunks in chunks_of:
            for chunk in chunks:
                count += 1
                if chunk.chunk_id in seen:  # the same document listed twice in one prompt
                    continue
                seen.add(chunk.chunk_id)
                passages.append(
                    Passage(
                        id=f"S{len(passages) + 1}",
                        chunk_id=chunk.chunk_id,
                        source_ref=source.ref,
                        source_short=source.short,
                        source_title=source.title,
                        source_url=source.url,
                        source_kind=source.kind,
                        role=source.role,
                        origin=doc.origin,
                        arxiv_id=source.arxiv_id,
                        page=chunk.page,
                        char_start=chunk.char_start,
                        char_end=chunk.char_end,
                        text=chunk.text,
                    )
                )
        item.report.chunks = count
        item.report.origins = [doc.origin for doc, _ in chunks_of]
        reports.append(item.report)
    return passages, reports


class QuestionIndex:
    """The index of one prompt's sources. Build it with `QuestionIndex.build`."""

    def __init__(
        self,
        prompt_id: str,
        config: IndexConfig,
        store: QuestionStore,
        passages: list[Passage],
        sources: list[SourceReport],
        offline: bool,
        offline_reason: str | None,
        stats: dict[str, Any],
    ):
        self.prompt_id = prompt_id
        self.config = config
        self.store = store
        self.collection = store.name
        self.sources = sources
        self.offline = offline
        self.offline_reason = offline_reason
        self.stats = stats
        self._passages = passages
        self._by_id = {p.id: p for p in passages}
        self._by_chunk = {p.chunk_id: p for p in passages}
        # True when some paper is represented only by a summary or an abstract: the answer must say so.
        self.offline_fallback = any(s.kind == "paper" and "pdf" not in s.origins for s in sources)

    @classmethod
    def build(
        cls,
        prompt: Prompt,
        config: IndexConfig,
        progress: Progress | None = None,
        offline: bool | None = None,
        papers_dir: Path | str | None = None,
    ) -> QuestionIndex:
        """Fetch, read, chunk, embed and store the sources of `prompt` (see the module docstring).

        `offline` and `papers_dir` override the config. Sources that cannot be had are reported in
        `.sources`, never raised; an unreachable Chroma server raises IndexBuildError.
        """
        started = time.perf_counter()
        updates: dict[str, Any] = {}
        if offline is not None:
            updates["offline"] = offline
        if papers_dir is not None:
            updates["papers_dir"] = Path(papers_dir)
        config = config.model_copy(update=updates) if updates else config
        sources = resolve(prompt, config)
        notify = progress or (lambda *_: None)
        cache = SourceCache(config)
        hosts = allowed_hosts([u for s in sources for u in (s.url, s.fetch_url)], config)
        fetcher = Fetcher(config, cache, hosts)
        loader = SourceLoader(config, cache, fetcher)
        loaded, offline_reason = [], "offline mode (AISCI_OFFLINE)" if config.offline else None
        # One build of a question at a time across processes; others wait, then find it all cached.
        with cache.lock(f"question:{prompt.id}"):
            try:
                for i, source in enumerate(sources):
                    notify("index: fetch and read sources", i, len(sources))
                    item = loader.load(source)
                    offline_reason = offline_reason or item.offline_reason
                    chunks_of = [
                        (doc, chunk_pages(doc.doc_key, doc.pages, config.chunk_size, config.chunk_overlap))
                        for doc in item.documents
                    ]
                    loaded.append((source, item, chunks_of))
            finally:
                fetcher.close()
            passages, reports = _assign(sources, loaded)
            notify("index: fetch and read sources", len(sources), len(sources))
            notify("index: embed and store")
            store = QuestionStore(config, collection_name(prompt.id))
            vectors = VectorCache(config.vectors_path)
            embedded = 0

            def vectors_for(texts: list[str]) -> list[list[float]]:
                nonlocal embedded
                found, fresh = vectors.embed(texts)
                embedded += fresh
                return found

            try:
                changes = store.sync({p.chunk_id: (p.text, p.metadata()) for p in passages}, vectors_for)
            finally:
                vectors.close()
        notify("index: embed and store", 1, 1)
        stats = {
            "seconds": time.perf_counter() - started,
            "passages": len(passages),
            "embedded": embedded,
            "requests": fetcher.requests,
            **changes,
        }
        return cls(prompt.id, config, store, passages, reports, bool(offline_reason), offline_reason, stats)

    # --- reading -------------------------------------------------------------------------------
    def passages(self) -> list[Passage]:
        """Every passage of the question, in S-id order."""
        return list(self._passages)

    def get(self, passage_id: str) -> Passage | None:
        """The passage with id `passage_id` (e.g. "S3"), or None."""
        return self._by_id.get(passage_id)

    def _query_vector(self, query: str) -> list[float]:
        """The query's embedding, from the on-disk vector cache when it was asked before (the same
        question asked again in a new process then loads no embedding model), else embedded now."""
        vectors = VectorCache(self.config.vectors_path)
        try:
            return vectors.embed([query])[0][0]
        finally:
            vectors.close()

    def search(self, query: str, k: int = 6, mmr: bool = False, per_source_cap: int | None = 3) -> list[Passage]:
        """The `k` passages most relevant to `query`, with cosine-similarity scores.

        `mmr` re-ranks for diversity (maximal marginal relevance). `per_source_cap` keeps one long
        source from crowding out the rest: at most that many passages per source come first, and
        only when other sources have nothing left are more added.
        """
        if k <= 0 or not self._passages or not query.strip():
            return []
        vector = self._query_vector(query)
        fetch_n = min(len(self._passages), max(4 * k, 24))
        hits = [h for h in self.store.query(vector, fetch_n, with_embeddings=mmr) if h[0] in self._by_chunk]
        if mmr and hits:
            import numpy as np
            from langchain_core.vectorstores.utils import maximal_marginal_relevance

            order = maximal_marginal_relevance(
                np.asarray(vector), [np.asarray(h[2]) for h in hits], lambda_mult=0.5, k=len(hits)
            )
            hits = [hits[i] for i in order]
        chosen, spill, per_source = [], [], {}
        for cid, score, _ in hits:
            passage = self._by_chunk[cid]
            key = (passage.source_url, passage.source_kind)
            if per_source_cap is not None and per_source.get(key, 0) >= per_source_cap:
                spill.append((passage, score))
                continue
            per_source[key] = per_source.get(key, 0) + 1
            chosen.append((passage, score))
        chosen = (chosen + spill)[:k]
        return [p.model_copy(update={"score": round(s, 6)}) for p, s in chosen]

    def as_retriever(self, k: int = 6, mmr: bool = False, per_source_cap: int | None = 3):
        """This index as a LangChain retriever (documents carry the passage fields as metadata)."""
        from index.retriever import PassageRetriever

        return PassageRetriever(index=self, k=k, mmr=mmr, per_source_cap=per_source_cap)

    def vectorstore(self):
        """The question's collection as a LangChain `Chroma` vector store."""
        return self.store.vectorstore()

    def report(self) -> dict[str, Any]:
        """The `aisci index --json` shape."""
        return {
            "prompt_id": self.prompt_id,
            "collection": self.collection,
            "sources": [
                s.model_dump(include={"ref", "url", "status", "pages", "chunks", "detail"}) for s in self.sources
            ],
            "passages": len(self._passages),
            "seconds": round(self.stats["seconds"], 3),
            "offline": self.offline,
            "offline_fallback": self.offline_fallback,
        }
