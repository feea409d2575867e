"""index/fetch.py against a real loopback server: every fault ends in its documented status and
nothing half-written is left in the cache."""

from __future__ import annotations

import time

import pytest
from loopback import Reply, pdf_reply, text_reply

from index.cache import SourceCache
from index.errors import FetchError, OfflineError
from index.fetch import Fetcher, parse_retry_after
from index.netpolicy import allowed_hosts

PDF = b"%PDF-1.4\n" + b"x" * 5000 + b"\n%%EOF\n"


def make(config, extra_urls=()):
    cache = SourceCache(config)
    return Fetcher(config, cache, allowed_hosts(list(extra_urls), config)), cache


def assert_clean(cache: SourceCache) -> None:
    """No temporary or partial file anywhere under the sources folder."""
    leftovers = [p for p in cache.root.rglob("*") if p.is_file() and p.name.endswith(".tmp")]
    assert leftovers == []


def blobs(cache: SourceCache) -> list:
    return [p for p in (cache.root / "blobs").rglob("*") if p.is_file()] if cache.root.exists() else []


def test_fetch_then_cached(server, config):
    server.route("/pdf/1", pdf_reply(PDF))
    fetcher, cache = make(config)
    first = fetcher.fetch(f"{server.url}/pdf/1", expect_pdf=True)
    assert not first.from_cache and first.path.read_bytes() == PDF
    assert first.record.size == len(PDF) and first.record.content_type == "application/pdf"
    second = fetcher.fetch(f"{server.url}/pdf/1", expect_pdf=True)
    assert second.from_cache and server.hits("/pdf/1") == 1
    assert_clean(cache)


def test_404_is_failed_without_retry(server, config):
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match="HTTP 404") as info:
        fetcher.fetch(f"{server.url}/pdf/missing", expect_pdf=True)
    assert not info.value.retryable and server.hits("/pdf/missing") == 1
    record = cache.record(f"{server.url}/pdf/missing")
    assert record.status == "error" and record.error == "HTTP 404"
    assert blobs(cache) == [] and cache.lookup(f"{server.url}/pdf/missing") is None


def test_429_retry_after_is_honoured(server, config):
    server.route("/pdf/2", Reply(status=429, headers={"Retry-After": "1"}), pdf_reply(PDF))
    fetcher, cache = make(config)
    started = time.monotonic()
    got = fetcher.fetch(f"{server.url}/pdf/2", expect_pdf=True)
    assert got.path.read_bytes() == PDF
    (_, t1), (_, t2) = [entry for entry in server.log if entry[0] == "/pdf/2"]
    assert t2 - t1 >= 0.95 and time.monotonic() - started >= 0.95


def test_retry_after_over_the_limit_fails_at_once(server, config):
    server.route("/pdf/3", Reply(status=503, headers={"Retry-After": "3600"}))
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match="Retry-After 3600s exceeds"):
        fetcher.fetch(f"{server.url}/pdf/3", expect_pdf=True)
    assert server.hits("/pdf/3") == 1 and blobs(cache) == []


def test_500_then_success(server, config):
    server.route("/pdf/4", Reply(status=500), Reply(status=502), pdf_reply(PDF))
    fetcher, _ = make(config)
    assert fetcher.fetch(f"{server.url}/pdf/4", expect_pdf=True).path.read_bytes() == PDF
    assert server.hits("/pdf/4") == 3


def test_500_forever_fails_after_retries(server, config):
    server.route("/pdf/5", Reply(status=500))
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match=r"HTTP 500 \(after 3 attempts\)"):
        fetcher.fetch(f"{server.url}/pdf/5", expect_pdf=True)
    assert server.hits("/pdf/5") == 3 and blobs(cache) == []


def test_slower_than_timeout(server, config):
    config = config.model_copy(update={"timeout_s": 0.3, "retries": 1})
    server.route("/pdf/6", Reply(body=PDF, content_type="application/pdf", delay_s=1.0))
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match="timed out after 0.3s"):
        fetcher.fetch(f"{server.url}/pdf/6", expect_pdf=True)
    assert blobs(cache) == []
    assert_clean(cache)


def test_truncated_body(server, config):
    server.route("/pdf/7", Reply(body=PDF, content_type="application/pdf", truncate_at=1000))
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match="connection failed|truncated"):
        fetcher.fetch(f"{server.url}/pdf/7", expect_pdf=True)
    assert server.hits("/pdf/7") == 3 and blobs(cache) == []
    assert_clean(cache)


def test_html_instead_of_pdf(server, config):
    server.route("/pdf/8", text_reply("<!DOCTYPE html><html>captcha</html>", "text/html"))
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match="not a PDF \\(got text/html"):
        fetcher.fetch(f"{server.url}/pdf/8", expect_pdf=True)
    assert server.hits("/pdf/8") == 1 and blobs(cache) == []
    assert_clean(cache)


def test_body_over_size_cap(server, config):
    config = config.model_copy(update={"max_download_mb": 0.01})  # 10 KiB
    big = b"%PDF-1.4\n" + b"0" * 50_000
    server.route("/pdf/9", pdf_reply(big))  # refused on its Content-Length
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match="larger than the 0.01 MB limit"):
        fetcher.fetch(f"{server.url}/pdf/9", expect_pdf=True)
    assert blobs(cache) == []
    assert_clean(cache)


def test_streamed_cap_without_content_length(server, config, monkeypatch):
    config = config.model_copy(update={"max_download_mb": 0.01})
    server.route("/pdf/10", pdf_reply(b"%PDF-1.4\n" + b"0" * 50_000))
    fetcher, cache = make(config)
    import httpx

    real_stream = httpx.Client.stream

    def no_length(self, *args, **kwargs):
        ctx = real_stream(self, *args, **kwargs)

        class Wrapped:
            def __enter__(inner):
                response = ctx.__enter__()
                del response.headers["content-length"]
                return response

            def __exit__(inner, *exc):
                return ctx.__exit__(*exc)

        return Wrapped()

    monkeypatch.setattr(httpx.Client, "stream", no_length)
    with pytest.raises(FetchError, match="larger than the 0.01 MB limit$"):
        fetcher.fetch(f"{server.url}/pdf/10", expect_pdf=True)
    assert blobs(cache) == []
    assert_clean(cache)


def test_redirect_within_allowed_host(server, config):
    server.route("/pdf/11", Reply(status=302, headers={"Location": "/pdf/11v2"}))
    server.route("/pdf/11v2", pdf_reply(PDF))
    fetcher, _ = make(config)
    got = fetcher.fetch(f"{server.url}/pdf/11", expect_pdf=True)
    assert got.record.final_url == f"{server.url}/pdf/11v2"


def test_redirect_to_other_host_is_refused(server, config):
    port = server.url.rsplit(":", 1)[1]
    server.route("/pdf/12", Reply(status=301, headers={"Location": f"http://localhost:{port}/pdf/12b"}))
    server.route("/pdf/12b", pdf_reply(PDF))
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match="redirected to http://localhost:.*host localhost is not one"):
        fetcher.fetch(f"{server.url}/pdf/12", expect_pdf=True)
    assert server.hits("/pdf/12b") == 0 and blobs(cache) == []


def test_loopback_refused_unless_allowed(server, config):
    config = config.model_copy(update={"allow_loopback": False})
    server.route("/pdf/13", pdf_reply(PDF))
    fetcher, _ = make(config)
    with pytest.raises(FetchError, match="private or loopback"):
        fetcher.fetch(f"{server.url}/pdf/13", expect_pdf=True)
    assert server.hits("/pdf/13") == 0


def test_polite_delay_between_requests_to_one_host(server, config):
    config = config.model_copy(update={"host_delay_s": 0.4})
    server.route("/a", text_reply("a"))
    server.route("/b", text_reply("b"))
    fetcher, _ = make(config)
    fetcher.fetch(f"{server.url}/a")
    fetcher.fetch(f"{server.url}/b")
    times = [t for p, t in server.log if p in ("/a", "/b")]
    # The delay is between request starts; the server's receipt times jitter by a connection setup.
    assert times[1] - times[0] >= 0.3


def test_offline_uses_cache_and_never_the_network(server, config):
    server.route("/pdf/14", pdf_reply(PDF))
    fetcher, _ = make(config)
    fetcher.fetch(f"{server.url}/pdf/14", expect_pdf=True)
    offline, _ = make(config.model_copy(update={"offline": True}))
    assert offline.fetch(f"{server.url}/pdf/14", expect_pdf=True).from_cache
    with pytest.raises(OfflineError, match="offline and not in the cache"):
        offline.fetch(f"{server.url}/pdf/15", expect_pdf=True)
    assert server.hits("/pdf/15") == 0 and offline.requests == 0


def test_unreachable_host_is_offline_error_quickly(config):
    from index.netpolicy import clear_probe_cache

    clear_probe_cache()
    dead = config.model_copy(update={"arxiv_base_url": "http://127.0.0.1:9", "probe_timeout_s": 1.0})
    fetcher, _ = make(dead)
    started = time.monotonic()
    with pytest.raises(OfflineError, match="network unreachable"):
        fetcher.fetch("http://127.0.0.1:9/pdf/1", expect_pdf=True)
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(("header", "expected"), [("5", 5.0), ("  12 ", 12.0), (None, None), ("soon", None)])
def test_parse_retry_after(header, expected):
    assert parse_retry_after(header) == expected


def test_parse_retry_after_http_date():
    import email.utils

    value = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after(value) <= 31


def test_404_is_remembered_for_the_ttl(server, config):
    fetcher, cache = make(config)
    url = f"{server.url}/gone/README.md"
    for _ in range(2):
        with pytest.raises(FetchError, match="HTTP 404"):
            fetcher.fetch(url)
    assert server.hits("/gone/README.md") == 1
    expired, _ = make(config.model_copy(update={"failure_ttl_s": 0.0}))
    with pytest.raises(FetchError, match="HTTP 404"):
        expired.fetch(url)
    assert server.hits("/gone/README.md") == 2


def test_transient_failures_are_not_remembered(server, config):
    server.route("/pdf/20", Reply(status=500), Reply(status=500), Reply(status=500), pdf_reply(PDF))
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match="HTTP 500"):
        fetcher.fetch(f"{server.url}/pdf/20", expect_pdf=True)
    assert cache.record(f"{server.url}/pdf/20").permanent is False
    assert fetcher.fetch(f"{server.url}/pdf/20", expect_pdf=True).path.read_bytes() == PDF


# --- compressed bodies, the overall deadline, truncated PDFs, the address policy (issue 11) --------
REAL_PDF = b"%PDF-1.4\n" + b"1 0 obj << >> endobj\n" * 200 + b"trailer << >>\n%%EOF\n"


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_bodies_are_fetched_whole(server, config, encoding):
    import gzip
    import zlib

    body = gzip.compress(REAL_PDF) if encoding == "gzip" else zlib.compress(REAL_PDF)
    assert len(body) < len(REAL_PDF) // 5  # Content-Length (compressed) is far below the decoded size
    server.route("/pdf/gz", Reply(body=body, content_type="application/pdf", headers={"Content-Encoding": encoding}))
    fetcher, cache = make(config)
    got = fetcher.fetch(f"{server.url}/pdf/gz", expect_pdf=True)
    assert got.path.read_bytes() == REAL_PDF and got.record.size == len(REAL_PDF)
    assert fetcher.fetch(f"{server.url}/pdf/gz", expect_pdf=True).from_cache and server.hits("/pdf/gz") == 1
    assert_clean(cache)


def test_compressed_body_cut_short_is_truncated(server, config):
    import gzip

    body = gzip.compress(REAL_PDF + bytes(range(256)) * 40)
    server.route("/pdf/gzcut", Reply(body=body, content_type="application/pdf",
                                     headers={"Content-Encoding": "gzip"}, truncate_at=len(body) // 2))
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match="connection failed|truncated|bad response"):
        fetcher.fetch(f"{server.url}/pdf/gzcut", expect_pdf=True)
    assert blobs(cache) == []
    assert_clean(cache)


def test_compression_bomb_hits_the_decoded_size_cap(server, config):
    import gzip

    config = config.model_copy(update={"max_download_mb": 0.05})
    bomb = gzip.compress(b"%PDF-1.4\n" + b"\0" * 2_000_000)  # 2 MB decoded, a few KB on the wire
    server.route("/pdf/bomb", Reply(body=bomb, content_type="application/pdf", headers={"Content-Encoding": "gzip"}))
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match="larger than the 0.05 MB limit"):
        fetcher.fetch(f"{server.url}/pdf/bomb", expect_pdf=True)
    assert blobs(cache) == []


def test_a_dripping_server_is_cut_off_at_the_deadline(server, config):
    # 1 byte every 0.2 s never trips the 2 s read timeout; the deadline for the source ends it.
    config = config.model_copy(update={"deadline_s": 1.5, "retries": 3})
    server.route("/pdf/drip", Reply(body=REAL_PDF, content_type="application/pdf", drip_s=0.2))
    fetcher, cache = make(config)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"within 1.5 s, the limit for one source \(AISCI_FETCH_DEADLINE_S\)"):
        fetcher.fetch(f"{server.url}/pdf/drip", expect_pdf=True)
    elapsed = time.monotonic() - started
    assert elapsed < 3.0, f"retries x timeout would be far longer; took {elapsed:.1f} s"
    assert server.hits("/pdf/drip") == 1 and blobs(cache) == []
    assert_clean(cache)


def test_the_deadline_bounds_retries_and_their_backoff(server, config):
    config = config.model_copy(update={"deadline_s": 1.0, "retries": 5, "backoff_s": 0.4})
    server.route("/pdf/flaky", Reply(status=503))
    fetcher, _ = make(config)
    started = time.monotonic()
    with pytest.raises(FetchError, match="HTTP 503; no complete download within 1 s"):
        fetcher.fetch(f"{server.url}/pdf/flaky", expect_pdf=True)
    assert time.monotonic() - started < 1.5 and server.hits("/pdf/flaky") < 6


def test_truncated_pdf_with_status_200_is_retried_and_never_cached(server, config):
    cut = REAL_PDF[: len(REAL_PDF) // 2]  # a consistent Content-Length: only the missing %%EOF tells
    server.route("/pdf/cut", pdf_reply(cut), pdf_reply(cut), pdf_reply(cut), pdf_reply(REAL_PDF))
    fetcher, cache = make(config)
    with pytest.raises(FetchError, match=r"truncated PDF \(no %%EOF marker at its end\) \(after 3 attempts\)"):
        fetcher.fetch(f"{server.url}/pdf/cut", expect_pdf=True)
    assert blobs(cache) == [] and cache.lookup(f"{server.url}/pdf/cut") is None
    got = fetcher.fetch(f"{server.url}/pdf/cut", expect_pdf=True)  # fetched again, now whole
    assert got.path.read_bytes() == REAL_PDF and server.hits("/pdf/cut") == 4


def test_a_damaged_cached_blob_is_fetched_again(server, config):
    server.route("/pdf/heal", pdf_reply(REAL_PDF))
    fetcher, cache = make(config)
    first = fetcher.fetch(f"{server.url}/pdf/heal", expect_pdf=True)
    damaged = bytearray(REAL_PDF)
    damaged[100] ^= 0xFF  # same size, other bytes: only the sha256 tells
    first.path.write_bytes(bytes(damaged))
    again = make(config)[0].fetch(f"{server.url}/pdf/heal", expect_pdf=True)
    assert not again.from_cache and again.path.read_bytes() == REAL_PDF and server.hits("/pdf/heal") == 2


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f000001", "127.1", "0177.0.0.1", "localhost",
                                  "0.0.0.0"])
def test_private_addresses_are_refused_before_any_socket(config, host):
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        url = f"http://{host}:{port}/pdf/1"
        policy = config.model_copy(update={"allow_loopback": False})
        fetcher, _ = make(policy, [url])
        with pytest.raises(FetchError, match="refused: .*private or loopback") as info:
            fetcher.fetch(url, expect_pdf=True)
        assert not isinstance(info.value, OfflineError) and fetcher.requests == 0
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing ever connected: not the probe, not a request
    # A closed port reads the same: the answer says nothing about what listens there.
    closed, _ = make(policy, [f"http://{host}:9/pdf/1"])
    with pytest.raises(FetchError) as other:
        closed.fetch(f"http://{host}:9/pdf/1", expect_pdf=True)
    assert other.value.reason.replace(":9/", f":{port}/") == info.value.reason


def test_a_name_that_turns_loopback_at_connect_time_is_refused(server, config, monkeypatch):
    # DNS rebinding: the name resolves to a public address when the hop is checked and to loopback
    # when the client connects. The client's own connect-time check refuses it: no request is made.
    import socket

    import index.netpolicy as netpolicy

    port = int(server.url.rsplit(":", 1)[1])
    calls = []
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host != "rebind.test":
            return real(host, *args, **kwargs)
        calls.append(host)
        address = "93.184.216.34" if len(calls) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(netpolicy.socket, "getaddrinfo", rebinding)
    policy = config.model_copy(update={"allow_loopback": False})
    url = f"http://rebind.test:{port}/pdf/r"
    fetcher, _ = make(policy, [url])
    server.route("/pdf/r", pdf_reply(REAL_PDF))
    with pytest.raises(FetchError, match="refused: host rebind.test resolves to a private or loopback address"):
        fetcher._download(url, True, time.monotonic() + 5)  # the hop check passes; the connect does not
    assert len(calls) == 2 and server.hits("/pdf/r") == 0
