"""index/vectors.py: the vector cache on disk, and how it heals when its SQLite file is damaged."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from index.errors import IndexBuildError
from index.vectors import VectorCache


def vec(seed: int) -> list[float]:
    return np.random.default_rng(seed).normal(size=384).astype(np.float32).tolist()


def filled(path, n=300):
    cache = VectorCache(path)
    cache.put_many({f"text {i}": vec(i) for i in range(n)})
    cache._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
    cache.close()
    return path


def test_put_get_roundtrip(tmp_path):
    cache = VectorCache(tmp_path / "v.sqlite3")
    cache.put_many({"a": vec(1), "b": vec(2)})
    got = cache.get_many(["a", "b", "c"])
    assert set(got) == {"a", "b"} and np.allclose(got["a"], vec(1), atol=1e-6) and len(cache) == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed-header"])
def test_a_damaged_database_file_heals(tmp_path, damage):
    path = filled(tmp_path / "v.sqlite3")
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a database at all " * 500)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 3])
    else:
        path.write_bytes(b"\0" * 100 + data[100:])
    with pytest.raises(sqlite3.DatabaseError):  # the damage is real: SQLite itself refuses the file
        db = sqlite3.connect(str(path))
        db.execute("SELECT key, data FROM vectors").fetchall()
    cache = VectorCache(path)  # heals: no traceback, an empty cache that works
    assert cache.get_many(["text 1"]) == {}
    cache.put_many({"text 1": vec(1)})
    assert np.allclose(cache.get_many(["text 1"])["text 1"], vec(1), atol=1e-6)
    cache.close()
    reopened = VectorCache(path)
    assert len(reopened) == 1


def test_damage_found_after_opening_heals_too(tmp_path):
    path = filled(tmp_path / "v.sqlite3", n=2000)
    cache = VectorCache(path)  # opened while the file is still good
    data = path.read_bytes()
    with open(path, "r+b") as handle:  # another process (or the disk) damages it meanwhile
        handle.seek(len(data) // 2)
        handle.write(b"\xff" * (len(data) // 2))
    cache._db.execute("PRAGMA cache_size=0")
    got = cache.get_many([f"text {i}" for i in range(2000)])  # no traceback
    assert isinstance(got, dict)
    cache.put_many({"fresh": vec(7)})
    assert "fresh" in cache.get_many(["fresh"]) and len(cache) == 1, "the damaged file was started afresh"


def test_a_cache_that_cannot_be_opened_names_cache_clear(tmp_path):
    path = tmp_path / "v.sqlite3"
    path.mkdir()  # a folder where the file should be: SQLite cannot open it
    with pytest.raises(IndexBuildError, match="aisci cache clear"):
        VectorCache(path)
