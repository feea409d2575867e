"""Errors of the index layer; each is an `AisciError`, so the CLI shows it as one line."""

from __future__ import annotations

from prompts.errors import AisciError


class IndexBuildError(AisciError):
    """The index of a question could not be built or opened (e.g. the Chroma server is down)."""


class FetchError(AisciError):
    """A source could not be fetched; `reason` is short enough for a status table."""

    def __init__(self, url: str, reason: str, *, retryable: bool = False):
        self.url = url
        self.reason = reason
        self.retryable = retryable
        super().__init__(f"{url}: {reason}")


class OfflineError(FetchError):
    """A fetch was needed while offline (explicitly or because the network is unreachable)."""


class PdfError(AisciError):
    """A PDF that cannot be read: encrypted, corrupt, or without extractable text."""

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")
