"""The real `aisci serve` driven by headless Chromium: Ask (three headings, a citation's quote on
click), Chat (a cited reply, a saved transcript), Run the model (a Set5 image, the slider, PSNR
above bicubic's), a malformed prompt's one-line error, and not one request leaving the machine.

Screenshots of each step are written under the test's tmp folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from web_server import browser_missing, chromium, requested_urls, running_server, screenshots

from prompts import load

REPO = Path(__file__).resolve().parents[3]
SEED = REPO / "prompts" / "set" / "004_22a4445001d39c44.txt"
WAIT_S = 240

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory, liif_weights_dir):
    """(base URL, shots folder): the server, offline, with the real LIIF weights."""
    missing = browser_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {missing}")
        pytest.skip(missing)
    base = tmp_path_factory.mktemp("web")
    env = {"AISCI_OFFLINE": "1", "AISCI_NO_DOWNLOAD": "1", "AISCI_CACHE_DIR": str(base / "cache"),
           "AISCI_OUTPUT_DIR": str(base / "runs"), "AISCI_WEIGHTS_DIR": str(liif_weights_dir),
           "AISCI_DEVICE": "cpu", "ANONYMIZED_TELEMETRY": "False"}
    with running_server(env, ["--backend", "extractive"], log_path=base / "serve.log") as (url, _):
        yield url, base


@pytest.fixture(scope="module")
def page(site, tmp_path_factory):
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    driver.implicitly_wait(0)
    url, _ = site
    driver.get(url + "/")
    WebDriverWait(driver, 60).until(lambda d: d.find_elements("css selector", "#prompt-select option"))
    yield driver
    driver.quit()


def _wait(driver, condition, timeout=WAIT_S):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.3).until(condition)


def _shot(driver, site, name, section=None):
    return screenshots(driver, site[1], name, section)


def test_ask_shows_three_parts_and_a_citation_quote(page, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(page.find_element(By.ID, "prompt-select")).select_by_value(SEED.stem)
    _wait(page, lambda d: "I enlarged a small image by 2x" in d.find_element(By.ID, "prompt-info").text)
    page.find_element(By.ID, "ask-button").click()
    _wait(page, lambda d: d.find_element(By.ID, "ask-status").text.startswith(("done", "error")))
    assert page.find_element(By.ID, "ask-status").text.startswith("done"), page.find_element(By.ID, "ask-status").text
    headings = [h.text for h in page.find_elements(By.CSS_SELECTOR, "#answer .part-heading")]
    asks = load(SEED).instructions
    assert headings == [f"{i}. {a.rstrip('.')}" for i, a in enumerate(asks, start=1)]
    assert "Backend: extractive" in page.find_element(By.ID, "answer-header").text
    assert page.find_elements(By.CSS_SELECTOR, "#part-workflow svg.workflow-svg .wf-node")
    links = [a.get_attribute("href") for a in page.find_elements(By.CSS_SELECTOR, "#part-references a.ref-link")]
    assert "https://github.com/yinboc/liif" in links
    cite = page.find_element(By.CSS_SELECTOR, "#part-task button.cite")
    cite.click()
    pop = page.find_element(By.ID, "cite-pop")
    _wait(page, lambda d: pop.is_displayed(), 10)
    quote = page.find_element(By.ID, "cite-pop-quote").text
    assert quote and quote == " ".join(cite.get_attribute("data-quote").split())
    assert cite.get_attribute("data-cite") in page.find_element(By.ID, "cite-pop-id").text
    _shot(page, site, "1-ask", "ask")


def test_chat_reply_is_cited_and_the_transcript_downloads(page, site):
    from selenium.webdriver.common.by import By

    page.find_element(By.ID, "chat-input").send_keys("What does LIIF predict at each coordinate?")
    page.find_element(By.ID, "chat-send").click()
    _wait(page, lambda d: d.find_element(By.ID, "chat-status").text.startswith(("done", "error")))
    assert page.find_element(By.ID, "chat-status").text.startswith("done"), page.find_element(By.ID, "chat-status").text
    reply = page.find_elements(By.CSS_SELECTOR, "#chat-log .msg-bot")[-1]
    assert reply.find_elements(By.CSS_SELECTOR, "button.cite")
    href = page.find_element(By.ID, "chat-save").get_attribute("href")
    text = page.execute_async_script("const done = arguments[1]; fetch(arguments[0]).then(r => r.text()).then(done);",
                                     href)
    assert "What does LIIF predict at each coordinate?" in text and "## Evidence" in text
    _shot(page, site, "2-chat", "chat")


def test_run_the_model_on_a_set5_image(page, site, testdata_dir):
    from selenium.webdriver.common.by import By

    image = testdata_dir / "sr" / "set5" / "HR" / "butterfly.png"
    assert page.find_element(By.ID, "run-model").get_attribute("value") == "SISR-Any-LIIF-EDSR"
    page.find_element(By.ID, "run-image").send_keys(str(image))
    scale = page.find_element(By.ID, "run-scale")
    assert scale.is_enabled() and scale.get_attribute("value") == "2"
    page.find_element(By.ID, "run-button").click()
    _wait(page, lambda d: d.find_element(By.ID, "run-status").text.startswith(("done", "error")))
    assert page.find_element(By.ID, "run-status").text.startswith("done"), page.find_element(By.ID, "run-status").text
    metrics = page.find_element(By.ID, "run-metrics")
    psnr, bicubic = float(metrics.get_attribute("data-psnr")), float(metrics.get_attribute("data-psnr-bicubic"))
    assert psnr > bicubic > 20
    _wait(page, lambda d: d.execute_script(
        "return ['cmp-after','cmp-before'].every(id => document.getElementById(id).naturalWidth > 0)"), 30)
    slider = page.find_element(By.ID, "cmp-range")
    page.execute_script("arguments[0].value = 30; arguments[0].dispatchEvent(new Event('input'))", slider)
    clip = page.execute_script("return document.getElementById('cmp-before').style.clipPath")
    assert clip == "inset(0px 70% 0px 0px)" or clip == "inset(0 70% 0 0)"
    page.find_element(By.CSS_SELECTOR, 'button.seg[data-before="input"]').click()
    assert "input" in page.find_element(By.ID, "cmp-before").get_attribute("src")
    page.find_element(By.CSS_SELECTOR, 'button.seg[data-before="bicubic"]').click()
    facts = page.find_element(By.ID, "run-facts").text
    assert "device cpu" in facts and "butterfly.png" in facts
    assert page.find_element(By.ID, "run-download").get_attribute("href").endswith("output.png?download=1")
    _shot(page, site, "3-run", "run")


def test_a_malformed_prompt_shows_the_readers_one_line_error(page, site, tmp_path):
    from selenium.webdriver.common.by import By

    bad = tmp_path / "not-a-prompt.txt"
    bad.write_text("Hello, this is not a prompt.\nNo models here.\n", "utf-8")
    page.execute_script("window.scrollTo(0, 0)")
    page.find_element(By.ID, "prompt-file").send_keys(str(bad))
    error = page.find_element(By.ID, "prompt-error")
    _wait(page, lambda d: error.is_displayed(), 30)
    assert error.text == "not-a-prompt.txt: expected a '### Recommended AI Models:' section"
    assert page.find_element(By.ID, "prompt-select").get_attribute("value") == SEED.stem  # the page keeps working
    _shot(page, site, "4-malformed-prompt", "prompt")


def test_a_pasted_prompt_becomes_the_current_one(page, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    text = SEED.read_text("utf-8").replace("I enlarged a small image by 2x", "I pasted a prompt about 3x")
    page.find_element(By.ID, "paste-toggle").click()
    box = page.find_element(By.ID, "prompt-text")
    page.execute_script("arguments[0].value = arguments[1]", box, text)  # faster than typing 3 kB
    page.find_element(By.ID, "paste-submit").click()
    _wait(page, lambda d: "I pasted a prompt about 3x" in d.find_element(By.ID, "prompt-info").text, 30)
    selected = Select(page.find_element(By.ID, "prompt-select")).first_selected_option.text
    assert selected.startswith("uploaded: pasted.txt — I pasted a prompt about 3x")
    assert not page.find_element(By.ID, "prompt-error").is_displayed()
    assert page.find_element(By.ID, "run-scale").get_attribute("value") == "3"  # LIIF at the question's scale
    Select(page.find_element(By.ID, "prompt-select")).select_by_value(SEED.stem)
    _wait(page, lambda d: "I enlarged a small image by 2x" in d.find_element(By.ID, "prompt-info").text, 30)
    # Back on the seed, its chat history (kept by the server for this browser) is shown again.
    _wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, "#chat-log .msg-user"), 30)
    assert page.find_element(By.CSS_SELECTOR, "#chat-log .msg-user").text == "What does LIIF predict at each coordinate?"


def test_the_page_never_asked_anything_outside_the_server(page, site):
    url, _ = site
    urls = requested_urls(page)
    assert any(u.startswith(url + "/api/run/") for u in urls)  # the log did see the page's own requests
    network = [u for u in urls if u.split(":", 1)[0].lower() in ("http", "https", "ws", "wss", "ftp")]
    assert [u for u in network if not u.startswith(url + "/")] == []
    # The one expected complaint: the malformed prompt's upload answered 400 (and the page said why).
    severe = [e["message"] for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert [m for m in severe if not ("/api/prompts" in m and "status of 400" in m)] == []
