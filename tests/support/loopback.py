"""A real HTTP server on 127.0.0.1 standing in for arXiv and GitHub in tests and benchmarks.

Each path maps to a list of `Reply`s served in order (the last one repeats), so a test can script
"500 then success" or "429 with Retry-After then the PDF". Faults: a slow reply, a truncated body
(Content-Length larger than what is sent before the connection closes), redirects. Every request
is logged with its time. Only loopback is ever bound.
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


def pdf_reply(data: bytes) -> Reply:
    return Reply(body=data, content_type="application/pdf")


def text_reply(text: str, content_type: str = "text/plain; charset=utf-8") -> Reply:
    return Reply(body=text.encode("utf-8"), content_type=content_type)


class LoopbackServer:
    """`with LoopbackServer() as srv: srv.route("/pdf/x", pdf_reply(...)); srv.url` ..."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.log: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                reply = server._next(self.path)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    if reply.truncate_at is not None:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    body = reply.body if reply.truncate_at is None else reply.body[: reply.truncate_at]
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

    def _next(self, path: str) -> Reply:
        with self._lock:
            self.log.append((path, time.monotonic()))
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
