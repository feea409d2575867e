"""The OpenAI-compatible backend with scripted fake chat models over a real (offline-built) index:
the tool-calling loop, invalid structured output (retry, then extractive fallback), and a model
that reaches for outside sources (the guard removes it)."""

from __future__ import annotations

import pytest

from agent.answer.compose import answer_prompt, build_context
from agent.answer.render import to_json
from agent.backends import extractive
from agent.backends.openai.backend import MAX_MODEL_CALLS, OpenAIBackend
from agent.backends.openai.errors import LLMConfigError
from agent.settings import get_settings


@pytest.fixture
def settings():
    return get_settings(offline=True)


def _answer(prompt, index, chat, settings, sr_tool=None):
    backend = OpenAIBackend(settings, chat_model=chat, sr_tool=sr_tool)
    answer = answer_prompt(prompt, settings, backend, index=index)
    return answer, to_json(answer, prompt)


def test_agent_searches_and_the_answer_cites_what_it_found(seed_prompt, seed_index, settings, scripted):
    chat = scripted.ScriptedChat(script=[
        scripted.tool_call("search_papers", {"query": "local implicit image function continuous representation"}, "c1"),
        scripted.tool_call("search_papers", {"query": "SISR-Any-LIIF-EDSR encoder features"}, "c2"),
        scripted.final("LIIF predicts colours at continuous coordinates [S1]."),
        lambda messages: scripted.parts_call(scripted.good_parts(chat.passage_ids())),
    ])
    answer, doc = _answer(seed_prompt, seed_index, chat, settings)

    found = chat.passage_ids()
    assert found, "search_papers returned no numbered passage"
    # The tool output is numbered passages with their source label, marked as data.
    output = chat.tool_outputs("search_papers")[0]
    assert "are data from the provided papers" in output and "(SISR-Any-LIIF-EDSR paper (arXiv 2012.09161)" in output
    cited = [c["id"] for c in doc["citations"]]
    assert cited and set(cited) <= set(found)
    assert f"[{found[0]}]" in doc["sections"]["task"]
    assert all(step["citations"] for step in doc["workflow"]["steps"])
    assert doc["backend"] == "openai"
    assert not [w for w in doc["warnings"] if w.startswith(("openai:", "guard: dropped"))], doc["warnings"]
    # 4 model calls of 100 + 20 tokens each; a stage time for the agent and for the structured output.
    assert doc["usage"]["prompt_tokens"] == 400 and doc["usage"]["completion_tokens"] == 80
    assert {"agent", "structured", "index", "retrieve"} <= set(doc["usage"]["seconds"])
    # The structured request carries the passages the agent found.
    structured_request = chat.calls[-1][-1].content
    assert all(f"[{pid}]" in structured_request for pid in found)


def test_invalid_structured_output_is_retried_with_the_error_then_falls_back(seed_prompt, seed_index, settings, scripted):
    broken = {"task": {"text": "", "citations": []}, "sub_goals": ["Enlarge the image"],
              "mechanism": [{"text": "Only one sentence.", "citations": ["S1"]}], "relevance": []}

    def retry(messages):
        fixed = scripted.good_parts(chat.passage_ids())
        fixed["mechanism"] = fixed["mechanism"][:2]  # still too few sentences
        return scripted.parts_call(fixed)

    chat = scripted.ScriptedChat(script=[
        scripted.tool_call("search_papers", {"query": "LIIF"}, "c1"),
        scripted.final("done"),
        scripted.parts_call(broken),
        retry,
    ])
    answer, doc = _answer(seed_prompt, seed_index, chat, settings)

    retry_request = chat.calls[-1][-1].content
    assert "Your structured output was invalid" in retry_request
    assert "mechanism: expected 3-6 sentences, got 1" in retry_request and "task:" in retry_request
    # The task came from the retry; the mechanism is the extractive text, with a warning.
    assert answer.task.summary.text.startswith("The user wants to enlarge a small image by 2x")
    ctx = build_context(seed_prompt, seed_index, settings)
    assert [s.text for s in answer.workflow.steps] == [s.text for s in extractive.mechanism_steps(ctx)]
    assert any("no valid mechanism sentences in two tries" in w and "got 2" in w for w in doc["warnings"])
    assert not any("task sentence" in w for w in doc["warnings"])
    assert answer.task.sub_goals == ["Enlarge the image"]


def test_output_that_is_not_json_twice_falls_back_for_every_part(seed_prompt, seed_index, settings, scripted):
    chat = scripted.ScriptedChat(script=[
        scripted.final("I will not search."),
        scripted.final("Sure! Here is the answer in prose, not JSON."),
        scripted.final("{not json"),
    ])
    answer, doc = _answer(seed_prompt, seed_index, chat, settings)
    ctx = build_context(seed_prompt, seed_index, settings)
    assert answer.task.summary.text == extractive.task_sentence(ctx).text
    assert any("did not call search_papers" in w for w in doc["warnings"])
    fallbacks = [w for w in doc["warnings"] if "in two tries" in w]
    assert len(fallbacks) == 4 + len(seed_prompt.papers)  # task, sub-goals, direct answer, mechanism, one per paper
    assert any("not JSON" in w for w in fallbacks), fallbacks
    assert all(doc["sections"][part].strip() for part in ("task", "workflow", "references"))


def test_outside_sources_are_removed_by_the_guard(seed_prompt, seed_index, settings, scripted):
    def sneaky(messages):
        parts = scripted.good_parts(chat.passage_ids())
        parts["task"]["text"] += " See https://evil.example.com/paper for more."
        parts["task"]["citations"].append("S999")
        parts["mechanism"].append({"text": "SwinIR uses shifted-window attention to do the same.", "citations": ["S1"]})
        parts["relevance"][0]["citations"] = ["arXiv:2108.10257"]
        return scripted.parts_call(parts)

    chat = scripted.ScriptedChat(script=[
        scripted.tool_call("search_papers", {"query": "LIIF continuous representation"}, "c1"),
        scripted.final("done"),
        sneaky,
    ])
    answer, doc = _answer(seed_prompt, seed_index, chat, settings)

    body = doc["markdown"].split("## Warnings")[0]  # the answer itself; the warnings say what was removed
    assert "evil.example.com" not in body and "evil.example.com" not in str(doc["links"])
    assert "[S999]" not in body and "SwinIR" not in body and "[arXiv:2108.10257]" not in body
    assert doc["links"] and all(seed_prompt.is_allowed_link(link) for link in doc["links"])
    assert "S999" not in [c["id"] for c in doc["citations"]]
    warnings = "\n".join(doc["warnings"])
    assert "not in the prompt from the task section" in warnings
    assert "[S999]" in warnings and "SwinIR" in warnings
    assert len(answer.workflow.steps) == 3  # the outside sentence is gone, the grounded ones stay


def test_the_agent_stops_after_its_model_call_limit(seed_prompt, seed_index, settings, scripted):
    searches = [scripted.tool_call("search_papers", {"query": f"LIIF detail {i}"}, f"c{i}") for i in range(MAX_MODEL_CALLS)]
    chat = scripted.ScriptedChat(script=[
        *searches,
        lambda messages: scripted.parts_call(scripted.good_parts(chat.passage_ids())),
    ])
    answer, doc = _answer(seed_prompt, seed_index, chat, settings)
    assert len(chat.tool_outputs("search_papers")) >= 1
    assert any(f"stopped after {MAX_MODEL_CALLS} model calls" in w for w in doc["warnings"])
    assert doc["citations"]


def test_a_failed_sr_tool_call_becomes_a_warning(seed_prompt, seed_index, settings, scripted):
    from tools.run_sr_model import make_sr_tool

    chat = scripted.ScriptedChat(script=[
        scripted.tool_call("search_papers", {"query": "LIIF"}, "c1"),
        scripted.tool_call("run_sr_model", {"model": "SISR-NotAModel-9x"}, "c2"),
        scripted.tool_call("run_sr_model", {"model": "SISR-Any-LIIF-EDSR", "image_path": "https://evil.example.com/a.png"},
                           "c3"),
        scripted.final("The demo could not run."),
        lambda messages: scripted.parts_call(scripted.good_parts(chat.passage_ids())),
    ])
    answer, doc = _answer(seed_prompt, seed_index, chat, settings, sr_tool=make_sr_tool(settings.sr_config()))
    assert answer.demo is None
    failures = [w for w in doc["warnings"] if w.startswith("demo: run_sr_model failed:")]
    assert len(failures) == 2 and "SISR-NotAModel-9x" in failures[0] and "is a URL" in failures[1]
    # The model wrote that URL as a tool argument: it is no more allowed in a warning than in the answer.
    assert "evil.example.com" not in doc["markdown"]
    assert all(seed_prompt.is_allowed_link(link) for link in doc["links"])


def test_no_key_and_no_base_url_is_a_clear_error(settings):
    with pytest.raises(LLMConfigError, match="OPENAI_API_KEY .* AISCI_LLM_BASE_URL"):
        OpenAIBackend(settings)
