"""The JSON-lines run file of `aisci batch`, written so that a kill at any moment loses nothing
already written and never leaves a broken line.

Each record is one line, appended with a single `os.write` of the whole line and an `fsync`.
One batch process owns a run file at a time (an inter-process file lock held for the whole run).
On open, a last line without its newline (a crash in the middle of an append on some older
version or file system) or any line that is not a JSON object is set aside in `<run>.dropped`
and the file is rewritten atomically without it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from filelock import FileLock, Timeout

from prompts import AisciError
from prompts.files import atomic_write_bytes
from prompts.text import display_path


class RunFileError(AisciError):
    """The run file cannot be used (locked by another process, unreadable, not JSON lines)."""


def encode_record(record: dict) -> bytes:
    """One record as one line: compact JSON (newlines inside strings are escaped) and a newline. A
    string that is not valid Unicode (a file name that is not UTF-8) is written as JSON escapes."""
    try:
        return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(record, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")


def split_records(data: bytes) -> tuple[list[dict], list[bytes]]:
    """(records, bad lines) of JSON-lines bytes. A last line without its newline counts as bad,
    even if it parses: it may be the head of a longer record cut short."""
    records, bad = [], []
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the data ends with a newline
    for line in lines:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            value = None
        if isinstance(value, dict):
            records.append(value)
        else:
            bad.append(line)
    if tail.strip():
        bad.append(tail)
    return records, bad


class RunFile:
    """A run file opened for one batch: `with RunFile(path) as run: run.records; run.append(...)`."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.dropped_path = self.path.with_name(self.path.name + ".dropped")
        self._lock = FileLock(str(self.path) + ".lock", timeout=0)
        self.records: list[dict] = []
        self.dropped = 0

    def __enter__(self) -> RunFile:
        if self.path.is_dir():
            raise RunFileError(f"{self.shown}: expected a JSON-lines run file, found a directory")
        if self.path.exists() and not self.path.is_file():
            raise RunFileError(f"{self.shown}: expected a JSON-lines run file, found a special file "
                               "(FIFO, device or socket)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except Timeout:
            raise RunFileError(f"{self.shown}: another aisci batch is writing this run file") from None
        except OSError as exc:
            raise self._os_error("cannot create the run file there", exc) from None
        try:
            self.records = self._recover()
            # Find out now, not after the first answer, that the file cannot be written.
            os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
        except OSError as exc:
            self._lock.release()
            raise self._os_error("cannot write the run file", exc) from None
        except BaseException:
            self._lock.release()
            raise
        return self

    @property
    def shown(self) -> str:
        return display_path(self.path)

    def _os_error(self, what: str, exc: OSError) -> RunFileError:
        """One line for a failed read or write: read-only folder or file, full disk, ..."""
        return RunFileError(f"{self.shown}: {what} ({exc.strerror or exc})")

    def __exit__(self, *exc) -> None:
        self._lock.release()

    def _recover(self) -> list[dict]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise self._os_error("cannot read the run file", exc) from None
        records, bad = split_records(data)
        if bad:
            # Keep what is set aside (nothing is lost), then drop it from the run file.
            with open(self.dropped_path, "ab") as handle:
                handle.write(b"".join(line + b"\n" for line in bad))
                handle.flush()
                os.fsync(handle.fileno())
            self.rewrite(records)
            self.dropped = len(bad)
        return records

    def rewrite(self, records: list[dict]) -> None:
        """Replace the file's content by `records`, atomically."""
        try:
            atomic_write_bytes(self.path, b"".join(encode_record(r) for r in records))
        except OSError as exc:
            raise self._os_error("cannot rewrite the run file", exc) from None
        self.records = list(records)

    def append(self, record: dict) -> None:
        """Append one record: one `os.write` of the whole line, then `fsync`. A full disk or a file
        made read-only meanwhile is a RunFileError (a cut line is dropped by the next open)."""
        data = encode_record(record)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                written = os.write(fd, data)
                while written < len(data):  # only on a nearly full disk; the reader drops a cut line
                    more = os.write(fd, data[written:])
                    if more <= 0:
                        raise RunFileError(f"{self.shown}: could not append a record (disk full?)")
                    written += more
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise self._os_error("cannot append to the run file", exc) from None
        self.records.append(record)
