"""What each part of a local answer is given to read: the fewest tokens that carry the facts.

On two CPU cores the model reads ~40 prompt tokens a second, so whole chunks cost more than the
answer itself. Code picks the sentences: for part 2, each recommended model's sentences that say
what it is made of and bear on the question (not its title, results or background), in the
paper's own order, and the parts of the model those sentences name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.answer.context import AnswerContext
from agent.answer.sentences import body_candidates, design_score, pick_diverse, split_sentences, terms

_RESULTS = re.compile(r"experiments|outperform|state-of-the-art|favorabl|superior performance|achieves better|"
                      r"project page|code is available|psnr", re.IGNORECASE)
_BACKGROUND = re.compile(r"has been demonstrated|\bhowever\b|previous|existing|conventional|traditional|"
                         r"crucial importance|crucial role|to solve these problems|to address this problem, we$",
                         re.IGNORECASE)
MODEL_SENTENCES = 6  # sentences part 2 reads in all (split among the recommended models)
# Named parts of a model in its paper's words: "layer attention module (LAM)", "long skip connections".
_ACRONYM_DEFINITION = re.compile(r"((?:[\w-]+\s+){1,6})\(([A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9]*)\)")
_PART_PHRASE = re.compile(r"\b((?:[\w-]+\s){0,2}(?:module|mechanism|structure|connections|groups|blocks|encoder|"
                          r"representation|function|normalization|learning)|[\w]+-frequency information|"
                          r"arbitrary resolution|any scale)\b", re.IGNORECASE)
# Words a part's name does not start with (articles, verbs before the name: "train an encoder").
_PHRASE_STOPWORDS = frozenset("a an the of to and or with by for in on we our this that which its several some very "
                              "is are was be as into train trains trained use uses using propose proposed form learn "
                              "learns learned utilized contain contains focus allows".split())
MAX_PARTS = 8
_PARTS_ON_THEIR_OWN = frozenset({"encoder", "decoder"})


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage, with the passage's id (what a line citing it names)."""

    passage_id: str
    text: str


def model_sentences(ctx: AnswerContext, total: int = MODEL_SENTENCES) -> list[Sentence]:
    """Part 2's reading: per recommended model, its best design sentences, in the paper's order."""
    groups = [g for g in ctx.model_passages.values() if g]
    if not groups:
        return []
    per_model = max(2, total // len(groups))
    question = terms(ctx.prompt.question) | terms(" ".join(m.name for m in ctx.prompt.models))
    chosen: list[Sentence] = []
    for passages in groups:
        found = [c for c in body_candidates(passages, ctx.prompt.question) if not _RESULTS.search(c.text)]
        # Motivation and prior work ("However, channel attention treats each layer ...") describe
        # other models; they are read only when the passages say nothing else.
        found = [c for c in found if not _BACKGROUND.search(c.text)] or found
        ranked = sorted(found, key=lambda c: design_score(c, question), reverse=True)
        picked = {c.text for c in pick_diverse(ranked, per_model)}
        chosen += [Sentence(p.id, s) for p in passages for s in split_sentences(p.text) if s in picked]
    seen: set[str] = set()
    return [s for s in chosen if not (s.text in seen or seen.add(s.text))]


def sentence_lines(sentences: list[Sentence]) -> str:
    """The sentences as the model reads them: `[S1] text`, one per line."""
    return "\n".join(f"[{s.passage_id}] {s.text}" for s in sentences)


_COMPONENT_HEADS = frozenset("module mechanism structure connections groups blocks encoder decoder representation "
                             "function normalization learning".split())
_MECHANISM_HEADS = frozenset("module mechanism structure function".split())


def _acronym(part: str) -> str | None:
    """The acronym a part ends with: "layer attention module (LAM)" → "LAM"."""
    match = re.search(r"\(([^)]+)\)$", part)
    return match.group(1) if match else None


def _head(part: str) -> str:
    """A part's last word without its acronym, lower-cased: "… attention module (LAM)" → "module"."""
    return re.sub(r"\s*\([^)]*\)$", "", part).split()[-1].lower()


def components(parts: list[str], model_names: list[str]) -> list[str]:
    """The named parts that are parts of the model (a module, a structure, connections, an encoder,
    the function it is named after …), not the network itself ("holistic attention network (HAN)"
    for SISR-HAN-2x) nor a kind of data."""
    kept = []
    for part in parts:
        # "holistic attention network (HAN)" is SISR-HAN-2x itself; "Local Implicit Image Function
        # (LIIF)" is the mechanism SISR-Any-LIIF-EDSR is named after, so it stays.
        if _is_the_network(part, model_names):
            continue
        if _acronym(part) or _head(part) in _COMPONENT_HEADS:
            kept.append(part)
    # The model's own mechanisms first (RCAN: "residual in residual (RIR)", then "channel attention
    # mechanism" before "residual groups"): the direct answer names the first two, and measured on
    # the cases it left channel attention out when the paper's order put it fifth.
    return sorted(kept, key=lambda part: 0 if _is_mechanism(part) else 1)


def _is_the_network(part: str, model_names: list[str]) -> bool:
    """Whether `part` names a recommended model itself: "holistic attention network (HAN)"."""
    acronym = _singular(_acronym(part) or "")
    return bool(acronym) and _head(part) in ("network", "networks", "model") and any(
        acronym.lower() in name.lower() for name in model_names)


def _singular(acronym: str) -> str:
    """"DnCNNs" → "DnCNN" (a plural s after a capital)."""
    return re.sub(r"(?<=[A-Z])s$", "", acronym)


def network_of(parts: list[str], model_names: list[str]) -> str | None:
    """What the paper calls the model itself, in the singular ("denoising convolutional neural
    network (DnCNN)"), for the answer to say what the name stands for; None when it does not say."""
    for part in parts:
        if _is_the_network(part, model_names):
            words = re.sub(r"networks$", "network", re.sub(r"\s*\([^)]*\)$", "", part))
            return f"{words} ({_singular(_acronym(part))})"
    return None


def _is_mechanism(part: str) -> bool:
    """An acronym-defined part or one whose head is a module, mechanism, structure or function."""
    return bool(_acronym(part)) or _head(part) in _MECHANISM_HEADS


def _acronym_phrase(words: str, acronym: str) -> str | None:
    """The words before "(LAM)" whose initials spell the acronym: "layer attention module"."""
    tokens = [w for w in re.split(r"\s+", words.strip()) if w]
    letters = [ch for ch in acronym if ch.isalpha()]
    # "denoising convolutional neural networks (DnCNNs)": only the capitals are initials.
    capitals = [ch for ch in letters if ch.isupper()]
    for spelled in (letters, capitals):
        for start in range(len(tokens)):
            initials = [part[0] for w in tokens[start:] for part in w.split("-") if part]
            if len(spelled) > 1 and [c.lower() for c in initials] == [c.lower() for c in spelled]:
                return " ".join(tokens[start:])
    return None


def named_parts(sentences: list[Sentence]) -> list[str]:
    """The parts of the model its sentences name, in order: acronym definitions first
    ("residual in residual (RIR)"), then phrases like "long skip connections" (at most MAX_PARTS)."""
    found: list[str] = []
    text = " ".join(s.text for s in sentences)
    for match in _ACRONYM_DEFINITION.finditer(text):
        phrase = _acronym_phrase(match.group(1), match.group(2))
        if phrase:
            found.append(f"{phrase} ({match.group(2)})")
    for match in _PART_PHRASE.finditer(text):
        words = match.group(1).split()
        while words and words[0].lower() in _PHRASE_STOPWORDS:
            words = words[1:]
        phrase = " ".join(words)
        if len(words) < 2 and phrase.lower() not in _PARTS_ON_THEIR_OWN:
            continue  # "structure" alone names nothing
        # One phrase per kind of part ("long skip connections", not also "short skip connections").
        head = phrase.lower() if "-frequency" in phrase else words[-1].lower()
        if not any(phrase.lower() in f.lower() or f.lower().endswith(" " + head) for f in found):
            found.append(phrase)
    return list(dict.fromkeys(found))[:MAX_PARTS]
