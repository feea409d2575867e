"""The structured output an LLM writes for a draft, validated part by part.

A model fills `AnswerParts` (task, sub-goals, a direct answer, mechanism sentences, one relevance line per related
paper key P1, P2, ...). Each part is validated on its own, so one broken part does not throw away
the others: `validate_parts` returns the valid parts and an error per invalid one. Related papers
are named by key, never by URL: the model never has to write a link; code maps keys to the URLs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from agent.answer.checks import is_broken
from agent.answer.schema import CitedSentence
from prompts import normalize_url
from prompts.instructions import NOT_COVERED_PHRASE

MIN_STEPS, MAX_STEPS = 3, 6
_INLINE_CITATION = re.compile(r"\s*\[((?:S\d+\s*[,;]?\s*)+)\]", re.IGNORECASE)
_ID = re.compile(r"S\d+", re.IGNORECASE)


class CitedLine(BaseModel):
    """One sentence and the passage ids it rests on."""

    text: str = Field(description="One sentence in plain words; no URL and no citation marks inside it.")
    citations: list[str] = Field(default_factory=list, description="Ids of the passages it rests on, e.g. [\"S3\"].")


class RelevanceLine(CitedLine):
    """How one related paper bears on the question."""

    paper: str = Field(description="The related paper's key as listed in the request, e.g. \"P1\".")


class AnswerParts(BaseModel):
    """The answer's parts, each sentence citing the ids of the passages it rests on."""

    task: CitedLine = Field(description="One or two sentences restating what the user is trying to do.")
    sub_goals: list[str] = Field(description="2-4 short sub-goals.")
    direct_answer: list[CitedLine] = Field(
        description="1-3 sentences that answer the user's question directly, naming the model's key parts."
    )
    mechanism: list[CitedLine] = Field(
        description=f"{MIN_STEPS}-{MAX_STEPS} sentences: how the recommended model works, input -> model -> output."
    )
    relevance: list[RelevanceLine] = Field(description="One line per related paper key.")


class _Sentence(BaseModel):
    """Validation of one sentence: non-empty text, citations as ids (inline [S3] marks moved out)."""

    text: str
    citations: list[str] = Field(default_factory=list)

    @field_validator("citations", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> list[str]:
        if value is None:
            return []
        items = [value] if isinstance(value, str) else list(value)
        found: list[str] = []
        for item in items:
            text = str(item).strip().strip("[]()").strip()
            found += _ID.findall(text) if _ID.search(text) else ([text] if text else [])
        return list(dict.fromkeys(i.upper() if _ID.fullmatch(i) else i for i in found))

    def as_cited(self) -> CitedSentence:
        citations = list(self.citations)
        for match in _INLINE_CITATION.finditer(self.text):
            citations += [i.upper() for i in _ID.findall(match.group(1))]
        text = " ".join(_INLINE_CITATION.sub("", self.text).split())
        if not text:
            raise ValueError("the sentence is empty")
        return CitedSentence(text=text, citations=list(dict.fromkeys(citations)))


def _error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}" if where else first["msg"]
    return str(exc)


def _sentence(value: Any) -> CitedSentence:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object with 'text' and 'citations', got {type(value).__name__}")
    sentence = _Sentence.model_validate(value).as_cited()
    if is_broken(sentence.text):  # a reader must never see a sentence that stops mid-way
        raise ValueError(f"the sentence is cut off or ends in an ellipsis: {sentence.text[-40:]!r}")
    return sentence


def _task(data: dict) -> CitedSentence:
    return _sentence(data.get("task"))


def _sub_goals(data: dict) -> list[str]:
    goals = data.get("sub_goals")
    if not isinstance(goals, list) or not goals:
        raise ValueError("expected a non-empty list of short strings")
    clean = [" ".join(str(g).split()) for g in goals if isinstance(g, str) and g.strip()]
    if len(clean) != len(goals):
        raise ValueError("every sub-goal must be a non-empty string")
    return clean[:MAX_STEPS]


def _direct_answer(data: dict) -> list[CitedSentence]:
    items = data.get("direct_answer")
    if not isinstance(items, list) or not items:
        raise ValueError("expected 1-3 sentences")
    sentences = [_sentence(item) for item in items]
    if len(sentences) > 3:
        raise ValueError(f"expected 1-3 sentences, got {len(sentences)}")
    if any(not s.citations for s in sentences):
        raise ValueError("every sentence must cite a passage id")
    return sentences


def _mechanism(data: dict) -> list[CitedSentence]:
    items = data.get("mechanism")
    if not isinstance(items, list):
        raise ValueError("expected a list of sentences")
    steps = [_sentence(item) for item in items]
    if len(steps) == 1 and steps[0].text.startswith(NOT_COVERED_PHRASE):
        return steps  # the honest answer when the passages do not describe the model
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise ValueError(f"expected {MIN_STEPS}-{MAX_STEPS} sentences, got {len(steps)}")
    for i, step in enumerate(steps):
        if not step.citations and not step.text.startswith(NOT_COVERED_PHRASE):
            raise ValueError(f"sentence {i + 1} cites no passage id")
    return steps


def _relevance(data: dict, keys: dict[str, str]) -> tuple[dict[str, CitedSentence], dict[str, str]]:
    """Valid lines by paper URL, and an error per paper key whose line is missing or invalid."""
    items = data.get("relevance")
    if not isinstance(items, list):
        return {}, {key: "relevance: expected a list of lines, one per related paper" for key in keys}
    by_url = {normalize_url(url): url for url in keys.values()}
    found: dict[str, CitedSentence] = {}
    errors: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        ref = str(item.get("paper", "")).strip().strip("[]").upper()
        url = keys.get(ref) or by_url.get(normalize_url(str(item.get("paper", ""))))
        if url is None:
            continue  # a paper the prompt does not list: ignored (its line could only be outside knowledge)
        key = next(k for k, u in keys.items() if u == url)
        try:
            found[url] = _sentence(item)
        except (ValidationError, ValueError) as exc:
            errors[key] = f"relevance {key}: {_error(exc)}"
    for key, url in keys.items():
        if url not in found and key not in errors:
            errors[key] = f"relevance {key}: missing"
    return found, errors


def parse_output(raw: Any) -> tuple[dict | None, str | None]:
    """The JSON object a model wrote (as tool-call arguments or as message content), or an error."""
    if isinstance(raw, AnswerParts):
        return raw.model_dump(), None
    if isinstance(raw, dict):
        return raw, None
    tool_calls = getattr(raw, "tool_calls", None)
    if tool_calls:
        args = tool_calls[0].get("args")
        return (args, None) if isinstance(args, dict) else (None, "the tool call carries no JSON object")
    content = getattr(raw, "content", raw)
    if isinstance(content, list):
        content = "".join(c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
    text = str(content or "").strip()
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.DOTALL)
    text = fenced.group(1) if fenced else text
    if not text:
        return None, "the model returned no structured output"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"the output is not JSON ({exc.msg} at character {exc.pos})"
    return (data, None) if isinstance(data, dict) else (None, "the output is not a JSON object")


class Parts(BaseModel):
    """The valid parts of one structured output, and the error of each invalid part."""

    task: CitedSentence | None = None
    sub_goals: list[str] | None = None
    direct_answer: list[CitedSentence] | None = None
    mechanism: list[CitedSentence] | None = None
    relevance: dict[str, CitedSentence] = Field(default_factory=dict)
    errors: dict[str, str] = Field(default_factory=dict, description="part (or relevance key) -> what is wrong")


def validate_parts(data: dict | None, keys: dict[str, str], parse_error: str | None = None) -> Parts:
    """Validate each part of a model's structured output on its own."""
    if data is None:
        error = parse_error or "the model returned no structured output"
        return Parts(errors={"task": error, "sub_goals": error, "direct_answer": error, "mechanism": error,
                             **{key: error for key in keys}})
    parts = Parts()
    for name, check in (("task", _task), ("sub_goals", _sub_goals), ("direct_answer", _direct_answer),
                        ("mechanism", _mechanism)):
        try:
            setattr(parts, name, check(data))
        except (ValidationError, ValueError) as exc:
            parts.errors[name] = f"{name}: {_error(exc)}"
    parts.relevance, relevance_errors = _relevance(data, keys)
    parts.errors.update(relevance_errors)
    return parts


def merge(first: Parts, second: Parts | None) -> Parts:
    """Per part, the first valid value of the two attempts; errors only where both failed."""
    if second is None:
        return first
    merged = Parts(
        task=first.task or second.task,
        sub_goals=first.sub_goals or second.sub_goals,
        direct_answer=first.direct_answer or second.direct_answer,
        mechanism=first.mechanism or second.mechanism,
        relevance={**second.relevance, **first.relevance},
    )
    merged.errors = {part: second.errors.get(part, error) for part, error in first.errors.items() if part in second.errors}
    return merged
