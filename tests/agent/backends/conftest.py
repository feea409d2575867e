"""Fixtures of the backend tests: a loopback chat-completions server and a real, offline-built
question index for a seed prompt."""

from __future__ import annotations

import chat_server as chat_server_module
import pytest
import scripted_chat

SEED = "004_22a4445001d39c44.txt"  # recommends SISR-Any-LIIF-EDSR (weights installable offline)


@pytest.fixture
def chat_server():
    """A started `ChatServer` (key "test-key", model "test-model"), stopped after the test."""
    server = chat_server_module.ChatServer().start()
    yield server
    server.stop()


@pytest.fixture
def endpoint_env(monkeypatch, chat_server):
    """Point the settings at `chat_server`, offline (no paper fetching), with no retry delays."""
    monkeypatch.setenv("AISCI_LLM_BASE_URL", chat_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", chat_server.api_key)
    monkeypatch.setenv("AISCI_LLM_MODEL", "test-model")
    monkeypatch.setenv("AISCI_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("AISCI_LLM_TIMEOUT_S", "20")
    monkeypatch.setenv("AISCI_OFFLINE", "1")
    return chat_server


@pytest.fixture(scope="session")
def seed_prompt(seed_indexes):
    """The seed prompt of these tests (from tests/agent/conftest.py's session-wide `seed_indexes`)."""
    from prompts import bundled_set_dir

    return seed_indexes(bundled_set_dir() / SEED)[0]


@pytest.fixture(scope="session")
def seed_index(seed_indexes):
    """The seed prompt's real QuestionIndex, built offline (prompt summaries + bundled abstracts)
    once per session and shared with the other answer-layer tests."""
    from prompts import bundled_set_dir

    return seed_indexes(bundled_set_dir() / SEED)[1]


@pytest.fixture
def scripted():
    """The `scripted_chat` helper module: ScriptedChat, tool_call, final, parts_call, good_parts."""
    return scripted_chat
