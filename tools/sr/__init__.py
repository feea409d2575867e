"""The SR model zoo: HAN, RCAN and LIIF (EDSR-baseline / RDN encoders) with their official weights,
a runner for CUDA or CPU, paper-compatible metrics, and the demo the agent shows.

Importing this package does not import torch; the architectures and the runner load it.
"""

from tools.sr.config import SRConfig
from tools.sr.errors import (
    BadDevice,
    BadImage,
    BadScale,
    BadWeights,
    DownloadError,
    DownloadRefused,
    DownloadsOff,
    ManualDownload,
    NotInZoo,
    SRError,
    WeightsNotInstalled,
)
from tools.sr.result import SRMetrics, SRPaths, SRResult
from tools.sr.zoo import ModelSpec, WeightsSpec, get_spec, is_in_zoo, list_specs

__all__ = [
    "BadDevice",
    "BadImage",
    "BadScale",
    "BadWeights",
    "DownloadError",
    "DownloadRefused",
    "DownloadsOff",
    "ManualDownload",
    "ModelSpec",
    "NotInZoo",
    "SRConfig",
    "SRError",
    "SRMetrics",
    "SRPaths",
    "SRResult",
    "WeightsNotInstalled",
    "WeightsSpec",
    "get_spec",
    "is_in_zoo",
    "list_specs",
]
