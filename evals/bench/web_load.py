"""Load check of `aisci serve`: concurrent page loads and concurrent SR jobs, on loopback only.

    python -m evals.bench.web_load [--pages 20] [--sr-jobs 4] [--image PATH] [--scale 2] [--out FILE]

Starts the real server (extractive backend, offline) in a subprocess on a free 127.0.0.1 port.
Phase 1: `--pages` browsers (each its own cookie) load the page at once: the HTML, its four static
files and the three API calls the page makes on load. Phase 2: `--sr-jobs` browsers each submit one
SR job at once (SISR-Any-LIIF-EDSR, demo mode, on IMAGE or the bundled chart) and poll it to the end.
The server's resident memory is sampled throughout (/proc). Every request has a timeout and every
phase a deadline; nothing is sent anywhere but 127.0.0.1. Prints a table and writes JSON; exits 1
when any request or job failed, or when the server ever ran two SR jobs at once.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from web_server import running_server

from prompts.files import atomic_write_json

SEED = "004_22a4445001d39c44"
MODEL = "SISR-Any-LIIF-EDSR"
PAGE = ["/", "/static/app.css", "/static/app.js", "/static/run.js", "/static/favicon.svg", "/api/info", "/api/prompts",
        f"/api/prompts/{SEED}"]
REQUEST_TIMEOUT_S = 60.0
PHASE_DEADLINE_S = 900.0


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of `pid` in MB, from /proc/PID/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


class Sampler(threading.Thread):
    """Samples the server's RSS every `interval` seconds until stopped."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.samples = pid, interval, []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.samples.append(rss_mb(self.pid)[0])
            except OSError:
                return
            self._stop_event.wait(self.interval)

    def stop(self) -> float:
        self._stop_event.set()
        self.join(2)
        return max(self.samples, default=0.0)


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def load_page(base: str) -> dict:
    """One browser's page load: every request the page makes when it opens."""
    start = time.perf_counter()
    errors = []
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as client:
        for path in PAGE:
            try:
                r = client.get(path)
                if r.status_code != 200:
                    errors.append(f"{path}: HTTP {r.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{path}: {type(exc).__name__}")
    return {"seconds": time.perf_counter() - start, "errors": errors}


def sr_job(base: str, image: Path | None, scale: float) -> dict:
    """One browser's SR job, submitted and polled to the end."""
    start = time.perf_counter()
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as client:
        client.get("/")
        files = {"image": (image.name, image.read_bytes(), "image/png")} if image else None
        r = client.post("/api/run", headers={"X-Aisci": "1"},
                        data={"key": SEED, "model": MODEL, "scale": str(scale), "mode": "demo"}, files=files)
        if r.status_code != 200:
            return {"seconds": time.perf_counter() - start, "error": r.json().get("error", r.status_code)}
        job = r.json()
        first_position = job["position"]
        deadline = time.monotonic() + PHASE_DEADLINE_S
        while True:
            snap = client.get(f"/api/jobs/{job['id']}").json()
            if snap["status"] in ("done", "failed"):
                break
            if time.monotonic() > deadline:
                return {"seconds": time.perf_counter() - start, "error": "deadline passed"}
            time.sleep(0.25)
        result = snap.get("result") or {}
        out = {"seconds": time.perf_counter() - start, "error": snap["error"], "position": first_position,
               "model_seconds": result.get("seconds"), "device": result.get("device")}
        if result.get("metrics"):
            out["psnr"], out["psnr_bicubic"] = result["metrics"]["psnr"], result["metrics"]["psnr_bicubic"]
        if not snap["error"]:
            img = client.get(result["images"]["output"])
            if img.status_code != 200 or not img.content.startswith(b"\x89PNG"):
                out["error"] = f"output image: HTTP {img.status_code}"
        return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--sr-jobs", type=int, default=4)
    ap.add_argument("--image", type=Path, default=None, help="PNG for the SR jobs (default: the bundled test chart)")
    ap.add_argument("--scale", type=float, default=2.0)
    ap.add_argument("--out", type=Path, default=Path("aisci-runs/bench/web_load.json"))
    args = ap.parse_args(argv)
    if not 1 <= args.pages <= 100 or not 1 <= args.sr_jobs <= 16:
        ap.error("--pages must be 1..100 and --sr-jobs 1..16 (a bounded check)")

    work = Path(tempfile.mkdtemp(prefix="aisci-web-load-"))
    env = {"AISCI_OFFLINE": "1", "AISCI_OUTPUT_DIR": str(work / "runs"), "ANONYMIZED_TELEMETRY": "False"}
    report: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                "load_average": [round(x, 2) for x in os.getloadavg()]},
                    "command": "python -m evals.bench.web_load " + " ".join(argv if argv is not None else sys.argv[1:])}
    with running_server(env, ["--backend", "extractive"], log_path=work / "serve.log") as (base, proc):
        report["rss_mb_idle"] = round(rss_mb(proc.pid)[0], 1)
        report["first_page_s"] = round(load_page(base)["seconds"], 3)  # imports and checksums happen here once

        sampler = Sampler(proc.pid)
        sampler.start()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.pages) as pool:
            pages = list(pool.map(lambda _: load_page(base), range(args.pages)))
        wall = time.perf_counter() - t0
        times = [p["seconds"] for p in pages]
        report["pages"] = {
            "count": args.pages, "requests_each": len(PAGE), "wall_s": round(wall, 3),
            "p50_s": round(statistics.median(times), 3), "p95_s": round(percentile(times, 0.95), 3),
            "max_s": round(max(times), 3), "errors": [e for p in pages for e in p["errors"]],
            "rss_mb_peak": round(sampler.stop(), 1),
        }

        sampler = Sampler(proc.pid)
        sampler.start()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.sr_jobs) as pool:
            jobs = list(pool.map(lambda _: sr_job(base, args.image, args.scale), range(args.sr_jobs)))
        wall = time.perf_counter() - t0
        queues = httpx.get(base + "/api/info", timeout=10).json()["queues"]["sr"]
        report["sr_jobs"] = {
            "count": args.sr_jobs, "model": MODEL, "scale": args.scale,
            "image": str(args.image) if args.image else "bundled test chart", "wall_s": round(wall, 2),
            "jobs": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in j.items()} for j in jobs],
            "max_running_at_once": queues["max_running"], "errors": [j["error"] for j in jobs if j.get("error")],
            "rss_mb_peak": round(sampler.stop(), 1),
        }
        report["rss_mb_end"], report["rss_mb_hwm"] = (round(v, 1) for v in rss_mb(proc.pid))

    p, s = report["pages"], report["sr_jobs"]
    print(f"aisci serve load check on {base} (load average {report['machine']['load_average']}); "
          f"first page load alone: {report['first_page_s']:.2f} s")
    print("| phase | count | wall s | per item (p50 / p95 / max s) | errors | server RSS peak MB |")
    print("|---|---:|---:|---|---:|---:|")
    print(f"| page loads ({p['requests_each']} requests each) | {p['count']} | {p['wall_s']:.2f} | "
          f"{p['p50_s']:.3f} / {p['p95_s']:.3f} / {p['max_s']:.3f} | {len(p['errors'])} | {p['rss_mb_peak']:.0f} |")
    per_job = [j["seconds"] for j in s["jobs"]]
    print(f"| SR jobs ({MODEL} x{args.scale:g}, demo) | {s['count']} | {s['wall_s']:.2f} | "
          f"{statistics.median(per_job):.2f} / {percentile(per_job, 0.95):.2f} / {max(per_job):.2f} | {len(s['errors'])} | "
          f"{s['rss_mb_peak']:.0f} |")
    model_s = [j["model_seconds"] for j in s["jobs"] if j.get("model_seconds")]
    print(f"SR jobs ran one at a time (most at once: {s['max_running_at_once']}); model seconds each: "
          f"{', '.join(f'{x:.2f}' for x in model_s)}; RSS idle {report['rss_mb_idle']:.0f} MB, "
          f"end {report['rss_mb_end']:.0f} MB, high-water {report['rss_mb_hwm']:.0f} MB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.out, report)
    print(f"wrote {args.out}")
    failed = p["errors"] or s["errors"] or s["max_running_at_once"] > 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
