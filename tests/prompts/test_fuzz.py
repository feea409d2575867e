"""Arbitrary input yields a Prompt or a PromptFormatError, never another exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from prompts import Prompt, PromptFormatError, parse

FRAGMENTS = [
    '"What is SR?"', "### Recommended AI Models:", "### Related Papers:", "Model: X", "Model:", "Paper: ",
    "Paper: https://arxiv.org/pdf/2008.08767", "Paper: javascript:x", "GitHub: https://github.com/a/b",
    "GitHub:", "Summary: s", "Summary:", "Answer:", "1. task", "\r\n", "\n", "\x00", "“", "”", "http://[::1",
    "https://a:99999/x", "Title: t", "Code: https://x.org",
]


def _check(data):
    try:
        result = parse(data, path="fuzz.txt")
    except PromptFormatError as err:
        assert err.path == "fuzz.txt"
        return
    assert isinstance(result, Prompt)
    assert result.models and all(m.paper_url for m in result.models)
    result.allowed_links()


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=30), max_size=40).map("\n".join))
def test_structured_fuzz(text):
    _check(text)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_binary_fuzz(data):
    _check(data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_text_fuzz(text):
    _check(text)


# --- files: any name (UTF-8 or not), any kind (issue 11) --------------------------------------------
import os  # noqa: E402
from pathlib import Path  # noqa: E402

from special_files import within  # noqa: E402

from prompts import load  # noqa: E402

_NAMES = st.binary(min_size=1, max_size=24).filter(lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b".."))
_KINDS = st.sampled_from(["regular", "fifo", "socket", "dir", "symlink-to-zero", "symlink-to-fifo", "dangling", "empty"])
_BODIES = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=20), max_size=25).map("\n".join)


def _make(path: Path, kind: str, body: str):
    if kind == "regular":
        path.write_text(body, encoding="utf-8", errors="surrogateescape")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        import socket

        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(os.fsencode(path))
        return sock
    elif kind == "dir":
        path.mkdir()
    elif kind == "dangling":
        path.symlink_to(path.with_name("missing-target"))
    else:
        target = Path("/dev/zero") if kind == "symlink-to-zero" else path.with_name("fifo-target")
        if kind == "symlink-to-fifo":
            os.mkfifo(target)
        path.symlink_to(target)
    return None


def _load_file(path: Path) -> None:
    try:
        prompt = load(path)
    except PromptFormatError as err:
        text = str(err)
        text.encode("utf-8")  # printable as one line, whatever the name's bytes
        assert "\n" not in text.split(": ", 1)[0]
        return
    assert isinstance(prompt, Prompt)
    prompt.path.encode("utf-8")
    prompt.model_dump_json()


@settings(max_examples=150, deadline=None)
@given(name=_NAMES, kind=_KINDS, body=_BODIES)
def test_any_file_name_and_kind(tmp_path_factory, name, kind, body):
    folder = tmp_path_factory.mktemp("fuzz")
    path = Path(os.fsdecode(os.fsencode(folder) + b"/" + name))
    sock = _make(path, kind, body)
    try:
        within(5, lambda: _load_file(path))  # a FIFO or /dev/zero must never hang or exhaust memory
    finally:
        if sock is not None:
            sock.close()
