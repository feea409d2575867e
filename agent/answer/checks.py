"""Checks of what a reader sees, shared by the backends (to retry or fall back per part) and by the
evaluation (to score): cut-off sentences, verbatim copying, drift of part 1 to a related paper."""

from __future__ import annotations

import re
from collections.abc import Iterable

COPY_NGRAM = 8
SENTENCE_ENDS = tuple(".!?。！？")  # what may end a whole sentence
_END = re.compile(r"[.!?。！？]$")
_CLOSERS = "\"'”’)»]"
WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
# A last word that cannot end an English statement: the sign of a cut ("… To address this, we.").
DANGLING = frozenset("a an the of to and or but we with by for at from which whose as than is are was were be "
                     "its their our into via".split())


def is_broken(sentence: str) -> bool:
    """A sentence cut off mid-way (no closing punctuation, a dangling last word) or ending in an ellipsis."""
    text = sentence.strip().rstrip(_CLOSERS + " ")
    if not text:
        return False
    if text.endswith(("…", "...")):
        return True
    if not _END.search(text):
        return True
    words = WORD.findall(text)
    # Questions may end in "to" or "with"; a statement may not.
    return text.endswith(".") and bool(words) and words[-1].lower() in DANGLING


def ends_in_ellipsis(phrase: str) -> bool:
    """A short phrase (a sub-goal) that was cut: it ends in an ellipsis."""
    return phrase.strip().rstrip(_CLOSERS).endswith(("…", "..."))


def ngrams(text: str, n: int = COPY_NGRAM) -> list[tuple[str, ...]]:
    """The word n-grams of `text`, lower-cased."""
    words = [w.lower() for w in WORD.findall(text)]
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


def copy_share(texts: Iterable[str], sources: Iterable[str], n: int = COPY_NGRAM) -> float | None:
    """Share of the word n-grams of `texts` that appear verbatim in `sources` (None: no n-gram)."""
    grams = [g for text in texts for g in ngrams(text, n)]
    if not grams:
        return None
    seen = {g for source in sources for g in ngrams(source, n)}
    return round(sum(1 for g in grams if g in seen) / len(grams), 4)


_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9-]{1,}[a-z]?\b")
# Share of letters a text needs in the question's script: English answers are in English; other
# scripts keep technical names in Latin letters (HAN, "layer attention module"), so half will do.
LANGUAGE_MIN_SHARE = {"en": 0.9}
OTHER_SCRIPT_MIN_SHARE = 0.5


def language_share(text: str, language, names: Iterable[str] = ()) -> float:
    """Share of `text`'s letters written in `language`'s script, acronyms and the given `names`
    (model names, titles: they stay as the prompt gives them) aside."""
    from prompts.language import share_in

    return round(share_in(_ACRONYM.sub(" ", text), language, tuple(names)), 4)


def in_language(text: str, language, names: Iterable[str] = ()) -> bool:
    """Whether `text` is written in `language` (see `language_share`)."""
    return language_share(text, language, names) >= LANGUAGE_MIN_SHARE.get(language.code, OTHER_SCRIPT_MIN_SHARE)


def cosine_similarities(embeddings, text: str, others: list[str]) -> list[float]:
    """Cosine similarity of `text` to each of `others` under `embeddings` (a LangChain Embeddings)."""
    vectors = embeddings.embed_documents([text, *others])
    head = vectors[0]

    def cosine(a, b) -> float:
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        na, nb = sum(x * x for x in a) ** 0.5, sum(y * y for y in b) ** 0.5
        return dot / (na * nb) if na and nb else 0.0

    return [round(cosine(head, v), 4) for v in vectors[1:]]


def task_drift(task_text: str, question: str, summaries: list[str], embeddings) -> tuple[bool, float, float]:
    """(drifted, similarity of the task text to the question, highest similarity to a related
    summary). Part 1 has drifted when some related paper's summary is at least as close to it as
    the user's question is."""
    sims = cosine_similarities(embeddings, task_text, [question, *summaries])
    to_question, to_related = sims[0], max(sims[1:], default=0.0)
    return to_related >= to_question, to_question, to_related
