"""Errors of the SR zoo: each says what was wrong and what to do."""

from __future__ import annotations

from prompts.errors import AisciError


class SRError(AisciError):
    """Base of the SR zoo's user-facing errors."""


class NotInZoo(SRError):
    """A model name the zoo cannot run."""

    def __init__(self, name: str, known: list[str]):
        self.name = name
        self.known = list(known)
        super().__init__(
            f"model {name!r} is not in the SR zoo, so it cannot be run here; the zoo has: {', '.join(known)}"
        )


class WeightsNotInstalled(SRError):
    """The model is in the zoo but its official weights file is not on this machine."""

    def __init__(self, model: str, file_name: str, source: str, searched: list[str], hint: str = ""):
        self.model = model
        self.file_name = file_name
        self.source = source
        self.searched = list(searched)
        where = "; ".join(searched) if searched else "nowhere"
        how = hint if hint and source in hint else f"get it from {source}" + (f"; {hint}" if hint else "")
        super().__init__(
            f"weights not installed for {model}: the official file {file_name} was not found "
            f"(looked in: {where}). To install it: {how}"
        )


class BadWeights(SRError):
    """A weights file that exists but is not the expected one (size, checksum, keys or shapes)."""


class BadImage(SRError):
    """An input image that cannot be used (unreadable, too large, wrong kind of file, not allowed)."""


class BadScale(SRError):
    """A scale the model cannot produce."""


class BadDevice(SRError):
    """A device or precision that is not available here."""


class DownloadError(SRError):
    """A weights download that failed: HTTP status, a cut that kept recurring, a wrong kind of file."""


class DownloadRefused(DownloadError):
    """A URL or redirect the downloader will not follow (host, scheme or address not allowed)."""


class DownloadsOff(SRError):
    """A download was needed but AISCI_OFFLINE or AISCI_NO_DOWNLOAD forbids it."""


class ManualDownload(SRError):
    """The authors publish the file where no program can fetch it reliably: the steps for a person."""
