"""The agent's `run_sr_model` tool: run a zoo model for real and return what it produced.

Arguments are untrusted (they come from an LLM that read papers): the image is read only from the
allowed folders (the working directory, the configured input folder, the bundled samples), after
symlinks and `..` are resolved; URLs and special files are refused; output goes only to a fresh
folder under the configured output folder. A refusal writes nothing and comes back as
{"error": ...} so the agent can say plainly what happened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from prompts.errors import AisciError
from tools.sr.config import SRConfig
from tools.sr.errors import BadImage, NotInZoo, WeightsNotInstalled
from tools.sr.images import check_regular_file

NAME = "run_sr_model"
_URL_PREFIXES = ("http:", "https:", "ftp:", "ftps:", "file:", "data:", "s3:", "gs:", "smb:", "//", "\\\\")


class RunSRModelArgs(BaseModel):
    """Arguments of run_sr_model."""

    model: str = Field(
        description="Zoo model name exactly as the prompt lists it, e.g. SISR-HAN-2x, SISR-RCAN-4x, SISR-Any-LIIF-EDSR."
    )
    image_path: str | None = Field(
        None,
        description="Image file in the working directory or the input folder; omit to use the bundled test chart.",
    )
    scale: float | None = Field(
        None, description="Upscaling factor; fixed-scale models accept only their own, LIIF any value from 1 to 30."
    )
    mode: Literal["demo", "upscale"] = Field(
        "demo",
        description="demo: downscale the image, restore it and report PSNR/SSIM vs bicubic; upscale: enlarge it as is.",
    )


def resolve_allowed_image(image_path: str, config: SRConfig) -> Path:
    """The real path of `image_path` if it is a regular file inside an allowed folder, else BadImage."""
    text = str(image_path).strip()
    if not text:
        raise BadImage("image_path is empty")
    if "\x00" in text:
        raise BadImage("image_path contains a NUL character")
    lowered = text.lower()
    if "://" in lowered or lowered.startswith(_URL_PREFIXES):
        raise BadImage(f"{text!r} is a URL; run_sr_model reads only local image files (nothing is downloaded)")
    allowed = config.allowed_input_dirs()
    candidate = Path(text).expanduser()
    if not candidate.is_absolute():
        candidate = Path.cwd() / candidate
    try:
        real = candidate.resolve(strict=True)
    except FileNotFoundError:
        raise BadImage(f"{text}: no such file") from None
    except (OSError, RuntimeError) as exc:
        raise BadImage(f"{text}: cannot be resolved ({exc})") from None
    if not any(real == d or real.is_relative_to(d) for d in allowed):
        raise BadImage(
            f"{text}: outside the folders run_sr_model may read ({', '.join(str(d) for d in allowed)}); "
            "copy the image into the working directory or set AISCI_INPUT_DIR"
        )
    return check_regular_file(real)


def run_sr_model(config: SRConfig, model: str, image_path: str | None = None, scale: float | None = None,
                 mode: str = "demo") -> dict[str, Any]:
    """Run the tool's job; a JSON-ready dict: the SRResult, or {"error": ...} for a refusal."""
    from tools.sr.demo import run_demo, upscale
    from tools.sr.zoo import get_spec

    try:
        spec = get_spec(model)
        spec.check_scale(scale)
        path = resolve_allowed_image(image_path, config) if image_path else None
        if mode == "upscale" and path is None:
            raise BadImage("mode 'upscale' needs an image_path (the demo mode can use the bundled test chart)")
        out_dir = Path(config.output_dir).resolve()
        if mode == "upscale":
            result = upscale(spec.name, path, scale, out_dir=out_dir, config=config)
        else:
            result = run_demo(spec.name, path, scale, out_dir=out_dir, config=config)
        return result.model_dump(mode="json")
    except NotInZoo as exc:
        return {"error": str(exc), "error_type": "not_in_zoo", "model": model, "zoo": exc.known}
    except WeightsNotInstalled as exc:
        return {"error": str(exc), "error_type": "weights_not_installed", "model": exc.model, "source": exc.source}
    except AisciError as exc:
        return {"error": str(exc), "error_type": type(exc).__name__, "model": model}


class RunSRModelTool(BaseTool):
    """LangChain tool wrapping `run_sr_model` with a fixed SRConfig."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str = NAME
    description: str = (
        "Run a super-resolution model of the zoo (HAN, RCAN or LIIF) for real on an image and get the "
        "input/output/comparison PNG paths, time, device and, in demo mode, PSNR/SSIM of the model and of "
        "bicubic against the original. Returns {'error': ...} when the model is not in the zoo, its "
        "weights are not installed, or the arguments are refused."
    )
    args_schema: type[BaseModel] = RunSRModelArgs
    config: SRConfig = Field(default_factory=SRConfig)

    def _run(self, model: str, image_path: str | None = None, scale: float | None = None, mode: str = "demo",
             run_manager=None) -> dict[str, Any]:
        return run_sr_model(self.config, model, image_path, scale, mode)


def make_sr_tool(config: SRConfig | None = None) -> BaseTool:
    """The `run_sr_model` tool bound to `config` (e.g. `Settings.sr_config()`)."""
    return RunSRModelTool(config=config or SRConfig())
