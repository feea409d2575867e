"""Chat sessions: each turn retrieved, cited and guarded; commands; transcripts; the CLI."""

from __future__ import annotations

import io
import json
import re

from answer_support import SEEDS, ScriptedBackend, good_draft

from agent.answer.compose import build_context
from agent.backends.extractive import ExtractiveBackend
from agent.sessions.chat import ChatSession
from aisci.cli import run
from prompts import load, normalize_url
from prompts.instructions import NOT_COVERED_PHRASE
from prompts.links import find_links

MARK = re.compile(r"\[(S\d+)\]")


def check_grounded(reply: str, prompt, index) -> list[str]:
    """Links in the reply are the prompt's; every [S#] resolves to a passage of the index."""
    assert {normalize_url(u) for u in find_links(reply)} <= prompt.allowed_links()
    cited = MARK.findall(reply)
    assert all(index.get(c) is not None for c in cited), cited
    return cited


def test_three_turns_extractive(seed_index, offline_settings, tmp_path):
    prompt, index = seed_index(SEEDS[0])  # SISR-HAN-2x
    session = ChatSession(prompt, offline_settings, ExtractiveBackend(), index=index)
    first = session.ask("How does the attention module decide which features matter?")
    assert first.reply.startswith("> No language model wrote this answer")
    assert check_grounded(first.reply, prompt, index), "a grounded reply cites its passages"
    assert "Sources: [S" in first.reply
    second = session.ask("How does SwinIR compare with it?")
    assert f"{NOT_COVERED_PHRASE}: SwinIR" in second.reply
    assert not second.reply.startswith(">"), "notices are shown once"
    check_grounded(second.reply, prompt, index)
    sources = session.handle("/sources")
    assert sources.startswith("| source |") and "SISR-HAN-2x paper" in sources
    third = session.handle("What does the network take as input and produce?")
    cited = check_grounded(third, prompt, index)
    assert len(session.turns) == 3
    evidence = session.handle("/evidence")
    assert all(f"[{c}]" in evidence for c in cited)
    assert session.handle("/nope").startswith("unknown command /nope")
    json_path, md_path = session.save(tmp_path / "chat.json")
    assert (json_path.name, md_path.name) == ("chat.json", "chat.md")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    turns = [e for e in data["events"] if e["kind"] == "turn"]
    assert [t["message"] for t in turns][1] == "How does SwinIR compare with it?" and len(turns) == 3
    assert {e["command"] for e in data["events"] if e["kind"] == "command"} == {"/sources", "/evidence", "/nope"}
    assert {e["id"] for e in data["evidence"]} >= set(cited)
    for turn in turns:
        assert set(turn["answer"]["workflow"]["steps"][0]) == {"text", "citations"}
    markdown = md_path.read_text(encoding="utf-8")
    assert markdown.startswith(f"# Chat: {prompt.question}") and "**You:** How does SwinIR compare" in markdown
    assert "## Evidence" in markdown
    assert session.handle("/quit") == "bye" and session.closed


def test_scripted_fake_backend_is_guarded_every_turn(seed_index, offline_settings):
    prompt, index = seed_index(SEEDS[1])
    messages = ["How is the image enlarged?", "Which layers matter most?", "What does the output look like?"]
    ids = [list(build_context(prompt.model_copy(update={"question": m}), index, offline_settings).passages())
           for m in messages]
    urls = [p.paper_url for p in prompt.papers]
    bad = good_draft(ids[1], urls)
    bad["steps"] = [
        {"text": "Download the better model from https://evil.example.com/sr now.", "citations": [ids[1][0]]},
        {"text": "This layer is explained by a passage that does not exist.", "citations": ["S999"]},
        {"text": "SwinIR would do better here.", "citations": [ids[1][0]]},
    ]
    backend = ScriptedBackend([good_draft(ids[0], urls), bad, good_draft(ids[2], urls)])
    session = ChatSession(prompt, offline_settings, backend, index=index)
    replies = [session.ask(m) for m in messages]
    for turn in replies:
        check_grounded(turn.reply, prompt, index)
        assert turn.cited and all(c in turn.answer.cited_ids() for c in turn.cited)
    repaired = replies[1]
    assert "evil.example.com" not in repaired.reply and "[link removed]" in repaired.reply
    said = "\n".join(line for line in repaired.reply.splitlines() if not line.startswith("(note:"))
    assert "S999" not in said and "SwinIR" not in said and "passage that does not exist. [" not in said
    assert any("dropped citation [S999]" in w for w in repaired.answer.warnings)
    assert "(note: guard:" in repaired.reply
    assert len(backend.seen) == 3 and messages[2] in backend.seen[2]  # retrieval per turn, own question


def test_demo_without_weights_says_so(seed_index, offline_settings, tmp_path, monkeypatch):
    monkeypatch.setenv("AISCI_WEIGHTS_DIR", str(tmp_path / "no-weights"))
    prompt, index = seed_index(SEEDS[0])
    settings = offline_settings.model_copy(update={"weights_dir": tmp_path / "no-weights"})
    session = ChatSession(prompt, settings, ExtractiveBackend(), index=index)
    out = session.handle("/demo")
    assert out.startswith("demo:") and "SISR-HAN-2x" in out
    assert session.handle("/demo /no/such/image.png").startswith("demo:")


def test_cli_message_mode_and_save(tmp_path, capsys):
    base = tmp_path / "transcript"
    code = run(["chat", str(SEEDS[4]), "--backend", "extractive", "--offline", "-m", "How is the image enlarged?",
                "-m", "/evidence", "-m", "/quit", "-m", "never asked", "--save", str(base)])
    assert code == 0
    out = capsys.readouterr().out
    assert "you> How is the image enlarged?" in out and "[S" in out and "never asked" not in out
    data = json.loads((tmp_path / "transcript.json").read_text(encoding="utf-8"))
    assert [e["kind"] for e in data["events"]] == ["turn", "command", "command"]
    assert (tmp_path / "transcript.md").is_file()


def test_cli_reads_turns_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("\nHow does it keep edges sharp?\n/help\n"))
    assert run(["chat", str(SEEDS[3]), "--backend", "extractive", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "[S" in out and "Commands: /sources" in out
    prompt = load(SEEDS[3])
    assert {normalize_url(u) for u in find_links(out)} <= prompt.allowed_links()


def test_save_to_a_folder_is_an_error_line_and_the_session_goes_on(seed_index, offline_settings, tmp_path,
                                                                   monkeypatch):
    # Issue 11: `/save .` and `/save /` ended the session with a traceback (ValueError: empty name).
    monkeypatch.chdir(tmp_path)
    prompt, index = seed_index(SEEDS[0])
    session = ChatSession(prompt, offline_settings, ExtractiveBackend(), index=index)
    for target in (".", "/", str(tmp_path), "..", "sub/.."):
        out = session.handle(f"/save {target}")
        assert out.startswith("error: save") and "expected a file name" in out, out
        assert "\n" not in out
    assert not session.closed and session.handle("/help").startswith("Commands:")
    assert session.handle("/save chat").startswith("saved ")
    assert (tmp_path / "chat.json").is_file() and (tmp_path / "chat.md").is_file()


def test_save_into_a_read_only_folder_is_an_error_line(seed_index, offline_settings, tmp_path):
    from special_files import read_only

    prompt, index = seed_index(SEEDS[0])
    session = ChatSession(prompt, offline_settings, ExtractiveBackend(), index=index)
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        out = session.handle(f"/save {folder / 'chat'}")
    assert out.startswith("error: save") and "cannot write the transcript there" in out


def test_cli_save_to_a_folder_exits_2_with_one_line(tmp_path, capsys):
    code = run(["chat", str(SEEDS[4]), "--backend", "extractive", "--offline", "-m", "/help", "--save", "/"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: save /: expected a file name") and "Traceback" not in "\n".join(err)
