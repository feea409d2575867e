"""Content-addressed source cache: blobs by sha256, one metadata record per URL, parsed text.

Layout under `<cache dir>/sources/`:
  blobs/ab/<sha256>        the fetched bytes (PDF, README, API answer), written once
  meta/<sha256(url)>.json  final URL, sha256, size, content type, fetched at, status and error
  text/<sha256>.json       the pages read from a PDF blob (so a warm rebuild never re-parses)

Every write goes to a temporary file in the same folder and is renamed into place, so a crash or a
second process never sees half a file; a per-URL file lock keeps two processes from downloading
the same URL at once.

The cache does not trust itself: a blob is used only when its bytes still hash to the recorded
sha256 (a damaged blob is deleted, so the next fetch replaces it), and a parsed-text entry of the
wrong shape is deleted and parsed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Literal

from filelock import FileLock
from pydantic import BaseModel

from index.config import IndexConfig
from prompts.files import atomic_write_json, replace_into


class CacheRecord(BaseModel):
    """What the cache knows about one URL."""

    url: str
    final_url: str | None = None
    sha256: str | None = None
    size: int | None = None
    content_type: str | None = None
    fetched_at: float
    status: Literal["ok", "error"]
    error: str | None = None
    permanent: bool = False  # an error that retrying will not fix (HTTP 404/410)


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


# Blobs already verified in this process, by (path, size, mtime, inode): a batch sharing papers
# hashes each blob once, and a blob changed on disk is hashed again.
_verified: set[tuple[str, int, int, int]] = set()


def _valid_pages(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, list) and len(item) == 2 and type(item[0]) is int and isinstance(item[1], str)
        for item in value
    )


class SourceCache:
    """The fetched-sources cache of one cache directory."""

    def __init__(self, config: IndexConfig):
        self.root = config.sources_dir
        self.locks = config.locks_dir

    # --- paths --------------------------------------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        return self.root / "blobs" / sha256[:2] / sha256

    def meta_path(self, url: str) -> Path:
        return self.root / "meta" / f"{url_key(url)}.json"

    def text_path(self, sha256: str) -> Path:
        return self.root / "text" / f"{sha256}.json"

    def lock(self, name: str, timeout_s: float = 600.0) -> FileLock:
        """An inter-process lock named after `name` (a URL or any key)."""
        self.locks.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.locks / f"{url_key(name)[:32]}.lock"), timeout=timeout_s)

    # --- records ------------------------------------------------------------------------------
    def record(self, url: str) -> CacheRecord | None:
        """The metadata record of `url`, or None (unreadable records count as absent)."""
        path = self.meta_path(url)
        try:
            return CacheRecord.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            return None

    def lookup(self, url: str) -> tuple[CacheRecord, Path] | None:
        """A successful record of `url` whose blob is present and still hashes to the recorded
        sha256. A damaged blob is deleted with its record (the next fetch downloads it again)."""
        rec = self.record(url)
        if rec is None or rec.status != "ok" or not rec.sha256:
            return None
        blob = self.blob_path(rec.sha256)
        try:
            st = blob.stat()
            key = (str(blob), st.st_size, st.st_mtime_ns, st.st_ino)
            if key not in _verified:
                if st.st_size != rec.size or file_sha256(blob) != rec.sha256:
                    blob.unlink(missing_ok=True)
                    self.forget(url)
                    return None
                _verified.add(key)
        except OSError:
            return None
        return rec, blob

    def forget(self, url: str) -> None:
        """Drop what the cache knows about `url` (its record), so the next build fetches it again."""
        try:
            self.meta_path(url).unlink(missing_ok=True)
        except OSError:
            pass

    def known_failure(self, url: str, ttl_s: float) -> CacheRecord | None:
        """A permanent failure of `url` recorded less than `ttl_s` seconds ago (not retried)."""
        rec = self.record(url)
        if rec is not None and rec.status == "error" and rec.permanent and time.time() - rec.fetched_at < ttl_s:
            return rec
        return None

    def new_temp(self) -> Path:
        """A fresh temporary file in the blob folder, for streaming a download into."""
        folder = self.root / "blobs"
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".download.", suffix=".tmp")
        os.close(fd)
        return Path(tmp)

    def commit(
        self, url: str, tmp: Path, sha256: str, size: int, content_type: str | None, final_url: str
    ) -> CacheRecord:
        """Move a complete download into place and record it (blob first, then the record)."""
        blob = self.blob_path(sha256)
        blob.parent.mkdir(parents=True, exist_ok=True)
        replace_into(tmp, blob)
        rec = CacheRecord(
            url=url,
            final_url=final_url,
            sha256=sha256,
            size=size,
            content_type=content_type,
            fetched_at=time.time(),
            status="ok",
        )
        atomic_write_json(self.meta_path(url), rec.model_dump(), indent=1)
        return rec

    def put_bytes(self, url: str, data: bytes, content_type: str | None, final_url: str | None = None) -> CacheRecord:
        """Store an in-memory body (e.g. an arXiv API answer) under `url`."""
        tmp = self.new_temp()
        try:
            tmp.write_bytes(data)
            sha = hashlib.sha256(data).hexdigest()
            return self.commit(url, tmp, sha, len(data), content_type, final_url or url)
        finally:
            tmp.unlink(missing_ok=True)

    def record_failure(self, url: str, error: str, permanent: bool = False) -> None:
        """Remember why `url` failed, unless a good copy is already cached."""
        if self.lookup(url) is not None:
            return
        rec = CacheRecord(url=url, fetched_at=time.time(), status="error", error=error, permanent=permanent)
        atomic_write_json(self.meta_path(url), rec.model_dump(), indent=1)

    def records(self) -> list[CacheRecord]:
        """Every URL record, oldest first."""
        out = []
        for path in sorted((self.root / "meta").glob("*.json")):
            try:
                out.append(CacheRecord.model_validate_json(path.read_bytes()))
            except (OSError, ValueError):
                continue
        return sorted(out, key=lambda r: r.fetched_at)

    # --- parsed text ----------------------------------------------------------------------------
    def load_text(self, sha256: str, version: str) -> dict | None:
        """The parsed pages (`{"pages": [[page, text], ...]}`) or parse error (`{"error": reason}`)
        of a blob, or None. An entry that is unreadable or of the wrong shape is deleted (healed:
        the caller parses again and saves a good one)."""
        path = self.text_path(sha256)
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            data = None
        good = isinstance(data, dict) and isinstance(data.get("version"), str) and (
            _valid_pages(data.get("pages")) if "pages" in data else isinstance(data.get("error"), str) and data["error"]
        )
        if not good:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
            return None
        return data if data.get("version") == version else None

    def forget_text(self, sha256: str) -> None:
        """Drop the parsed text (or remembered parse error) of a blob."""
        self.text_path(sha256).unlink(missing_ok=True)

    def save_text(self, sha256: str, version: str, payload: dict) -> None:
        atomic_write_json(self.text_path(sha256), {"version": version, **payload}, indent=1)


def cache_summary(config: IndexConfig) -> dict:
    """Sizes of the index's parts of the cache (for `aisci cache ls`)."""

    def size_of(path: Path) -> tuple[int, int]:
        if path.is_file():
            return 1, path.stat().st_size
        files = [p for p in path.rglob("*") if p.is_file()] if path.exists() else []
        return len(files), sum(p.stat().st_size for p in files)

    parts = {
        "sources": config.sources_dir,
        "vectors": config.vectors_path,
        "chroma": config.chroma_dir,
        "questions": config.questions_dir,
    }
    return {
        name: dict(zip(("files", "bytes"), size_of(path), strict=True)) | {"path": str(path)}
        for name, path in parts.items()
    }


def clear_cache(config: IndexConfig) -> list[Path]:
    """Delete the index's parts of the cache (sources, vectors, local Chroma, question manifests,
    locks). Other users of the cache directory (SR weights, local models) are left alone."""
    removed = []
    for path in (config.sources_dir, config.chroma_dir, config.questions_dir, config.locks_dir):
        if path.exists():
            shutil.rmtree(path)
            removed.append(path)
    for path in config.cache_dir.glob(config.vectors_path.name + "*"):
        path.unlink()
        removed.append(path)
    return removed
