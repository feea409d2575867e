"""index/netpolicy.py: allowed hosts, private addresses, the reachability probe."""

from __future__ import annotations

import socket

from index.config import IndexConfig
from index.netpolicy import allowed_hosts, check_url, clear_probe_cache, host_port, probe

CFG = IndexConfig()


def test_allowed_hosts_are_prompt_hosts_mirrors_and_bases():
    hosts = allowed_hosts(
        ["https://openaccess.thecvf.com/x.pdf"], CFG.model_copy(update={"arxiv_base_url": "http://m.test"})
    )
    assert {"openaccess.thecvf.com", "arxiv.org", "export.arxiv.org", "raw.githubusercontent.com", "m.test"} <= hosts
    assert "evil.example" not in hosts


def test_check_url_refusals():
    hosts = allowed_hosts([], CFG)
    assert "not one of the prompt's sources" in check_url("https://evil.example/x", hosts, CFG)
    assert "scheme ftp" in check_url("ftp://arxiv.org/x", hosts, CFG)
    local = allowed_hosts(["http://127.0.0.1:8000/x", "http://10.0.0.5/x"], CFG)
    assert "private or loopback" in check_url("http://127.0.0.1:8000/x", local, CFG)
    assert "private or loopback" in check_url("http://10.0.0.5/x", local, CFG)
    assert check_url("http://127.0.0.1:8000/x", local, CFG.model_copy(update={"allow_loopback": True})) is None


def test_names_resolving_to_loopback_are_refused(monkeypatch):
    hosts = allowed_hosts(["https://sneaky.test/x"], CFG)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("127.0.0.1", 443))])
    assert "resolves to a private or loopback address" in check_url("https://sneaky.test/x", hosts, CFG)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("151.101.1.1", 443))])
    assert check_url("https://sneaky.test/x", hosts, CFG) is None


def test_probe_is_cached_per_process(monkeypatch):
    clear_probe_cache()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x"
        assert probe(url, 1.0)[0] is True
    calls = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: calls.append(a))
    assert probe(url, 1.0)[0] is True and calls == []  # answered from the cache
    clear_probe_cache()


def test_probe_unreachable():
    clear_probe_cache()
    ok, why = probe("http://127.0.0.1:9/x", 1.0)
    assert not ok and why.startswith("network unreachable (127.0.0.1:9:")
    clear_probe_cache()


def test_host_port():
    assert host_port("https://ArXiv.org/pdf/1") == ("arxiv.org", 443)
    assert host_port("http://127.0.0.1:8080/") == ("127.0.0.1", 8080)


def test_probe_result_expires(monkeypatch):
    import index.netpolicy as netpolicy

    clear_probe_cache()
    assert probe("http://127.0.0.1:9/x", 1.0)[0] is False
    monkeypatch.setattr(netpolicy, "PROBE_TTL_S", 0.0)
    calls = []

    class Fake:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: calls.append(a) or Fake())
    assert probe("http://127.0.0.1:9/x", 1.0)[0] is True and len(calls) == 1
    clear_probe_cache()
