"""The one URL module: validation, normalisation, arXiv id recognition, and finding/stripping links in text.

Every link an answer may carry comes from the prompt; `normalize_url` is the single definition of
"the same link" used by the prompt reader, the guard and the evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from prompts.instructions import LINK_REMOVED

# New-style ids (0704.0001 onwards: YYMM.NNNN or YYMM.NNNNN) and old-style ones (hep-th/9901001).
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ARXIV_PATH = re.compile(
    rf"^/(?:abs|pdf|html|format)/(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<version>\d+))?(?:\.pdf)?/?$"
)
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}


def is_http_url(value: str) -> bool:
    """True when `value` is one absolute http(s) URL with a host and no whitespace."""
    if not value or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return False
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    return bool(host)


def normalize_url(url: str) -> str:
    """Canonical form used to compare links: https, lower-case host, no default port, no fragment,
    no trailing slash. http and https count as the same link."""
    url = url.strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www.") and host[4:] in ("arxiv.org", "github.com"):
        host = host[4:]
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    return urlunsplit(("https", netloc, path, parts.query, ""))


def parse_arxiv(url: str) -> tuple[str, int | None] | None:
    """Return (id, version or None) for an arXiv abs/pdf link in any common form, else None.

    Accepts http/https, www./export. hosts, `/abs/ID`, `/pdf/ID`, `/pdf/IDvN`, `/pdf/IDvN.pdf`.
    """
    if not is_http_url(url.strip()):
        return None
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower() not in _ARXIV_HOSTS:
        return None
    match = _ARXIV_PATH.match(parts.path)
    if not match:
        return None
    version = match.group("version")
    return match.group("id"), int(version) if version else None


def arxiv_id(url: str) -> str | None:
    """The arXiv id (without version) of an arXiv link in any common form, or None."""
    parsed = parse_arxiv(url)
    return parsed[0] if parsed else None


def github_repo(url: str) -> tuple[str, str] | None:
    """(owner, repo) of a github.com repository link, or None."""
    if not is_http_url(url.strip()):
        return None
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower() not in ("github.com", "www.github.com"):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        return None
    owner, repo = segments[0], segments[1]
    if repo.endswith(".git"):
        repo = repo[:-4]
    return owner, repo


# --- links inside text (answers, quotes, warnings) -------------------------------------------------
# http(s) URLs and bare www. hosts; trailing punctuation is not part of the link.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`\]\)]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_"


def find_links(text: str) -> list[str]:
    """Every link in `text`, in order."""
    return [m.group(0).rstrip(_TRAILING) for m in _URL.finditer(text)]


def strip_links(text: str, allowed: Callable[[str], bool], removed: list[str]) -> str:
    """Replace every link that `allowed` rejects by LINK_REMOVED; append the removed links to `removed`."""

    def replace(match: re.Match[str]) -> str:
        raw = match.group(0)
        link = raw.rstrip(_TRAILING)
        tail = raw[len(link):]
        if link.lower().startswith("www."):
            link_to_check = "https://" + link
        else:
            link_to_check = link
        if allowed(link_to_check):
            return raw
        removed.append(link)
        return LINK_REMOVED + tail

    return _URL.sub(replace, text)
