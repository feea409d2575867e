"""A reply written line by line: code writes each line's start, the model finishes the line.

This holds a 1.5B model to the answer's shape without a grammar (grammar sampling measured ~1.5x
slower here): `TASK: The user wants to` … , `1. First,` … . Each line ends at a newline or where
the model starts a citation mark (citations are chosen by code, see `cite_by_overlap`). Nothing
bounds a sentence's length: a line cut at its token budget keeps only its whole sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.answer.sentences import overlap_score, split_sentences, terms
from agent.backends.local.selection import Sentence

LINE_STOPS = ["\n", "[S", "[s"]


def whole_sentences(text: str, limit: int | None = None) -> str:
    """The complete sentences of `text` (a cut tail dropped), at most `limit` of them."""
    sentences = split_sentences(" ".join(text.split()))
    if sentences and sentences[-1][-1:] not in ".!?。":
        sentences = sentences[:-1]
    return " ".join(sentences[:limit] if limit else sentences)


def cite_by_overlap(sentence: str, sources: list[Sentence]) -> list[str]:
    """The id of the passage whose sentence shares the most content words with `sentence` (the
    first source when none shares any): what the sentence rests on."""
    if not sources:
        return []
    words = terms(sentence)
    best = max(sources, key=lambda s: overlap_score(words, s.text))
    return [best.passage_id]


@dataclass
class Reply:
    """The reply being written: the text so far (the model continues it) and the lines it holds."""

    text: str = ""
    lines: list[str] = field(default_factory=list)

    def line(self, llm, system: str, user: str, label: str, opening: str, max_tokens: int,
             on_token=None) -> tuple[str, object]:
        """Write `label` and `opening` ("1." and "First,") and let the model finish the line: (the
        sentence — `opening` and the model's words —, the call's usage); "" when the model wrote
        nothing usable."""
        start = f"{label} {opening}".rstrip() if opening else label
        self.text += start
        raw, finish, usage = llm.continue_reply(system, user, self.text, max_tokens, LINE_STOPS, on_token)
        body = " ".join(raw.split())
        if finish == "length":
            body = whole_sentences(f"{opening} {body}".strip())[len(opening):].strip() if body else ""
        self.text += (" " + body if body else "") + "\n"
        sentence = f"{opening} {body}".strip() if body else ""
        self.lines.append(sentence)
        return sentence, usage
