"""Downloading one weights file (or archive) from the authors' link: streamed, resumable, capped.

`download(url, dest, ...)` follows redirects only to the link's own hosts (`tools.sr.hosts`),
streams the body into committed segments (`tools.sr.parts`), resumes a cut transfer with an HTTP
Range request (with If-Range, so a file changed on the server starts over rather than mixing two
versions), refuses a body over the size cap or of the wrong size, refuses an HTML page where a file
was expected, and writes `dest` atomically only after the caller's `verify` accepts the finished
file. Bytes already received survive a failed run: the same command later resumes them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpx
from filelock import FileLock, Timeout

from index.fetch import parse_retry_after
from index.netpolicy import AddressRefused, guarded_transport
from prompts.errors import AisciError
from prompts.files import atomic_file
from prompts.progress import Progress, no_progress
from tools.sr.config import SRConfig
from tools.sr.errors import DownloadError, DownloadRefused
from tools.sr.hosts import route
from tools.sr.parts import SEGMENT_BYTES, Parts

MAX_REDIRECTS = 5
MAX_ATTEMPTS = 100  # cuts that each make progress are retried, but not forever
MAX_RETRY_AFTER_S = 120.0
_RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
_HTML_LIMIT = 1 << 20  # a confirm page larger than this is not one
_MAGIC = {"zip": (b"PK\x03\x04",), "torch": (b"PK\x03\x04", b"\x80")}  # torch: zip format or a legacy pickle
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")

# (URL of the page, its text) -> the next URL to request, or None when the page is not a step.
HtmlHandler = Callable[[str, str], str | None]


@dataclass(frozen=True)
class Expect:
    """What the downloaded bytes must be: a zip archive or a PyTorch checkpoint, of `size` bytes if known."""

    kind: Literal["zip", "torch"]
    size: int | None = None


class _Retry(Exception):
    def __init__(self, reason: str, progressed: bool = False, wait_s: float | None = None):
        super().__init__(reason)
        self.reason, self.progressed, self.wait_s = reason, progressed, wait_s


def _is_html(content_type: str | None, head: bytes) -> bool:
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind in ("text/html", "application/xhtml+xml") or head.lstrip()[:1] == b"<"


def _validator(response: httpx.Response) -> str | None:
    """A strong ETag, else Last-Modified: what If-Range may carry."""
    etag = response.headers.get("etag")
    if etag and not etag.startswith("W/"):
        return etag
    return response.headers.get("last-modified")


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


class _Transfer:
    """One download: the attempts, the redirects of each, and the segments they write."""

    def __init__(self, url: str, dest: Path, hosts: tuple[str, ...], config: SRConfig, expect: Expect,
                 progress: Progress, label: str, html_handler: HtmlHandler | None):
        self.url, self.dest, self.hosts, self.config, self.expect = url, dest, hosts, config, expect
        self.progress, self.label, self.html_handler = progress, label, html_handler
        self.cap = config.max_weights_bytes if expect.size is None else min(expect.size, config.max_weights_bytes)
        self.parts = Parts(config.downloads_dir(), dest.name, url)

    def run(self, client: httpx.Client) -> None:
        failures = 0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if self.parts.total is not None and self.parts.committed() == self.parts.total:
                return
            try:
                self._attempt(client)
                return
            except _Retry as exc:
                failures = 0 if exc.progressed else failures + 1
                if failures > self.config.download_retries or attempt == MAX_ATTEMPTS:
                    have = self.parts.committed()
                    resume = f"; {have:,} bytes are kept: run the same command again to resume" if have else ""
                    raise DownloadError(f"{self.url}: {exc.reason} (after {attempt} attempts){resume}") from None
                if exc.wait_s is not None and exc.wait_s > MAX_RETRY_AFTER_S:
                    raise DownloadError(f"{self.url}: {exc.reason}; the server asks to wait {exc.wait_s:.0f} s") from None
                if not exc.progressed:
                    time.sleep(exc.wait_s if exc.wait_s is not None else self.config.download_backoff_s * 2 ** (failures - 1))

    def _attempt(self, client: httpx.Client) -> None:
        offset = self.parts.committed()
        headers = {"Accept-Encoding": "identity"}  # byte ranges must count the file's own bytes
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if self.parts.validator:
                headers["If-Range"] = self.parts.validator
        current = self.url
        for _hop in range(MAX_REDIRECTS + 1):
            target = route(current, self.hosts, self.config)
            try:
                with client.stream("GET", target.physical, headers=headers) as response:
                    if response.is_redirect and response.headers.get("location"):
                        current = urljoin(target.logical, response.headers["location"])
                        continue
                    following = self._receive(target.logical, response, offset)
            except AddressRefused as exc:  # checked again at connect time: a DNS answer may change
                raise DownloadRefused(f"{current}: refused: {exc}") from None
            except httpx.TimeoutException:
                raise _Retry(f"no data from {_host(current)} for {self.config.download_timeout_s:g} s") from None
            except httpx.TransportError as exc:
                raise _Retry(f"connection to {_host(current)} failed ({exc.__class__.__name__}: {exc})") from None
            if following is None:
                return
            current = following  # a confirm page pointed at the file
        raise DownloadError(f"{self.url}: more than {MAX_REDIRECTS} redirects")

    def _receive(self, url: str, response: httpx.Response, offset: int) -> str | None:
        status = response.status_code
        if status in _RETRY_STATUSES:
            raise _Retry(f"HTTP {status} from {_host(url)}", wait_s=parse_retry_after(response.headers.get("retry-after")))
        if status == 416:  # our range is past the end: what we have is not this file
            self.parts.clear()
            raise _Retry(f"HTTP 416 from {_host(url)} (the partial download did not fit; starting over)")
        if status not in (200, 206):
            raise DownloadError(f"{self.url}: HTTP {status} from {_host(url)} (the link may have moved; see the "
                                "authors' README)")
        stream = response.iter_bytes()  # pieces as they arrive: a cut loses nothing already received
        first = self._head(url, stream)
        if _is_html(response.headers.get("content-type"), first if status == 200 else b""):
            return self._html(url, response, first, stream)
        total = self._total(url, response, status, offset)
        keep = status == 206
        if not keep and offset:
            offset = 0  # the server sent the whole file (no range support, or the file changed)
        validator = (_validator(response) or self.parts.validator) if keep else _validator(response)
        self.parts.start(total, validator, keep)
        if offset == 0 and first:
            magic = _MAGIC[self.expect.kind]
            if not first.startswith(magic):
                self.parts.clear()
                raise DownloadError(f"{self.url}: the file from {_host(url)} does not start like a "
                                    f"{'zip archive' if self.expect.kind == 'zip' else 'PyTorch checkpoint'} "
                                    f"(it starts {first[:16]!r})")
        self._stream(url, first, stream, offset, total)
        return None

    def _head(self, url: str, stream) -> bytes:
        """The first bytes of the body (enough to tell a zip, a checkpoint or a web page apart)."""
        head = b""
        try:
            while len(head) < 16:
                block = next(stream, None)
                if block is None:
                    break
                head += block
        except httpx.TransportError as exc:
            raise _Retry(f"the connection to {_host(url)} was cut at the start ({exc.__class__.__name__})") from None
        return head

    def _html(self, url: str, response: httpx.Response, first: bytes, stream) -> str | None:
        body = bytearray(first)
        for block in stream:
            body += block
            if len(body) > _HTML_LIMIT:
                break
        following = self.html_handler(url, body.decode("utf-8", "replace")) if self.html_handler else None
        if following:
            return urljoin(url, following)
        raise DownloadError(f"{self.url}: {_host(url)} sent an HTML page instead of the file (the link may have "
                            "expired, need a sign-in, or be over its download quota); nothing was installed")

    def _total(self, url: str, response: httpx.Response, status: int, offset: int) -> int | None:
        length = response.headers.get("content-length")
        if status == 206:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
            if not match or int(match[1]) != offset:
                self.parts.clear()
                raise _Retry(f"{_host(url)} resumed at the wrong byte ({response.headers.get('content-range')!r}); "
                             "starting over")
            total = None if match[3] == "*" else int(match[3])
            if total is not None and self.parts.total is not None and total != self.parts.total:
                self.parts.clear()
                raise _Retry(f"the file at {_host(url)} changed size while resuming; starting over")
        else:
            total = int(length) if length and length.isdigit() else None
        if total is not None:
            if (self.expect.size is not None and total != self.expect.size) or total > self.config.max_weights_bytes:
                self.parts.clear()  # not the file we want: keep none of it
            if self.expect.size is not None and total != self.expect.size:
                raise DownloadError(f"{self.url}: the server offers {total:,} bytes, but the official "
                                    f"{self.dest.name} has {self.expect.size:,} bytes; nothing was installed")
            if total > self.config.max_weights_bytes:
                raise DownloadError(f"{self.url}: {total:,} bytes is over the {self.config.max_weights_mb:g} MB "
                                    "limit (AISCI_MAX_WEIGHTS_MB)")
        return total

    def _stream(self, url: str, first: bytes, stream, offset: int, total: int | None) -> None:
        pending = [first] if first else []
        limit = total if total is not None else self.cap
        done = offset
        while True:
            start, cut, finished = done, None, False
            with atomic_file(self.parts.segment_path(start), suffix=".part") as (out, _tmp):
                try:
                    while done - start < SEGMENT_BYTES:
                        block = pending.pop() if pending else next(stream, None)
                        if block is None:
                            finished = True
                            break
                        if done + len(block) > limit:
                            self.parts.clear()
                            raise DownloadError(f"{self.url}: more bytes than announced or over the "
                                                f"{self.cap:,}-byte limit; nothing was installed")
                        out.write(block)
                        done += len(block)
                        self.progress(self.label, done, total or 0, "B")
                except (httpx.TransportError, KeyboardInterrupt) as exc:
                    cut = exc  # keep what arrived: the segment is committed, the next attempt resumes
            if done == start:
                self.parts.segment_path(start).unlink(missing_ok=True)
            if isinstance(cut, KeyboardInterrupt):
                raise cut
            if cut is not None:
                raise _Retry(f"the connection to {_host(url)} was cut after {done:,} bytes "
                             f"({cut.__class__.__name__})", progressed=done > offset)
            if finished:
                if total is not None and done != total:
                    raise _Retry(f"the body from {_host(url)} ended at {done:,} of {total:,} bytes",
                                 progressed=done > offset)
                if total is None:
                    self.parts.start(done, self.parts.validator, keep=True)
                return


def download(url: str, dest: Path, *, hosts: tuple[str, ...], config: SRConfig, expect: Expect,
             progress: Progress | None = None, label: str | None = None, html_handler: HtmlHandler | None = None,
             verify: Callable[[Path], None] | None = None) -> str:
    """Fetch `url` into `dest` (see the module docstring); returns the file's SHA-256.

    `verify(temp path)` runs on the finished bytes before `dest` appears and raises to refuse them;
    refused bytes are discarded (a later run downloads afresh). Raises DownloadError (HTTP errors,
    cuts that recur without progress, size, HTML instead of the file) or DownloadRefused (hosts)."""
    progress = progress or no_progress
    dest = Path(dest)
    downloads = config.downloads_dir()
    downloads.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(downloads / f".{dest.name}.lock"), timeout=5)
    try:
        lock.acquire()
    except Timeout:
        raise DownloadError(f"another aisci process is downloading {dest.name} (lock {lock.lock_file})") from None
    try:
        transfer = _Transfer(url, dest, hosts, config, expect, progress, label or f"download {dest.name}", html_handler)
        timeout = httpx.Timeout(config.download_timeout_s)
        headers = {"User-Agent": "aisci/0.1 (official SR weights installer)"}
        transport = guarded_transport(config.allow_loopback)
        with httpx.Client(transport=transport, timeout=timeout, headers=headers, follow_redirects=False) as client:
            transfer.run(client)
        try:
            return transfer.parts.assemble(dest, verify, progress, f"verify {dest.name}")
        except AisciError:
            transfer.parts.clear()  # the finished bytes were refused: never resume them
            raise
    finally:
        lock.release()
