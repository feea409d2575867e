"""A wrong key, an unreachable endpoint or an unknown model: `aisci answer --backend openai` prints
one clear line and exits with status 2 (real HTTP against the loopback server)."""

from __future__ import annotations

import socket

import pytest

from agent.backends.openai.errors import LLMEndpointError, translate
from aisci.cli import run

SEED = "004_22a4445001d39c44.txt"


def _answer_fails(capsys, prompt_set_dir) -> str:
    code = run(["answer", str(prompt_set_dir / SEED), "--backend", "openai"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_wrong_key(endpoint_env, monkeypatch, capsys, prompt_set_dir):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    line = _answer_fails(capsys, prompt_set_dir)
    assert "rejected the API key (HTTP 401" in line and "OPENAI_API_KEY" in line
    assert endpoint_env.base_url in line and "sk-wrong" not in line


def test_model_not_found(endpoint_env, monkeypatch, capsys, prompt_set_dir):
    monkeypatch.setenv("AISCI_LLM_MODEL", "no-such-model")
    line = _answer_fails(capsys, prompt_set_dir)
    assert "model 'no-such-model' not found" in line and "HTTP 404" in line and "AISCI_LLM_MODEL" in line


def test_unreachable_endpoint(endpoint_env, monkeypatch, capsys, prompt_set_dir):
    with socket.socket() as sock:  # a loopback port that nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AISCI_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    line = _answer_fails(capsys, prompt_set_dir)
    assert f"cannot reach the endpoint http://127.0.0.1:{port}/v1" in line and "AISCI_LLM_BASE_URL" in line


def test_no_endpoint_configured(monkeypatch, capsys, prompt_set_dir):
    monkeypatch.setenv("AISCI_OFFLINE", "1")
    line = _answer_fails(capsys, prompt_set_dir)
    assert "needs OPENAI_API_KEY" in line and "AISCI_LLM_BASE_URL" in line


def test_server_errors_say_the_status_and_the_hint():
    import httpx
    import openai

    request = httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions")
    response = httpx.Response(400, request=request, json={"error": {"message": "tools are not supported\nby this model"}})
    exc = openai.BadRequestError("bad", response=response, body={"message": "tools are not supported\nby this model"})
    error = translate(exc, "http://127.0.0.1:1/v1", "tiny", 60, 2)
    assert isinstance(error, LLMEndpointError)
    assert str(error) == ("the endpoint http://127.0.0.1:1/v1 refused the request for model 'tiny' (HTTP 400: tools are "
                          "not supported by this model); does the model support tool calling?")


def test_other_exceptions_pass_through():
    exc = ValueError("a bug")
    assert translate(exc, None, "m", 60, 2) is exc


@pytest.mark.parametrize("status", [401, 404])
def test_the_default_endpoint_is_named(status):
    import httpx
    import openai

    request = httpx.Request("POST", "https://api.openai.com/v1/chat/completions")
    response = httpx.Response(status, request=request, json={})
    cls = openai.AuthenticationError if status == 401 else openai.NotFoundError
    error = translate(cls("nope", response=response, body=None), None, "gpt-4o-mini", 60, 2)
    assert "https://api.openai.com/v1" in str(error) and f"HTTP {status}" in str(error)
