"""`aisci weights list|install` and the weights rows of `aisci doctor` through the real CLI entry point,
with a loopback server standing in for Dropbox (AISCI_ALLOW_LOOPBACK + AISCI_WEIGHTS_LOOPBACK_URL)."""

from __future__ import annotations

import json
import shutil

import pytest
from loopback import LoopbackServer, Reply
from sr_support import checkpoint_bytes, dropbox_share, random_state_dict, zip_bytes

from aisci.cli import run
from tools.sr.zoo import get_spec

RCAN_SHARE = "/s/mjbcqkd4nwhr6nu/models_ECCV2018RCAN.zip"
RDN_SHARE = "/s/mzha6ll9kb9bwy0/rdn-liif.pth"


def _json_out(capsys):
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def weights_dir(tmp_path, monkeypatch):
    folder = tmp_path / "weights"
    monkeypatch.setenv("AISCI_WEIGHTS_DIR", str(folder))
    return folder


@pytest.fixture
def dropbox(monkeypatch):
    """A loopback server the downloads go to, as the test-only settings allow."""
    with LoopbackServer() as srv:
        monkeypatch.setenv("AISCI_ALLOW_LOOPBACK", "1")
        monkeypatch.setenv("AISCI_WEIGHTS_LOOPBACK_URL", srv.url)
        monkeypatch.setenv("AISCI_FETCH_RETRIES", "1")
        yield srv


def test_weights_list_json(capsys, weights_dir):
    assert run(["weights", "list", "--json"]) == 0
    rows = _json_out(capsys)
    assert [r["model"] for r in rows][0] == "SISR-HAN-2x" and len(rows) == 10
    for row in rows:
        assert set(row) == {"model", "arch", "scale", "installed", "verified", "path", "source", "fetch"}
        assert row["installed"] is False and row["path"] is None
        assert row["fetch"] == ("manual" if row["arch"] == "HAN" else "automatic")


def test_weights_list_table_says_what_is_automatic(capsys, weights_dir, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    assert run(["weights", "list"]) == 0
    out = capsys.readouterr().out
    assert "SISR-Any-LIIF-RDN" in out and "(automatic)" in out and "(manual step)" in out
    assert "drive.google.com/drive/folders/17cLcPCDLuBV5_5-ngd0vXIDp6rebIMG1" in out


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["weights", "install"], {}, "give a MODEL"),
        (["weights", "install", "SISR-RCAN-2x", "--all"], {}, "give no MODEL"),
        (["weights", "install", "SISR-HAN-2x", "--from", "a.pt", "--url", "https://drive.google.com/x"], {},
         "either --from FILE or --url URL"),
        (["weights", "install", "SISR-HAN-2x", "--url", "https://example.com/HAN_BIX2.pt"], {},
         "expected a Google Drive file link"),
        (["weights", "install", "SISR-HAN-2x"], {}, "Steps: 1) open https://drive.google.com/drive/folders/"),
        (["weights", "install", "SISR-RCAN-2x"], {"AISCI_NO_DOWNLOAD": "1"},
         "AISCI_NO_DOWNLOAD=1: nothing is downloaded; SISR-RCAN-2x needs RCAN_BIX2.pt from https://www.dropbox.com/"),
        (["weights", "install", "--all"], {"AISCI_OFFLINE": "1"}, "AISCI_OFFLINE=1: nothing is downloaded"),
        (["weights", "install", "SISR-Any-LIIF-RDN"], {"AISCI_WEIGHTS_LOOPBACK_URL": "http://127.0.0.1:9"},
         "only with AISCI_ALLOW_LOOPBACK=1"),
    ],
)
def test_refusals_are_one_line_and_status_2(capsys, monkeypatch, tmp_path, weights_dir, argv, env, message):
    monkeypatch.chdir(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1, err
    assert not weights_dir.exists()


def test_an_html_page_from_dropbox_installs_nothing(capsys, weights_dir, dropbox):
    dropbox_share(dropbox, RDN_SHARE, Reply(body=b"<html>Too many requests</html>", content_type="text/html"))
    assert run(["weights", "install", "SISR-Any-LIIF-RDN"]) == 2
    err = capsys.readouterr().err
    assert "error: https://www.dropbox.com/s/mzha6ll9kb9bwy0/rdn-liif.pth?dl=1" in err and "HTML page" in err
    assert not (weights_dir / "rdn-liif.pth").exists()


def test_doctor_says_which_weights_install_fetches(weights_dir):
    from agent.settings import get_settings
    from aisci.cli.doctor import weights_rows

    checks = {name: (ok, detail) for name, ok, detail in weights_rows(get_settings())}
    assert len(checks) == 10 and not any(ok for ok, _ in checks.values())
    assert "fetched automatically by `aisci weights install SISR-RCAN-4x`" in checks["weights SISR-RCAN-4x"][1]
    han = checks["weights SISR-HAN-4x"][1]
    assert "manual step" in han and "drive.google.com/drive/folders/" in han and "--from FILE" in han


@pytest.fixture(scope="module")
def full_rcan_x2() -> bytes:
    """RCAN_BIX2.pt at the released size (15,444,667 parameters, random values, PyTorch 0.4 format)."""
    return checkpoint_bytes(random_state_dict(get_spec("SISR-RCAN-2x"), seed=0), legacy=True)


@pytest.mark.slow
def test_install_rcan_from_a_dropbox_like_server_then_all(capsys, monkeypatch, tmp_path, weights_dir, dropbox,
                                                         full_rcan_x2, liif_weights_dir):
    archive = zip_bytes({"models_ECCV2018RCAN/RCAN_BIX2.pt": full_rcan_x2,
                         "models_ECCV2018RCAN/RCAN_BDX3.pt": b"another degradation", "readme.txt": b"RCAN"})
    content = dropbox_share(dropbox, RCAN_SHARE, Reply(body=archive, ranges=True, truncate_at=len(archive) // 2),
                            Reply(body=archive, ranges=True))
    assert run(["weights", "install", "SISR-RCAN-2x"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == f"SISR-RCAN-2x: {weights_dir / 'RCAN_BIX2.pt'}"
    assert "download models_ECCV2018RCAN.zip" in captured.err and "extract RCAN_BIX2.pt" in captured.err
    assert (weights_dir / "RCAN_BIX2.pt").read_bytes() == full_rcan_x2
    assert dropbox.headers_of(content)[-1]["range"] == f"bytes={len(archive) // 2}-"
    assert run(["weights", "list", "--json"]) == 0
    row = next(r for r in _json_out(capsys) if r["model"] == "SISR-RCAN-2x")
    assert row["installed"] and row["verified"]
    # From the cached archive, quietly: no progress at all on stderr.
    (weights_dir / "RCAN_BIX2.pt").unlink()
    assert run(["weights", "install", "SISR-RCAN-2x", "--quiet"]) == 0
    assert capsys.readouterr().err == "" and dropbox.hits(content) == 2
    # --all: what can be fetched is, what cannot is listed with its steps; failures give status 1.
    shutil.copy(liif_weights_dir / "edsr-baseline-liif.pth", weights_dir / "edsr-baseline-liif.pth")
    dropbox_share(dropbox, RDN_SHARE, Reply(body=b"<!DOCTYPE html><html>link expired</html>", content_type="text/html"),
                  token="Rdn1")
    monkeypatch.setenv("COLUMNS", "400")
    assert run(["weights", "install", "--all", "--quiet"]) == 1
    captured = capsys.readouterr()
    rows = {line.split("│")[1].strip(): line for line in captured.out.splitlines() if line.count("│") >= 3}
    assert "already installed" in rows["SISR-RCAN-2x"] and "already installed" in rows["SISR-Any-LIIF-EDSR"]
    assert "failed" in rows["SISR-RCAN-4x"] and "holds no RCAN_BIX4.pt" in rows["SISR-RCAN-4x"]
    assert "failed" in rows["SISR-Any-LIIF-RDN"] and "HTML page" in rows["SISR-Any-LIIF-RDN"]
    assert all("manual" in rows[f"SISR-HAN-{s}x"] for s in (2, 3, 4, 8))
    assert "4 model(s) failed" in captured.err and dropbox.hits(content) == 2
