"""Turn one resolved source into text documents and a status report.

A paper: the user's papers folder first, then the cache or the network; its PDF read into pages.
The prompt's own summary is always indexed. When the PDF cannot be had (offline, fetch failure,
unreadable PDF) the arXiv abstract stands in: the arXiv API (cached) when online, else the record
bundled with the project. A code source: its README. Every failure is a status and a reason,
never an exception out of here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from index.arxiv import api_url, bundled_record, parse_api_answer
from index.cache import SourceCache
from index.config import IndexConfig
from index.errors import FetchError, OfflineError, PdfError
from index.fetch import Fetcher
from index.passage import Origin
from index.pdf import PARSER_VERSION, read_pdf
from index.sources import Source

MAX_README_CHARS = 200_000
# Parse failures that say the bytes are damaged, not that the paper is (encrypted or scanned PDFs are).
_REFETCH_REASONS = ("corrupt or unreadable", "not a PDF file")

FETCHED, CACHED, PAPERS_DIR = "fetched", "cached", "papers-dir"
SUMMARY_ONLY, ABSTRACT_ONLY, OFFLINE, FAILED = "prompt summary only", "abstract only", "offline", "failed"


class SourceReport(BaseModel):
    """What happened to one source: status is fetched / cached / papers-dir (the full text is
    indexed), prompt summary only / abstract only (a paper whose PDF could not be had), offline (a
    README not in the cache while offline), or failed (nothing of it is indexed)."""

    ref: str
    url: str
    kind: str
    role: str
    status: str
    pages: int | None = None
    chunks: int = 0
    detail: str = ""
    origins: list[str] = []
    reason: str = ""  # why a paper's PDF is not indexed (set only then): "HTTP 404", "offline ...", ...


@dataclass
class Document:
    """Text of one origin of a source: pages of (page number or None, text)."""

    origin: Origin
    doc_key: str
    pages: list[tuple[int | None, str]]


@dataclass
class Loaded:
    report: SourceReport
    documents: list[Document] = field(default_factory=list)
    offline_reason: str | None = None  # set when the network was needed and not available


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_in_papers_dir(folder: Path | None, arxiv_id: str | None, version: int | None) -> Path | None:
    """The user's copy of an arXiv paper: `<id>.pdf`, `<id>v<N>.pdf` (old-style ids with `_` for `/`)."""
    if folder is None or arxiv_id is None or not folder.is_dir():
        return None
    stem = arxiv_id.replace("/", "_")
    names = ([f"{stem}v{version}.pdf"] if version else []) + [f"{stem}.pdf"]
    for name in names:
        if (folder / name).is_file():
            return folder / name
    versions = sorted(folder.glob(f"{stem}v*.pdf"), key=lambda p: p.stem)
    return versions[-1] if versions else None


class SourceLoader:
    """Loads sources for one build, sharing a fetcher and the cache."""

    def __init__(self, config: IndexConfig, cache: SourceCache, fetcher: Fetcher):
        self.config = config
        self.cache = cache
        self.fetcher = fetcher

    def load(self, source: Source) -> Loaded:
        """Documents and report of `source` (see the module docstring)."""
        if source.kind == "code":
            return self._load_readme(source)
        return self._load_paper(source)

    def _report(self, source: Source, status: str, detail: str = "", pages: int | None = None) -> SourceReport:
        return SourceReport(
            ref=source.ref,
            url=source.url,
            kind=source.kind,
            role=source.role,
            status=status,
            pages=pages,
            detail=detail,
        )

    def _pdf_pages(self, data_path: Path, sha256: str, name: str) -> list[tuple[int, str]]:
        """Pages of a PDF blob, parsed once and remembered in the cache (failures too)."""
        known = self.cache.load_text(sha256, PARSER_VERSION)
        if known is not None:
            if known.get("error"):
                raise PdfError(name, known["error"])
            return [(int(n), t) for n, t in known["pages"]]
        try:
            pages = read_pdf(data_path, name)
        except PdfError as exc:
            self.cache.save_text(sha256, PARSER_VERSION, {"error": exc.reason})
            raise
        self.cache.save_text(sha256, PARSER_VERSION, {"pages": [[p.page, p.text] for p in pages]})
        return [(p.page, p.text) for p in pages]

    def _load_paper(self, source: Source) -> Loaded:
        loaded = Loaded(self._report(source, FAILED))
        docs: list[Document] = []
        if source.summary:
            docs.append(Document("prompt-summary", f"summary:{_sha(source.summary)}", [(None, source.summary)]))
        status, why, pages, fetched_sha = None, "", None, None
        local = find_in_papers_dir(self.config.papers_dir, source.arxiv_id, source.arxiv_version)
        try:
            if local is not None:
                data = local.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                status, path, name = PAPERS_DIR, local, local.name
            else:
                got = self.fetcher.fetch(source.fetch_url, expect_pdf=True)
                sha, path, name = got.record.sha256 or "", got.path, source.fetch_url
                fetched_sha = sha
                status = CACHED if got.from_cache else FETCHED
            text_pages = self._pdf_pages(path, sha, name)
            docs.append(Document("pdf", f"pdf:{sha}", list(text_pages)))
            pages = len(text_pages)
        except OfflineError as exc:
            status, why, loaded.offline_reason = None, exc.reason, exc.reason
        except FetchError as exc:
            status, why = None, exc.reason
        except PdfError as exc:
            status, why = None, f"PDF unreadable: {exc.reason}"
            if fetched_sha is not None and exc.reason.startswith(_REFETCH_REASONS):
                # A damaged download (cut short, or a server's error page) is not kept: the next
                # build fetches it again instead of trusting the cached bytes and their parse error.
                self.cache.forget(source.fetch_url)
                self.cache.forget_text(fetched_sha)
                why += "; it will be fetched again next time"
        except OSError as exc:
            status, why = None, f"cannot read {local}: {exc}"
        if status is not None:
            loaded.report = self._report(source, status, detail=str(local or source.fetch_url), pages=pages)
            loaded.documents = docs
            return loaded
        abstract = self._abstract(source)
        if abstract is not None:
            docs.append(abstract)
        used = [
            {
                "prompt-summary": "the prompt's summary",
                "arxiv-abstract": "the arXiv abstract",
                "bundled-abstract": "the bundled arXiv abstract",
            }[d.origin]
            for d in docs
        ]
        if source.summary:
            status = SUMMARY_ONLY
        elif abstract is not None:
            status = ABSTRACT_ONLY
        else:
            status = FAILED
        detail = f"PDF not available ({why})" + (f"; indexed {' and '.join(used)} instead" if used else "")
        loaded.report = self._report(source, status, detail=detail)
        loaded.report.reason = why
        loaded.documents = docs
        return loaded

    def _abstract(self, source: Source) -> Document | None:
        """The arXiv abstract: API (cached; online only) first, then the bundled record."""
        if source.arxiv_id is None:
            return None
        try:
            got = self.fetcher.fetch(api_url(self.config.arxiv_base_url, source.arxiv_id))
            record = parse_api_answer(got.path.read_bytes(), source.arxiv_id)
            text = f"{record.title}. {record.abstract}"
            return Document("arxiv-abstract", f"abstract:{_sha(text)}", [(None, text)])
        except (FetchError, ValueError, OSError):
            pass
        record = bundled_record(source.arxiv_id)
        if record is None:
            return None
        text = f"{record.title}. {record.abstract}"
        return Document("bundled-abstract", f"abstract:{_sha(text)}", [(None, text)])

    def _load_readme(self, source: Source) -> Loaded:
        try:
            got = self.fetcher.fetch(source.fetch_url)
        except OfflineError as exc:
            return Loaded(
                self._report(source, OFFLINE, f"README not in the cache ({exc.reason})"), offline_reason=exc.reason
            )
        except FetchError as exc:
            return Loaded(self._report(source, FAILED, f"README: {exc.reason}"))
        text = got.path.read_bytes().decode("utf-8", errors="replace")[:MAX_README_CHARS].strip()
        if not text:
            return Loaded(self._report(source, FAILED, "README is empty"))
        status = CACHED if got.from_cache else FETCHED
        doc = Document("readme", f"readme:{got.record.sha256}", [(None, text)])
        return Loaded(self._report(source, status, detail=source.fetch_url), [doc])
