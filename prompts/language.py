"""The language of a text, told by its script: enough to answer a question in its own language.

A question in Korean gets a Korean answer; the check is by Unicode script (Hangul, kana, Han,
Cyrillic, Arabic, …), which needs no model and no download. Latin-script questions count as
English: the product's sources are English papers, and telling English from French by script
alone is not possible.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """A language as far as aisci needs it: a code, its English name, and the script it is written in."""

    code: str
    name: str
    script: str


ENGLISH = Language("en", "English", "LATIN")
_BY_SCRIPT = {
    "HANGUL": Language("ko", "Korean", "HANGUL"),
    "HIRAGANA": Language("ja", "Japanese", "KANA"),
    "KATAKANA": Language("ja", "Japanese", "KANA"),
    "CJK": Language("zh", "Chinese", "CJK"),
    "CYRILLIC": Language("ru", "Russian", "CYRILLIC"),
    "ARABIC": Language("ar", "Arabic", "ARABIC"),
    "HEBREW": Language("he", "Hebrew", "HEBREW"),
    "GREEK": Language("el", "Greek", "GREEK"),
    "DEVANAGARI": Language("hi", "Hindi", "DEVANAGARI"),
    "THAI": Language("th", "Thai", "THAI"),
    "LATIN": ENGLISH,
}
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def script_of(char: str) -> str | None:
    """The script of one letter (HANGUL, LATIN, CJK, …), or None for digits, marks and punctuation."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    if name.startswith("CJK") or name.startswith("IDEOGRAPHIC"):
        return "CJK"
    first = name.split(" ", 1)[0]
    return first if first in _BY_SCRIPT else "OTHER"


def script_counts(text: str) -> dict[str, int]:
    """Letters of `text` per script (links left out)."""
    counts: dict[str, int] = {}
    for char in _URL.sub(" ", text):
        script = script_of(char)
        if script:
            counts[script] = counts.get(script, 0) + 1
    return counts


def detect(text: str) -> Language:
    """The language of `text` by its dominant non-Latin script, else English.

    Japanese mixes kana with Han characters; any kana makes it Japanese. A question that is mostly
    Korean but names models in Latin letters (HAN, RCAN) is still Korean: the first non-Latin script
    with a real share (a fifth of the letters) wins.
    """
    counts = script_counts(text)
    letters = sum(counts.values())
    if not letters:
        return ENGLISH
    if counts.get("HIRAGANA", 0) + counts.get("KATAKANA", 0) > 0:
        return _BY_SCRIPT["HIRAGANA"]
    foreign = sorted(((n, s) for s, n in counts.items() if s in _BY_SCRIPT and s != "LATIN"), reverse=True)
    if foreign and foreign[0][0] >= 0.2 * letters:
        return _BY_SCRIPT[foreign[0][1]]
    return ENGLISH


def share_in(text: str, language: Language, ignore: tuple[str, ...] = ()) -> float:
    """Share of `text`'s letters in `language`'s script (1.0 for a text without letters). Words in
    `ignore` (model names, acronyms, titles given in the prompt) are not counted: they stay as given."""
    for word in sorted(ignore, key=len, reverse=True):
        if word:
            text = text.replace(word, " ")
    counts = script_counts(text)
    letters = sum(counts.values())
    if not letters:
        return 1.0
    wanted = {"KANA": ("HIRAGANA", "KATAKANA", "CJK")}.get(language.script, (language.script,))
    return sum(counts.get(s, 0) for s in wanted) / letters
