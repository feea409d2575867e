"""HTTP fetching with httpx: retries, backoff, Retry-After, politeness, size cap, PDF check,
redirects only to allowed hosts, an overall deadline per source, and the cache in front of it all.

Every connection goes through the address policy of `index.netpolicy` before a socket is opened
(the probe, each hop, and the HTTP client's own connects). Compressed bodies (gzip, deflate) are
decoded by httpx; the body's completeness is judged on the bytes received, its size cap on the
bytes decoded (so a compression bomb is refused too). A PDF must start with `%PDF-` and end with
its `%%EOF` marker: a body cut short with status 200 is retried, never cached.

Statuses a caller sees: a `FetchResult` (fetched or cached), an `OfflineError` (offline, or the
host is unreachable) or a `FetchError` whose `reason` is short enough for a table. A failed
download leaves nothing in the blob folder: bytes stream into a temporary file that is either
renamed into place whole or deleted.
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

from index.cache import CacheRecord, SourceCache
from index.config import IndexConfig
from index.errors import FetchError, OfflineError
from index.netpolicy import AddressRefused, check_url, guarded_transport, host_port, probe

MAX_REDIRECTS = 5
_RETRY_STATUSES = {429, 500, 502, 503, 504}
_PERMANENT = {"HTTP 404", "HTTP 410"}  # failures remembered for `failure_ttl_s`
PDF_TAIL_BYTES = 2048  # where a complete PDF's %%EOF marker must be
_last_request: dict[tuple[str, int], float] = {}
_polite_lock = threading.Lock()


@dataclass
class FetchResult:
    """A body available on disk: `path` is the cached blob."""

    url: str
    record: CacheRecord
    path: Path
    from_cache: bool


class _Retry(Exception):
    def __init__(self, reason: str, wait_s: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.wait_s = wait_s


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _polite_wait(url: str, delay_s: float) -> None:
    """Sleep so that two requests to one host are at least `delay_s` apart (per process)."""
    key = host_port(url)
    with _polite_lock:
        now = time.monotonic()
        start = max(now, _last_request.get(key, -1e9) + delay_s)
        _last_request[key] = start
    if start > now:
        time.sleep(start - now)


class Fetcher:
    """Fetches URLs for one index build; the cache is consulted first, the network only online."""

    def __init__(self, config: IndexConfig, cache: SourceCache, hosts: frozenset[str]):
        self.config = config
        self.cache = cache
        self.hosts = hosts
        self.requests = 0  # network requests made (the benchmark and tests read it)
        self._client: httpx.Client | None = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            timeout = httpx.Timeout(self.config.timeout_s)
            headers = {"User-Agent": self.config.user_agent}
            self._client = httpx.Client(timeout=timeout, headers=headers, follow_redirects=False,
                                        transport=guarded_transport(self.config.allow_loopback))
        return self._client

    def fetch(self, url: str, *, expect_pdf: bool = False) -> FetchResult:
        """The body of `url` from the cache, else from the network (raises OfflineError/FetchError)."""
        hit = self.cache.lookup(url)
        if hit is not None:
            return FetchResult(url, hit[0], hit[1], from_cache=True)
        failed = self.cache.known_failure(url, self.config.failure_ttl_s)
        if failed is not None:  # a 404 stays a 404: do not ask again on every rebuild
            raise FetchError(url, failed.error or "failed")
        if self.config.offline:
            raise OfflineError(url, "offline and not in the cache")
        refused = check_url(url, self.hosts, self.config)  # the policy before any socket, probe included
        if refused:
            raise FetchError(url, f"refused: {refused}")
        ok, why = probe(url, self.config.probe_timeout_s, self.config.allow_loopback)
        if not ok:
            raise OfflineError(url, why)
        with self.cache.lock(url):
            hit = self.cache.lookup(url)  # another process may have fetched it meanwhile
            if hit is not None:
                return FetchResult(url, hit[0], hit[1], from_cache=True)
            try:
                record = self._download_with_retries(url, expect_pdf, time.monotonic() + self.config.deadline_s)
            except FetchError as exc:
                self.cache.record_failure(url, exc.reason, permanent=exc.reason in _PERMANENT)
                raise
        return FetchResult(url, record, self.cache.blob_path(record.sha256 or ""), from_cache=False)

    def _past_deadline(self, url: str, why: str = "") -> FetchError:
        reason = (f"no complete download within {self.config.deadline_s:g} s, the limit for one source "
                  "(AISCI_FETCH_DEADLINE_S)")
        return FetchError(url, f"{why}; {reason}" if why else reason, retryable=True)

    def _download_with_retries(self, url: str, expect_pdf: bool, deadline: float) -> CacheRecord:
        attempts = self.config.retries + 1
        for attempt in range(attempts):
            try:
                return self._download(url, expect_pdf, deadline)
            except _Retry as exc:
                if attempt == attempts - 1:
                    raise FetchError(url, f"{exc.reason} (after {attempts} attempts)", retryable=True) from None
                if exc.wait_s is not None and exc.wait_s > self.config.max_retry_after_s:
                    raise FetchError(
                        url,
                        f"{exc.reason}; Retry-After {exc.wait_s:.0f}s exceeds the "
                        f"{self.config.max_retry_after_s:.0f}s limit",
                        retryable=True,
                    ) from None
                wait = exc.wait_s if exc.wait_s is not None else self.config.backoff_s * (2**attempt)
                if time.monotonic() + wait >= deadline:
                    raise self._past_deadline(url, exc.reason) from None
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _download(self, url: str, expect_pdf: bool, deadline: float) -> CacheRecord:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            where = "" if current == url else f" (redirected to {current})"
            refused = check_url(current, self.hosts, self.config)
            if refused:
                raise FetchError(url, f"refused{where}: {refused}")
            _polite_wait(current, self.config.host_delay_s)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._past_deadline(url)
            self.requests += 1
            try:
                # No single wait may outlast the deadline (a slow server is cut off, not waited for).
                timeout = httpx.Timeout(min(self.config.timeout_s, remaining))
                with self._http().stream("GET", current, timeout=timeout) as response:
                    if response.is_redirect and response.headers.get("location"):
                        current = urljoin(current, response.headers["location"])
                        continue
                    return self._receive(url, current, response, expect_pdf, deadline)
            except AddressRefused as exc:  # the connect-time check: no socket was opened
                raise FetchError(url, f"refused{where}: {exc}") from None
            except httpx.TimeoutException:
                raise _Retry(f"timed out after {self.config.timeout_s:g}s") from None
            except httpx.TransportError as exc:
                raise _Retry(f"connection failed: {exc.__class__.__name__}: {exc}") from None
            except httpx.HTTPError as exc:
                raise _Retry(f"bad response: {exc.__class__.__name__}: {exc}") from None
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _receive(self, url: str, final_url: str, response: httpx.Response, expect_pdf: bool,
                 deadline: float) -> CacheRecord:
        status = response.status_code
        if status in _RETRY_STATUSES:
            raise _Retry(f"HTTP {status}", parse_retry_after(response.headers.get("retry-after")))
        if status != 200:
            raise FetchError(url, f"HTTP {status}")
        cap = self.config.max_download_bytes
        too_big = f"larger than the {self.config.max_download_mb:g} MB limit"
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(url, f"{too_big} ({int(declared)} bytes declared)")
        content_type = response.headers.get("content-type")
        tmp = self.cache.new_temp()
        try:
            digest, size, head, tail = hashlib.sha256(), 0, b"", b""
            with tmp.open("wb") as out:
                # Decoded (gzip/deflate undone), as it arrives: a fixed chunk size would wait for a
                # dripping server to fill it, and the deadline would never be checked.
                for block in response.iter_bytes():
                    size += len(block)
                    if size > cap:
                        raise FetchError(url, too_big)
                    if time.monotonic() > deadline:
                        raise self._past_deadline(url, f"{size} bytes received so far")
                    if len(head) < 1024:
                        head += block[: 1024 - len(head)]
                    tail = (tail + block)[-PDF_TAIL_BYTES:]
                    digest.update(block)
                    out.write(block)
            # Content-Length counts the bytes on the wire: the compressed ones when the body is encoded.
            received = response.num_bytes_downloaded
            if declared and declared.isdigit() and received != int(declared):
                raise _Retry(f"truncated body ({received} of {declared} bytes)")
            if expect_pdf and not head.lstrip().startswith(b"%PDF-"):
                kind = (content_type or "unknown type").split(";")[0]
                raise FetchError(url, f"not a PDF (got {kind}, starting {head[:15]!r})")
            if expect_pdf and b"%%EOF" not in tail:
                raise _Retry("truncated PDF (no %%EOF marker at its end)")
            return self.cache.commit(url, tmp, digest.hexdigest(), size, content_type, final_url)
        finally:
            tmp.unlink(missing_ok=True)
