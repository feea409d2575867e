"""The one way aisci writes a file: through a synced temporary file beside it and a rename.

A reader (or a crash) sees the old file or the new one, never a mix or a half-written file. Every
layer writes through here: answers, run files, caches, SR outputs, weights, the local model.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def fsync_dir(folder: Path) -> None:
    """Make a rename inside `folder` durable (a no-op where the file system cannot sync folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems do not fsync directories
    finally:
        os.close(fd)


def temp_path_beside(path: Path, suffix: str = ".tmp") -> Path:
    """A fresh, unused name for a hidden temporary file in `path`'s folder."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{suffix}")


def replace_into(tmp: Path, dest: Path) -> Path:
    """Rename the finished temporary file `tmp` onto `dest` and sync the folder; returns `dest`."""
    os.replace(tmp, dest)
    fsync_dir(dest.parent)
    return dest


@contextmanager
def atomic_file(path: Path | str, suffix: str = ".tmp") -> Iterator[tuple[IO[bytes], Path]]:
    """Yield (binary handle, temporary path) for writing `path`'s new content.

    When the block ends normally the data is flushed, synced and renamed onto `path`; when it
    raises (a failed verification included), the temporary file is removed and `path` is left as
    it was. The file gets the usual umask permissions (not mkstemp's 0600).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_beside(path, suffix)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle, tmp
            handle.flush()
            os.fsync(handle.fileno())
        replace_into(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write `data` to `path` atomically (see the module docstring)."""
    with atomic_file(path) as (handle, _):
        handle.write(data)


def atomic_write_text(path: Path | str, text: str) -> None:
    """`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path | str, value: Any, indent: int | None = 2) -> None:
    """Write `value` as UTF-8 JSON to `path` atomically."""
    atomic_write_text(path, json.dumps(value, ensure_ascii=False, indent=indent))
