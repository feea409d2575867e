"""prompts/files.py: the one atomic writer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from prompts.files import atomic_file, atomic_write_bytes, atomic_write_text


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "f.json"
    atomic_write_bytes(target, b"old")

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr("prompts.files.os.replace", boom)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_atomic_write_replaces_whole_file(tmp_path: Path):
    path = tmp_path / "sub" / "report.md"
    atomic_write_text(path, "one")
    atomic_write_text(path, "two")
    assert path.read_text() == "two"
    assert [p.name for p in path.parent.iterdir()] == ["report.md"]


def test_a_failed_check_inside_the_block_keeps_the_old_file(tmp_path: Path):
    target = tmp_path / "weights.pth"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="wrong file"):
        with atomic_file(target) as (handle, tmp):
            handle.write(b"new")
            assert tmp.exists() and tmp.parent == tmp_path
            raise ValueError("wrong file")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["weights.pth"]


def test_new_files_get_umask_permissions(tmp_path: Path):
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
