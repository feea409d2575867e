"""Sentence-level selection from passages: split, score against a query, pick diverse sentences.

Used by the extractive backend and as the fallback when an LLM's structured output is invalid.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from agent.grounding.injection import looks_like_injection
from prompts.links import find_links

# A sentence ends at . ! ? (or 。) before a capital, a digit, a quote or a letter of a non-Latin script.
_SPLIT = re.compile(r"(?<=[.!?。])\s+(?=[A-Z0-9“\"(\[]|[^\x00-\x7F])")
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
STOPWORDS = frozenset(
    "a an the and or of to in on for with by at from as is are was were be been being this that these those it its "
    "we our us you your they their can could would should will may might do does did so such than then there here how "
    "what which who whom why when where into onto over under about also more most very much many some any each other "
    "not no yes i me my he she his her them while both via per using use used based new".split()
)


@dataclass(frozen=True)
class Candidate:
    """A sentence taken from a passage."""

    text: str
    passage_id: str
    score: float


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage, whitespace-normalised."""
    return [" ".join(s.split()) for s in _SPLIT.split(text) if s.strip()]


def terms(text: str) -> set[str]:
    """Content words of `text` (lower case, stopwords removed)."""
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def overlap_score(query_terms: set[str], sentence: str) -> float:
    """Query-term overlap, normalised so long sentences do not win by length alone."""
    words = terms(sentence)
    if not words:
        return 0.0
    return len(query_terms & words) / math.sqrt(len(words))


def usable(sentence: str) -> bool:
    """A sentence worth quoting: not too short or long, no link, no instruction aimed at a model."""
    return 40 <= len(sentence) <= 400 and not find_links(sentence) and not looks_like_injection(sentence)


def candidates(passages: list, query: str) -> list[Candidate]:
    """Every usable sentence of `passages`, scored by overlap with `query` plus a share of the
    passage's retrieval score, best first."""
    query_terms = terms(query)
    found = []
    for passage in passages:
        retrieval = float(passage.score) if getattr(passage, "score", None) is not None else 0.0
        for sentence in split_sentences(passage.text):
            if usable(sentence):
                found.append(Candidate(sentence, passage.id, overlap_score(query_terms, sentence) + 0.5 * retrieval))
    return sorted(found, key=lambda c: -c.score)


def pick_diverse(found: list[Candidate], n: int, max_similarity: float = 0.5) -> list[Candidate]:
    """Up to `n` candidates, best first, skipping any too similar (Jaccard of terms) to one already picked."""
    picked: list[Candidate] = []
    for cand in found:
        cand_terms = terms(cand.text)
        if all(_jaccard(cand_terms, terms(p.text)) < max_similarity for p in picked):
            picked.append(cand)
        if len(picked) == n:
            break
    return picked


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


# Words of the sentences that say what a model is made of and how it works ("we propose X, which
# consists of ...", "RIR allows low-frequency information to be bypassed ...").
DESIGN_TERMS = frozenset("propose proposed consists consist module modules network architecture design introduce "
                         "present takes predicts composed structure mechanism block blocks encoder layer layers "
                         "attention residual skip connections features information frequency representation "
                         "coordinate coordinates continuous arbitrary bypassed rescale emphasizes".split())


def body_candidates(passages: list, query: str) -> list[Candidate]:
    """`candidates` of `passages` for `query`, without the sentences that are a source's title."""
    titles = {" ".join(p.source_title.split()).rstrip(".").lower() for p in passages}
    return [c for c in candidates(passages, query) if c.text.rstrip(".").lower() not in titles]


def design_score(cand: Candidate, question_terms: set[str]) -> float:
    """How much a sentence says what a model is made of and bears on the question's terms."""
    words = terms(cand.text)
    return len(words & question_terms) + 1.5 * len(words & DESIGN_TERMS) + 0.1 * cand.score
