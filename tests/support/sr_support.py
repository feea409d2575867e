"""Helpers shared by the SR zoo tests."""

from __future__ import annotations


def relative_error(out, ref) -> float:
    """‖out − ref‖ / ‖ref − mean(ref)‖, the acceptance measure of testdata/sr/goldens."""
    out, ref = out.double(), ref.double()
    return float((out - ref).norm() / (ref - ref.mean()).norm())


# --- weights downloads: small real checkpoints, real zips, a Dropbox-like loopback server -------

SMALL_RCAN = {"n_resgroups": 2, "n_resblocks": 2, "n_feats": 8, "reduction": 4}


def small_spec(name: str, **weights_updates):
    """The zoo entry `name` with a small architecture (same key layout, fewer blocks/features) and,
    optionally, changed weights facts (e.g. the sha256 of a test fixture)."""
    from tools.sr.zoo import get_spec

    spec = get_spec(name)
    updates = {"weights": spec.weights.model_copy(update=weights_updates)}
    if spec.arch in ("RCAN", "HAN"):
        updates["hyperparameters"] = {**spec.hyperparameters, **SMALL_RCAN}
    return spec.model_copy(update=updates)


def random_state_dict(spec, seed: int) -> dict:
    """A state_dict of `spec`'s architecture (the official key layout) with small random values."""
    import torch

    from tools.sr.zoo import build_architecture

    generator = torch.Generator().manual_seed(seed)
    model = build_architecture(spec)
    return {k: torch.randn(v.shape, generator=generator) * 0.01 for k, v in model.state_dict().items()}


def checkpoint_bytes(obj, legacy: bool = False) -> bytes:
    """`obj` as torch.save writes it (legacy: the pre-zip format of PyTorch 0.4, as RCAN's files)."""
    import io

    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer, _use_new_zipfile_serialization=not legacy)
    return buffer.getvalue()


def tiny_liif_checkpoint(encoder: str, seed: int) -> dict:
    """A LIIF checkpoint in the authors' format ({'model': {'name', 'args', 'sd'}, ...}) with a tiny
    encoder ('rdn' config T, or 'edsr-baseline' with 2 blocks) and a two-layer MLP."""
    import torch

    from tools.sr.liif import build_liif

    encoder_args = {"no_upsampling": True, **({"RDNconfig": "T", "G0": 8} if encoder == "rdn"
                                               else {"n_resblocks": 2, "n_feats": 8})}
    entry = {"name": "liif", "args": {"encoder_spec": {"name": encoder, "args": encoder_args},
                                      "imnet_spec": {"name": "mlp", "args": {"out_dim": 3, "hidden_list": [16, 16]}}}}
    generator = torch.Generator().manual_seed(seed)
    state = {k: torch.randn(v.shape, generator=generator) * 0.01 for k, v in build_liif(entry).state_dict().items()}
    return {"model": {**entry, "sd": state}, "optimizer": None, "epoch": 1000}


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A real zip archive holding `members` (name -> bytes), stored as the authors' archive is."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def dropbox_share(server, share_path: str, *content_replies, token: str = "AbC123"):
    """Serve a Dropbox shared link on the loopback `server` the way Dropbox does: the `dl=1` link
    answers 302 to a content host (uc….dl.dropboxusercontent.com), which serves the bytes.
    Returns the content path on the loopback server (to count hits, read request headers)."""
    from loopback import Reply

    content_path = f"/uc{token.lower()}.dl.dropboxusercontent.com/cd/0/get/{token}/file"
    server.route(f"/www.dropbox.com{share_path}?dl=1",
                 Reply(status=302, headers={"Location": f"https://uc{token.lower()}.dl.dropboxusercontent.com"
                                                        f"/cd/0/get/{token}/file#"}))
    server.route(content_path, *content_replies)
    return content_path


def loopback_config(tmp_path, server, **updates):
    """An SRConfig whose downloads go to `server` standing in for the authors' hosts."""
    from tools.sr.config import SRConfig

    base = dict(cache_dir=tmp_path / "cache", weights_dir=tmp_path / "weights", output_dir=tmp_path / "runs",
                device="cpu", allow_loopback=True, weights_loopback_url=server.url, download_backoff_s=0.0,
                download_timeout_s=10.0)
    return SRConfig(**{**base, **updates})
