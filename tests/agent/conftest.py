"""Fixtures for the answer layer: real offline indexes of the seed prompts, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.settings import Settings
from prompts import load


@pytest.fixture(scope="session")
def offline_settings(tmp_path_factory) -> Settings:
    """Offline settings with a session-wide cache, so each seed's index is built once."""
    base = tmp_path_factory.mktemp("answer-cache")
    return Settings(cache_dir=base / "cache", output_dir=base / "runs", offline=True, no_download=True)


@pytest.fixture(scope="session")
def seed_indexes(offline_settings):
    """A function: prompt file → (Prompt, QuestionIndex), built once per file (a real Chroma index
    of the prompt's summaries and the bundled abstracts)."""
    from index import QuestionIndex

    built: dict = {}

    def get(path: Path):
        key = str(path)
        if key not in built:
            prompt = load(path)
            built[key] = (prompt, QuestionIndex.build(prompt, offline_settings.index_config()))
        return built[key]

    return get


@pytest.fixture(scope="session")
def seed_index(seed_indexes):
    """Alias of `seed_indexes` (a sub-folder may define its own `seed_index`)."""
    return seed_indexes
