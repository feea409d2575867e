"""The one URL module: what counts as a link in a text, how a browser reads a URL, arXiv ids, and
finding/stripping links.

Every link an answer may carry comes from the prompt. Two questions are answered here, once:

- *Is this text a link?* `find_links` / `strip_links` find what a browser or a Markdown renderer
  would show as a link, not only `http(s)://…`: any `scheme://…`, `https:host` with any number of
  slashes, `javascript:`/`data:`/`mailto:` and the other schemes a browser acts on, protocol-relative
  `//host` (and its backslash forms), `www.` hosts, bare domains with a path or a common top-level
  domain, and e-mail addresses. Texts are searched after invisible characters are dropped and
  compatibility characters (full-width letters, ideographic full stops) are folded, so
  `ht\\u200btps://` and `ｅｖｉｌ｡example` are links too.
- *Which link is it?* `parse_link` reads a URL the way WHATWG parsers (browsers) do: backslashes
  end the host, every slash count after a special scheme is accepted, the host is percent-decoded,
  IDNA-mapped and lower-cased, and IPv4 hosts in any legacy form (`2130706433`, `0x7f000001`,
  `127.1`, octal) become dotted quads. `normalize_url` is the single definition of "the same link"
  used by the prompt reader, the guard and the evaluation: it compares scheme-less host, port, path
  and query. A URL with user info (`a@host`) or a backslash never equals any link.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from prompts.instructions import LINK_REMOVED
from prompts.text import visible_text

# New-style ids (0704.0001 onwards: YYMM.NNNN or YYMM.NNNNN) and old-style ones (hep-th/9901001).
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ARXIV_PATH = re.compile(
    rf"^/(?:abs|pdf|html|format)/(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<version>\d+))?(?:\.pdf)?/?$"
)
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
# WHATWG "special" schemes: their URLs always have a host, and a backslash counts as a slash.
SPECIAL_SCHEMES = frozenset({"http", "https", "ftp", "ws", "wss", "file"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}
# Characters a host may never contain (WHATWG forbidden host code points, plus space).
_FORBIDDEN_HOST = set(" \t\n\r#%/:<>?@[\\]^|\x00")
_DOTS = {"\u3002": ".", "\uff0e": ".", "\uff61": "."}  # what IDNA splits labels on


# --- reading one URL as a browser does ---------------------------------------------------------------
@dataclass(frozen=True)
class LinkParts:
    """A URL as a browser reads it. `host` is None for schemes without a host (javascript:, mailto:)."""

    scheme: str
    host: str | None
    port: int | None
    path: str
    query: str
    userinfo: bool  # user:password@ before the host: a classic way to disguise the real host
    backslash: bool  # browsers and Python disagree about backslashes: never trusted

    @property
    def is_web(self) -> bool:
        """An http(s) URL with a host, no user info and no backslash: the only kind of link allowed."""
        return self.scheme in ("http", "https") and bool(self.host) and not self.userinfo and not self.backslash


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _DOTS:
        return "."
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 and folded.isascii() else ch


def fold(text: str) -> str:
    """`text` with each compatibility character that stands for one ASCII character (full-width
    letters and punctuation, ideographic full stops) replaced by it; same length as `text`."""
    if text.isascii():
        return text
    return "".join(ch if ch.isascii() else _fold_char(ch) for ch in text)


def _ipv4_number(part: str) -> int | None:
    if not part:
        return None
    base, digits = 10, part
    if part[:2].lower() == "0x":
        base, digits = 16, part[2:]
        if not digits:
            return 0
    elif len(part) > 1 and part[0] == "0":
        base, digits = 8, part[1:]
    try:
        return int(digits, base) if digits.isascii() and digits.isalnum() else None
    except ValueError:
        return None


def _ends_in_number(labels: list[str]) -> bool:
    last = labels[-1]
    if last.isascii() and last.isdigit():
        return True
    return last[:2].lower() == "0x" and all(c in "0123456789abcdefABCDEF" for c in last[2:])


def ipv4_host(host: str) -> str | None:
    """The dotted quad a browser makes of an IPv4 host in any legacy form (`2130706433`,
    `0x7f000001`, `127.1`, `0177.0.0.1`), or None when `host` is not an IPv4 address. Raises
    ValueError for a host that ends in a number but is not a valid address (browsers refuse it)."""
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if not labels or not _ends_in_number(labels):
        return None
    numbers = [_ipv4_number(label) for label in labels]
    if len(labels) > 4 or any(n is None for n in numbers):
        raise ValueError(f"invalid IPv4 host {host!r}")
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(f"invalid IPv4 host {host!r}")
    value = last + sum(n * 256 ** (3 - i) for i, n in enumerate(head))
    return str(ipaddress.IPv4Address(value))


def canonical_host(raw: str) -> str:
    """The host a browser connects to for `raw` (as written after `//`): percent-decoded, IDNA-mapped,
    lower-cased, trailing dot dropped, IPv4 forms as dotted quads, IPv6 compressed in brackets.
    Raises ValueError for a host a browser would refuse."""
    if raw.startswith("["):
        if not raw.endswith("]"):
            raise ValueError(f"invalid IPv6 host {raw!r}")
        return f"[{ipaddress.IPv6Address(raw[1:-1]).compressed}]"
    host = unquote(raw)
    if not host or any(ch in _FORBIDDEN_HOST for ch in host):
        raise ValueError(f"invalid host {raw!r}")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")  # nameprep: NFKC + case folding, as browsers map
        except UnicodeError:
            raise ValueError(f"invalid host {raw!r}") from None
    host = host.lower()
    if host.endswith(".") and len(host) > 1:
        host = host[:-1]
    if ".." in host or host.startswith("."):
        raise ValueError(f"invalid host {raw!r}")
    return ipv4_host(host) or host


def _unescape_unreserved(match: re.Match[str]) -> str:
    ch = chr(int(match.group(1), 16))
    return ch if ch.isascii() and (ch.isalnum() or ch in "-._~") else "%" + match.group(1).upper()


def _clean_path(path: str) -> str:
    """Dot segments resolved, percent-escapes of unreserved characters decoded, others upper-cased."""
    path = re.sub(r"%([0-9A-Fa-f]{2})", _unescape_unreserved, path)
    out: list[str] = []
    for segment in path.split("/")[1:]:
        if segment in ("..", ".%2E", "%2E.", "%2E%2E"):
            if out:
                out.pop()
        elif segment not in (".", "%2E"):
            out.append(segment)
    return "/" + "/".join(out) if out or path.startswith("/") else ""


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def parse_link(raw: str) -> LinkParts | None:
    """`raw` as a browser reads it (a link in a page whose own scheme is https, so `//host` and bare
    `www.host` or `host/path` are https). None when no browser would make a URL of it."""
    text = fold(visible_text(raw)).strip(" \x00").replace("\n", "").replace("\t", "")
    if not text:
        return None
    backslash = "\\" in text
    match = _SCHEME.match(text)
    if text[:2] in ("//", "\\\\", "/\\", "\\/"):
        scheme, rest = "https", text.lstrip("/\\")
    elif match and not re.match(r"^[A-Za-z0-9.\-]+:\d", text):  # host:port is not a scheme
        scheme = match.group(1).lower()
        if scheme not in SPECIAL_SCHEMES:
            return LinkParts(scheme, None, None, text[match.end():], "", False, backslash)
        rest = text[match.end():].lstrip("/\\")
    else:
        scheme, rest = "https", text
    end = len(rest)
    for i, ch in enumerate(rest):
        if ch in "/\\?#":
            end = i
            break
    authority, tail = rest[:end], rest[end:]
    userinfo = "@" in authority
    hostport = authority.rsplit("@", 1)[-1]
    if hostport.startswith("["):
        close = hostport.find("]")
        host_text, port_text = hostport[: close + 1], hostport[close + 1 :]
        if close < 0 or (port_text and not port_text.startswith(":")):
            return None
        port_text = port_text[1:]
    else:
        host_text, _, port_text = hostport.partition(":")
    try:
        host = canonical_host(host_text)
    except ValueError:
        return None
    port: int | None = None
    if port_text:
        if not port_text.isascii() or not port_text.isdigit() or int(port_text) > 65535:
            return None
        port = int(port_text)
    if port == _DEFAULT_PORTS.get(scheme):
        port = None
    tail = tail.replace("\\", "/")
    tail = tail.split("#", 1)[0]
    path, _, query = tail.partition("?")
    return LinkParts(scheme, host, port, _clean_path(path), query, userinfo, backslash)


def is_http_url(value: str) -> bool:
    """True when `value` is one absolute http(s) URL that every reader takes the same way: a host, no
    whitespace or invisible characters, no user info, no backslash, Python's and a browser's host the
    same, and found whole by `find_links` (so it survives in an answer exactly as written)."""
    if not value or not value.isprintable() or any(ch.isspace() for ch in value) or visible_text(value) != value:
        return False
    if not re.match(r"^https?://", value, re.IGNORECASE):
        return False
    parts = parse_link(value)
    if parts is None or not parts.is_web:
        return False
    try:
        split = urlsplit(value)
        split.port  # noqa: B018 - raises ValueError for a malformed port
        hostname = split.hostname or ""
        host = canonical_host(f"[{hostname}]" if ":" in hostname else hostname)
    except ValueError:
        return False
    return host == parts.host and find_links(value) == [value]


def normalize_url(url: str) -> str:
    """Canonical form used to compare links: `https://host[:port]/path[?query]` with the host as a
    browser reads it (lower case, IDNA, IPv4 as dotted quad; `www.` dropped for arXiv and GitHub),
    no default port, no fragment, no trailing slash; http and https count as the same link. A URL
    that is not a plain web link (another scheme, user info, a backslash, no valid host) becomes
    `invalid:<url>`, which equals nothing but itself."""
    parts = parse_link(url)
    if parts is None or not parts.is_web:
        return "invalid:" + url.strip()
    host = parts.host or ""
    if host.startswith("www.") and host[4:] in ("arxiv.org", "github.com"):
        host = host[4:]
    netloc = host if parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    return f"https://{netloc}{path}" + (f"?{parts.query}" if parts.query else "")


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


# --- links inside text (answers, quotes, titles, warnings) --------------------------------------------
# Schemes a browser acts on without `//` (script, data, mail, phone, chat, apps).
_ACTIVE_SCHEMES = (
    "javascript|vbscript|livescript|data|mailto|tel|sms|mms|callto|xmpp|file|blob|filesystem|view-source|about|"
    "intent|jar|irc|ircs|magnet|news|nntp|feed|webcal|skype|facetime|sip|sips|geo|market|itms|ms-[a-z\\-]+"
)
# Top-level domains that make a bare `name.tld` (without a path) a link for common linkifiers. File
# extensions that are also country codes (.py, .md, .sh, .pt, .rs) are left out on purpose.
# Short ones that end sentences glued together by PDF extraction ("al.In", "them.To") are left out too.
_BARE_TLDS = frozenset(
    "com org net edu gov mil info biz io ai app dev xyz online site top club link click uk ru cn de tk ml ga "
    "cf gq ly gg tv cc ws su lol icu cloud live tech store shop blog news".split()
)
_LABEL = r"[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff\-]{0,62})"
_TLD = r"[a-z\u00a1-\uffff]{2,63}"
_BODY = r"(?:\[[0-9a-f:.]+\])?[^\s<>\"'`\[\]\\]*"  # an IPv6 host may be bracketed; nothing else is
_LINK = re.compile(
    "|".join([
        # scheme://… (any scheme), and the special schemes with any number of (back)slashes
        rf"(?P<url>(?<![a-z0-9+.\-])(?:[a-z][a-z0-9+.\-]{{0,31}}:[/\\]{{2}}|(?:https?|ftps?|wss?):[/\\]*)(?=[^\s<>\"'`]){_BODY})",
        # javascript:, data:, mailto:, …
        rf"(?P<active>(?<![a-z0-9+.\-])(?:{_ACTIVE_SCHEMES}):(?=[^\s<>\"'`]){_BODY})",
        # //host and its backslash forms, any number of them (protocol-relative: the page's own scheme)
        rf"(?P<relative>(?<![\w:/\\.\-])[/\\]{{2,}}(?=[\w\[\u00a1-\uffff]){_BODY})",
        # www.host
        rf"(?P<www>(?<![\w.@/\\\-])www\d{{0,3}}\.(?=[\w\u00a1-\uffff]){_BODY})",
        # user@host.tld (Markdown renderers make mailto: links of these)
        rf"(?P<email>(?<![\w.+\-])[\w.+\-]+@(?:{_LABEL}\.)+{_TLD}\b)",
        # host.tld/path, host.tld:port, 1.2.3.4/path, host.tld with a common top-level domain
        rf"(?P<bare>(?<![\w.@/\\:%\-])(?:(?:{_LABEL}\.)+(?P<tld>{_TLD})|\d{{1,3}}(?:\.\d{{1,3}}){{3}})"
        rf"(?P<tail>[/:?#][^\s<>\"'`\[\]\\]*)?)",
    ]),
    re.IGNORECASE,
)
_TRAILING = ".,;:!?*_~'\""


def _trim(link: str) -> str:
    """Trailing punctuation and unbalanced closing brackets are not part of a link (as in GFM)."""
    for _ in range(8):  # bounded: a text of ").)." repeated must not cost quadratic time
        before = link
        link = link.rstrip(_TRAILING)
        closes = len(link) - len(link.rstrip(")"))
        unbalanced = link.count(")") - link.count("(")
        if closes and unbalanced > 0:
            link = link[: len(link) - min(closes, unbalanced)]
        if link == before:
            break
    return link


def _spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every link in `text` (already free of invisible characters)."""
    spans = []
    for match in _LINK.finditer(fold(text)):
        if match.group("bare") is not None:
            tail = match.group("tail") or ""
            tld = match.group("tld") or ""
            with_path = tail[:1] in ("/", "?", "#") or re.match(r"^:\d", tail) is not None
            # "them.To" is a sentence break, "evil.com" and "EVIL.COM" are links
            if not with_path and not ((tld.islower() or tld.isupper()) and tld.lower() in _BARE_TLDS):
                continue
        start = match.start()
        link = _trim(text[start : match.end()])
        if link:
            spans.append((start, start + len(link)))
    return spans


def find_links(text: str) -> list[str]:
    """Every link in `text`, in order, as written (invisible characters dropped)."""
    text = visible_text(text)
    return [text[a:b] for a, b in _spans(text)]


def _as_url(link: str) -> str:
    """The URL a bare `www.host` or `host/path` stands for (https)."""
    return link if _SCHEME.match(link) or link[:2] in ("//", "\\\\", "/\\", "\\/") else "https://" + link


def strip_links(text: str, allowed: Callable[[str], bool], removed: list[str]) -> str:
    """`text` without invisible characters, each link that `allowed` rejects replaced by
    LINK_REMOVED; the removed links are appended to `removed`. Repeated until no such link is
    left, so the pieces around a removed link cannot form a new one."""
    text = visible_text(text)
    for _ in range(5):
        out, last, changed = [], 0, False
        for start, end in _spans(text):
            link = text[start:end]
            if allowed(_as_url(link)):
                continue
            removed.append(link)
            out += [text[last:start], LINK_REMOVED]
            last, changed = end, True
        if not changed:
            return text
        text = "".join([*out, text[last:]])
    return text
