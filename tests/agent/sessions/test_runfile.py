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


# --- read-only places, a full disk, special files, names that are not UTF-8 (issue 11) ---------------
import subprocess  # noqa: E402
import sys  # noqa: E402

from special_files import limited_file_size_preexec, make_fifo, non_utf8_name, read_only  # noqa: E402

REPO = Path(__file__).resolve().parents[3]


def test_a_read_only_folder_is_one_line(tmp_path: Path):
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder), pytest.raises(RunFileError, match="cannot create the run file there"):
        with RunFile(folder / "run.jsonl"):
            pass


def test_a_read_only_run_file_is_one_line_before_any_work(tmp_path: Path):
    path = tmp_path / "run.jsonl"
    path.write_bytes(encode_record({"prompt_id": "a", "status": "ok"}))
    with read_only(path), pytest.raises(RunFileError, match="cannot write the run file"):
        with RunFile(path):
            pass


def test_a_special_file_is_refused(tmp_path: Path):
    with pytest.raises(RunFileError, match="found a special file"):
        with RunFile(make_fifo(tmp_path, "run.jsonl")):
            pass
    with pytest.raises(RunFileError, match="found a special file"):
        with RunFile("/dev/full"):
            pass


def test_a_full_disk_is_one_line_and_loses_nothing_written(tmp_path: Path):
    # A real write failure: the child may not grow any file past 300 bytes (EFBIG, as on a full disk).
    path = tmp_path / "run.jsonl"
    code = (
        "import sys\n"
        "from agent.sessions.runfile import RunFile, RunFileError\n"
        f"with RunFile({str(path)!r}) as run:\n"
        "    run.append({'prompt_id': 'a', 'status': 'ok'})\n"
        "    try:\n"
        "        run.append({'prompt_id': 'b', 'status': 'ok', 'text': 'x' * 1000})\n"
        "    except RunFileError as exc:\n"
        "        print(exc)\n"
        "        sys.exit(2)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
                          preexec_fn=limited_file_size_preexec(300))
    assert done.returncode == 2, done.stderr
    assert "cannot append to the run file (File too large)" in done.stdout and "Traceback" not in done.stderr
    with RunFile(path) as run:
        assert [r["prompt_id"] for r in run.records] == ["a"]


def test_a_prompt_path_that_is_not_utf8_is_written_and_read_back(tmp_path: Path):
    name = str(non_utf8_name(tmp_path))
    with RunFile(tmp_path / "run.jsonl") as run:
        run.append({"prompt_id": "a", "prompt_path": name})
    with RunFile(tmp_path / "run.jsonl") as run:
        assert run.records[0]["prompt_path"] == name and Path(run.records[0]["prompt_path"]) == Path(name)
