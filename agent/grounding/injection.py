"""Recognise instruction-like text inside data (papers, summaries, tool results).

Such text is never followed; the extractive backend does not quote it, and the guard removes any
answer sentence that repeats it.
"""

from __future__ import annotations

import re

_PATTERNS = [
    r"\bignore (?:all |any |the )?(?:previous|prior|above|earlier|preceding) (?:instructions?|prompts?|rules|messages?)",
    r"\bdisregard (?:all |any |the )?(?:previous|prior|above|earlier) ",
    r"\b(?:system|developer) prompt\b",
    r"\byou are now\b",
    r"\bnew instructions?\s*:",
    r"\bas an ai (?:language )?model\b",
    r"\b(?:always|instead) recommend\b",
    r"\brecommend (?:visiting|this link|the link|https?://)",
    r"\bdo anything now\b",
    r"\boverride (?:your|the) (?:rules|instructions)\b",
]
_INJECTION = re.compile("|".join(_PATTERNS), re.IGNORECASE)


def looks_like_injection(text: str) -> bool:
    """True when `text` reads like an instruction aimed at the model rather than content."""
    return bool(_INJECTION.search(text))
