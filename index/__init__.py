"""Sources → fetched files → text → chunks → embeddings → one Chroma collection per question.

Public API: `QuestionIndex.build(prompt, config)`, `Passage`, `IndexConfig`, `LocalEmbeddings`.
Heavy libraries (chromadb, sentence-transformers) load on first use, not on import.
"""

from index.config import IndexConfig
from index.embed import LocalEmbeddings
from index.errors import FetchError, IndexBuildError, OfflineError, PdfError
from index.loaders import SourceReport
from index.passage import Passage
from index.question import QuestionIndex

__all__ = [
    "FetchError",
    "IndexBuildError",
    "IndexConfig",
    "LocalEmbeddings",
    "OfflineError",
    "Passage",
    "PdfError",
    "QuestionIndex",
    "SourceReport",
]
