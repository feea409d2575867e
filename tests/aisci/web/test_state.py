"""What the server holds: the prompt catalog (a malformed file is listed with its error), browser
sessions and their uploads and chats (bounded, oldest first), and prompt keys (never a path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisci.web.state import MAX_UPLOADS, BrowserSession, NotFound, PromptCatalog, SessionStore, resolve_prompt
from prompts import AisciError, parse

SET = Path(__file__).resolve().parents[3] / "prompts" / "set"


def _prompt(i: int):
    text = (SET / "004_22a4445001d39c44.txt").read_text("utf-8").replace("sharp.", f"sharp {i}.")
    return parse(text, path=f"p{i}.txt")


def test_the_catalog_lists_every_file_and_keeps_a_malformed_ones_error(tmp_path):
    (tmp_path / "a.txt").write_text((SET / "004_22a4445001d39c44.txt").read_text("utf-8"), "utf-8")
    (tmp_path / "b.txt").write_text("no prompt here\n", "utf-8")
    catalog = PromptCatalog(tmp_path)
    assert list(catalog.entries) == ["a", "b"]
    assert catalog.get("a").models[0].name == "SISR-Any-LIIF-EDSR"
    assert catalog.entries["b"].error.endswith("b.txt: expected a '### Recommended AI Models:' section")
    with pytest.raises(AisciError, match="expected a '### Recommended AI Models:' section"):
        catalog.get("b")
    with pytest.raises(NotFound):
        catalog.get("../a")


def test_an_empty_or_missing_folder_is_one_line(tmp_path):
    with pytest.raises(AisciError, match="expected at least one prompt file"):
        PromptCatalog(tmp_path)
    with pytest.raises(AisciError, match="expected a folder of prompt files"):
        PromptCatalog(tmp_path / "nope")


def test_keys_resolve_only_to_the_catalog_or_this_browsers_uploads():
    catalog = PromptCatalog(SET)
    mine, other = BrowserSession(id="me"), BrowserSession(id="you")
    key = mine.add_upload(_prompt(1))
    assert resolve_prompt(catalog, mine, key).path == "p1.txt"
    with pytest.raises(NotFound, match="upload it again"):
        resolve_prompt(catalog, other, key)
    for bad in ("/etc/passwd", "../set/004", "", "a" * 200, None):
        with pytest.raises(NotFound):
            resolve_prompt(catalog, mine, bad)


def test_uploads_chats_and_sessions_are_bounded():
    session = BrowserSession(id="me")
    keys = [session.add_upload(_prompt(i)) for i in range(MAX_UPLOADS + 3)]
    assert list(session.uploads) == keys[-MAX_UPLOADS:]
    made = []
    chat = session.chat("k", lambda: made.append(1) or "chat")
    assert session.chat("k", lambda: made.append(2) or "other") == chat == "chat" and made == [1]
    store = SessionStore(limit=3)
    first, created = store.get(None)
    assert created and store.get(first.id) == (first, False)
    for _ in range(3):
        store.get(None)
    again, created = store.get(first.id)
    assert created and again.id != first.id
