"""Checksums recorded on first use, for files whose authors publish none (HAN, RCAN, their archive).

When such a file is installed and has loaded strictly into its architecture, its SHA-256 is
recorded in `aisci-sha256.json` beside it; later checks compare the file with that record, so a
file swapped or damaged after install is noticed (trust on first use). The record is one small
JSON object per folder, updated under a lock and written atomically.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from filelock import FileLock

from prompts.files import atomic_write_json
from tools.sr.errors import SRError

LEDGER_NAME = "aisci-sha256.json"


def _path(folder: Path) -> Path:
    return Path(folder) / LEDGER_NAME


def _read(folder: Path) -> dict:
    path = _path(folder)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SRError(f"{path}: not a readable checksum record ({exc}); delete it and reinstall the weights") from None
    if not isinstance(data, dict):
        raise SRError(f"{path}: expected a JSON object of recorded checksums; delete it and reinstall the weights")
    return data


def lookup(folder: Path, file_name: str) -> dict | None:
    """The record of `file_name` in `folder` ({"sha256", "size", "source", "recorded"}), or None."""
    entry = _read(folder).get(file_name)
    if entry is not None and not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str)):
        raise SRError(f"{_path(folder)}: the entry for {file_name} has no sha256; delete it and reinstall")
    return entry


def record(folder: Path, file_name: str, sha256: str, size: int, source: str) -> None:
    """Record (or replace) the checksum of a file that has just been installed and verified."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(_path(folder)) + ".lock", timeout=60):
        data = _read(folder)
        data[file_name] = {"sha256": sha256, "size": size, "source": source,
                           "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        atomic_write_json(_path(folder), data)


def forget(folder: Path, file_name: str) -> None:
    """Drop the record of `file_name` (its file was found wrong and removed)."""
    if not _path(folder).is_file():
        return
    with FileLock(str(_path(folder)) + ".lock", timeout=60):
        data = _read(folder)
        if data.pop(file_name, None) is not None:
            atomic_write_json(_path(folder), data)
