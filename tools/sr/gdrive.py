"""Google Drive file links for `aisci weights install MODEL --url URL`.

A shared Drive *file* link (`/file/d/ID/view`, `open?id=ID`, `uc?id=ID`, `download?id=ID`) is
turned into Drive's download endpoint. For a large file Drive answers with a page "can't scan this
file for viruses" whose form (`id="download-form"`, hidden inputs `id`, `export`, `confirm`,
`uuid`) leads to the file; `confirm_step` reads that form (or, on older pages, the
`uc?export=download&confirm=…` link) so the download can follow it. Folder links have no per-file
download URL: they are refused with the steps to take instead. Only the two Drive hosts are used.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from tools.sr.errors import DownloadRefused
from tools.sr.hosts import GOOGLE_DRIVE_HOSTS, host_matches

_ID = re.compile(r"[A-Za-z0-9_-]{10,}")
_FILE_PATH = re.compile(r"^/file/d/([A-Za-z0-9_-]{10,})(?:/|$)")
_OLD_CONFIRM = re.compile(r"""href=["']([^"']*export=download[^"']*confirm=[^"']*)["']""")


def drive_file_id(url: str) -> str:
    """The file id of a Google Drive file link, or DownloadRefused saying what was expected."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    expected = "a Google Drive file link such as https://drive.google.com/file/d/FILE_ID/view"
    if parts.scheme != "https" or not host_matches(host, GOOGLE_DRIVE_HOSTS):
        raise DownloadRefused(f"--url {url}: expected {expected} (hosts {', '.join(GOOGLE_DRIVE_HOSTS)}); "
                              "for a file you downloaded yourself use --from FILE")
    if "/folders/" in parts.path:
        raise DownloadRefused(f"--url {url}: this is a Drive folder, which has no download link; open it, "
                              "choose the file, Share > Copy link, and pass that file link (or download it and "
                              "use --from FILE)")
    match = _FILE_PATH.match(parts.path)
    if match:
        return match[1]
    ids = parse_qs(parts.query).get("id", [])
    if ids and _ID.fullmatch(ids[0]):
        return ids[0]
    raise DownloadRefused(f"--url {url}: no file id in it; expected {expected}")


def start_url(file_id: str) -> str:
    """Drive's download endpoint for a file (it redirects to drive.usercontent.google.com)."""
    return f"https://drive.google.com/uc?{urlencode({'export': 'download', 'id': file_id})}"


class _FormReader(HTMLParser):
    """The action and hidden inputs of the page's `download-form`."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: list[tuple[str, str]] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and values.get("id") == "download-form":
            self.action, self._inside = values.get("action"), True
        elif tag == "input" and self._inside and values.get("name") and values.get("type", "hidden") == "hidden":
            self.fields.append((values["name"], values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def confirm_step(page_url: str, page: str) -> str | None:
    """The URL a Drive "large file" confirm page leads to, or None when the page is not one (a
    sign-in page, a quota page): the download then reports the HTML page."""
    reader = _FormReader()
    reader.feed(page)
    if reader.action and reader.fields:
        target = urljoin(page_url, unescape(reader.action))
        return f"{target}{'&' if '?' in target else '?'}{urlencode(reader.fields)}"
    match = _OLD_CONFIRM.search(page)
    if match:
        return urljoin(page_url, unescape(match[1]))
    return None
