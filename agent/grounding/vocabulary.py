"""Names of well-known image-restoration models, to catch outside knowledge in an answer.

A name from this list may appear in an answer only when the prompt or the retrieved passages name
it too. Matching is case-sensitive on word boundaries, because several names are also words
("HAT", "SAN", "DAT").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

KNOWN_MODEL_NAMES = (
    "SRCNN", "FSRCNN", "ESPCN", "VDSR", "DRCN", "DRRN", "LapSRN", "MemNet", "EDSR", "MDSR", "SRGAN", "ESRGAN",
    "Real-ESRGAN", "BSRGAN", "RDN", "RRDB", "DBPN", "RCAN", "SAN", "HAN", "NLSN", "CSNLN", "IGNN", "SwinIR", "HAT",
    "DAT", "ELAN", "SwinFIR", "GRL", "CAT", "IPT", "EDT", "LIIF", "LTE", "MetaSR", "Meta-SR", "ArbSR", "CiaoSR",
    "CARN", "IMDN", "RFDN", "RLFN", "SAFMN", "ShuffleMixer", "NAFNet", "Restormer", "Uformer", "MPRNet", "DnCNN",
    "FFDNet", "CBDNet", "SRFlow", "SR3", "StableSR", "DiffBIR", "ResShift", "SUPIR", "SinSR", "OSEDiff", "LDL",
    "USRNet", "SRMD", "IKC", "DAN", "KernelGAN", "ZSSR", "TTSR", "C2-Matching", "MASA-SR", "DATSR", "SRNTT",
    "BasicVSR", "EDVR", "VRT", "RVRT", "TDAN", "SPSR", "RankSRGAN", "ESRT", "SwinIR-light", "OmniSR", "SRFormer",
    "DRCT", "MambaIR", "SeemoRe", "RealSR", "Real-HAT", "CRAFT", "A-ESRGAN",
)

_PATTERNS = {name: re.compile(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])") for name in KNOWN_MODEL_NAMES}


def model_names_in(text: str) -> set[str]:
    """The known model names that occur in `text`."""
    return {name for name, pattern in _PATTERNS.items() if pattern.search(text)}


def allowed_model_names(texts: Iterable[str]) -> set[str]:
    """Names a grounded answer may use: those that occur in the prompt or the passages."""
    found: set[str] = set()
    for text in texts:
        found |= model_names_in(text)
    return found
