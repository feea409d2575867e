"""A small OpenAI-compatible chat-completions server on loopback, for end-to-end backend tests.

It speaks `POST /v1/chat/completions` over real sockets the way OpenAI, vLLM or llama.cpp do:
bearer-key check (401), unknown model (404), tool calls in and out, forced `tool_choice`,
`response_format` JSON schema, and `usage` token counts. What the "model" says is scripted: each
request takes the next turn, a function of the request body that returns the assistant message.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Turn = Callable[[dict], dict]
PASSAGE_ID = re.compile(r"\[(S\d+)\]")
_CALL_IDS = itertools.count(1)


def _error(status: int, message: str, code: str) -> tuple[int, dict]:
    return status, {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}


class ChatServer:
    """Scripted chat completions at `base_url` (http://127.0.0.1:PORT/v1)."""

    def __init__(self, api_key: str = "test-key", models: tuple[str, ...] = ("test-model",)):
        self.api_key = api_key
        self.models = set(models)
        self.turns: deque[Turn] = deque()
        self.requests: list[dict] = []
        self.tool_outputs: list[tuple[str, str]] = []  # (tool name, content) seen in requests, in order
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> ChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(self, *turns: Turn) -> None:
        """Queue the answers to the next requests, in order."""
        self.turns.extend(turns)

    # --- turn builders --------------------------------------------------------------------------
    @staticmethod
    def call(name: str, args: dict | Callable[[dict], dict]) -> Turn:
        """A turn that calls tool `name` with `args` (or `args(request)`)."""

        def turn(request: dict) -> dict:
            arguments = args(request) if callable(args) else args
            call_id = f"call_{next(_CALL_IDS)}"
            return {"role": "assistant", "content": None, "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]}

        return turn

    @staticmethod
    def final(text: str | Callable[[dict], str]) -> Turn:
        """A turn that ends the agent loop with a plain message."""
        return lambda request: {"role": "assistant", "content": text(request) if callable(text) else text}

    @staticmethod
    def structured(args: dict | Callable[[dict], dict]) -> Turn:
        """A turn that answers a structured-output request: a call of the forced tool, or JSON
        content when the request asks for a JSON-schema response format."""

        def turn(request: dict) -> dict:
            data = args(request) if callable(args) else args
            if (request.get("response_format") or {}).get("type") == "json_schema":
                return {"role": "assistant", "content": json.dumps(data)}
            choice = request.get("tool_choice")
            name = choice["function"]["name"] if isinstance(choice, dict) else request["tools"][0]["function"]["name"]
            return ChatServer.call(name, data)(request)

        return turn

    @staticmethod
    def status(code: int, message: str = "scripted failure") -> Turn:
        """A turn that answers with an HTTP error status."""
        return lambda request: {"__status__": code, "message": message}

    # --- what requests carried ------------------------------------------------------------------
    def tool_names(self, request_index: int = 0) -> list[str]:
        """Names of the tools offered in one request."""
        return [t["function"]["name"] for t in self.requests[request_index].get("tools") or []]

    def passage_ids(self, tool: str = "search_papers") -> list[str]:
        """Passage ids ([S3]) in the outputs of `tool` the model was sent."""
        ids: list[str] = []
        for name, content in self.tool_outputs:
            if name == tool:
                ids += [i for i in PASSAGE_ID.findall(content) if i not in ids]
        return ids

    # --- HTTP ----------------------------------------------------------------------------------
    def _record(self, body: dict) -> None:
        names: dict[str, str] = {}
        for message in body.get("messages", []):
            for call in message.get("tool_calls") or []:
                names[call["id"]] = call["function"]["name"]
            if message.get("role") == "tool":
                entry = (names.get(message.get("tool_call_id"), "?"), str(message.get("content")))
                if entry not in self.tool_outputs:
                    self.tool_outputs.append(entry)
        self.requests.append(body)

    def respond(self, body: dict, authorization: str | None) -> tuple[int, dict]:
        """The status and JSON body for one chat-completions request."""
        if authorization != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        if body.get("model") not in self.models:
            return _error(404, f"The model `{body.get('model')}` does not exist.", "model_not_found")
        with self._lock:
            self._record(body)
            if not self.turns:
                return _error(500, "the test script has no more turns", "script_exhausted")
            message = self.turns.popleft()(body)
        if "__status__" in message:
            return _error(message["__status__"], message["message"], "scripted")
        prompt_tokens = len(json.dumps(body.get("messages", []))) // 4
        completion_tokens = max(1, len(json.dumps(message)) // 4)
        return 200, {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": 1700000000,
            "model": body["model"],
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    status, payload = _error(404, f"no route {self.path}", "not_found")
                else:
                    try:
                        body: Any = json.loads(raw)
                    except json.JSONDecodeError:
                        body = None
                    status, payload = (server.respond(body, self.headers.get("Authorization")) if isinstance(body, dict)
                                       else _error(400, "the body is not a JSON object", "bad_json"))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        return Handler
