"""The in-process llama.cpp model: JSON parsing (fast) and the real embedded model (slow)."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

from agent.backends.local.runtime import (
    CallUsage,
    ContextOverflowError,
    InvalidOutputError,
    LocalLLM,
    LocalLLMError,
    parse_json_object,
)
from agent.settings import get_settings

needs_llama_cpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python (the `local` extra) is not installed"
)

SYSTEM = (
    "You answer questions about image restoration papers using only the numbered passages given. "
    "Cite passage ids."
)
PASSAGES = (
    "[S1] HAN (Holistic Attention Network) is a single-image super-resolution network. It adds a layer "
    "attention module and a channel-spatial attention module to a residual backbone, and is trained for "
    "2x, 3x, 4x and 8x upscaling.\n"
    "[S2] RCAN introduced residual channel attention for very deep super-resolution networks."
)
ASK = "Question: how does HAN upscale an image 2x? Fill in the JSON fields."
SCHEMA = {
    "type": "object",
    "properties": {
        "task": {"type": "string", "enum": ["super-resolution", "denoising", "deblurring"]},
        "scale": {"type": "integer", "enum": [2, 3, 4, 8]},
        "modules": {"type": "array", "items": {"type": "string", "maxLength": 60}, "minItems": 2, "maxItems": 3},
        "citations": {"type": "array", "items": {"type": "string", "enum": ["S1", "S2"]}, "minItems": 1, "maxItems": 2},
    },
    "required": ["task", "scale", "modules", "citations"],
}


def _check_schema(value: dict) -> None:
    """The constraints of SCHEMA, checked by hand."""
    assert set(value) == {"task", "scale", "modules", "citations"}, value
    assert value["task"] in SCHEMA["properties"]["task"]["enum"]
    assert value["scale"] in (2, 3, 4, 8)
    assert 2 <= len(value["modules"]) <= 3 and all(isinstance(m, str) and m for m in value["modules"])
    assert 1 <= len(value["citations"]) <= 2 and set(value["citations"]) <= {"S1", "S2"}


def test_parse_json_object():
    assert parse_json_object(' {"a": [1, 2]} ') == {"a": [1, 2]}
    assert parse_json_object('```json\n{"a": 1}\n```') == {"a": 1}
    with pytest.raises(InvalidOutputError, match=r"not valid JSON \(Expecting") as info:
        parse_json_object('{"a": [1, 2')
    assert info.value.raw == '{"a": [1, 2'
    with pytest.raises(InvalidOutputError, match="JSON list, expected an object"):
        parse_json_object("[1, 2]")


def test_usage_adds_up():
    total = CallUsage(prompt_tokens=10, completion_tokens=2, seconds=1.25) + CallUsage(prompt_tokens=5, seconds=0.5)
    assert total == CallUsage(prompt_tokens=15, completion_tokens=2, seconds=1.75)


def test_missing_model_file_is_a_clear_error(tmp_path: Path):
    pytest.importorskip("llama_cpp")
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(LocalLLMError, match=r"broken.gguf: llama.cpp could not load the model"):
        LocalLLM(bad, n_ctx=512, n_threads=1)


@pytest.fixture
def llm(user_cache_dir: Path, monkeypatch) -> LocalLLM:
    """The real embedded model from the machine's cache (installed there once if missing). The
    loaded model is cached per process, so only the first test pays for loading it."""
    pytest.importorskip("llama_cpp")
    monkeypatch.delenv("AISCI_LOCAL_MODEL", raising=False)
    monkeypatch.setenv("AISCI_MODELS_DIR", str(user_cache_dir / "models"))
    monkeypatch.setenv("AISCI_LOCAL_CTX", "2048")
    return LocalLLM.from_settings(get_settings())


@pytest.mark.slow
@needs_llama_cpp
def test_real_model_json_follows_the_schema(llm: LocalLLM):
    user = f"{PASSAGES}\n\n{ASK}"
    started = time.perf_counter()
    value, usage = llm.complete_json(SYSTEM, user, SCHEMA, max_tokens=120)
    elapsed = time.perf_counter() - started
    _check_schema(value)
    assert value["task"] == "super-resolution" and value["scale"] == 2, value
    assert 0 < usage.prompt_tokens <= llm.prompt_tokens(SYSTEM, user)
    assert 0 < usage.completion_tokens <= 120 and 0 < usage.seconds <= elapsed
    print(f"\njson call: {usage} -> {value}")


@pytest.mark.slow
@needs_llama_cpp
def test_real_model_text_tokens_and_limits(llm: LocalLLM):
    # Same system text and passages as the JSON test: the prefix is served from the KV cache.
    text, usage = llm.complete_text(SYSTEM, f"{PASSAGES}\n\nIn one sentence, what is HAN?", max_tokens=40)
    assert text and ("HAN" in text or "attention" in text.lower()), text
    assert usage.completion_tokens <= 40

    n = llm.count_tokens("Holistic attention network")
    assert 2 <= n <= 10
    assert llm.prompt_tokens("a", "b") >= 2
    # The same file and window share one loaded model.
    assert LocalLLM(llm.model_path, n_ctx=llm.n_ctx, n_threads=llm.n_threads)._llama is llm._llama

    with pytest.raises(ContextOverflowError, match="exceeds the 2048-token context window"):
        llm.complete_text(SYSTEM, "word " * 3000, max_tokens=10)
    with pytest.raises(InvalidOutputError, match="stopped at max_tokens=5"):
        llm.complete_json(SYSTEM, f"{PASSAGES}\n\n{ASK}", SCHEMA, max_tokens=5)
