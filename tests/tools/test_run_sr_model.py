"""The agent's run_sr_model tool: argument schema, refusals (nothing written), a real run."""

from __future__ import annotations

import json
import os

import pytest
from PIL import Image

from tools.run_sr_model import RunSRModelArgs, make_sr_tool, resolve_allowed_image, run_sr_model
from tools.sr.config import SRConfig


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory with one good image, and a config that never downloads."""
    work = tmp_path / "work"
    work.mkdir()
    Image.new("RGB", (32, 24), (120, 30, 200)).save(work / "ok.png")
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def config(tmp_path) -> SRConfig:
    return SRConfig(cache_dir=tmp_path / "cache", weights_dir=tmp_path / "weights", output_dir=tmp_path / "runs",
                    no_download=True, device="cpu", max_image_pixels=10_000)


def _nothing_written(tmp_path) -> bool:
    return not (tmp_path / "runs").exists() and not (tmp_path / "weights").exists()


def test_schema_and_factory(config):
    tool = make_sr_tool(config)
    assert tool.name == "run_sr_model"
    assert set(tool.args) == {"model", "image_path", "scale", "mode"}
    assert RunSRModelArgs(model="SISR-HAN-2x").image_path is None


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"model": "SISR-SwinIR-2x"}, "not in the SR zoo"),
        ({"model": "SISR-HAN-2x", "scale": 3}, "exactly 2"),
        ({"model": "SISR-Any-LIIF-EDSR", "scale": 100}, "from 1 to 30"),
        ({"model": "SISR-Any-LIIF-EDSR", "image_path": "https://example.com/cat.png"}, "is a URL"),
        ({"model": "SISR-Any-LIIF-EDSR", "image_path": "file:///etc/passwd"}, "is a URL"),
        ({"model": "SISR-Any-LIIF-EDSR", "image_path": "../outside.png"}, "outside the folders"),
        ({"model": "SISR-Any-LIIF-EDSR", "image_path": "/etc/hostname"}, "outside the folders"),
        ({"model": "SISR-Any-LIIF-EDSR", "image_path": "missing.png"}, "no such file"),
        ({"model": "SISR-Any-LIIF-EDSR", "image_path": "notes.txt"}, "not an image file"),
        ({"model": "SISR-Any-LIIF-EDSR", "image_path": "big.png"}, "over the limit"),
        ({"model": "SISR-Any-LIIF-EDSR", "image_path": "fifo.png"}, "special file"),
        ({"model": "SISR-Any-LIIF-EDSR", "image_path": "link.png"}, "outside the folders"),
        ({"model": "SISR-Any-LIIF-EDSR", "mode": "upscale"}, "needs an image_path"),
        ({"model": "SISR-HAN-2x", "image_path": "ok.png"}, "weights not installed"),
        ({"model": "SISR-Any-LIIF-EDSR", "image_path": "ok.png"}, "AISCI_NO_DOWNLOAD"),
    ],
)
def test_refusals_are_clear_and_write_nothing(workdir, config, tmp_path, kwargs, expected):
    (tmp_path / "outside.png").write_bytes((workdir / "ok.png").read_bytes())
    (workdir / "notes.txt").write_text("hello")
    Image.new("RGB", (200, 100)).save(workdir / "big.png")
    os.mkfifo(workdir / "fifo.png")
    (workdir / "link.png").symlink_to(tmp_path / "outside.png")
    result = make_sr_tool(config).invoke(kwargs)
    assert set(result) >= {"error", "error_type"}
    assert expected in result["error"]
    json.dumps(result)
    assert _nothing_written(tmp_path)


def test_not_in_zoo_and_missing_weights_say_what_to_do(workdir, config):
    result = run_sr_model(config, "Denoise-DnCNN")
    assert result["error_type"] == "not_in_zoo" and "SISR-Any-LIIF-EDSR" in result["zoo"]
    result = run_sr_model(config, "SISR-RCAN-4x", "ok.png")
    assert result["error_type"] == "weights_not_installed" and result["source"] == "https://github.com/yulunzhang/RCAN"


def test_allowed_folders(workdir, config, tmp_path):
    extra = tmp_path / "inbox"
    extra.mkdir()
    Image.new("RGB", (8, 8)).save(extra / "x.png")
    with pytest.raises(Exception, match="outside the folders"):
        resolve_allowed_image(str(extra / "x.png"), config)
    allowed = config.model_copy(update={"input_dir": extra})
    assert resolve_allowed_image(str(extra / "x.png"), allowed) == (extra / "x.png").resolve()
    assert resolve_allowed_image("ok.png", config) == (workdir / "ok.png").resolve()


@pytest.mark.slow
def test_real_run_through_the_tool(workdir, tmp_path, liif_weights_dir):
    config = SRConfig(cache_dir=tmp_path / "cache", weights_dir=liif_weights_dir,
                      output_dir=tmp_path / "runs", device="cpu")
    tool = make_sr_tool(config)
    result = tool.invoke({"model": "SISR-Any-LIIF-EDSR", "scale": 2})
    assert "error" not in result, result
    assert result["metrics"]["psnr"] > result["metrics"]["psnr_bicubic"]
    for key in ("input", "output", "comparison"):
        assert result["paths"][key].startswith(str(tmp_path / "runs"))
    up = tool.invoke({"model": "SISR-Any-LIIF-EDSR", "image_path": "ok.png", "scale": 1.5, "mode": "upscale"})
    assert up["output_size"] == [48, 36] and up["metrics"] is None
    # As a tool call, the answer is a JSON ToolMessage.
    message = tool.invoke({"type": "tool_call", "id": "1", "name": "run_sr_model",
                           "args": {"model": "SISR-Any-LIIF-EDSR", "image_path": "ok.png", "mode": "upscale"}})
    assert json.loads(message.content)["model"] == "SISR-Any-LIIF-EDSR"


@pytest.mark.slow
def test_the_tool_uses_weights_installed_while_it_waits(workdir, config, liif_weights_dir):
    from tools.sr.weights import install_from_file
    from tools.sr.zoo import get_spec

    tool = make_sr_tool(config)  # one tool object, as a chat session keeps it
    before = tool.invoke({"model": "SISR-Any-LIIF-EDSR", "image_path": "ok.png", "mode": "upscale"})
    assert before["error_type"] == "weights_not_installed"
    official = liif_weights_dir / "edsr-baseline-liif.pth"
    install_from_file(get_spec("SISR-Any-LIIF-EDSR"), official, config)  # `aisci weights install --from`
    after = tool.invoke({"model": "SISR-Any-LIIF-EDSR", "image_path": "ok.png", "mode": "upscale"})
    assert "error" not in after, after
    assert after["weights"] == str(config.resolved_weights_dir() / "edsr-baseline-liif.pth")
