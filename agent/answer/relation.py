"""How a related paper bears on the user's question, decided by code from the paper's own text.

A 1.5B model misjudges this (it called an optical-microscopy paper "related to the question"), and
the judgement is checkable from the words: a paper about image super-resolution studies the same
task; one that applies super-resolution before segmentation uses it only as a step; "super-
resolution microscopy" is a different sense of the word; anything else is a different problem.
A relevance line is the relation's sentence, then the paper's own sentence closest to the question,
so it always says how the paper bears on the question before what the paper says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from agent.answer.tasks import TaskFamily, names_task
from prompts.instructions import LOOSELY_RELATED

Kind = Literal["same-task", "step", "other-sense", "other-task"]

_SR_MICROSCOPY = re.compile(r"super[- ]?resolution (?:\w+ )?(?:microscop|fluorescen|imaging of (?:cells|molecules))",
                            re.IGNORECASE)
_SR_WORD = re.compile(r"super[- ]?resolution", re.IGNORECASE)
_PIPELINE = re.compile(r"pre-?processing|as a step|into the (?:\w+ )?pipeline|incorporat\w* super|integrat\w* (?:the )?"
                       r"(?:technique of )?(?:image )?super|using super[- ]resolution|leveraging sr", re.IGNORECASE)
_DOWNSTREAM = (
    ("semantic segmentation", "semantic segmentation"), ("instance segmentation", "instance segmentation"),
    ("segmentation", "segmentation"), ("object detection", "object detection"), ("detection", "detection"),
    ("binarization", "document binarization"), ("matting", "image matting"), ("classification", "classification"),
    ("perception", "visual perception"), ("feature map", "the feature maps of vision models"),
    ("vision encoder", "the feature maps of vision models"), ("resolution on", "how image resolution affects a task"),
)


@dataclass(frozen=True)
class Relation:
    """A related paper's bearing on the question: its kind, whether it is tangential, and the
    sentence that says so."""

    kind: Kind
    tangential: bool
    sentence: str

    def then(self, sentence: str) -> str:
        """The relation's sentence, then `sentence` (the paper's own words) after it."""
        return f"{self.sentence} {sentence.strip()}"


def _downstream_task(text: str) -> str | None:
    """The other task a paper is about (segmentation, detection, …), if its text names one."""
    lowered = text.lower()
    return next((name for word, name in _DOWNSTREAM if word in lowered), None)


def relation_of(title: str, text: str, family: TaskFamily) -> Relation:
    """The relation of a related paper (its `title` and the text indexed for it: summary, abstract,
    passages) to a question whose recommended models perform `family`'s task."""
    whole = f"{title}. {text}"
    sr_mentions = len(_SR_WORD.findall(whole))
    microscopy_sense = (_SR_WORD.search(title) and "microscop" in title.lower()) or _SR_MICROSCOPY.search(whole)
    if microscopy_sense:
        return Relation("other-sense", True,
                        f"{LOOSELY_RELATED}its “super-resolution” is an optical microscopy technique, a different "
                        "sense of the word than enlarging a digital image with a network.")
    other = _downstream_task(whole)
    if sr_mentions and other and _PIPELINE.search(whole):
        return Relation("step", True,
                        f"{LOOSELY_RELATED}it uses super-resolution only as a step toward {other}, not to explain "
                        "how a model enlarges an image.")
    if names_task(whole, family) and (sr_mentions >= 2 or not family.scales):
        return Relation("same-task", False,
                        f"Same task as the question ({family.noun}), approached with a different method.")
    about = other or "a different problem"
    return Relation("other-task", True,
                    f"{LOOSELY_RELATED}it is about {about}, not about how a model performs {family.noun}.")
