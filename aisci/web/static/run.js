// aisci serve: the Run the model area (loaded after app.js, whose helpers it uses): the form,
// the job, the metrics and the before/after slider.
"use strict";

function currentModel() {
  return (state.card && state.card.models.find((m) => m.name === $("run-model").value)) || null;
}

function setupRunForm(card) {
  const select = $("run-model");
  select.textContent = "";
  for (const m of card.models) {
    const opt = document.createElement("option");
    opt.value = m.name;
    opt.textContent = m.in_zoo ? `${m.name} (${m.any_scale ? "any scale" : "×" + m.scale})` : `${m.name} (not in the SR zoo)`;
    select.appendChild(opt);
  }
  $("run-result").hidden = true;
  setStatus($("run-status"), "");
  updateModel();
}

function updateModel() {
  const m = currentModel();
  const scale = $("run-scale");
  const note = $("run-weights");
  if (!m) return;
  if (m.in_zoo) {
    scale.disabled = !m.any_scale;
    scale.value = m.any_scale ? m.default_scale : m.scale;
    scale.max = m.any_scale ? m.max_scale : m.scale;
  }
  const runnable = m.in_zoo && m.weights !== "missing";
  $("run-button").disabled = !runnable;
  note.hidden = !m.message;
  note.textContent = m.message || "";
}

function chosenMode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

async function runModel(event) {
  event.preventDefault();
  const m = currentModel();
  if (!m || !state.key) return;
  const file = $("run-image").files[0];
  if (file && file.size > state.limits.upload_mb * 1e6) {
    setStatus($("run-status"), `error: the image is ${(file.size / 1e6).toFixed(1)} MB, over the limit of ${state.limits.upload_mb} MB`, "failed");
    return;
  }
  $("run-button").disabled = true;
  try {
    const fields = { key: state.key, model: m.name, mode: chosenMode(), scale: m.any_scale ? $("run-scale").value : null };
    if (file) fields.image = file;
    const job = await api("/api/run", { method: "POST", body: form(fields) });
    const key = state.key;
    await follow(job, $("run-status"), null, (result) => { if (state.key === key) showRun(result); }, null);
  } catch (err) {
    setStatus($("run-status"), "error: " + err.message, "failed");
  } finally {
    $("run-button").disabled = false;
  }
}

function showRun(r) {
  state.runResult = r;
  const m = r.metrics;
  let metrics = "";
  if (m) {
    const gain = m.psnr - m.psnr_bicubic;
    metrics = `<table class="metrics" id="run-metrics" data-psnr="${m.psnr}" data-psnr-bicubic="${m.psnr_bicubic}">` +
      `<thead><tr><th>against the original</th><th>PSNR (dB)</th><th>SSIM</th></tr></thead><tbody>` +
      `<tr class="model"><td>${escapeText(r.model)}</td><td>${m.psnr.toFixed(2)}</td><td>${m.ssim.toFixed(4)}</td></tr>` +
      `<tr><td>bicubic</td><td>${m.psnr_bicubic.toFixed(2)}</td><td>${m.ssim_bicubic.toFixed(4)}</td></tr></tbody></table>` +
      `<p class="${gain > 0 ? "gain" : "muted"}">${gain >= 0 ? "+" : ""}${gain.toFixed(2)} dB over bicubic</p>`;
  }
  const facts = [
    `${r.mode === "demo" ? "demo: downscaled, restored, measured" : "upscaled as given"} · ×${r.scale}`,
    `${r.input_size[0]}×${r.input_size[1]} → ${r.output_size[0]}×${r.output_size[1]}`,
    `device ${r.device} (${r.dtype}) · ${r.seconds.toFixed(2)} s · ${r.method}`,
    `image: ${r.source}`,
    ...r.notes,
  ].map((f) => `<li>${escapeText(f)}</li>`).join("");
  $("run-summary").innerHTML = `${metrics}<ul class="facts" id="run-facts">${facts}</ul>`;
  $("seg-gt").hidden = !r.images.ground_truth;
  $("run-download").href = `${r.images.output}?download=1`;
  $("run-comparison").href = `${r.images.comparison}?download=1`;
  $("run-result").hidden = false;
  $("cmp-after").src = r.images.output;
  setBefore(state.before in r.images ? state.before : "bicubic");
}

function setBefore(which) {
  const r = state.runResult;
  if (!r) return;
  state.before = which;
  $("cmp-before").src = r.images[which];
  $("cmp-left-tag").textContent = { bicubic: "Bicubic", input: "Input", ground_truth: "Original" }[which];
  $("cmp-right-tag").textContent = r.model;
  document.querySelectorAll("button.seg").forEach((b) => b.classList.toggle("active", b.dataset.before === which));
  moveSlider();
}

function moveSlider() {
  const v = Number($("cmp-range").value);
  $("cmp-before").style.clipPath = `inset(0 ${100 - v}% 0 0)`;
  $("cmp-line").style.left = `calc(${v}% - 1px)`;
}

function dragOnImage(event) {
  const box = $("compare").getBoundingClientRect();
  const x = Math.max(0, Math.min(1, (event.clientX - box.left) / box.width));
  $("cmp-range").value = String(Math.round(x * 100));
  moveSlider();
}

function wireRun() {
  $("run-form").addEventListener("submit", runModel);
  $("run-model").addEventListener("change", updateModel);
  $("run-image").addEventListener("change", (e) => {
    const f = e.target.files[0];
    $("run-image-name").textContent = f ? `${f.name} (${(f.size / 1e3).toFixed(0)} kB)` : "no image: the bundled test chart";
    $("run-clear").hidden = !f;
  });
  $("run-clear").addEventListener("click", () => {
    $("run-image").value = "";
    $("run-image-name").textContent = "no image: the bundled test chart";
    $("run-clear").hidden = true;
  });
  document.querySelectorAll("button.seg").forEach((b) => b.addEventListener("click", () => setBefore(b.dataset.before)));
  $("cmp-range").addEventListener("input", moveSlider);
  let dragging = false;
  $("compare").addEventListener("pointerdown", (e) => { dragging = true; dragOnImage(e); });
  window.addEventListener("pointermove", (e) => { if (dragging) dragOnImage(e); });
  window.addEventListener("pointerup", () => { dragging = false; });
}
