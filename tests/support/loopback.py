"""A real HTTP server on 127.0.0.1 standing in for arXiv and GitHub in tests and benchmarks.

Each path maps to a list of `Reply`s served in order (the last one repeats), so a test can script
"500 then success" or "429 with Retry-After then the PDF". Faults: a slow reply, a truncated body
(Content-Length larger than what is sent before the connection closes), redirects, byte ranges
(`ranges=True`: `Range: bytes=N-` gets a 206, as a CDN serves a resumed download; `If-Range` that
does not match the reply's ETag gets the whole body). Every request is logged with its time and
its headers. Only loopback is ever bound.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """One scripted answer."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # sleep before answering (a reply slower than the client's timeout)
    truncate_at: int | None = None  # send only this many body bytes, then close
    ranges: bool = False  # honour Range requests (206 / 416) like a file server
    drip_s: float = 0.0  # send the body one byte at a time, this many seconds apart (a dripping server)


def _ranged(reply: Reply, request_headers) -> tuple[int, bytes, dict[str, str]]:
    """(status, body, extra headers) of a range-capable reply to these request headers."""
    headers = {**reply.headers, "Accept-Ranges": "bytes"}
    wanted = request_headers.get("Range")
    if_range = request_headers.get("If-Range")
    validators = {reply.headers.get("ETag"), reply.headers.get("Last-Modified")} - {None}
    if not wanted or not wanted.startswith("bytes=") or (if_range is not None and if_range not in validators):
        return reply.status, reply.body, headers
    first, _, last = wanted[len("bytes="):].partition("-")
    size = len(reply.body)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        return 416, b"", {**headers, "Content-Range": f"bytes */{size}"}
    return 206, reply.body[start : end + 1], {**headers, "Content-Range": f"bytes {start}-{end}/{size}"}


def pdf_reply(data: bytes) -> Reply:
    return Reply(body=data, content_type="application/pdf")


def text_reply(text: str, content_type: str = "text/plain; charset=utf-8") -> Reply:
    return Reply(body=text.encode("utf-8"), content_type=content_type)


class LoopbackServer:
    """`with LoopbackServer() as srv: srv.route("/pdf/x", pdf_reply(...)); srv.url` ..."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.log: list[tuple[str, float]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, lower-cased request headers), in order
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                reply = server._next(self.path, {k.lower(): v for k, v in self.headers.items()})
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                status, full, extra = (_ranged(reply, self.headers) if reply.ranges
                                       else (reply.status, reply.body, reply.headers))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(full)))
                    for key, value in extra.items():
                        self.send_header(key, value)
                    if reply.truncate_at is not None:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    body = full if reply.truncate_at is None else full[: reply.truncate_at]
                    if reply.drip_s:  # a server that drips: never idle long enough for a read timeout
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(reply.drip_s)
                    else:
                        self.wfile.write(body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)
                if reply.truncate_at is not None:
                    self.close_connection = True

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *replies: Reply) -> None:
        """Serve `replies` in order at `path` (query string included); the last one repeats."""
        with self._lock:
            self.routes[path] = list(replies)

    def hits(self, path: str) -> int:
        """How many requests `path` received."""
        return sum(1 for p, _ in self.log if p == path)

    def headers_of(self, path: str) -> list[dict[str, str]]:
        """The request headers of every request to `path`, in order."""
        return [h for p, h in self.requests if p == path]

    def _next(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        with self._lock:
            self.log.append((path, time.monotonic()))
            self.requests.append((path, headers or {}))
            replies = self.routes.get(path)
            if not replies:
                return Reply(status=404, body=b"not found", content_type="text/plain")
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
