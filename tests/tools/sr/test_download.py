"""The weights downloader against a loopback server that behaves like Dropbox: redirects to a
content host, cut connections and resumes, wrong or HTML bodies, refused hosts and addresses."""

from __future__ import annotations

import hashlib
import os
import socket

import pytest
from loopback import LoopbackServer, Reply
from sr_support import dropbox_share, loopback_config, zip_bytes

from tools.sr.config import SRConfig
from tools.sr.download import Expect, download
from tools.sr.errors import BadWeights, DownloadError, DownloadRefused
from tools.sr.hosts import DROPBOX_HOSTS

SHARE = "/s/mjbcqkd4nwhr6nu/models_ECCV2018RCAN.zip"
LINK = f"https://www.dropbox.com{SHARE}?dl=1"


@pytest.fixture(scope="module")
def archive() -> bytes:
    """A real zip of about 3 MB (incompressible members, so a cut lands mid-file)."""
    return zip_bytes({"models/a.bin": os.urandom(2_000_000), "models/b.bin": os.urandom(1_000_000)})


@pytest.fixture
def server():
    with LoopbackServer() as srv:
        yield srv


def _leftovers(config: SRConfig) -> list[str]:
    """Files a download left in the downloads folder, apart from its lock."""
    folder = config.downloads_dir()
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".lock"))


def _get(config, dest, **kwargs) -> str:
    return download(LINK, dest, hosts=DROPBOX_HOSTS, config=config, expect=kwargs.pop("expect", Expect("zip")), **kwargs)


def test_follows_the_redirect_to_the_content_host_and_reports_bytes(server, tmp_path, archive):
    content = dropbox_share(server, SHARE, Reply(body=archive, ranges=True))
    config = loopback_config(tmp_path, server)
    seen = []
    dest = tmp_path / "out" / "models_ECCV2018RCAN.zip"
    sha = _get(config, dest, progress=lambda *args: seen.append(args))
    assert dest.read_bytes() == archive and sha == hashlib.sha256(archive).hexdigest()
    assert [p for p, _ in server.requests] == [f"/www.dropbox.com{SHARE}?dl=1", content]
    downloaded = [s for s in seen if s[0] == "download models_ECCV2018RCAN.zip"]
    assert downloaded[-1] == ("download models_ECCV2018RCAN.zip", len(archive), len(archive), "B")
    assert [d[1] for d in downloaded] == sorted(d[1] for d in downloaded)  # never goes backwards
    assert _leftovers(config) == []


def test_a_cut_connection_is_resumed_with_a_range_request(server, tmp_path, archive):
    half = len(archive) // 2
    content = dropbox_share(server, SHARE, Reply(body=archive, ranges=True, truncate_at=half, headers={"ETag": '"v1"'}),
                            Reply(body=archive, ranges=True, headers={"ETag": '"v1"'}))
    config = loopback_config(tmp_path, server)
    dest = tmp_path / "models_ECCV2018RCAN.zip"
    _get(config, dest)
    assert dest.read_bytes() == archive
    first, second = server.headers_of(content)
    assert "range" not in first
    assert second["range"] == f"bytes={half}-" and second["if-range"] == '"v1"'


def test_a_run_that_fails_keeps_its_bytes_and_the_next_run_resumes(server, tmp_path, archive):
    half = len(archive) // 2
    content = dropbox_share(server, SHARE, Reply(body=archive, ranges=True, truncate_at=half, headers={"ETag": '"v1"'}),
                            Reply(status=503, body=b"busy", content_type="text/plain"))
    config = loopback_config(tmp_path, server, download_retries=1)
    dest = tmp_path / "weights" / "models_ECCV2018RCAN.zip"
    with pytest.raises(DownloadError, match=rf"HTTP 503 .*{half:,} bytes are kept: run the same command again"):
        _get(config, dest)
    assert not dest.exists() and not dest.parent.exists()  # nothing that looks installed
    assert any(name.startswith(".models_ECCV2018RCAN.zip.parts/seg-") for name in _leftovers(config))
    server.route(content, Reply(body=archive, ranges=True, headers={"ETag": '"v1"'}))
    _get(config, dest)
    assert dest.read_bytes() == archive and server.headers_of(content)[-1]["range"] == f"bytes={half}-"
    assert _leftovers(config) == []


def test_a_server_without_ranges_or_a_changed_file_starts_over(server, tmp_path, archive):
    newer = zip_bytes({"models/a.bin": os.urandom(1_500_000)})
    dropbox_share(server, SHARE, Reply(body=archive, ranges=True, truncate_at=len(archive) // 3, headers={"ETag": '"v1"'}),
                  Reply(body=newer, ranges=True, headers={"ETag": '"v2"'}))  # If-Range "v1" no longer matches
    config = loopback_config(tmp_path, server)
    dest = tmp_path / "a.zip"
    _get(config, dest)
    assert dest.read_bytes() == newer
    dropbox_share(server, SHARE, Reply(body=archive, truncate_at=len(archive) // 3), Reply(body=archive))  # no ranges
    dest = tmp_path / "b.zip"
    _get(config, dest)
    assert dest.read_bytes() == archive


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b"<!DOCTYPE html><html><body>Sign in to Dropbox</body></html>", content_type="text/html; charset=utf-8"),
        Reply(body=b"\n  <html><title>Error (429)</title></html>", content_type="application/octet-stream"),
    ],
)
def test_an_html_page_instead_of_the_file_is_refused(server, tmp_path, reply):
    dropbox_share(server, SHARE, reply)
    config = loopback_config(tmp_path, server)
    dest = tmp_path / "w" / "models_ECCV2018RCAN.zip"
    with pytest.raises(DownloadError, match="sent an HTML page instead of the file"):
        _get(config, dest)
    assert not dest.exists() and _leftovers(config) == []


def test_a_file_of_the_wrong_kind_or_size_is_refused(server, tmp_path, archive):
    config = loopback_config(tmp_path, server)
    dest = tmp_path / "w" / "x.pt"
    dropbox_share(server, SHARE, Reply(body=b"\x00\x01binary junk" * 100))
    with pytest.raises(DownloadError, match="does not start like a zip archive"):
        _get(config, dest)
    dropbox_share(server, SHARE, Reply(body=archive))
    with pytest.raises(DownloadError, match=f"offers {len(archive):,} bytes, but the official x.pt has 1,000 bytes"):
        _get(config, dest, expect=Expect("zip", size=1000))
    small = loopback_config(tmp_path, server, max_weights_mb=1)
    with pytest.raises(DownloadError, match="over the 1 MB limit"):
        _get(small, dest)
    assert not dest.exists() and _leftovers(config) == []


def test_verification_failure_discards_the_bytes(server, tmp_path, archive):
    content = dropbox_share(server, SHARE, Reply(body=archive, ranges=True))
    config = loopback_config(tmp_path, server)
    dest = tmp_path / "w" / "models_ECCV2018RCAN.zip"

    def refuse(tmp):
        assert tmp.read_bytes() == archive  # the whole file, before it gets its name
        raise BadWeights("not the one")

    with pytest.raises(BadWeights, match="not the one"):
        _get(config, dest, verify=refuse)
    assert not dest.exists() and list(dest.parent.iterdir()) == [] and _leftovers(config) == []
    _get(config, dest)
    assert "range" not in server.headers_of(content)[-1]  # started afresh


def test_retries_a_busy_server(server, tmp_path, archive):
    dropbox_share(server, SHARE, Reply(status=503, headers={"Retry-After": "0"}), Reply(body=archive))
    config = loopback_config(tmp_path, server)
    _get(config, tmp_path / "a.zip")
    assert (tmp_path / "a.zip").read_bytes() == archive


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("https://evil.example.com/file", "host evil.example.com is not one of"),
        ("https://dropboxusercontent.com.evil.example/file", "is not one of"),
        ("http://uc1.dl.dropboxusercontent.com/file", "only https links"),
        ("https://www.dropbox.com:8443/file", "port 8443"),
        ("https://user:pw@www.dropbox.com/file", "credentials"),
        ("LOOPBACK/www.dropbox.com/file", "only https links"),
        ("//evil.example.com/file", "host evil.example.com is not one of"),
        ("https://www.dropbox.com\\@evil.example.com/file", "is not one of"),
        ("/other/place", "HTTP 404"),
    ],
)
def test_redirects_only_to_the_links_own_hosts(server, tmp_path, location, why):
    location = location.replace("LOOPBACK", server.url)
    server.route(f"/www.dropbox.com{SHARE}?dl=1", Reply(status=302, headers={"Location": location}))
    config = loopback_config(tmp_path, server)
    with pytest.raises(DownloadError, match=why):  # DownloadRefused, or the same host's own 404
        _get(config, tmp_path / "a.zip")
    assert len(server.requests) == (2 if location.startswith("/other") else 1) and not (tmp_path / "a.zip").exists()


def test_a_host_resolving_to_a_private_address_is_refused(tmp_path, monkeypatch):
    # As if DNS answered www.dropbox.com with a loopback address (rebinding): nothing is contacted.
    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    config = SRConfig(cache_dir=tmp_path / "cache")
    with pytest.raises(DownloadRefused, match="resolves to a private or loopback address"):
        _get(config, tmp_path / "a.zip")


def test_a_dns_answer_that_turns_private_is_refused_at_connect_time(tmp_path, monkeypatch):
    # Rebinding: the check sees a public address, the connection would go to loopback.
    answers = iter(["162.125.6.18"] + ["127.0.0.1"] * 10)

    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(DownloadRefused, match="resolves to a private or loopback address"):
        _get(SRConfig(cache_dir=tmp_path / "cache"), tmp_path / "a.zip")
