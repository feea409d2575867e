"""Settings of the SR zoo. `agent.settings.Settings.sr_config()` builds one from the AISCI_*
environment; everything here has a usable default so the zoo also works on its own.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict, Field

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def _default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("aisci"))


class SRConfig(BaseModel):
    """Where weights and outputs live, which device runs the models, and the input limits."""

    model_config = ConfigDict(frozen=True)

    cache_dir: Path = Field(default_factory=_default_cache_dir, description="aisci's cache directory.")
    weights_dir: Path | None = Field(default=None, description="Folder of weights files (default <cache_dir>/weights).")
    device: str = Field(default="auto", description="auto (CUDA if available), cpu, cuda or cuda:N.")
    dtype: str = Field(default="auto", description="auto (float16 on CUDA, float32 on CPU), float32, float16, bfloat16.")
    max_image_pixels: int = Field(default=40_000_000, gt=0, description="Largest input image, in pixels.")
    max_output_pixels: int = Field(default=64_000_000, gt=0, description="Largest output image, in pixels.")
    max_work_gflop: float | None = Field(
        default=None, gt=0,
        description="Most work one run may do, in GFLOP (see tools.sr.budget); None: 10000 on the CPU, 500000 on CUDA.",
    )
    no_download: bool = Field(default=False, description="Never download weights automatically.")
    offline: bool = Field(default=False, description="AISCI_OFFLINE: no download at all (named in messages).")
    allow_loopback: bool = Field(default=False, description="Allow loopback/private addresses (tests).")
    weights_loopback_url: str | None = Field(
        default=None,
        description="Tests only (needs allow_loopback): a loopback server standing in for the authors' hosts.",
    )
    max_weights_mb: float = Field(default=2048.0, gt=0, description="Largest weights download (file or archive), MB.")
    download_timeout_s: float = Field(default=30.0, gt=0, description="Timeout of one HTTP read, in seconds.")
    download_retries: int = Field(default=3, ge=0, description="Attempts without progress before a download fails.")
    download_backoff_s: float = Field(default=1.0, ge=0, description="First wait after a failed attempt; doubles.")
    input_dir: Path | None = Field(default=None, description="Extra folder the SR tool may read images from.")
    output_dir: Path = Field(default=Path("aisci-runs"), description="Folder the SR tool writes under.")
    chop: bool = Field(default=True, description="HAN/RCAN: the authors' four-quadrant chop (paper-faithful).")
    tile: int | None = Field(default=None, gt=0, description="HAN/RCAN: overlapping tiles of this LR size instead.")
    query_batch: int | None = Field(
        default=None, gt=0,
        description="LIIF: queries decoded per batch (bounds memory); default 4096 on CPU (cache-sized), 30000 on CUDA.",
    )

    def resolved_weights_dir(self) -> Path:
        """The weights folder: `weights_dir` or <cache_dir>/weights."""
        return Path(self.weights_dir) if self.weights_dir else Path(self.cache_dir) / "weights"

    def downloads_dir(self) -> Path:
        """Where weights downloads and the authors' archives live: <cache_dir>/downloads."""
        return Path(self.cache_dir) / "downloads"

    @property
    def max_weights_bytes(self) -> int:
        return int(self.max_weights_mb * 1024 * 1024)

    def allowed_input_dirs(self) -> list[Path]:
        """Folders images may be read from: the working directory, `input_dir`, the bundled samples."""
        dirs = [Path.cwd()]
        if self.input_dir:
            dirs.append(Path(self.input_dir))
        dirs.append(SAMPLES_DIR)
        return [d.resolve() for d in dirs]
