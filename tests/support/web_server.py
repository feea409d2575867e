"""The real `aisci serve` in a subprocess on a free loopback port, and headless Chromium driven by
Selenium (Debian's chromium + chromium-driver; no browser download of any kind)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(env: dict[str, str], args: list[str] = (), log_path: Path | None = None,
                   timeout_s: float = 120.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start `aisci serve --port <free> ARGS` with `env`; yield (base URL, process) once it answers."""
    port = free_port()
    log_path = log_path or Path(tempfile.mkdtemp()) / "serve.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    cmd = [sys.executable, "-c", "from aisci.cli import main; main()", "serve", "--port", str(port), *args]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"aisci serve exited with {proc.returncode}: {log_path.read_text('utf-8', 'replace')}")
            try:
                if httpx.get(base + "/api/info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"aisci serve did not answer within {timeout_s:.0f} s: "
                                   f"{log_path.read_text('utf-8', 'replace')}")
            time.sleep(0.3)
        yield base, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        log.close()


def browser_missing() -> str | None:
    """Why headless Chromium cannot run here (None when it can)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is missing (apt-get install -y chromium chromium-driver)"
    return None


def chromium(profile_dir: Path, width: int = 1280, height: int = 1000):
    """A headless Chromium WebDriver with a fresh profile and the performance log on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def requested_urls(driver) -> list[str]:
    """Every URL the page asked the network for so far (from Chromium's performance log)."""
    import json

    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def screenshots(driver, folder: Path, name: str, section_id: str | None = None) -> Path:
    """NAME.png of the whole page (the window is stretched to the document's height) and, with
    `section_id`, NAME-section.png of that element."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    size = driver.get_window_size()
    driver.set_window_size(size["width"], max(height + 140, 600))
    time.sleep(0.3)
    path = Path(folder) / f"{name}.png"
    driver.save_screenshot(str(path))
    if section_id:
        driver.find_element("id", section_id).screenshot(str(Path(folder) / f"{name}-section.png"))
    driver.set_window_size(size["width"], size["height"])
    return path
