"""index/cache.py: content-addressed blobs, per-URL records, atomic writes, clearing."""

from __future__ import annotations

import hashlib

import pytest

from index.cache import SourceCache, cache_summary, clear_cache
from index.config import IndexConfig


@pytest.fixture
def cache(tmp_path):
    return SourceCache(IndexConfig(cache_dir=tmp_path / "c"))


def test_put_lookup_and_content_addressing(cache):
    rec = cache.put_bytes("http://x/a", b"hello", "text/plain")
    assert rec.sha256 == hashlib.sha256(b"hello").hexdigest() and rec.size == 5 and rec.status == "ok"
    got, path = cache.lookup("http://x/a")
    assert got == rec and path.read_bytes() == b"hello" and path.parent.name == rec.sha256[:2]
    cache.put_bytes("http://x/b", b"hello", "text/plain")  # same bytes, one blob
    assert len([p for p in (cache.root / "blobs").rglob("*") if p.is_file()]) == 1
    assert cache.lookup("http://x/missing") is None


def test_blob_damaged_or_missing_is_a_miss(cache):
    rec = cache.put_bytes("http://x/a", b"hello", None)
    cache.blob_path(rec.sha256).write_bytes(b"hel")
    assert cache.lookup("http://x/a") is None
    assert not cache.blob_path(rec.sha256).exists(), "a damaged blob is deleted, so the next fetch replaces it"
    rec = cache.put_bytes("http://x/a", b"hello", None)
    cache.blob_path(rec.sha256).unlink()
    assert cache.lookup("http://x/a") is None


def test_unreadable_record_counts_as_absent(cache):
    cache.meta_path("http://x/a").parent.mkdir(parents=True)
    cache.meta_path("http://x/a").write_text("{not json")
    assert cache.record("http://x/a") is None and cache.lookup("http://x/a") is None


def test_failure_never_overwrites_a_good_copy(cache):
    cache.put_bytes("http://x/a", b"hello", None)
    cache.record_failure("http://x/a", "HTTP 500")
    assert cache.lookup("http://x/a") is not None
    cache.record_failure("http://x/b", "HTTP 404", permanent=True)
    assert cache.record("http://x/b").error == "HTTP 404"
    assert cache.known_failure("http://x/b", ttl_s=60) is not None
    assert cache.known_failure("http://x/b", ttl_s=0) is None
    assert [r.url for r in cache.records()] == ["http://x/a", "http://x/b"]


def test_text_cache_is_versioned(cache):
    cache.save_text("ab" * 32, "pdf-1", {"pages": [[1, "x"]]})
    assert cache.load_text("ab" * 32, "pdf-1") == {"version": "pdf-1", "pages": [[1, "x"]]}
    assert cache.load_text("ab" * 32, "pdf-2") is None


def test_clear_keeps_other_users_of_the_cache_dir(tmp_path):
    config = IndexConfig(cache_dir=tmp_path / "c")
    SourceCache(config).put_bytes("http://x/a", b"hello", None)
    config.vectors_path.write_bytes(b"db")
    weights = config.cache_dir / "weights" / "rcan.pt"
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"w")
    assert cache_summary(config)["sources"]["files"] == 2
    removed = clear_cache(config)
    assert config.sources_dir in removed and not config.sources_dir.exists()
    assert not config.vectors_path.exists() and weights.exists()
    assert clear_cache(config) == []


def test_a_blob_is_checked_against_its_sha256(cache):
    # Same size, other bytes: the size check alone would trust it (issue 11).
    rec = cache.put_bytes("http://x/a", b"hello world", None)
    cache.blob_path(rec.sha256).write_bytes(b"HELLO WORLD")
    assert cache.lookup("http://x/a") is None
    assert not cache.blob_path(rec.sha256).exists() and cache.record("http://x/a") is None
    good = cache.put_bytes("http://x/a", b"hello world", None)
    assert cache.lookup("http://x/a")[1].read_bytes() == b"hello world" and good.sha256 == rec.sha256


@pytest.mark.parametrize("entry", ['[]', '"x"', '{"version": "pdf-1", "pages": {"1": "x"}}',
                                   '{"version": "pdf-1", "pages": [[1, 2]]}', '{"version": "pdf-1"}', "{bad"])
def test_text_entries_of_the_wrong_shape_are_dropped(cache, entry):
    path = cache.text_path("ab" * 32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(entry)
    assert cache.load_text("ab" * 32, "pdf-1") is None and not path.exists()
