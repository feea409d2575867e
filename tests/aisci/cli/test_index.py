"""`aisci index`, `aisci search`, `aisci cache` (agent/cli_index.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loopback import LoopbackServer

from aisci.cli import run
from index.netpolicy import clear_probe_cache

SEED = "000_e84ef3a245fb1958.txt"


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch):
    # Tests never reach the real arXiv/GitHub, whatever machine they run on.
    monkeypatch.setenv("AISCI_ARXIV_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AISCI_GITHUB_RAW_BASE_URL", "http://127.0.0.1:9")
    clear_probe_cache()
    yield
    clear_probe_cache()


def test_index_offline_json(prompt_set_dir: Path, capsys):
    assert run(["index", str(prompt_set_dir / SEED), "--offline", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"prompt_id", "collection", "sources", "passages", "seconds"}
    assert data["collection"] == f"q-{data['prompt_id']}" and data["passages"] > 0
    assert data["offline"] and data["offline_fallback"]
    statuses = {s["ref"]: s["status"] for s in data["sources"]}
    assert statuses["SISR-HAN-2x paper"] == "abstract only"
    assert statuses["SISR-HAN-2x code"] == "offline"
    assert statuses["FeatSharp: Your Vision Model Features, Sharper"] == "prompt summary only"
    assert all(set(s) == {"ref", "url", "status", "pages", "chunks", "detail"} for s in data["sources"])


def test_index_unreachable_network_falls_back(prompt_set_dir: Path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    # 127.0.0.1:9 stands in for an unreachable network; without this it is refused before any probe.
    monkeypatch.setenv("AISCI_ALLOW_LOOPBACK", "1")
    assert run(["index", str(prompt_set_dir / SEED)]) == 0
    captured = capsys.readouterr()
    assert "abstract only" in captured.out and "prompt summary only" in captured.out
    assert "network unreachable" in captured.out
    assert "summaries or abstracts only" in captured.err


@pytest.fixture
def server():
    with LoopbackServer() as srv:
        yield srv


def test_index_from_loopback_and_cache_commands(server, testdata_dir, tmp_path, capsys, monkeypatch):
    from tests.index.conftest import PROMPT_TEXT, make_paper_pdf, serve_prompt_sources

    serve_prompt_sources(server, make_paper_pdf(), testdata_dir)
    monkeypatch.setenv("AISCI_ARXIV_BASE_URL", server.url)
    monkeypatch.setenv("AISCI_GITHUB_RAW_BASE_URL", server.url)
    monkeypatch.setenv("AISCI_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("AISCI_ARXIV_DELAY_S", "0")
    monkeypatch.setenv("COLUMNS", "200")
    prompt = tmp_path / "p.txt"
    prompt.write_text(PROMPT_TEXT)
    assert run(["index", str(prompt)]) == 0
    out = capsys.readouterr().out
    assert "fetched" in out and "HTTP 404" in out and "encrypted" in out

    assert (
        run(
            [
                "search",
                str(prompt),
                "How does the network decide how much each residual group's features matter?",
                "-k",
                "2",
                "--json",
            ]
        )
        == 0
    )
    found = json.loads(capsys.readouterr().out)
    assert len(found["passages"]) == 2 and found["passages"][0]["id"].startswith("S")
    assert found["passages"][0]["label"].startswith("SISR-HAN-2x paper (arXiv 2008.08767), p. ")
    assert run(["search", str(prompt), "attention", "-k", "1"]) == 0
    assert "1 passages" in capsys.readouterr().out

    assert run(["cache", "ls", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert any(r["url"].endswith("/pdf/2008.08767") and r["status"] == "ok" for r in listing["sources"])
    assert any(r["status"] == "error" and r["error"] == "HTTP 404" for r in listing["sources"])
    assert run(["cache", "ls"]) == 0
    assert "pdf/2008.08767" in capsys.readouterr().out
    assert run(["cache", "clear"]) == 0
    assert "removed" in capsys.readouterr().out
    assert run(["cache", "ls", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sources"] == []


def test_bad_prompt_and_bad_papers_dir_exit_2(prompt_set_dir: Path, tmp_path: Path, capsys):
    assert run(["index", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "missing.txt" in err
    assert run(["index", str(prompt_set_dir / SEED), "--papers-dir", str(tmp_path / "nope")]) == 2
    assert "--papers-dir" in capsys.readouterr().err
