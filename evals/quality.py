"""What a reader sees: does the answer answer? Deterministic, offline metrics of one answer.

Grounding (metrics.py) is necessary, not sufficient. These check the other half of the promise:

- task fidelity: part 1 is about *the user's* question — its MiniLM similarity to the question
  beats its similarity to every related paper's summary (else it has *drifted*) —, it names the
  image task of the recommended model's family (super-resolution, denoising, … from the model's
  name) and keeps the scale the question states;
- key-fact recall: the share of the prompt's hand-written key facts (evals/keyfacts/) that parts
  1–2 convey; each fact lists alternative wordings, matched case- and hyphen-insensitively;
- broken sentences: sentences of parts 1–3 cut off mid-way (no closing punctuation, a dangling
  last word) or ending in an ellipsis;
- copying: the share of part 2's word 8-grams that appear verbatim in the cited passages;
- direct answer: part 2 opens with 1–3 whole, cited sentences close to the question (MiniLM);
- language: parts 1–2 are written in the question's script (names, acronyms and links aside).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from agent.answer.checks import (
    copy_share,
    cosine_similarities,
    ends_in_ellipsis,
    in_language,
    is_broken,
    language_share,
    task_drift,
)
from agent.answer.schema import Answer, CitedSentence
from agent.answer.tasks import names_task, prompt_family
from agent.answer.workflow import question_scale
from prompts import Prompt
from prompts.language import detect

KEYFACTS_DIR = Path(__file__).parent / "keyfacts"
DIRECT_ANSWER_MIN_SIMILARITY = 0.3
@dataclass(frozen=True)
class KeyFact:
    """One fact a good answer conveys, with the wordings that count as conveying it."""

    wordings: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.wordings[0]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[-‐‑–—_/]", " ", text.lower()).split())


def parse_keyfacts(text: str) -> list[KeyFact]:
    """Facts of a `.facts` file: one per line, wordings separated by `|`, `#` comments."""
    facts = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        wordings = tuple(w.strip() for w in line.split("|") if w.strip())
        if wordings:
            facts.append(KeyFact(wordings))
    return facts


def keyfacts_for(prompt_path: str | Path | None) -> list[KeyFact] | None:
    """The key facts of a prompt file: `<file>.facts` beside it, else `evals/keyfacts/<stem>.facts`;
    None when there are none."""
    if not prompt_path:
        return None
    path = Path(prompt_path)
    for candidate in (path.with_suffix(".facts"), KEYFACTS_DIR / f"{path.stem}.facts"):
        if candidate.is_file():
            return parse_keyfacts(candidate.read_text(encoding="utf-8"))
    return None


def part1_text(answer: Answer) -> str:
    return " ".join([answer.task.summary.text, *answer.task.sub_goals])


def part2_sentences(answer: Answer) -> list[CitedSentence]:
    return [*answer.workflow.direct_answer, *answer.workflow.steps]


def parts12_text(answer: Answer) -> str:
    return " ".join([part1_text(answer), *(s.text for s in part2_sentences(answer))])


def conveyed(text: str, facts: list[KeyFact]) -> list[KeyFact]:
    """The facts that `text` conveys: any wording, as whole Latin words ("LAM" is not in "lamp";
    Korean particles may follow a word), case- and hyphen-insensitive."""
    normalised = _norm(text)

    def said(wording: str) -> bool:
        return re.search(rf"(?<![a-z0-9]){re.escape(_norm(wording))}(?![a-z0-9])", normalised) is not None

    return [f for f in facts if any(said(w) for w in f.wordings)]


def key_fact_recall(answer: Answer, facts: list[KeyFact]) -> tuple[float, list[str]]:
    """(share of `facts` conveyed in parts 1–2, the labels of those missing)."""
    found = conveyed(parts12_text(answer), facts)
    missing = [f.label for f in facts if f not in found]
    return (round(1 - len(missing) / len(facts), 4) if facts else 1.0), missing


def broken_sentences(answer: Answer) -> list[str]:
    """The sentences of parts 1–3 that are cut off (see `is_broken`); sub-goals, which are short
    phrases, count only when they end in an ellipsis."""
    sentences = [answer.task.summary.text, *(s.text for s in part2_sentences(answer))]
    sentences += [r.relevance for r in answer.references if r.relevance.strip()]
    broken = [s for s in sentences if is_broken(s)]
    broken += [g for g in answer.task.sub_goals if ends_in_ellipsis(g)]
    return broken


def copying(answer: Answer) -> float | None:
    """Share of part 2's word 8-grams found verbatim in the cited passages (None: nothing to count)."""
    return copy_share((s.text for s in part2_sentences(answer)), (e.quote for e in answer.evidence))


def task_drifted(answer: Answer, prompt: Prompt, embeddings) -> tuple[bool, float, float]:
    """(drifted, similarity to the question, to the closest related summary) of part 1."""
    return task_drift(part1_text(answer), prompt.question, [p.summary for p in prompt.papers if p.summary], embeddings)


def task_scale_kept(answer: Answer, prompt: Prompt) -> bool | None:
    """Whether part 1 keeps the scale the question states (None when it states none)."""
    scale = question_scale(prompt.question)
    if scale is None:
        return None
    if answer.task.scale is not None and abs(answer.task.scale - scale) < 1e-6:
        return True
    pattern = rf"(?:[x×]\s?{scale:g}\b|\b{scale:g}\s?(?:x|×|times|-fold|배)(?![a-wyz]))"
    return re.search(pattern, part1_text(answer), re.IGNORECASE) is not None


def task_family_named(answer: Answer, prompt: Prompt) -> bool:
    """Whether part 1 names the image task of the recommended models' family."""
    return names_task(part1_text(answer), prompt_family(prompt))


def direct_answer(answer: Answer, prompt: Prompt, embeddings, facts: list[KeyFact] | None = None) -> tuple[bool, str]:
    """(part 2 opens with a direct answer, why not). A direct answer is 1–3 whole, cited sentences
    that say what the question asks: with key facts, it conveys at least one of them (a title, a
    result or a motivation sentence conveys none); without, it is close to the question (MiniLM)."""
    sentences = answer.workflow.direct_answer
    if not sentences:
        return False, "part 2 has no direct answer"
    if len(sentences) > 3:
        return False, f"the direct answer has {len(sentences)} sentences (1-3 expected)"
    if any(not s.citations for s in sentences):
        return False, "a sentence of the direct answer cites nothing"
    if any(is_broken(s.text) for s in sentences):
        return False, "the direct answer has a cut-off sentence"
    text = " ".join(s.text for s in sentences)
    if facts:
        if not conveyed(text, facts):
            return False, "the direct answer names none of the key facts"
        return True, ""
    similarity = cosine_similarities(embeddings, text, [prompt.question])[0]
    if similarity < DIRECT_ANSWER_MIN_SIMILARITY:
        return False, f"the direct answer is far from the question (similarity {similarity:.2f})"
    return True, ""


def language(answer: Answer, prompt: Prompt) -> tuple[bool, float, str]:
    """(parts 1–2 are in the question's language, the share of their letters in its script, its code)."""
    wanted = detect(prompt.question)
    names = [m.name for m in prompt.models] + [p.title for p in prompt.papers]
    text = parts12_text(answer)
    return in_language(text, wanted, names), language_share(text, wanted, names), wanted.code



def quality_fields(answer: Answer, prompt: Prompt, embeddings=None, prompt_path: str | None = None) -> dict:
    """Every reader-facing metric of `answer`, as AnswerScore fields (the MiniLM ones only when
    `embeddings` is given; key facts only when the prompt has a facts file)."""
    scale = task_scale_kept(answer, prompt)
    family = task_family_named(answer, prompt)
    fields: dict = {"task_scale": scale, "task_family": family, "broken": broken_sentences(answer),
                    "copying": copying(answer)}
    ok, share, code = language(answer, prompt)
    fields.update(language_ok=ok, language_share=share, language=code)
    facts = keyfacts_for(prompt_path or prompt.path)
    if facts is not None:
        fields["key_fact_recall"], fields["missing_facts"] = key_fact_recall(answer, facts)
    drifted = None
    if embeddings is not None:
        drifted, to_question, to_related = task_drifted(answer, prompt, embeddings)
        fields.update(task_drift=drifted, task_similarity=[to_question, to_related])
        fields["direct_answer"], fields["direct_answer_problem"] = direct_answer(answer, prompt, embeddings, facts)
    fields["task_fidelity"] = family and scale is not False and drifted is not True
    return fields
