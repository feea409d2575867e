"""A LangChain retriever over a `QuestionIndex`."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class PassageRetriever(BaseRetriever):
    """Returns passages as Documents; `metadata["id"]` is the passage id to cite (e.g. "S3")."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    k: int = 6
    mmr: bool = False
    per_source_cap: int | None = 3

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        passages = self.index.search(query, k=self.k, mmr=self.mmr, per_source_cap=self.per_source_cap)
        return [
            Document(page_content=p.text, metadata={**p.metadata(), "label": p.label(), "score": p.score})
            for p in passages
        ]
