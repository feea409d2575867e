"""Part-by-part validation of an LLM's structured output."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage

from agent.backends.openai.structured import AnswerParts, merge, parse_output, validate_parts
from prompts import parse
from prompts.instructions import NOT_COVERED_PHRASE, paper_keys

PROMPT = """A user has asked the following question:
"How does EDSR enlarge an image by 4x?"

### Recommended AI Models:
Model: SISR-EDSR-4x
Paper: https://arxiv.org/abs/1707.02921
GitHub: https://github.com/sanghyun-son/EDSR-PyTorch

### Related Papers:
Model: Residual Dense Network for Image Super-Resolution
Paper: https://arxiv.org/abs/1802.08797
Summary: Dense connections.

Model: Image Super-Resolution Using Very Deep Residual Channel Attention Networks
Paper: https://arxiv.org/abs/1807.02758
"""


@pytest.fixture
def keys():
    return paper_keys(parse(PROMPT, path="inline.txt"))


def _data(**changes) -> dict:
    data = {
        "task": {"text": "Enlarge an image 4x.", "citations": ["S1"]},
        "sub_goals": ["Enlarge 4x", "Keep detail"],
        "direct_answer": [{"text": "EDSR enlarges the image with deep residual blocks.", "citations": ["S1"]}],
        "mechanism": [{"text": f"Step {i}.", "citations": [f"S{i}"]} for i in (1, 2, 3)],
        "relevance": [{"paper": "P1", "text": "Dense blocks.", "citations": ["S4"]},
                      {"paper": "P2", "text": "Channel attention.", "citations": ["S5"]}],
    }
    data.update(changes)
    return data


def test_paper_keys_map_to_the_prompt_urls(keys):
    assert keys == {"P1": "https://arxiv.org/abs/1802.08797", "P2": "https://arxiv.org/abs/1807.02758"}


def test_a_valid_output_has_every_part(keys):
    parts = validate_parts(_data(), keys)
    assert not parts.errors
    assert parts.task.citations == ["S1"] and len(parts.mechanism) == 3
    assert parts.relevance["https://arxiv.org/abs/1807.02758"].text == "Channel attention."


def test_citation_spellings_are_normalised(keys):
    data = _data(task={"text": "Enlarge it [S2, S3] by 4x [s4].", "citations": ["[S1]", "s1", "S7; S8"]})
    task = validate_parts(data, keys).task
    assert task.text == "Enlarge it by 4x."
    assert task.citations == ["S1", "S7", "S8", "S2", "S3", "S4"]


def test_unknown_citation_ids_are_kept_for_the_guard_to_drop(keys):
    task = validate_parts(_data(task={"text": "Enlarge it.", "citations": ["arXiv:1707.02921"]}), keys).task
    assert task.citations == ["arXiv:1707.02921"]


def test_each_part_fails_on_its_own(keys):
    data = _data(mechanism=[{"text": "Only one.", "citations": ["S1"]}], sub_goals=[], relevance=[{"paper": "P2", "text": ""}])
    parts = validate_parts(data, keys)
    assert parts.task is not None
    assert parts.errors["mechanism"] == "mechanism: expected 3-6 sentences, got 1"
    assert parts.errors["sub_goals"].startswith("sub_goals:")
    assert parts.errors["P1"] == "relevance P1: missing"
    assert parts.errors["P2"] == "relevance P2: the sentence is empty"


def test_mechanism_sentences_must_cite(keys):
    data = _data(mechanism=[{"text": "Step.", "citations": ["S1"]}, {"text": "Uncited.", "citations": []},
                            {"text": "Step.", "citations": ["S2"]}])
    assert validate_parts(data, keys).errors["mechanism"] == "mechanism: sentence 2 cites no passage id"


def test_not_covered_alone_is_a_valid_mechanism(keys):
    data = _data(mechanism=[{"text": f"{NOT_COVERED_PHRASE}.", "citations": []}])
    assert validate_parts(data, keys).mechanism[0].text == f"{NOT_COVERED_PHRASE}."


def test_relevance_for_a_paper_the_prompt_does_not_list_is_ignored(keys):
    data = _data(relevance=[{"paper": "P9", "text": "SwinIR is better.", "citations": []},
                            {"paper": "https://arxiv.org/abs/1802.08797", "text": "By URL.", "citations": []},
                            {"paper": "[p2]", "text": "Lower-case key.", "citations": ["S3"]}])
    parts = validate_parts(data, keys)
    assert set(parts.relevance) == set(keys.values()) and not parts.errors


@pytest.mark.parametrize("raw, error", [
    (AIMessage(content="Sure, here you go."), "not JSON"),
    (AIMessage(content="[1, 2]"), "not a JSON object"),
    (AIMessage(content=""), "no structured output"),
    (None, "no structured output"),
])
def test_unparseable_output(raw, error, keys):
    data, message = parse_output(raw if raw is not None else AIMessage(content=""))
    assert data is None and error in message
    parts = validate_parts(data, keys, message)
    assert set(parts.errors) == {"task", "sub_goals", "direct_answer", "mechanism", "P1", "P2"}


def test_output_is_read_from_tool_calls_content_fences_and_models(keys):
    fenced = AIMessage(content='Here:\n```json\n{"task": {"text": "x", "citations": []}}\n```')
    assert parse_output(fenced)[0] == {"task": {"text": "x", "citations": []}}
    call = AIMessage(content="", tool_calls=[{"name": "AnswerParts", "args": _data(), "id": "1"}])
    assert parse_output(call)[0] == _data()
    model = AnswerParts.model_validate(_data())
    assert validate_parts(parse_output(model)[0], keys).errors == {}


def test_merge_takes_the_first_valid_value_of_each_part(keys):
    first = validate_parts(_data(task={"text": "", "citations": []}), keys)
    second = validate_parts(_data(task={"text": "Second try.", "citations": ["S1"]}, mechanism=[]), keys)
    merged = merge(first, second)
    assert merged.task.text == "Second try." and len(merged.mechanism) == 3 and not merged.errors
    both_bad = merge(validate_parts(None, keys), validate_parts(_data(sub_goals="x"), keys))
    assert set(both_bad.errors) == {"sub_goals"}
