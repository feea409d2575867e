"""The OpenAI-compatible backend end to end: `ChatOpenAI` over real sockets against a loopback
chat-completions server that speaks tool calls, with a real (offline-built) question index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.answer.compose import answer_prompt
from agent.answer.render import to_json
from agent.backends.openai.backend import OpenAIBackend
from agent.backends.openai.errors import LLMRateLimited
from agent.settings import get_settings


def _parts(server, n_papers: int = 3) -> dict:
    """Valid AnswerParts citing the passages the server's search_papers results carried."""
    ids = server.passage_ids()
    assert ids, "the agent sent no search_papers result back to the model"
    return {
        "task": {"text": "The user wants to enlarge a small image by 2x and keep its edges and textures sharp.",
                 "citations": ids[:1]},
        "sub_goals": ["Enlarge by 2x", "Keep edges and textures sharp"],
        "direct_answer": [{"text": "A local implicit image function predicts each new pixel from nearby features.",
                           "citations": ids[:1]}],
        "mechanism": [{"text": f"Step {i + 1} of the local implicit image function [{pid}].", "citations": []}
                      for i, pid in enumerate((ids * 3)[:3])],
        "relevance": [{"paper": f"P{i}", "text": "Related to feature upsampling only loosely.", "citations": ids[-1:]}
                      for i in range(1, n_papers + 1)],
    }


def _answer(prompt, index):
    settings = get_settings()
    answer = answer_prompt(prompt, settings, OpenAIBackend(settings), index=index)
    return answer, to_json(answer, prompt)


def test_the_agent_calls_search_papers_and_the_answer_cites_the_passages(endpoint_env, seed_prompt, seed_index):
    server = endpoint_env
    server.script(
        server.call("search_papers", {"query": "local implicit image function arbitrary resolution"}),
        server.final(lambda request: f"The passages {', '.join(server.passage_ids())} describe LIIF."),
        server.structured(lambda request: _parts(server, len(seed_prompt.papers))),
    )
    answer, doc = _answer(seed_prompt, seed_index)

    first = server.requests[0]
    assert first["model"] == "test-model"
    assert {"search_papers", "run_sr_model"} <= set(server.tool_names(0))
    assert "search_papers(query)" in first["messages"][0]["content"]  # the tool-agent system prompt
    # The tool result went back to the model as numbered passages with their source labels.
    name, content = server.tool_outputs[0]
    assert name == "search_papers" and "[S" in content and "(SISR-Any-LIIF-EDSR paper (arXiv 2012.09161)" in content
    # Structured output: a forced call of the AnswerParts tool.
    assert server.requests[-1]["tool_choice"]["function"]["name"] == "AnswerParts"

    found = server.passage_ids()
    cited = [c["id"] for c in doc["citations"]]
    assert cited and set(cited) <= set(found)
    assert all(step["citations"] and step["citations"][0] in found for step in doc["workflow"]["steps"])
    for citation in doc["citations"]:
        assert citation["text"] and citation["source"]
    assert doc["backend"] == "openai"
    assert not [w for w in doc["warnings"] if w.startswith("openai:")], doc["warnings"]
    assert doc["usage"]["prompt_tokens"] > 0 and doc["usage"]["completion_tokens"] > 0
    assert doc["usage"]["seconds"]["agent"] >= 0 and "structured" in doc["usage"]["seconds"]
    assert all(seed_prompt.is_allowed_link(link) for link in doc["links"])


def test_json_schema_structured_output(endpoint_env, monkeypatch, seed_prompt, seed_index):
    server = endpoint_env
    monkeypatch.setenv("AISCI_LLM_STRUCTURED_OUTPUT", "json_schema")
    server.script(
        server.call("search_papers", {"query": "LIIF encoder"}),
        server.final("done"),
        server.structured(lambda request: _parts(server, len(seed_prompt.papers))),
    )
    answer, doc = _answer(seed_prompt, seed_index)
    assert server.requests[-1]["response_format"]["type"] == "json_schema"
    assert doc["citations"] and not [w for w in doc["warnings"] if w.startswith("openai:")]


def test_rate_limits_are_retried(endpoint_env, monkeypatch, seed_prompt, seed_index):
    server = endpoint_env
    monkeypatch.setenv("AISCI_LLM_MAX_RETRIES", "1")
    server.script(
        server.status(429, "Rate limit reached for requests"),
        server.call("search_papers", {"query": "LIIF"}),
        server.final("done"),
        server.structured(lambda request: _parts(server, len(seed_prompt.papers))),
    )
    answer, doc = _answer(seed_prompt, seed_index)
    assert len(server.requests) == 4 and doc["citations"]


def test_rate_limits_after_the_retries_are_one_clear_error(endpoint_env, seed_prompt, seed_index):
    server = endpoint_env
    server.script(server.status(429, "Rate limit reached for requests"))
    with pytest.raises(LLMRateLimited) as info:
        _answer(seed_prompt, seed_index)
    message = str(info.value)
    assert "\n" not in message and "HTTP 429" in message and "Rate limit reached" in message


@pytest.mark.slow
def test_a_run_sr_model_call_returns_a_result_the_answer_reports(endpoint_env, monkeypatch, user_cache_dir,
                                                                 seed_prompt, seed_index):
    server = endpoint_env
    monkeypatch.setenv("AISCI_WEIGHTS_DIR", str(user_cache_dir / "weights"))
    server.script(
        server.call("search_papers", {"query": "LIIF continuous representation"}),
        server.call("run_sr_model", {"model": "SISR-Any-LIIF-EDSR", "scale": 2}),
        server.final("The demo ran."),
        server.structured(lambda request: _parts(server, len(seed_prompt.papers))),
    )
    answer, doc = _answer(seed_prompt, seed_index)

    sr_outputs = [content for name, content in server.tool_outputs if name == "run_sr_model"]
    assert sr_outputs, "the run_sr_model result never reached the model"
    sent = json.loads(sr_outputs[0])
    assert "error" not in sent, sent["error"] if "error" in sent else ""
    demo = doc["demo"]
    assert demo and demo["model"] == "SISR-Any-LIIF-EDSR" and demo["scale"] == 2
    assert demo["metrics"]["psnr"] > demo["metrics"]["psnr_bicubic"]
    assert Path(demo["paths"]["comparison"]).is_file()
    assert "**Demo** — SISR-Any-LIIF-EDSR ran on" in doc["markdown"] and "| bicubic |" in doc["markdown"]
    assert not [w for w in doc["warnings"] if w.startswith("demo:")]


def test_aisci_answer_with_the_openai_backend(endpoint_env, capsys, prompt_set_dir, seed_prompt):
    from aisci.cli import run

    server = endpoint_env
    server.script(
        server.call("search_papers", {"query": "LIIF"}),
        server.final("done"),
        server.structured(lambda request: _parts(server, len(seed_prompt.papers))),
    )
    code = run(["answer", str(prompt_set_dir / Path(seed_prompt.path).name), "--json"])  # auto: the endpoint is set
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "backend: openai (an OpenAI-compatible endpoint is configured)" in captured.err
    doc = json.loads(captured.out)
    assert doc["backend"] == "openai" and doc["citations"]
    assert {c["id"] for c in doc["citations"]} <= set(server.passage_ids())


@pytest.mark.slow
def test_the_openai_backend_against_llama_cpps_own_server(user_cache_dir, monkeypatch, tmp_path):
    """A real OpenAI-compatible server (llama_cpp.server with the embedded model): the answer is
    complete, grounded and guarded, whatever a 1.5B model makes of tool calling."""
    pytest.importorskip("llama_cpp.server")
    from llama_server import LlamaServer

    from agent.backends.local.installer import ensure_model
    from evals.metrics import answer_from_document
    from evals.quality import broken_sentences
    from prompts import bundled_set_dir, load, normalize_url

    monkeypatch.setenv("AISCI_MODELS_DIR", str(user_cache_dir / "models"))
    model = ensure_model(get_settings())
    prompt = load(bundled_set_dir() / "004_22a4445001d39c44.txt")
    with LlamaServer(model, log=tmp_path / "server.log") as server:
        monkeypatch.setenv("AISCI_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("AISCI_LLM_MODEL", server.model)
        monkeypatch.setenv("OPENAI_API_KEY", "not-needed")
        monkeypatch.setenv("AISCI_LLM_TIMEOUT_S", "900")
        monkeypatch.setenv("AISCI_OFFLINE", "1")
        settings = get_settings()
        answer = answer_prompt(prompt, settings, OpenAIBackend(settings))
    doc = to_json(answer, prompt)
    assert doc["backend"] == "openai" and all(doc["sections"][p].strip() for p in ("task", "workflow", "references"))
    assert {normalize_url(u) for u in doc["links"]} <= prompt.allowed_links()
    assert answer.usage.prompt_tokens > 0 and answer.usage.seconds["structured"] > 0
    assert broken_sentences(answer_from_document(doc)) == []
