"""Which hosts a weights download may use, and the test-only loopback stand-in."""

from __future__ import annotations

import pytest

from tools.sr.config import SRConfig
from tools.sr.errors import DownloadRefused
from tools.sr.hosts import DROPBOX_HOSTS, GOOGLE_DRIVE_HOSTS, host_matches, route

LINK = "https://www.dropbox.com/s/mjbcqkd4nwhr6nu/models_ECCV2018RCAN.zip?dl=1"


@pytest.mark.parametrize(
    ("host", "ok"),
    [("www.dropbox.com", True), ("dropbox.com", True), ("uc5f.dl.dropboxusercontent.com", True),
     ("dropboxusercontent.com", False), ("evildropboxusercontent.com", False), ("www.dropbox.com.evil.io", False),
     ("WWW.DROPBOX.COM", True)],
)
def test_host_patterns(host, ok):
    assert host_matches(host, DROPBOX_HOSTS) is ok
    assert host_matches("drive.usercontent.google.com", GOOGLE_DRIVE_HOSTS) and not host_matches(
        "docs.google.com", GOOGLE_DRIVE_HOSTS)


def test_the_loopback_stand_in_keeps_the_host_as_the_first_path_segment(tmp_path):
    config = SRConfig(cache_dir=tmp_path, allow_loopback=True, weights_loopback_url="http://127.0.0.1:8765/")
    target = route("https://uc1.dl.dropboxusercontent.com/cd/0/get/T/file?dl=1#", DROPBOX_HOSTS, config)
    assert target.logical == "https://uc1.dl.dropboxusercontent.com/cd/0/get/T/file?dl=1"
    assert target.physical == "http://127.0.0.1:8765/uc1.dl.dropboxusercontent.com/cd/0/get/T/file?dl=1"
    with pytest.raises(DownloadRefused, match="not one of"):  # the stand-in does not widen the allowlist
        route("https://example.com/file", DROPBOX_HOSTS, config)


def test_the_loopback_setting_is_refused_outside_tests(tmp_path):
    config = SRConfig(cache_dir=tmp_path, weights_loopback_url="http://127.0.0.1:9")
    with pytest.raises(DownloadRefused, match="only with AISCI_ALLOW_LOOPBACK=1"):
        route(LINK, DROPBOX_HOSTS, config)
    config = SRConfig(cache_dir=tmp_path, allow_loopback=True, weights_loopback_url="http://mirror.example.com")
    with pytest.raises(DownloadRefused, match="must be an http URL on 127.0.0.1"):
        route(LINK, DROPBOX_HOSTS, config)
