"""Loopback addresses and Host headers: what the server binds by default and whom it answers."""

from __future__ import annotations

import pytest

from aisci.web.hosts import host_name, host_warning, is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback(host):
    assert is_loopback(host) and host_warning(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "example.com", "127.0.0.1.evil.example", ""])
def test_anything_else_is_reachable_from_outside_and_warned_about(host):
    assert not is_loopback(host)
    assert host_warning(host).startswith(f"warning: serving on {host}: anyone who can reach this machine")


@pytest.mark.parametrize("header, name", [("127.0.0.1:7860", "127.0.0.1"), ("localhost", "localhost"),
                                          ("[::1]:7860", "::1"), ("Evil.Example:80", "evil.example")])
def test_host_name(header, name):
    assert host_name(header) == name
