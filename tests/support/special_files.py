"""Special files for tests of readers: FIFOs, devices, sockets, names that are not UTF-8, and a
helper that fails a test instead of hanging it when a reader blocks."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path


def make_fifo(folder: Path, name: str = "prompt.txt") -> Path:
    path = Path(folder) / name
    os.mkfifo(path)
    return path


def make_socket(folder: Path, name: str = "prompt.sock") -> tuple[Path, socket.socket]:
    path = Path(folder) / name
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    return path, sock


def non_utf8_name(folder: Path, stem: bytes = b"caf\xe9-\xff\xfe", suffix: bytes = b".txt") -> Path:
    """A path in `folder` whose file name is not UTF-8 (Latin-1 bytes), as Python sees it."""
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + stem + suffix))


def within(seconds: float, call: Callable[[], object]) -> object:
    """The result (or the exception) of `call()`; AssertionError when it does not return in time
    (the thread is left behind, a FIFO is opened by the helper to release it)."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise AssertionError(f"did not return within {seconds} s (blocked reading?)")
    if "error" in box:
        raise box["error"]
    return box.get("value")


@contextlib.contextmanager
def read_only(path: Path):
    """Make `path` (a folder or a file) read-only for this process, really: chmod for a normal user;
    for root, which ignores modes, the immutable attribute (`chattr +i`). Skips the test where
    neither works."""
    import pytest

    path = Path(path)
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield path
        finally:
            path.chmod(mode)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("running as root without a working chattr: cannot make a read-only file")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


def limited_file_size_preexec(max_bytes: int):
    """A `preexec_fn` for subprocess: files may not grow past `max_bytes` (writes then fail with
    EFBIG, as on a full disk) and SIGXFSZ is ignored so the write fails instead of killing."""
    import resource
    import signal

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply
