"""The web app in process (FastAPI's TestClient, the real answer, chat and SR code, offline): the
page's security rules, prompt uploads and their one-line errors, answers streamed part by part and
escaped, chat turns and transcripts, SR jobs checked before they are queued, and sessions kept apart."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from agent.backends.extractive import ExtractiveBackend
from agent.settings import get_settings
from aisci.web.app import CSP, STATIC, create_app
from aisci.web.state import WebConfig

REPO = Path(__file__).resolve().parents[3]
SEED = "004_22a4445001d39c44"
HAN_SEED = "000_e84ef3a245fb1958"
HOSTILE = '<img src=x onerror="alert(1)">'
HOSTILE_PROMPT = f'''A user has asked the following question:
"{HOSTILE} How does LIIF keep edges sharp when it enlarges an image 2x?"

1. What task the user is trying to perform.
2. How the model(s) would work in a CNAPS AI-like workflow (input → model → output).
3. List relevant papers and tools (with GitHub or ArXiv links) that support your answer.

### Recommended AI Models:
Model: SISR-Any-LIIF-EDSR
Paper: https://arxiv.org/pdf/2012.09161
GitHub: https://github.com/yinboc/liif

### Related Papers:
Model: <script>steal()</script> Sharper features
Paper: http://arxiv.org/pdf/2502.16025v1.pdf
Summary: We upsample <b>feature maps</b> of vision encoders cheaply while keeping fine detail.
'''
H = {"X-Aisci": "1"}


@pytest.fixture(scope="module")
def app(tmp_path_factory, liif_weights_dir):
    base = tmp_path_factory.mktemp("web-app")
    settings = get_settings(offline=True, no_download=True, cache_dir=base / "cache", output_dir=base / "runs",
                            weights_dir=liif_weights_dir, device="cpu", web_max_upload_mb=1.0,
                            web_max_image_pixels=300_000)
    web_app = create_app(WebConfig(settings=settings, backend=ExtractiveBackend(), backend_reason="requested",
                                   prompts_dir=REPO / "prompts" / "set"))
    yield web_app
    web_app.state.web.llm.close()
    web_app.state.web.sr.close()


@pytest.fixture
def client(app):
    with TestClient(app, base_url="http://127.0.0.1:7860") as c:
        c.get("/")  # the session cookie
        yield c


def _finish(client, job, timeout=300):
    deadline = time.monotonic() + timeout
    events, after = [], 0
    while True:
        snap = client.get(f"/api/jobs/{job['id']}", params={"after": after}).json()
        events += snap["events"]
        after = snap["next"]
        if snap["status"] in ("done", "failed"):
            return snap, events
        assert time.monotonic() < deadline, snap
        time.sleep(0.1)


def _png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.effect_mandelbrot((w, h), (-2, -1.2, 1, 1.2), 60).convert("RGB").save(buf, "PNG")
    return buf.getvalue()


def test_the_page_and_its_files_load_nothing_from_outside(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
    assert "default-src 'none'" in CSP and "script-src 'self'" in CSP and "http" not in CSP
    for name in ("index.html", "app.js", "run.js", "app.css", "favicon.svg"):
        text = (STATIC / name).read_text("utf-8")
        outside = [u for u in re.findall(r"(?:https?:)?//[\w.-]+\.\w+[^\s\"')]*", text) if "www.w3.org/2000/svg" not in u]
        assert outside == [], name
        assert "<script>" not in text and "style=" not in text  # no inline script or style (the CSP forbids both)
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    for name in ("../app.py", "index.html", "screenshot.png", "..%2Fapp.py"):
        assert client.get(f"/static/{name}").status_code == 404


def test_foreign_hosts_and_cross_site_posts_are_refused(client):
    assert client.get("/api/info", headers={"Host": "evil.example:7860"}).status_code == 421
    r = client.post("/api/answer", data={"key": SEED})
    assert r.status_code == 400 and "X-Aisci" in r.json()["error"]


def test_info_names_the_backend_and_the_limits(client):
    info = client.get("/api/info").json()
    assert info["backend"] == "extractive" and info["offline"] is True
    assert info["limits"]["upload_mb"] == 1.0 and info["limits"]["image_pixels"] == 300_000


def test_a_malformed_prompt_gets_the_readers_one_line_error(client):
    r = client.post("/api/prompts", headers=H, files={"file": ("broken.txt", b"just some text\n", "text/plain")})
    assert r.status_code == 400
    assert r.json() == {"error": "broken.txt: expected a '### Recommended AI Models:' section"}
    r = client.post("/api/prompts", headers=H, files={"file": ("bin.txt", b"\x00\x01", "text/plain")})
    assert r.json()["error"] == "bin.txt: expected a UTF-8 text file, found binary data (NUL bytes)"
    r = client.post("/api/prompts", headers=H, files={"file": ("big.txt", b"x" * 1_100_000, "text/plain")})
    assert r.status_code == 413 and "AISCI_WEB_MAX_UPLOAD_MB" in r.json()["error"]
    chunked = client.post("/api/prompts", headers=H, content=iter([b"--x\r\n", b"x" * 1000]))
    assert chunked.status_code == 411 and "Content-Length" in chunked.json()["error"]


def test_prompt_keys_never_name_a_path(client):
    for key in ("..%2F..%2Fetc%2Fpasswd", "upload:unknown", "nope"):
        r = client.get(f"/api/prompts/{key}")
        assert r.status_code == 404 and "\n" not in r.json()["error"]
    r = client.post("/api/answer", headers=H, data={"key": "/etc/passwd"})
    assert r.status_code == 404


def test_an_uploaded_prompt_is_answered_part_by_part_and_escaped(app, client):
    r = client.post("/api/prompts", headers=H, files={"file": ("hostile prompt.txt", HOSTILE_PROMPT.encode(), "text/plain")})
    assert r.status_code == 200, r.text
    card = r.json()
    assert card["key"].startswith("upload:") and card["question_html"].startswith("&lt;img src=x onerror=&quot;")
    assert card["models"][0]["name"] == "SISR-Any-LIIF-EDSR" and card["models"][0]["weights"] == "installed"
    assert card["models"][0]["default_scale"] == 2.0
    keys = [p["key"] for p in client.get("/api/prompts").json()["prompts"]]
    assert card["key"] in keys
    with TestClient(app, base_url="http://127.0.0.1:7860") as other:  # another browser does not see it
        assert card["key"] not in [p["key"] for p in other.get("/api/prompts").json()["prompts"]]
        assert other.get(f"/api/prompts/{card['key']}").status_code == 404

    job = client.post("/api/answer", headers=H, data={"key": card["key"]}).json()
    snap, events = _finish(client, job)
    assert snap["status"] == "done", snap["error"]
    assert [e["part"] for e in events] == ["task", "workflow", "references"]
    for fragment in [*events, snap["result"]["fragments"]]:
        html = "".join(v for v in fragment.values() if isinstance(v, str))
        assert "<img" not in html and "<script>" not in html and "<b>feature" not in html
    final = snap["result"]["fragments"]
    assert "How does LIIF keep edges sharp" in final["header"] and "Backend: <b>extractive</b>" in final["header"]
    assert 'class="cite"' in final["task"] and "<svg" in final["workflow"]
    assert 'href="https://github.com/yinboc/liif"' in final["references"]
    assert "prompt summary only" in snap["result"]["sources"] or "abstract only" in snap["result"]["sources"]
    md = client.get(f"/api/answer/{job['id']}/answer.md")
    assert md.status_code == 200 and "attachment" in md.headers["content-disposition"]
    assert md.text.startswith("# ") and "## Evidence" in md.text
    with TestClient(app, base_url="http://127.0.0.1:7860") as other:
        assert other.get(f"/api/jobs/{job['id']}").status_code == 404


def test_chat_turns_are_cited_kept_and_saved(client):
    assert client.get(f"/api/chat/{SEED}/transcript.md").status_code == 404  # nothing yet
    job = client.post("/api/chat", headers=H, data={"key": SEED, "message": "How does LIIF use coordinates?"}).json()
    snap, _ = _finish(client, job)
    assert snap["status"] == "done", snap["error"]
    assert 'class="cite"' in snap["result"]["reply_html"] and snap["result"]["cited"]
    history = client.get(f"/api/chat/{SEED}/history").json()["turns"]
    assert [t["message_html"] for t in history] == ["How does LIIF use coordinates?"]
    md = client.get(f"/api/chat/{SEED}/transcript.md")
    assert "How does LIIF use coordinates?" in md.text and "attachment" in md.headers["content-disposition"]
    assert client.get(f"/api/chat/{SEED}/transcript.json").json()["events"][0]["kind"] == "turn"
    empty = client.post("/api/chat", headers=H, data={"key": SEED, "message": "   "})
    assert empty.status_code == 400 and empty.json()["error"] == "chat: expected a non-empty message"


def test_sr_requests_are_checked_before_they_are_queued(client):
    def run(**fields):
        files = fields.pop("files", None)
        return client.post("/api/run", headers=H, data=fields, files=files)

    r = run(key=SEED, model="SISR-HAN-2x")
    assert r.status_code == 400 and "not a model this prompt recommends" in r.json()["error"]
    r = run(key=HAN_SEED, model="SISR-HAN-2x", scale="3")
    assert r.status_code == 400 and "upscales by exactly 2" in r.json()["error"]
    r = run(key=SEED, model="SISR-Any-LIIF-EDSR", files={"image": ("x.gif", b"GIF89a....", "image/gif")})
    assert r.json()["error"] == "x: expected a PNG or JPEG image"
    r = run(key=SEED, model="SISR-Any-LIIF-EDSR", files={"image": ("big.png", _png(600, 600), "image/png")})
    assert "600x600 = 360,000 pixels is over the limit of 300,000" in r.json()["error"]
    r = run(key=SEED, model="SISR-Any-LIIF-EDSR", mode="upscale")
    assert "upscale needs an image" in r.json()["error"]
    r = run(key=SEED, model="SISR-Any-LIIF-EDSR", mode="upscale", scale="30",
            files={"image": ("wide.png", _png(500, 500), "image/png")})
    assert "GFLOP of work, over the limit of 10,000 GFLOP on cpu (AISCI_MAX_SR_GFLOP)" in r.json()["error"]
    r = run(key=SEED, model="SISR-Any-LIIF-EDSR", mode="rm -rf")
    assert "mode must be demo or upscale" in r.json()["error"]


def test_a_model_without_weights_says_so_with_the_official_link(client):
    card = client.get(f"/api/prompts/{HAN_SEED}").json()
    han = card["models"][0]
    assert han["weights"] == "missing" and han["message"].startswith("weights not installed for SISR-HAN-2x")
    assert "github.com/wwlCape/HAN" in han["message"] and "aisci weights install SISR-HAN-2x --from FILE" in han["message"]
    job = client.post("/api/run", headers=H, data={"key": HAN_SEED, "model": "SISR-HAN-2x"}).json()
    snap, _ = _finish(client, job)
    assert snap["status"] == "failed" and snap["error"].startswith("weights not installed for SISR-HAN-2x")


def test_the_recommended_model_runs_and_its_images_are_served(app, client):
    files = {"image": ("chart.png", _png(96, 80), "image/png")}
    job = client.post("/api/run", headers=H, data={"key": SEED, "model": "SISR-Any-LIIF-EDSR", "scale": "2"},
                      files=files).json()
    snap, _ = _finish(client, job)
    assert snap["status"] == "done", snap["error"]
    result = snap["result"]
    assert result["device"] == "cpu" and result["mode"] == "demo" and result["output_size"] == [96, 80]
    assert result["metrics"]["psnr"] > result["metrics"]["psnr_bicubic"]
    assert set(result["images"]) == {"input", "output", "bicubic", "ground_truth", "comparison"}
    out = client.get(result["images"]["output"])
    assert out.status_code == 200 and Image.open(io.BytesIO(out.content)).size == (96, 80)
    download = client.get(result["images"]["output"], params={"download": 1})
    assert download.headers["content-disposition"].startswith("attachment")
    assert client.get(f"/api/run/{job['id']}/weights.png").status_code == 404
    assert "source_image" not in result and "weights" not in result  # no server path is sent
    uploads = app.state.web.config.settings.output_dir / "web" / "uploads"
    assert list(uploads.iterdir()) == []  # the upload is removed once the tool has read it
