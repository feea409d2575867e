"""The runner: device and precision choices, the paths HAN/RCAN and LIIF take, CUDA behaviour."""

from __future__ import annotations

import pytest
import torch
from sr_support import relative_error

from tools.sr.errors import BadDevice
from tools.sr.liif import build_liif
from tools.sr.rcan import RCAN, RCANConfig
from tools.sr.runner import SRRunner, make_runner, resolve_device, resolve_dtype
from tools.sr.zoo import get_spec

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _small_rcan(goldens, name="rcan_x2_small") -> tuple[RCAN, dict]:
    manifest, load = goldens
    c, data = manifest[name]["config"], load(name)
    model = RCAN(RCANConfig(scale=c["scale"], n_resgroups=c["n_resgroups"], n_resblocks=c["n_resblocks"],
                            n_feats=c["n_feats"], reduction=c["reduction"]))
    model.load_state_dict(data["state_dict"], strict=True)
    return model.eval(), data


def _small_liif(goldens, name="edsr_baseline_liif_small"):
    manifest, load = goldens
    data = load(name)
    model = build_liif(manifest[name]["model_spec"])
    model.load_state_dict(data["state_dict"], strict=True)
    return model.eval(), data


def test_device_choices():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    for bad in ("tpu", "bogus:x", "mps"):
        with pytest.raises(BadDevice):
            resolve_device(bad)
    if not torch.cuda.is_available():
        with pytest.raises(BadDevice, match="no usable CUDA"):
            resolve_device("cuda")


def test_precision_choices():
    cpu = torch.device("cpu")
    assert resolve_dtype(cpu, "auto") == torch.float32
    with pytest.raises(BadDevice, match="only offered on CUDA"):
        resolve_dtype(cpu, "float16")
    with pytest.raises(BadDevice, match="unknown precision"):
        resolve_dtype(cpu, "int8")


def test_rcan_runner_uses_the_official_chop(goldens):
    model, data = _small_rcan(goldens)
    runner = make_runner(get_spec("SISR-RCAN-2x"), model, device="cpu")
    out, stats = runner.run(data["chop_input"] / 255.0, 2)
    assert relative_error(out * 255.0, data["chop_output"]) < 1e-6
    assert stats.method == "chop (official)" and stats.dtype == "float32" and stats.seconds > 0


def test_rcan_runner_tiles(goldens):
    model, data = _small_rcan(goldens, "rcan_x3_small")
    runner = make_runner(get_spec("SISR-RCAN-3x"), model, device="cpu", tile=16)
    out, stats = runner.run(data["chop_input"] / 255.0, 3)
    assert out.shape == data["chop_output"].shape and stats.method == "tiles 16px"
    # Tiles see less global context than the chop; the result stays close to it.
    assert relative_error(out * 255.0, data["chop_output"]) < 1e-3


def test_liif_runner_any_size(goldens):
    model, data = _small_liif(goldens)
    runner = make_runner(get_spec("SISR-Any-LIIF-EDSR"), model, device="cpu", query_batch=100)
    assert runner.output_size(18, 14, 2.5) == (45, 35)
    out, stats = runner.run(data["input"], 2.5)
    assert relative_error(out, data["output_45x35"]) < 1e-4
    assert stats.method == "query batches of 100"


@cuda
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_cuda_half_precision_close_to_fp32(goldens, dtype):
    model, data = _small_rcan(goldens, "rcan_x4_small")
    ref = model(data["chop_input"])
    runner = make_runner(get_spec("SISR-RCAN-4x"), model, device="cuda", dtype=dtype)
    out, stats = runner.run(data["chop_input"] / 255.0, 4)
    assert stats.dtype == dtype and out.device.type == "cpu"
    assert relative_error(out * 255.0, ref) < 2e-2
    assert runner.model.head[0].weight.is_contiguous(memory_format=torch.channels_last)


@cuda
def test_cuda_liif_matches_golden(goldens):
    model, data = _small_liif(goldens, "rdn_liif_small")
    runner = make_runner(get_spec("SISR-Any-LIIF-RDN"), model, device="cuda", dtype="float32")
    out, _ = runner.run(data["input"], 0, out_hw=(77, 60))
    assert relative_error(out, data["output_77x60"]) < 1e-4


@cuda
def test_cuda_out_of_memory_retries_with_smaller_tiles():
    with torch.device("meta"):
        model = RCAN(RCANConfig(scale=2))
    model = model.to_empty(device="cpu")
    for p in model.parameters():
        torch.nn.init.normal_(p, std=1e-3)  # arbitrary weights: this test is about memory only
    runner = SRRunner(get_spec("SISR-RCAN-2x"), model, torch.device("cuda"), torch.float16, chop=False)
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction(min(1.0, 2 * 2**30 / total))
    try:
        out, stats = runner.run(torch.rand(1, 3, 3072, 3072), 2)
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
        torch.cuda.empty_cache()
    assert out.shape == (1, 3, 6144, 6144)
    assert any("out of memory" in note for note in stats.notes) and "tiles" in stats.method


def test_cpu_out_of_memory_is_a_clear_error(goldens, monkeypatch):
    from tools.sr.errors import SRError

    model, data = _small_rcan(goldens)
    runner = make_runner(get_spec("SISR-RCAN-2x"), model, device="cpu")

    def no_memory(*args, **kwargs):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 99 GB")

    monkeypatch.setattr(runner, "_forward", no_memory)
    with pytest.raises(SRError, match="not enough memory for a 40x36 input"):
        runner.run(data["chop_input"] / 255.0, 2)


def test_half_precision_overflow_is_recomputed_in_float32(goldens, monkeypatch):
    # The decision logic only (half precision itself runs on CUDA): a non-finite half result is redone.
    model, data = _small_rcan(goldens)
    runner = SRRunner(get_spec("SISR-RCAN-2x"), model, torch.device("cpu"), torch.float16)
    seen = []

    def forward(x01, out_hw, dtype, tile, query_batch, on_step=None):
        seen.append(dtype)
        return torch.full((1, 3, *out_hw), float("inf") if dtype == torch.float16 else 0.5)

    monkeypatch.setattr(runner, "_forward", forward)
    out, stats = runner.run(data["input"] / 255.0, 2)
    assert seen == [torch.float16, torch.float32] and stats.dtype == "float32"
    assert torch.all(out == 0.5) and "overflowed" in stats.notes[0]


def test_progress_hears_of_every_piece_and_changes_nothing(goldens):
    model, data = _small_rcan(goldens)
    runner = make_runner(get_spec("SISR-RCAN-2x"), model, device="cpu", tile=16)
    seen: list = []
    out, _ = runner.run(data["chop_input"] / 255.0, 2, progress=lambda *a: seen.append(a))
    plain, _ = make_runner(get_spec("SISR-RCAN-2x"), model, device="cpu", tile=16).run(data["chop_input"] / 255.0, 2)
    assert torch.equal(out, plain)
    total = seen[-1][2]
    assert total > 1 and [s[1] for s in seen] == list(range(1, total + 1))
    assert seen[0][0] == "run SISR-RCAN-2x on cpu"
    liif, ldata = _small_liif(goldens)
    runner = make_runner(get_spec("SISR-Any-LIIF-EDSR"), liif, device="cpu", query_batch=500)
    batches: list = []
    runner.run(ldata["input"], 2.0, progress=lambda *a: batches.append(a[1:3]))
    assert batches and batches[-1][0] == batches[-1][1] > 1
