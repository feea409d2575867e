"""Where the fetcher may go: allowed hosts, no private addresses, and a quick reachability probe.

A prompt names its own sources; the fetcher follows links and redirects only to those hosts, the
arXiv and GitHub mirrors, and the configured base URLs. Loopback and private addresses are refused
(a redirect to 127.0.0.1 is a classic way to reach internal services) unless the configuration
allows them, which only tests and the benchmark do.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit

from index.config import IndexConfig

# Mirrors the product itself resolves to: arXiv's export host, GitHub's raw and archive hosts.
MIRROR_HOSTS = frozenset(
    {
        "arxiv.org",
        "www.arxiv.org",
        "export.arxiv.org",
        "github.com",
        "www.github.com",
        "raw.githubusercontent.com",
        "codeload.github.com",
    }
)

PROBE_TTL_S = 300.0  # a long-lived process (chat) notices the network coming back
_probe_cache: dict[tuple[str, int], tuple[float, tuple[bool, str]]] = {}
_probe_lock = threading.Lock()


def host_port(url: str) -> tuple[str, int]:
    """(lower-case host, port) of an http(s) URL, the port defaulted from the scheme."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return host, port


def allowed_hosts(source_urls: list[str], config: IndexConfig) -> frozenset[str]:
    """The hosts a fetch for these sources may touch, redirects included."""
    hosts = set(MIRROR_HOSTS)
    for url in [*source_urls, config.arxiv_base_url, config.github_raw_base_url]:
        host = (urlsplit(url).hostname or "").lower()
        if host:
            hosts.add(host)
    return frozenset(hosts)


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def check_url(url: str, hosts: frozenset[str], config: IndexConfig) -> str | None:
    """Why `url` may not be fetched, or None when it may. Resolves the host (online only) to refuse
    names that point at loopback or private addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme or '(none)'} not allowed"
    host = (parts.hostname or "").lower()
    if host not in hosts:
        return f"host {host or '(none)'} is not one of the prompt's sources or their mirrors"
    if config.allow_loopback:
        return None
    try:
        return f"address {host} is private or loopback" if _is_private(host) else None
    except ValueError:
        pass  # a name, not an IP literal: resolve it below
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError:
        return None  # let the request itself report the DNS failure
    for info in infos:
        if _is_private(str(info[4][0])):
            return f"host {host} resolves to a private or loopback address ({info[4][0]})"
    return None


def probe(url: str, timeout_s: float) -> tuple[bool, str]:
    """Can a TCP connection to the host of `url` be opened within `timeout_s`? Cached per process
    for `PROBE_TTL_S`, so a build against an unreachable network costs one short probe, not one
    timeout per source."""
    key = host_port(url)
    with _probe_lock:
        known = _probe_cache.get(key)
        if known is not None and time.monotonic() - known[0] < PROBE_TTL_S:
            return known[1]
    host, port = key
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            result = (True, f"{host}:{port} reachable")
    except OSError as exc:
        result = (False, f"network unreachable ({host}:{port}: {getattr(exc, 'strerror', None) or exc})")
    with _probe_lock:
        _probe_cache[key] = (time.monotonic(), result)
    return result


def clear_probe_cache() -> None:
    """Forget probe results (tests that start and stop servers)."""
    with _probe_lock:
        _probe_cache.clear()
