"""Find and strip links in answer text."""

from __future__ import annotations

import re
from collections.abc import Callable

from agent.instructions import LINK_REMOVED

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
