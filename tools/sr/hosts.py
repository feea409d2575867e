"""Where a weights download may go: the hosts of the authors' links, over https, never a private address.

Each kind of link names its hosts (Dropbox for RCAN and LIIF, Google Drive for `--url`); a link or a
redirect to any other host, to plain http, to another port or with credentials in it is refused.
A host that resolves to a loopback or private address is refused the way the index fetcher
refuses it (`index.netpolicy.check_url`).

Tests only: with `allow_loopback` *and* `weights_loopback_url` (AISCI_ALLOW_LOOPBACK=1 and
AISCI_WEIGHTS_LOOPBACK_URL), a request for https://HOST/PATH?Q goes to <loopback url>/HOST/PATH?Q.
The rules above are still applied to the logical URL first, so a test server can only stand in for
hosts a real download may use; without AISCI_ALLOW_LOOPBACK the setting is refused, not ignored.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from index.config import IndexConfig
from index.netpolicy import check_url
from tools.sr.config import SRConfig
from tools.sr.errors import DownloadRefused

DROPBOX_HOSTS = ("www.dropbox.com", "dropbox.com", "*.dropboxusercontent.com")
GOOGLE_DRIVE_HOSTS = ("drive.google.com", "drive.usercontent.google.com")


def host_matches(host: str, patterns: tuple[str, ...]) -> bool:
    """`host` equals a pattern, or is a subdomain of a `*.suffix` pattern."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


@dataclass(frozen=True)
class Route:
    """A URL as the authors' hosts know it (`logical`) and where the request really goes (`physical`:
    the same, except when a test loopback server stands in)."""

    logical: str
    physical: str


def _loopback_base(config: SRConfig) -> str | None:
    base = config.weights_loopback_url
    if not base:
        return None
    if not config.allow_loopback:
        raise DownloadRefused(
            "AISCI_WEIGHTS_LOOPBACK_URL is a test setting and is honoured only with AISCI_ALLOW_LOOPBACK=1; unset it"
        )
    parts = urlsplit(base)
    host = (parts.hostname or "").lower()
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme not in ("http", "https") or not loopback:
        raise DownloadRefused(f"AISCI_WEIGHTS_LOOPBACK_URL must be an http URL on 127.0.0.1, ::1 or localhost, not {base!r}")
    return base.rstrip("/")


def route(url: str, patterns: tuple[str, ...], config: SRConfig) -> Route:
    """Where to send a request for `url`, or DownloadRefused saying why it may not be fetched."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    allowed = ", ".join(patterns)
    if parts.scheme != "https":
        raise DownloadRefused(f"{url}: only https links are followed (scheme {parts.scheme or '(none)'})")
    if not host_matches(host, patterns):
        raise DownloadRefused(f"{url}: host {host or '(none)'} is not one of the link's hosts ({allowed})")
    if parts.username or parts.password:
        raise DownloadRefused(f"{url}: credentials in a download link are not accepted")
    try:
        port = parts.port
    except ValueError:
        raise DownloadRefused(f"{url}: not a valid port") from None
    if port not in (None, 443):
        raise DownloadRefused(f"{url}: port {port} is not the https port of {host}")
    physical = url.split("#", 1)[0]
    base = _loopback_base(config)
    if base is not None:
        physical = f"{base}/{host}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    physical_host = (urlsplit(physical).hostname or "").lower()
    try:  # the client must read the host as this check did (no parser differences, e.g. backslashes)
        same = httpx.URL(physical).host.lower() == physical_host
    except httpx.InvalidURL:
        same = False
    if not same:
        raise DownloadRefused(f"{url}: not a well-formed link")
    why = check_url(physical, frozenset({physical_host}), IndexConfig(allow_loopback=config.allow_loopback))
    if why:
        raise DownloadRefused(f"{url}: refused: {why}")
    return Route(url.split("#", 1)[0], physical)
