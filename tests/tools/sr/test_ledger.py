"""Checksums recorded at the first verified install: record, look up, forget, a damaged record."""

from __future__ import annotations

import pytest

from tools.sr import ledger
from tools.sr.errors import SRError


def test_record_lookup_forget(tmp_path):
    assert ledger.lookup(tmp_path, "RCAN_BIX2.pt") is None
    ledger.record(tmp_path, "RCAN_BIX2.pt", "ab" * 32, 123, "https://www.dropbox.com/s/x/models.zip?dl=1")
    ledger.record(tmp_path, "RCAN_BIX4.pt", "cd" * 32, 456, "file /tmp/RCAN_BIX4.pt")
    entry = ledger.lookup(tmp_path, "RCAN_BIX2.pt")
    assert entry["sha256"] == "ab" * 32 and entry["size"] == 123 and entry["source"].startswith("https://")
    ledger.record(tmp_path, "RCAN_BIX2.pt", "ef" * 32, 124, "file /tmp/other.pt")  # a reinstall replaces it
    assert ledger.lookup(tmp_path, "RCAN_BIX2.pt")["sha256"] == "ef" * 32
    ledger.forget(tmp_path, "RCAN_BIX2.pt")
    assert ledger.lookup(tmp_path, "RCAN_BIX2.pt") is None and ledger.lookup(tmp_path, "RCAN_BIX4.pt") is not None
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == [ledger.LEDGER_NAME]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"RCAN_BIX2.pt": {"size": 3}}'])
def test_a_damaged_record_is_an_error_naming_the_file(tmp_path, content):
    (tmp_path / ledger.LEDGER_NAME).write_text(content)
    with pytest.raises(SRError, match=f"{ledger.LEDGER_NAME}.*delete it"):
        ledger.lookup(tmp_path, "RCAN_BIX2.pt")
