"""Installing official weights from the authors' links, served by a Dropbox- or Drive-like loopback
server: real zips, real torch checkpoints (small architectures in the official key layout)."""

from __future__ import annotations

import hashlib
import json

import pytest
from loopback import LoopbackServer, Reply
from sr_support import (
    checkpoint_bytes,
    dropbox_share,
    loopback_config,
    random_state_dict,
    small_spec,
    tiny_liif_checkpoint,
    zip_bytes,
)

from prompts.files import atomic_write_bytes
from tools.sr import ledger
from tools.sr.errors import BadWeights, DownloadError, DownloadRefused, DownloadsOff, ManualDownload
from tools.sr.install import dropbox_direct, install_all, install_from_url, install_official
from tools.sr.weights import find_weights, load_model
from tools.sr.zoo import get_spec

RCAN_SHARE = "/s/mjbcqkd4nwhr6nu/models_ECCV2018RCAN.zip"
RDN_SHARE = "/s/mzha6ll9kb9bwy0/rdn-liif.pth"


@pytest.fixture
def server():
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def rcan_members() -> dict[int, bytes]:
    """RCAN_BIX{2,3,4}.pt of small architectures, saved in PyTorch 0.4's format like the originals."""
    return {s: checkpoint_bytes(random_state_dict(small_spec(f"SISR-RCAN-{s}x"), seed=s), legacy=True) for s in (2, 3, 4)}


def _archive(members: dict[int, bytes]) -> bytes:
    files = {f"models_ECCV2018RCAN/RCAN_BIX{s}.pt": data for s, data in members.items()}
    files["models_ECCV2018RCAN/README.txt"] = b"RCAN models, BI degradation"
    return zip_bytes(files)


def test_dropbox_links_are_made_direct():
    assert dropbox_direct("https://www.dropbox.com/s/abc/f.zip?dl=0") == "https://www.dropbox.com/s/abc/f.zip?dl=1"
    for spec in (get_spec("SISR-RCAN-4x"), get_spec("SISR-Any-LIIF-RDN"), get_spec("SISR-Any-LIIF-EDSR")):
        assert spec.weights.download_url.startswith("https://www.dropbox.com/s/") and spec.weights.fetchable
    assert get_spec("SISR-HAN-2x").weights.manual_url.startswith("https://drive.google.com/drive/folders/")
    assert not get_spec("SISR-HAN-2x").weights.fetchable


def test_rcan_member_comes_out_of_the_archive_which_is_kept_for_the_next_scale(server, tmp_path, rcan_members):
    archive = _archive(rcan_members)
    content = dropbox_share(server, RCAN_SHARE, Reply(body=archive, ranges=True, truncate_at=len(archive) // 2),
                            Reply(body=archive, ranges=True))
    config = loopback_config(tmp_path, server)
    spec3 = small_spec("SISR-RCAN-3x")
    stages = []
    outcome = install_official(spec3, config, lambda stage, *rest: stages.append(stage))
    dest = config.resolved_weights_dir() / "RCAN_BIX3.pt"
    assert outcome.status == "installed" and outcome.path == dest and dest.read_bytes() == rcan_members[3]
    assert "download models_ECCV2018RCAN.zip" in stages and "extract RCAN_BIX3.pt" in stages
    assert stages[-1] == f"installed {dest}"
    assert sorted(p.name for p in dest.parent.iterdir() if not p.name.endswith(".lock")) == ["RCAN_BIX3.pt",
                                                                                            ledger.LEDGER_NAME]
    assert (config.downloads_dir() / "models_ECCV2018RCAN.zip").read_bytes() == archive
    # The first verified install recorded its sha256, and later checks use it.
    assert ledger.lookup(dest.parent, "RCAN_BIX3.pt")["sha256"] == hashlib.sha256(rcan_members[3]).hexdigest()
    status = find_weights(spec3, config)
    assert status.verified and "recorded" in status.detail
    hits = server.hits(content)
    assert install_official(small_spec("SISR-RCAN-2x"), config).status == "installed"
    assert server.hits(content) == hits  # the cached archive served the second scale
    assert (config.resolved_weights_dir() / "RCAN_BIX2.pt").read_bytes() == rcan_members[2]
    assert install_official(spec3, config).status == "already installed"


def test_a_swapped_file_no_longer_counts_as_installed(server, tmp_path, rcan_members):
    dropbox_share(server, RCAN_SHARE, Reply(body=_archive(rcan_members)))
    config = loopback_config(tmp_path, server)
    spec = small_spec("SISR-RCAN-2x")
    dest = install_official(spec, config).path
    other = checkpoint_bytes(random_state_dict(spec, seed=99))  # fits the architecture, but is not that file
    atomic_write_bytes(dest, other)
    status = find_weights(spec, config)
    assert not status.installed and "differs from the one recorded" in status.searched[-1]
    assert install_official(spec, config).status == "installed"  # taken again from the cached archive
    assert dest.read_bytes() == rcan_members[2]


def test_a_missing_or_wrong_member_installs_nothing(server, tmp_path, rcan_members):
    wrong = dict(rcan_members)
    wrong[2] = rcan_members[4]  # an x4 checkpoint under the x2 name
    dropbox_share(server, RCAN_SHARE, Reply(body=_archive(wrong)))
    config = loopback_config(tmp_path, server)
    with pytest.raises(DownloadError, match="holds no RCAN_BIX8.pt .*RCAN_BIX2.pt"):
        install_official(small_spec("SISR-RCAN-8x"), config)
    assert (config.downloads_dir() / "models_ECCV2018RCAN.zip").is_file()  # a good zip is kept
    with pytest.raises(BadWeights, match=r"models_ECCV2018RCAN.zip:models_ECCV2018RCAN/RCAN_BIX2.pt does not fit"):
        install_official(small_spec("SISR-RCAN-2x"), config)
    assert not (config.resolved_weights_dir() / "RCAN_BIX2.pt").exists()
    assert not (config.downloads_dir() / "models_ECCV2018RCAN.zip").exists()  # never yielded a verified file


def test_html_instead_of_the_archive_installs_nothing(server, tmp_path):
    dropbox_share(server, RCAN_SHARE, Reply(body=b"<html>This link has expired</html>", content_type="text/html"))
    config = loopback_config(tmp_path, server)
    with pytest.raises(DownloadError, match="HTML page instead of the file"):
        install_official(small_spec("SISR-RCAN-4x"), config)
    assert not config.resolved_weights_dir().exists() or not any(config.resolved_weights_dir().iterdir())
    assert not (config.downloads_dir() / "models_ECCV2018RCAN.zip").exists()


def test_liif_file_is_checked_against_its_published_size_and_sha256(server, tmp_path):
    data = checkpoint_bytes(tiny_liif_checkpoint("rdn", seed=1))
    content = dropbox_share(server, RDN_SHARE, Reply(body=data, ranges=True, truncate_at=len(data) // 2),
                            Reply(body=data, ranges=True))
    config = loopback_config(tmp_path, server)
    # The real entry publishes 268,184,311 bytes: the small file is refused before it is fetched.
    with pytest.raises(DownloadError, match="offers .* bytes, but the official rdn-liif.pth has 268,184,311 bytes"):
        install_official(get_spec("SISR-Any-LIIF-RDN"), config)
    assert server.hits(content) == 1
    # Right size, wrong checksum: fetched, then refused before it gets its name.
    wrong_sha = small_spec("SISR-Any-LIIF-RDN", size=len(data), sha256="0" * 64)
    with pytest.raises(BadWeights, match="the file from https://www.dropbox.com/.* sha256 .* differs from the official"):
        install_official(wrong_sha, config)
    assert not (config.resolved_weights_dir() / "rdn-liif.pth").exists()
    right = small_spec("SISR-Any-LIIF-RDN", size=len(data), sha256=hashlib.sha256(data).hexdigest())
    outcome = install_official(right, config)
    assert outcome.status == "installed" and "sha256 match" in outcome.detail
    assert outcome.path.read_bytes() == data and find_weights(right, config).verified
    assert ledger.lookup(config.resolved_weights_dir(), "rdn-liif.pth") is None  # a published checksum needs no record


def test_liif_encoder_must_be_the_models(server, tmp_path):
    data = checkpoint_bytes(tiny_liif_checkpoint("edsr-baseline", seed=2))
    dropbox_share(server, RDN_SHARE, Reply(body=data))
    config = loopback_config(tmp_path, server)
    with pytest.raises(BadWeights, match="its encoder is 'edsr-baseline', not 'rdn'"):
        install_official(small_spec("SISR-Any-LIIF-RDN", size=None, sha256=None), config)


def test_downloads_off_is_one_clear_refusal(tmp_path):
    from tools.sr.config import SRConfig

    offline = SRConfig(cache_dir=tmp_path, no_download=True, offline=True)
    with pytest.raises(DownloadsOff, match=r"^AISCI_OFFLINE=1: nothing is downloaded; .*dropbox.com/s/mjbcqkd4nwhr6nu"):
        install_official(get_spec("SISR-RCAN-2x"), offline)
    with pytest.raises(DownloadsOff, match=r"^AISCI_NO_DOWNLOAD=1: .*--from FILE"):
        install_official(get_spec("SISR-Any-LIIF-RDN"), SRConfig(cache_dir=tmp_path, no_download=True))
    assert not (tmp_path / "downloads").exists()


def test_han_needs_a_manual_step(tmp_path):
    from tools.sr.config import SRConfig

    with pytest.raises(ManualDownload) as info:
        install_official(get_spec("SISR-HAN-4x"), SRConfig(cache_dir=tmp_path))
    message = str(info.value)
    assert "\n" not in message and "Google Drive folder" in message
    assert "https://drive.google.com/drive/folders/17cLcPCDLuBV5_5-ngd0vXIDp6rebIMG1" in message
    assert "aisci weights install SISR-HAN-4x --from ~/Downloads/HAN_BIX4.pt" in message and "--url" in message


def _drive_confirm_page(file_id: str, action: str = "https://drive.usercontent.google.com/download") -> bytes:
    return f"""<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head><body>
<p>Google Drive can't scan this file for viruses.</p>
<form id="download-form" action="{action}" method="get">
<input type="submit" id="uc-download-link" value="Download anyway"/>
<input type="hidden" name="id" value="{file_id}"><input type="hidden" name="export" value="download">
<input type="hidden" name="confirm" value="t"><input type="hidden" name="uuid" value="0f3e-77aa"></form>
</body></html>""".encode()


def _drive(server, file_id: str, page: bytes, *file_replies) -> str:
    server.route(f"/drive.google.com/uc?export=download&id={file_id}",
                 Reply(status=303, headers={"Location": f"https://drive.usercontent.google.com/download?id={file_id}"
                                                        "&export=download"}))
    server.route(f"/drive.usercontent.google.com/download?id={file_id}&export=download",
                 Reply(body=page, content_type="text/html; charset=utf-8"))
    final = f"/drive.usercontent.google.com/download?id={file_id}&export=download&confirm=t&uuid=0f3e-77aa"
    server.route(final, *file_replies)
    return final


def test_a_google_drive_file_link_goes_through_the_confirm_page(server, tmp_path):
    spec = small_spec("SISR-HAN-2x")
    data = checkpoint_bytes(random_state_dict(spec, seed=5), legacy=True)
    file_id = "1AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    final = _drive(server, file_id, _drive_confirm_page(file_id), Reply(body=data, ranges=True, truncate_at=5000),
                   Reply(body=data, ranges=True))
    config = loopback_config(tmp_path, server)
    outcome = install_from_url(spec, f"https://drive.google.com/file/d/{file_id}/view?usp=sharing", config)
    assert outcome.path.read_bytes() == data and outcome.path.name == "HAN_BIX2.pt"
    assert server.headers_of(final)[-1]["range"] == "bytes=5000-"
    assert ledger.lookup(outcome.path.parent, "HAN_BIX2.pt")["source"].startswith("https://drive.google.com/file/d/")
    load_model(spec, outcome.path)


def test_google_drive_refusals(server, tmp_path):
    config = loopback_config(tmp_path, server)
    spec = small_spec("SISR-HAN-2x")
    with pytest.raises(DownloadRefused, match="expected a Google Drive file link"):
        install_from_url(spec, "https://example.com/HAN_BIX2.pt", config)
    with pytest.raises(DownloadRefused, match="this is a Drive folder"):
        install_from_url(spec, get_spec("SISR-HAN-2x").weights.manual_url, config)
    with pytest.raises(DownloadRefused, match="no file id"):
        install_from_url(spec, "https://drive.google.com/open", config)
    assert server.requests == []
    file_id = "1ZyXwVuTsRqPoNmLkJiHgFeDcBa9876"
    _drive(server, file_id, b"<html><body>Sign in - Google Accounts</body></html>", Reply(body=b"never"))
    with pytest.raises(DownloadError, match="HTML page instead of the file"):
        install_from_url(spec, f"https://drive.google.com/uc?id={file_id}&export=download", config)
    _drive(server, file_id, _drive_confirm_page(file_id, action="https://evil.example.com/download"))
    with pytest.raises(DownloadRefused, match="host evil.example.com is not one of"):
        install_from_url(spec, f"https://drive.google.com/file/d/{file_id}/view", config)
    assert not config.resolved_weights_dir().exists()


def test_install_all_fetches_each_link_once_and_lists_manual_steps(server, tmp_path, rcan_members):
    archive = _archive(rcan_members)
    content = dropbox_share(server, RCAN_SHARE, Reply(body=archive, ranges=True))
    rdn = dropbox_share(server, RDN_SHARE, Reply(status=404, body=b"gone", content_type="text/plain"), token="Rdn999")
    config = loopback_config(tmp_path, server)
    specs = [small_spec("SISR-HAN-2x"), small_spec("SISR-RCAN-2x"), small_spec("SISR-RCAN-3x"),
             small_spec("SISR-RCAN-8x"), small_spec("SISR-Any-LIIF-RDN", size=None, sha256=None)]
    outcomes = {o.model: o for o in install_all(config, specs=specs)}
    assert outcomes["SISR-HAN-2x"].status == "manual" and "Google Drive folder" in outcomes["SISR-HAN-2x"].detail
    assert outcomes["SISR-RCAN-2x"].status == outcomes["SISR-RCAN-3x"].status == "installed"
    assert outcomes["SISR-RCAN-8x"].status == "failed" and "holds no RCAN_BIX8.pt" in outcomes["SISR-RCAN-8x"].detail
    assert outcomes["SISR-Any-LIIF-RDN"].status == "failed" and "HTTP 404" in outcomes["SISR-Any-LIIF-RDN"].detail
    assert server.hits(content) == 1 and server.hits(rdn) == 1
    # A link that failed is not asked again for the next model needing it.
    server.route(content, Reply(status=404))
    (config.downloads_dir() / "models_ECCV2018RCAN.zip").unlink()
    again = install_all(config, specs=[small_spec("SISR-RCAN-4x"), small_spec("SISR-RCAN-8x")])
    assert [o.status for o in again] == ["failed", "failed"] and again[1].detail.startswith("not tried again: ")
    assert server.hits(content) == 2
    recorded = json.loads((config.resolved_weights_dir() / ledger.LEDGER_NAME).read_text())
    assert sorted(recorded) == ["RCAN_BIX2.pt", "RCAN_BIX3.pt"]
