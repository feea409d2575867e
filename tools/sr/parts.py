"""The bytes of an unfinished download, kept so that the next attempt (or the next run) resumes.

A download in progress is a hidden folder `<downloads>/.<name>.parts/` of committed segments
(`seg-<offset>`, each written whole through `prompts.files.atomic_file`) and `meta.json` (the URL,
the total size and the server's validator for `If-Range`). It never has the file's own name and
never lives in the weights folder, so a partial download cannot look installed; a cut loses at
most the segment in flight. `assemble` writes the finished file atomically, verified before the
rename, and only then are the segments removed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

from prompts.files import atomic_file, atomic_write_json
from prompts.progress import Progress, no_progress

SEGMENT_BYTES = 32 * 1024 * 1024  # a cut (or a killed process) loses at most this much
_COPY_BLOCK = 1 << 20


class Parts:
    """The committed segments of one download (see the module docstring)."""

    def __init__(self, downloads: Path, name: str, url: str):
        self.folder = Path(downloads) / f".{name}.parts"
        self.url = url
        self.total: int | None = None
        self.validator: str | None = None
        meta = self._meta()
        if meta is not None and meta.get("url") == url:
            self.total, self.validator = meta.get("total"), meta.get("validator")
        elif self.folder.exists():
            self.clear()  # bytes of another link (or an unreadable record): never mix them in

    def _meta(self) -> dict | None:
        try:
            meta = json.loads((self.folder / "meta.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    def segments(self) -> list[tuple[int, Path]]:
        """(offset, path) of the committed segments, in order."""
        found = []
        for path in self.folder.glob("seg-*"):
            tail = path.name[4:]
            if tail.isdigit():
                found.append((int(tail), path))
        return sorted(found)

    def committed(self) -> int:
        """Bytes received so far without a gap; segments past a gap (or past the total) are dropped."""
        expected = 0
        for offset, path in self.segments():
            size = path.stat().st_size
            if offset != expected or size == 0 or (self.total is not None and expected + size > self.total):
                path.unlink(missing_ok=True)
                continue
            expected += size
        return expected

    def start(self, total: int | None, validator: str | None, keep: bool) -> None:
        """Record what the server said about the file; `keep=False` drops the bytes so far."""
        if not keep:
            self.clear()
        self.total, self.validator = total, validator
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.folder / "meta.json", {"url": self.url, "total": total, "validator": validator})

    def segment_path(self, offset: int) -> Path:
        return self.folder / f"seg-{offset:014d}"

    def clear(self) -> None:
        """Forget every byte of this download."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.total = self.validator = None

    def assemble(self, dest: Path, verify: Callable[[Path], None] | None, progress: Progress = no_progress,
                 label: str = "") -> str:
        """Join the segments into `dest` atomically; `verify(temp path)` runs before the rename (and
        may raise to refuse the file). Returns the SHA-256 of the file. The segments are removed
        after a successful rename; on a refusal the caller decides (usually `clear`)."""
        digest = hashlib.sha256()
        done, total = 0, self.committed()
        with atomic_file(dest, suffix=".part") as (out, tmp):
            for _offset, path in self.segments():
                with open(path, "rb") as segment:
                    for block in iter(lambda: segment.read(_COPY_BLOCK), b""):
                        digest.update(block)
                        out.write(block)
                        done += len(block)
                        progress(label or f"assemble {dest.name}", done, total, "B")
            out.flush()
            if verify is not None:
                verify(tmp)
        self.clear()
        return digest.hexdigest()
