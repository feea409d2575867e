// aisci serve: the page's behaviour (run.js holds the Run the model area). No framework, no outside request.
// Server fields ending in `_html` are escaped HTML built by the server; every other string is
// plain text and is only ever set with textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { key: null, card: null, answerJob: null, runResult: null, before: "bicubic", limits: {} };

async function api(path, options = {}) {
  const init = { credentials: "same-origin", ...options };
  if (init.method && init.method !== "GET") init.headers = { "X-Aisci": "1", ...(init.headers || {}) };
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new Error("the server cannot be reached (is aisci serve still running?)");
  }
  let body = null;
  try { body = await response.json(); } catch (err) { body = null; }
  if (!response.ok) throw new Error((body && body.error) || `HTTP ${response.status}`);
  return body;
}

function form(fields) {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) data.append(k, v);
  return data;
}

function setStatus(el, text, kind = "") {
  el.textContent = text;
  el.className = "job-status" + (kind ? " " + kind : "");
}

function stageText(stage) {
  if (!stage || !stage.stage) return "";
  const total = stage.total ? `${Math.round(stage.done)}/${Math.round(stage.total)}` : "";
  return `${stage.stage}${total ? " " + total : ""}`;
}

// Poll a job until it is done or failed; onEvent gets each new event, onDone the result.
async function follow(job, statusEl, onEvent, onDone, onFail) {
  let after = 0;
  const started = Date.now();
  for (;;) {
    let snap;
    try {
      snap = await api(`/api/jobs/${job.id}?after=${after}`);
    } catch (err) {
      setStatus(statusEl, "error: " + err.message, "failed");
      if (onFail) onFail(err.message);
      return;
    }
    for (const ev of snap.events) onEvent && onEvent(ev);
    after = snap.next;
    if (snap.status === "done") {
      setStatus(statusEl, `done in ${snap.seconds.toFixed(1)} s`);
      onDone && onDone(snap.result);
      return;
    }
    if (snap.status === "failed") {
      setStatus(statusEl, "error: " + snap.error, "failed");
      onFail && onFail(snap.error);
      return;
    }
    const waited = ((Date.now() - started) / 1000).toFixed(0);
    if (snap.status === "queued") setStatus(statusEl, `queued${snap.position ? ` (${snap.position} ahead)` : ""} · ${waited} s`, "running");
    else setStatus(statusEl, `${stageText(snap.stage) || "working"} · ${waited} s`, "running");
    await new Promise((r) => setTimeout(r, 350));
  }
}

// ---------------------------------------------------------------- prompts
async function loadInfo() {
  const info = await api("/api/info");
  const badge = $("backend-badge");
  badge.textContent = `backend: ${info.backend}${info.offline ? " · offline" : ""}`;
  badge.title = info.backend_reason;
  state.limits = info.limits;
  const work = info.limits.work_gflop ? `${info.limits.work_gflop.toLocaleString("en")} GFLOP` : "the SR tool's default";
  $("run-limits").textContent = `Limits: ${info.limits.upload_mb} MB and ${(info.limits.image_pixels / 1e6).toFixed(1)} MP per image, ` +
    `${work} of work per job (AISCI_MAX_SR_GFLOP); one model runs at a time (device: ${info.device}).`;
}

async function loadPrompts(select) {
  const { prompts } = await api("/api/prompts");
  const el = $("prompt-select");
  el.textContent = "";
  for (const p of prompts) {
    const opt = document.createElement("option");
    opt.value = p.key;
    opt.textContent = p.error ? `${p.file} (cannot be read)` : p.label;
    opt.disabled = !!p.error;
    el.appendChild(opt);
  }
  const wanted = select || state.key || (prompts.find((p) => !p.error) || {}).key;
  if (wanted) { el.value = wanted; await selectPrompt(wanted); }
}

function showPromptError(message) {
  const el = $("prompt-error");
  el.textContent = message;
  el.hidden = !message;
}

function renderPromptCard(card) {
  const info = $("prompt-info");
  const models = card.models.map((m) => `<span class="chip model">${escapeText(m.name)}</span>`).join("");
  const papers = card.papers.map((p) => `<span class="chip">${p.title_html}</span>`).join("");
  info.innerHTML = `<p class="prompt-question">${card.question_html}</p>` +
    `<div class="prompt-meta"><div>Recommended: ${models}</div>` +
    (papers ? `<div>Related papers: ${papers}</div>` : "") + `</div>`;
}

function escapeText(text) {
  const span = document.createElement("span");
  span.textContent = text;
  return span.innerHTML;
}

async function selectPrompt(key) {
  showPromptError("");
  let card;
  try { card = await api(`/api/prompts/${encodeURIComponent(key)}`); } catch (err) { showPromptError(err.message); return; }
  state.key = key;
  state.card = card;
  renderPromptCard(card);
  resetAnswer();
  setupRunForm(card);
  await loadChatHistory();
  $("sources-table").innerHTML = '<p class="muted">Load the source table, or answer the prompt: its sources show here.</p>';
}

async function uploadPrompt(blob, name) {
  showPromptError("");
  try {
    const card = await api("/api/prompts", { method: "POST", body: form({ file: new File([blob], name) }) });
    await loadPrompts(card.key);
    $("paste-area").hidden = true;
  } catch (err) {
    showPromptError(err.message);
  }
}

// ---------------------------------------------------------------- ask
function resetAnswer() {
  for (const id of ["answer-header", "part-task", "part-workflow", "part-references", "answer-warnings", "answer-evidence"]) {
    $(id).innerHTML = "";
    $(id).classList.remove("pending");
  }
  $("answer-downloads").hidden = true;
  setStatus($("ask-status"), "");
}

function showFragments(fr) {
  if (fr.header !== undefined) $("answer-header").innerHTML = fr.header;
  for (const part of ["task", "workflow", "references"]) {
    if (fr[part] !== undefined) { $(`part-${part}`).innerHTML = fr[part]; $(`part-${part}`).classList.remove("pending"); }
  }
  if (fr.warnings !== undefined) $("answer-warnings").innerHTML = fr.warnings;
  if (fr.evidence !== undefined) $("answer-evidence").innerHTML = fr.evidence;
}

async function ask() {
  if (!state.key) return;
  resetAnswer();
  const button = $("ask-button");
  button.disabled = true;
  for (const part of ["task", "workflow", "references"]) $(`part-${part}`).classList.add("pending");
  try {
    const key = state.key;
    const job = await api("/api/answer", { method: "POST", body: form({ key }) });
    state.answerJob = job.id;
    await follow(job, $("ask-status"), (ev) => { if (ev.type === "part" && state.key === key) showFragments(ev); },
      (result) => {
        if (state.key !== key) return;  // another prompt was picked meanwhile
        showFragments(result.fragments);
        $("sources-table").innerHTML = result.sources;
        $("answer-md").href = `/api/answer/${job.id}/answer.md`;
        $("answer-json").href = `/api/answer/${job.id}/answer.json`;
        $("answer-downloads").hidden = false;
      },
      () => { for (const part of ["task", "workflow", "references"]) $(`part-${part}`).classList.remove("pending"); });
  } catch (err) {
    setStatus($("ask-status"), "error: " + err.message, "failed");
    for (const part of ["task", "workflow", "references"]) $(`part-${part}`).classList.remove("pending");
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- citations
function showCitation(button, pinned) {
  const pop = $("cite-pop");
  const d = button.dataset;
  $("cite-pop-id").textContent = `[${d.cite}]`;
  $("cite-pop-source").textContent = d.source;
  $("cite-pop-meta").textContent = [d.page ? `page ${d.page}` : "", d.origin ? `origin: ${d.origin}` : ""].filter(Boolean).join(" · ");
  $("cite-pop-quote").textContent = d.quote;
  pop.hidden = false;
  pop.dataset.pinned = pinned ? "1" : "";
  const r = button.getBoundingClientRect();
  const width = Math.min(460, window.innerWidth - 24);
  const left = Math.max(12, Math.min(window.scrollX + r.left - 20, window.scrollX + window.innerWidth - width - 12));
  pop.style.left = `${left}px`;
  pop.style.top = `${window.scrollY + r.bottom + 6}px`;
  document.querySelectorAll(".cite.active").forEach((b) => b.classList.remove("active"));
  button.classList.add("active");
}

function hideCitation() {
  $("cite-pop").hidden = true;
  document.querySelectorAll(".cite.active").forEach((b) => b.classList.remove("active"));
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button.cite[data-cite]");
  if (button) { showCitation(button, true); event.preventDefault(); return; }
  if (!event.target.closest("#cite-pop")) hideCitation();
});
document.addEventListener("mouseover", (event) => {
  const button = event.target.closest("button.cite[data-cite]");
  if (button && !$("cite-pop").dataset.pinned) showCitation(button, false);
});
document.addEventListener("mouseout", (event) => {
  const button = event.target.closest("button.cite[data-cite]");
  if (button && !$("cite-pop").dataset.pinned) hideCitation();
});
document.addEventListener("keydown", (event) => { if (event.key === "Escape") hideCitation(); });

// ---------------------------------------------------------------- chat
function addMessage(kind, html, text) {
  const div = document.createElement("div");
  div.className = `msg msg-${kind}`;
  if (html !== null) div.innerHTML = html; else div.textContent = text;
  $("chat-log").appendChild(div);
  $("chat-log").scrollTop = $("chat-log").scrollHeight;
  return div;
}

function setSaveLinks(enabled) {
  for (const [id, name] of [["chat-save", "transcript.md"], ["chat-save-json", "transcript.json"]]) {
    const a = $(id);
    a.href = enabled ? `/api/chat/${encodeURIComponent(state.key)}/${name}` : "#";
    a.setAttribute("aria-disabled", enabled ? "false" : "true");
  }
}

async function loadChatHistory() {
  $("chat-log").textContent = "";
  setStatus($("chat-status"), "");
  const { turns } = await api(`/api/chat/${encodeURIComponent(state.key)}/history`);
  for (const t of turns) { addMessage("user", t.message_html); addMessage("bot", t.reply_html); }
  setSaveLinks(turns.length > 0);
}

async function sendChat(event) {
  event.preventDefault();
  const input = $("chat-input");
  const text = input.value.trim();
  if (!text || !state.key) return;
  input.value = "";
  addMessage("user", null, text);
  const pending = addMessage("bot", null, "…");
  $("chat-send").disabled = true;
  try {
    const key = state.key;
    const job = await api("/api/chat", { method: "POST", body: form({ key, message: text }) });
    await follow(job, $("chat-status"), null, (result) => {
      pending.innerHTML = result.reply_html;
      if (state.key !== key) return;
      $("sources-table").innerHTML = result.sources;
      setSaveLinks(true);
    }, (error) => { pending.classList.add("failed"); pending.textContent = "error: " + error; });
  } catch (err) {
    pending.classList.add("failed");
    pending.textContent = "error: " + err.message;
  } finally {
    $("chat-send").disabled = false;
    $("chat-log").scrollTop = $("chat-log").scrollHeight;
  }
}

// ---------------------------------------------------------------- sources
async function loadSources() {
  if (!state.key) return;
  const button = $("sources-button");
  button.disabled = true;
  try {
    const job = await api("/api/sources", { method: "POST", body: form({ key: state.key }) });
    const key = state.key;
    await follow(job, $("sources-status"), null, (result) => { if (state.key === key) $("sources-table").innerHTML = result.sources; }, null);
  } catch (err) {
    setStatus($("sources-status"), "error: " + err.message, "failed");
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- wiring
function wire() {
  $("prompt-select").addEventListener("change", (e) => selectPrompt(e.target.value));
  $("prompt-file").addEventListener("change", (e) => {
    const f = e.target.files[0];
    if (f) uploadPrompt(f, f.name);
    e.target.value = "";
  });
  $("paste-toggle").addEventListener("click", () => { $("paste-area").hidden = !$("paste-area").hidden; });
  $("paste-submit").addEventListener("click", () => uploadPrompt(new Blob([$("prompt-text").value]), "pasted.txt"));
  $("ask-button").addEventListener("click", ask);
  $("chat-form").addEventListener("submit", sendChat);
  wireRun();
  $("sources-button").addEventListener("click", loadSources);
  for (const id of ["chat-save", "chat-save-json"]) {
    $(id).addEventListener("click", (e) => { if ($(id).getAttribute("aria-disabled") === "true") e.preventDefault(); });
  }
}

window.addEventListener("DOMContentLoaded", async () => {
  wire();
  try {
    await loadInfo();
    await loadPrompts();
  } catch (err) {
    showPromptError(err.message);
  }
});
