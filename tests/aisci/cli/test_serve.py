"""`aisci serve`: its options, a bad prompts folder as one line (exit 2), and the real server
started from the command line answering on loopback."""

from __future__ import annotations

import httpx
import pytest
from web_server import running_server

from aisci.cli import run


def test_help_lists_the_options(capsys):
    assert run(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--backend", "--prompts", "--offline"):
        assert option in out


def test_a_bad_prompts_folder_is_one_line_exit_2(tmp_path, capsys):
    assert run(["serve", "--backend", "extractive", "--prompts", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"error: --prompts {tmp_path / 'nope'}: expected a folder of prompt files (*.txt)"


def test_an_unknown_backend_is_one_line_exit_2(capsys):
    assert run(["serve", "--backend", "gpt9"]) == 2
    assert "unknown backend 'gpt9'" in capsys.readouterr().err


@pytest.mark.slow
def test_the_command_serves_the_page_on_loopback(tmp_path):
    env = {"AISCI_OFFLINE": "1", "AISCI_CACHE_DIR": str(tmp_path / "cache"), "AISCI_OUTPUT_DIR": str(tmp_path / "runs")}
    log = tmp_path / "serve.log"
    with running_server(env, ["--backend", "extractive"], log_path=log) as (url, _):
        page = httpx.get(url + "/")
        assert page.status_code == 200 and "<title>aisci" in page.text
        assert httpx.get(url + "/api/info").json()["backend"] == "extractive"
    text = log.read_text("utf-8")
    assert "backend: extractive (requested)" in text and f"aisci serve: {url}/" in text and "warning" not in text
