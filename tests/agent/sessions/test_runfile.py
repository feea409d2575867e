"""The batch run file: whole-line appends, recovery from a cut last line, one writer at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.sessions.runfile import RunFile, RunFileError, encode_record, split_records


def test_append_writes_one_line_per_record(tmp_path: Path):
    path = tmp_path / "run.jsonl"
    with RunFile(path) as run:
        assert run.records == []
        run.append({"prompt_id": "a", "text": "line\nbreak"})
        run.append({"prompt_id": "b"})
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3
    assert [json.loads(x)["prompt_id"] for x in lines[:2]] == ["a", "b"]
    with RunFile(path) as run:
        assert [r["prompt_id"] for r in run.records] == ["a", "b"] and run.dropped == 0


def test_cut_last_line_is_set_aside_and_dropped(tmp_path: Path):
    path = tmp_path / "run.jsonl"
    good = encode_record({"prompt_id": "a"})
    cut = encode_record({"prompt_id": "b", "x": "y" * 50})[:30]
    path.write_bytes(good + cut)
    with RunFile(path) as run:
        assert [r["prompt_id"] for r in run.records] == ["a"] and run.dropped == 1
        run.append({"prompt_id": "b"})
    assert path.read_bytes() == good + encode_record({"prompt_id": "b"})
    assert (tmp_path / "run.jsonl.dropped").read_bytes() == cut + b"\n"


def test_a_complete_json_line_without_newline_still_counts_as_cut(tmp_path: Path):
    records, bad = split_records(b'{"prompt_id": "a"}\n{"prompt_id": "b"}')
    assert [r["prompt_id"] for r in records] == ["a"] and bad == [b'{"prompt_id": "b"}']
    records, bad = split_records(b'not json\n[1]\n\n{"prompt_id": "c"}\n')
    assert [r["prompt_id"] for r in records] == ["c"] and len(bad) == 2


def test_one_writer_at_a_time(tmp_path: Path):
    path = tmp_path / "run.jsonl"
    with RunFile(path):
        with pytest.raises(RunFileError, match="another aisci batch"):
            with RunFile(path):
                pass
    with RunFile(path):  # released
        pass


def test_directory_is_refused(tmp_path: Path):
    with pytest.raises(RunFileError, match="found a directory"):
        with RunFile(tmp_path):
            pass
