"""Where the fetcher may go: allowed hosts, no private addresses, and a quick reachability probe.

A prompt names its own sources; the fetcher follows links and redirects only to those hosts, the
arXiv and GitHub mirrors, and the configured base URLs. Loopback and private addresses are refused
(a redirect to 127.0.0.1 is a classic way to reach internal services) unless the configuration
allows them, which only tests and the benchmark do. The policy is applied before any socket is
opened, to every connection: the reachability probe, each request and redirect (`check_url`), and
at connect time inside the HTTP client (`guarded_transport`). Hosts are read as browsers read them,
so `2130706433`, `0x7f000001`, `127.1`, octal forms, `[::1]`, `::ffff:127.0.0.1`, `0.0.0.0` and
`localhost` are all loopback, and a refusal reads the same whether a port is open or closed.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit

import httpcore
import httpx

from index.config import IndexConfig
from prompts.links import ipv4_host

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
_probe_cache: dict[tuple[str, int, bool], tuple[float, tuple[bool, str]]] = {}
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


class AddressRefused(Exception):
    """A connection the address policy refuses; raised before any socket is opened."""


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        # An IPv6 address that carries an IPv4 one (::ffff:127.0.0.1, 6to4, Teredo) is judged by it.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and _is_private(str(embedded)):
            return True
    return not ip.is_global or ip.is_multicast


def literal_address(host: str) -> str | None:
    """The IP address a host names by itself, read as a browser does (`[::1]`, `::ffff:127.0.0.1`,
    `2130706433`, `0x7f000001`, `127.1`, `0177.0.0.1`), or None for a DNS name. Raises ValueError
    for a host that ends in a number but is no valid address."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(bare.split("%", 1)[0]))
    except ValueError:
        pass
    return ipv4_host(bare.lower())


def resolve_allowed(host: str, port: int, allow_loopback: bool) -> list[str]:
    """The addresses a connection to `host` may use. Refuses (AddressRefused) a host that is, or
    resolves to, a private, loopback, link-local or unspecified address, unless `allow_loopback`;
    the refusal happens before any socket is opened and reads the same whether anything listens
    there or not. A DNS failure is an OSError."""
    try:
        literal = literal_address(host)
    except ValueError:
        raise AddressRefused(f"host {host!r} is not a valid address") from None
    if literal is not None:
        addresses = [literal]
    else:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_loopback:
        for address in addresses:
            if _is_private(address):
                if literal is not None:
                    raise AddressRefused(f"address {host} is private or loopback ({address})")
                raise AddressRefused(f"host {host} resolves to a private or loopback address ({address})")
    return addresses


def check_url(url: str, hosts: frozenset[str], config: IndexConfig) -> str | None:
    """Why `url` may not be fetched, or None when it may: only http(s), only the allowed hosts, and
    (online only) no host that is or resolves to a private or loopback address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme or '(none)'} not allowed"
    host = (parts.hostname or "").lower()
    if host not in hosts:
        return f"host {host or '(none)'} is not one of the prompt's sources or their mirrors"
    if config.allow_loopback:
        return None
    try:
        resolve_allowed(host, parts.port or 443, allow_loopback=False)
    except AddressRefused as exc:
        return str(exc)
    except OSError:
        return None  # let the request itself report the DNS failure
    return None


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend behind the address policy: every TCP connection (redirects, retries,
    keep-alive reconnects) is checked at connect time and made to the checked address, so a DNS
    answer that changes between the check and the connection cannot reach a private address."""

    def __init__(self, allow_loopback: bool):
        self.allow_loopback = allow_loopback
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = resolve_allowed(host, port, self.allow_loopback)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        failure: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise AddressRefused("Unix sockets are never used for fetching")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def guarded_transport(allow_loopback: bool) -> httpx.HTTPTransport:
    """An httpx transport whose every connection goes through the address policy (see
    `_GuardedBackend`). A refused connection raises AddressRefused out of the request."""
    transport = httpx.HTTPTransport()
    pool = transport._pool
    if not hasattr(pool, "_network_backend"):  # httpcore changed: fail loudly rather than unguarded
        raise RuntimeError("httpcore's connection pool has no _network_backend; update guarded_transport")
    pool._network_backend = _GuardedBackend(allow_loopback)
    return transport


def probe(url: str, timeout_s: float, allow_loopback: bool = False) -> tuple[bool, str]:
    """Can a TCP connection to the host of `url` be opened within `timeout_s`? The address policy
    comes first: a private or loopback host is refused without any socket. Cached per process for
    `PROBE_TTL_S`, so a build against an unreachable network costs one short probe, not one
    timeout per source."""
    key = host_port(url)
    with _probe_lock:
        known = _probe_cache.get((*key, allow_loopback))
        if known is not None and time.monotonic() - known[0] < PROBE_TTL_S:
            return known[1]
    host, port = key
    try:
        address = resolve_allowed(host, port, allow_loopback)[0]
        with socket.create_connection((address, port), timeout=timeout_s):
            result = (True, f"{host}:{port} reachable")
    except AddressRefused as exc:
        result = (False, f"refused: {exc}")
    except OSError as exc:
        result = (False, f"network unreachable ({host}:{port}: {getattr(exc, 'strerror', None) or exc})")
    with _probe_lock:
        _probe_cache[(*key, allow_loopback)] = (time.monotonic(), result)
    return result


def clear_probe_cache() -> None:
    """Forget probe results (tests that start and stop servers)."""
    with _probe_lock:
        _probe_cache.clear()
