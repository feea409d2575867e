"""llama-cpp-python's own OpenAI-compatible server (`python -m llama_cpp.server`) serving the
embedded model on a free loopback port: the real server the openai backend is measured against."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from web_server import free_port


class LlamaServer:
    """`with LlamaServer(model_path) as server:` … `server.base_url` (…/v1), model name `server.model`."""

    model = "local"

    def __init__(self, model_path: Path, threads: int | None = None, ctx: int = 8192, log: Path | None = None):
        self.model_path = Path(model_path)
        self.port = free_port()
        self.threads = threads or os.cpu_count() or 1
        self.ctx = ctx
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout_s: float = 180.0) -> LlamaServer:
        # chatml-function-calling: tool calls through a grammar, for a model without native tool calling.
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path), "--model_alias", self.model,
               "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.ctx),
               "--n_threads", str(self.threads), "--n_threads_batch", str(self.threads),
               "--chat_format", "chatml-function-calling"]
        out = open(self.log, "wb") if self.log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
        env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode} (log: {self.log})")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not answer within {timeout_s:.0f} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
