"""The index layer's own configuration (built by `agent.settings.Settings.index_config()`).

The index never reads `AISCI_*` variables itself: whoever builds a `QuestionIndex` passes this
object, so tests and the benchmark can point it at a loopback server and a temporary cache.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict, Field


def _default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("aisci"))


class IndexConfig(BaseModel):
    """Fetch, cache, chunking and Chroma knobs of the per-question index."""

    model_config = ConfigDict(frozen=True)

    cache_dir: Path = Field(default_factory=_default_cache_dir, description="Root of the index cache.")
    papers_dir: Path | None = Field(default=None, description="User's PDFs named by arXiv id, used first.")
    offline: bool = Field(default=False, description="Never open a socket.")
    arxiv_base_url: str = Field(default="https://arxiv.org", description="PDFs at /pdf/<id>, API at /api/query.")
    github_raw_base_url: str = Field(
        default="https://raw.githubusercontent.com", description="READMEs at /<owner>/<repo>/HEAD/README.md."
    )
    host_delay_s: float = Field(default=3.0, ge=0, description="Minimum seconds between requests to one host.")
    allow_loopback: bool = Field(default=False, description="Allow loopback/private addresses (tests).")
    timeout_s: float = Field(default=30.0, gt=0, description="Timeout of one HTTP request.")
    deadline_s: float = Field(
        default=120.0, gt=0, description="Longest time one source's download may take in all (retries included)."
    )
    retries: int = Field(default=3, ge=0, description="Retries of a failed request.")
    backoff_s: float = Field(default=1.0, ge=0, description="First backoff delay; doubles on each retry.")
    max_retry_after_s: float = Field(default=60.0, ge=0, description="Longest Retry-After honoured.")
    failure_ttl_s: float = Field(default=86400.0, ge=0, description="How long an HTTP 404/410 is remembered.")
    max_download_mb: float = Field(default=50.0, gt=0, description="Largest file fetched, in MB.")
    probe_timeout_s: float = Field(default=1.5, gt=0, description="Connect probe deciding auto-offline.")
    chroma_url: str | None = Field(default=None, description="Chroma server URL; None = local database.")
    chunk_size: int = Field(default=900, ge=200, description="Characters per chunk.")
    chunk_overlap: int = Field(default=120, ge=0, description="Characters shared by neighbouring chunks.")
    user_agent: str = Field(default="aisci/0.1 (retrieval-grounded research assistant)")

    @property
    def max_download_bytes(self) -> int:
        return int(self.max_download_mb * 1024 * 1024)

    @property
    def sources_dir(self) -> Path:
        return self.cache_dir / "sources"

    @property
    def chroma_dir(self) -> Path:
        return self.cache_dir / "chroma"

    @property
    def locks_dir(self) -> Path:
        return self.cache_dir / "locks"

    @property
    def vectors_path(self) -> Path:
        return self.cache_dir / "vectors.sqlite3"

    @property
    def questions_dir(self) -> Path:
        return self.cache_dir / "questions"
