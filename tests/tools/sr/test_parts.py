"""The segments of an unfinished download: what counts as received, and assembly."""

from __future__ import annotations

import pytest

from prompts.files import atomic_write_bytes
from tools.sr.errors import BadWeights
from tools.sr.parts import Parts

URL = "https://www.dropbox.com/s/x/f.zip?dl=1"


def test_only_bytes_without_a_gap_count(tmp_path):
    parts = Parts(tmp_path, "f.zip", URL)
    parts.start(total=10, validator='"v1"', keep=False)
    atomic_write_bytes(parts.segment_path(0), b"abcd")
    atomic_write_bytes(parts.segment_path(4), b"ef")
    atomic_write_bytes(parts.segment_path(8), b"ij")  # after a gap: dropped
    assert parts.committed() == 6 and [o for o, _ in parts.segments()] == [0, 4]
    again = Parts(tmp_path, "f.zip", URL)  # the next run reads the same state
    assert again.total == 10 and again.validator == '"v1"' and again.committed() == 6
    other = Parts(tmp_path, "f.zip", "https://www.dropbox.com/s/y/f.zip?dl=1")  # another link: start over
    assert other.committed() == 0 and not other.folder.exists()


def test_assemble_verifies_before_the_file_appears(tmp_path):
    parts = Parts(tmp_path / "downloads", "f.zip", URL)
    parts.start(total=6, validator=None, keep=False)
    atomic_write_bytes(parts.segment_path(0), b"abc")
    atomic_write_bytes(parts.segment_path(3), b"def")
    dest = tmp_path / "out" / "f.zip"

    def refuse(tmp):
        assert tmp.read_bytes() == b"abcdef" and not dest.exists()
        raise BadWeights("no")

    with pytest.raises(BadWeights):
        parts.assemble(dest, refuse)
    assert not dest.exists() and list(dest.parent.iterdir()) == [] and parts.committed() == 6
    sha = parts.assemble(dest, None)
    assert dest.read_bytes() == b"abcdef" and len(sha) == 64 and not parts.folder.exists()
