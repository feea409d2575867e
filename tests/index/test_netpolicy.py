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
        assert probe(url, 1.0, allow_loopback=True)[0] is True
    calls = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: calls.append(a))
    assert probe(url, 1.0, allow_loopback=True)[0] is True and calls == []  # answered from the cache
    clear_probe_cache()


def test_probe_unreachable():
    clear_probe_cache()
    ok, why = probe("http://127.0.0.1:9/x", 1.0, allow_loopback=True)
    assert not ok and why.startswith("network unreachable (127.0.0.1:9:")
    clear_probe_cache()


def test_host_port():
    assert host_port("https://ArXiv.org/pdf/1") == ("arxiv.org", 443)
    assert host_port("http://127.0.0.1:8080/") == ("127.0.0.1", 8080)


def test_probe_result_expires(monkeypatch):
    import index.netpolicy as netpolicy

    clear_probe_cache()
    assert probe("http://127.0.0.1:9/x", 1.0, allow_loopback=True)[0] is False
    monkeypatch.setattr(netpolicy, "PROBE_TTL_S", 0.0)
    calls = []

    class Fake:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: calls.append(a) or Fake())
    assert probe("http://127.0.0.1:9/x", 1.0, allow_loopback=True)[0] is True and len(calls) == 1
    clear_probe_cache()


# --- the policy before any socket, hosts read as browsers read them (issue 11) ---------------------
import pytest  # noqa: E402

from index.netpolicy import AddressRefused, guarded_transport, literal_address, resolve_allowed  # noqa: E402

LOOPBACK_FORMS = ["127.0.0.1", "2130706433", "0x7f000001", "127.1", "0177.0.0.1", "[::1]", "::1",
                  "::ffff:127.0.0.1", "[::ffff:7f00:1]", "0.0.0.0", "0", "localhost", "LOCALHOST", "10.1", "169.254.169.254"]


@pytest.mark.parametrize(("host", "address"), [
    ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("127.1", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"), ("[::1]", "::1"), ("::ffff:127.0.0.1", "::ffff:7f00:1"), ("0", "0.0.0.0"),
    ("arxiv.org", None), ("1e100.net", None),
])
def test_literal_addresses_are_read_as_browsers_do(host, address):
    assert literal_address(host) == address


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_every_loopback_form_is_refused_without_a_socket(host, monkeypatch):
    opened = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: opened.append(a))
    with pytest.raises(AddressRefused, match="private or loopback"):
        resolve_allowed(host, 80, allow_loopback=False)
    assert opened == []
    url_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    assert "private or loopback" in check_url(f"http://{url_host}/x", frozenset({host.lower().strip("[]")}), CFG)


def test_public_literals_pass_and_loopback_passes_when_allowed():
    assert resolve_allowed("151.101.1.1", 443, allow_loopback=False) == ["151.101.1.1"]
    assert resolve_allowed("2130706433", 80, allow_loopback=True) == ["127.0.0.1"]


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "localhost"])
def test_probe_refuses_private_hosts_and_cannot_tell_open_from_closed(host):
    clear_probe_cache()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        open_port = probe(f"http://{host}:{port}/x", 1.0)
        closed_port = probe(f"http://{host}:9/x", 1.0)
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert open_port[0] is False and open_port[1].startswith("refused: ")
    assert open_port == closed_port
    clear_probe_cache()


def test_guarded_transport_checks_every_connection():
    import httpx

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with httpx.Client(transport=guarded_transport(allow_loopback=False)) as client:
            for host in ("127.0.0.1", "2130706433", "0x7f000001", "localhost"):
                with pytest.raises(AddressRefused):
                    client.get(f"http://{host}:{port}/x", timeout=1.0)
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()


def test_guarded_transport_allows_loopback_when_configured():
    import httpx
    from loopback import LoopbackServer, text_reply

    with LoopbackServer() as server:
        server.route("/x", text_reply("hello"))
        with httpx.Client(transport=guarded_transport(allow_loopback=True)) as client:
            assert client.get(f"{server.url}/x").text == "hello"
