/// The explorer's page: plain HTML, CSS and JavaScript drawing SVG, with nothing fetched from elsewhere.
/// Each control's `input` sends the whole state over the WebSocket; each answer redraws the traces, the DIC
/// curves and the features (Docs/explore.md).
enum ExplorePage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Ganglion explorer</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --ink:#1d2733; --muted:#667384; --line:#d8dee6; --panel:#ffffff; --bg:#f3f5f8; --accent:#1f4e79; --bad:#b3261e; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color:var(--ink); background:var(--bg); }
  header { display:flex; align-items:center; gap:16px; padding:10px 18px; background:var(--accent); color:#fff; }
  header h1 { font-size:17px; margin:0; font-weight:600; letter-spacing:.2px; }
  header select { font-size:14px; padding:3px 6px; border-radius:4px; border:0; }
  header .status { margin-left:auto; font-size:12px; opacity:.9; font-variant-numeric: tabular-nums; }
  main { display:grid; grid-template-columns: 360px 1fr; gap:14px; padding:14px; }
  .card { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
  .card h2 { font-size:12px; text-transform:uppercase; letter-spacing:.6px; color:var(--muted); margin:0 0 6px; font-weight:600; }
  .controls .card + .card { margin-top:12px; }
  .row { display:grid; grid-template-columns: 46px 1fr 78px 44px; align-items:center; gap:6px; margin:3px 0; }
  .row label.name { font-weight:600; }
  .row .val { text-align:right; font-variant-numeric: tabular-nums; font-size:12px; }
  .row .blk { font-size:11px; color:var(--muted); display:flex; align-items:center; gap:2px; }
  .row.blocked .name, .row.blocked .val { color:#aab3bf; text-decoration: line-through; }
  input[type=range] { width:100%; accent-color: var(--accent); }
  .hint { font-size:11.5px; color:var(--muted); margin:4px 0 0; }
  .save { display:grid; grid-template-columns: 1fr auto; gap:6px; align-items:center; }
  .save input[type=text] { padding:4px 6px; border:1px solid var(--line); border-radius:4px; font-size:13px; }
  .save .buttons { grid-column: 1 / span 2; display:flex; gap:6px; }
  button { font-size:13px; padding:5px 10px; border-radius:4px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
  button.secondary { background:#fff; color:var(--accent); }
  #save-message { font-size:12px; min-height:1.2em; grid-column: 1 / span 2; }
  #save-message.bad { color:var(--bad); }
  #error { display:none; background:#fdecea; color:var(--bad); border:1px solid #f3b8b3; border-radius:6px; padding:8px 12px; margin-bottom:10px; font-weight:500; }
  #error.shown { display:block; }
  .features { display:grid; grid-template-columns: repeat(7, 1fr); gap:8px; margin-bottom:12px; }
  .feature { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:6px 10px; }
  .feature .k { font-size:11px; color:var(--muted); text-transform:uppercase; letter-spacing:.5px; }
  .feature .v { font-size:18px; font-weight:600; font-variant-numeric: tabular-nums; white-space:nowrap; }
  .plots .card + .card { margin-top:12px; }
  svg { display:block; width:100%; }
  svg text { font:11px system-ui, "DejaVu Sans", sans-serif; fill:#4a5563; }
  svg .axis { stroke:#9aa5b1; stroke-width:1; }
  svg .grid { stroke:#eef1f4; stroke-width:1; }
  .legend { font-size:12px; color:var(--muted); margin-left:8px; text-transform:none; letter-spacing:0; font-weight:400; }
  .legend b { display:inline-block; width:14px; height:3px; vertical-align:middle; margin:0 4px 0 10px; }
</style>
</head>
<body>
<header>
  <h1>Ganglion explorer</h1>
  <label>model <select id="model-select"></select></label>
  <span id="family" style="font-size:12px;opacity:.85"></span>
  <span class="status" id="status">connecting…</span>
</header>
<main>
  <section class="controls">
    <div class="card">
      <h2>Maximal conductances ḡ (mS/cm², log scale)</h2>
      <div id="conductances"></div>
      <p class="hint">Tick <i>block</i> to set a channel's ḡ to zero (a complete blockade).</p>
    </div>
    <div class="card">
      <h2>Applied current</h2>
      <div class="row"><label class="name" for="current">I<sub>app</sub></label>
        <input type="range" id="current" min="-5" max="5" step="0.01" value="0">
        <span class="val" id="current-val">0</span><span class="blk">µA/cm²</span></div>
    </div>
    <div class="card">
      <h2>DIC targets at threshold (per g<sub>leak</sub>)</h2>
      <div class="row"><label class="name" for="target-gs">g<sub>s</sub>*</label>
        <input type="range" id="target-gs" min="-20" max="10" step="0.05" value="0">
        <span class="val" id="target-gs-val"></span><span></span></div>
      <div class="row"><label class="name" for="target-gu">g<sub>u</sub>*</label>
        <input type="range" id="target-gu" min="-5" max="15" step="0.05" value="0">
        <span class="val" id="target-gu-val"></span><span></span></div>
      <p class="hint" id="pair-hint">Moving a target solves for the family's modulated pair.</p>
    </div>
    <div class="card">
      <h2>Save in the model's folder</h2>
      <div class="save">
        <input type="text" id="save-name" placeholder="file name, e.g. my-burster" spellcheck="false">
        <label style="font-size:12px"><input type="checkbox" id="save-overwrite"> overwrite</label>
        <div class="buttons"><button id="save-model">Save model (JSON)</button>
          <button id="save-trace" class="secondary">Save trace (CSV)</button></div>
        <div id="save-message"></div>
      </div>
    </div>
  </section>
  <section class="plots">
    <div id="error" role="alert"></div>
    <div class="features">
      <div class="feature"><div class="k">pattern</div><div class="v" id="f-pattern">–</div></div>
      <div class="feature"><div class="k">frequency</div><div class="v" id="f-frequency">–</div></div>
      <div class="feature"><div class="k">burst period</div><div class="v" id="f-period">–</div></div>
      <div class="feature"><div class="k">spikes / burst</div><div class="v" id="f-spb">–</div></div>
      <div class="feature"><div class="k">duty cycle</div><div class="v" id="f-duty">–</div></div>
      <div class="feature"><div class="k">intraburst</div><div class="v" id="f-intra">–</div></div>
      <div class="feature"><div class="k">threshold</div><div class="v" id="f-threshold">–</div></div>
    </div>
    <div class="card"><h2>Membrane potential <span class="legend" id="trace-note"></span></h2><svg id="plot-v" viewBox="0 0 900 210" preserveAspectRatio="none"></svg></div>
    <div class="card"><h2>Calcium</h2><svg id="plot-ca" viewBox="0 0 900 115" preserveAspectRatio="none"></svg></div>
    <div class="card"><h2>Dynamic input conductances
      <span class="legend"><b style="background:#1f4e79"></b>g<sub>f</sub><b style="background:#c0392b"></b>g<sub>s</sub><b style="background:#27823b"></b>g<sub>u</sub></span></h2>
      <svg id="plot-dic" viewBox="0 0 900 230" preserveAspectRatio="none"></svg></div>
  </section>
</main>
<script>
"use strict";
const NS = "http://www.w3.org/2000/svg";
const $ = id => document.getElementById(id);
// What the page knows: the model's data, the state it sends, and the measurements of each update.
const explorer = { info: null, state: null, seq: 0, shown: 0, sentAt: {}, latencies: [], computes: [], last: null, errors: 0, answers: 0 };
window.explorer = explorer;
let ws = null, targetsActive = false;

function fmt(x, digits) {
  if (x === null || x === undefined || !isFinite(x)) return "–";
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return minus(x.toExponential(2));
  return minus(Number(x.toPrecision(digits || 3)).toString());
}
// A number's text with a true minus sign.
function minus(text) { return String(text).replace(/-/g, "\u2212"); }
function median(a) { if (!a.length) return null; const s = [...a].sort((p, q) => p - q); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; }

function showError(message) { const e = $("error"); e.textContent = message; e.classList.add("shown"); explorer.errors++; }
function clearError() { $("error").classList.remove("shown"); $("error").textContent = ""; }

// ---- the connection ----
function connect() {
  ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  ws.onopen = () => { $("status").textContent = "connected"; if (explorer.state) send(); };
  ws.onclose = () => { $("status").textContent = "disconnected — reload the page"; };
  ws.onmessage = ev => { explorer.lastBytes = ev.data.length; receive(JSON.parse(ev.data)); };
}
function send() {
  if (!ws || ws.readyState !== 1) return;
  const s = explorer.state;
  s.seq = ++explorer.seq;
  explorer.sentAt[s.seq] = performance.now();
  ws.send(JSON.stringify({ model: s.model, conductances: s.conductances, current: s.current, blocked: s.blocked, targets: s.targets, seq: s.seq }));
}
// Sends any JSON text as it is (for trying the server's checks).
explorer.sendRaw = text => ws.send(text);

function receive(m) {
  explorer.answers++;
  if (m.type === "error") { showError(m.error); explorer.lastError = m; return; }
  if (m.seq < explorer.shown) return;          // an older answer after a newer one: not drawn
  clearError();
  render(m);
  const sent = explorer.sentAt[m.seq];
  requestAnimationFrame(() => setTimeout(() => {
    explorer.shown = m.seq;
    document.body.dataset.shownSeq = m.seq;
    if (sent !== undefined) {
      const ms = performance.now() - sent;
      explorer.latencies.push(ms); explorer.computes.push(m.compute_ms);
      for (const k in explorer.sentAt) if (+k <= m.seq) delete explorer.sentAt[k];
      $("status").textContent = `redraw ${ms.toFixed(0)} ms (median ${median(explorer.latencies).toFixed(0)}) · server ${m.compute_ms.toFixed(1)} ms · ${m.solver} · ${(m.duration_ms / 1000)} s simulated`;
    }
  }, 0));
}

// ---- controls ----
function logRange(g0) { const b = Math.max(g0, 1e-3); return [Math.log10(b) - 2, Math.log10(b) + 2]; }
function buildControls(info) {
  const box = $("conductances"); box.innerHTML = "";
  for (const ch of info.channels) {
    const g0 = info.conductances[ch], [lo, hi] = logRange(g0);
    const row = document.createElement("div"); row.className = "row"; row.id = "row-" + ch;
    row.innerHTML = `<label class="name" for="g-${ch}">${ch}</label>
      <input type="range" id="g-${ch}" min="${lo}" max="${hi}" step="0.001" value="${Math.log10(Math.max(g0, 1e-5))}">
      <span class="val" id="g-${ch}-val">${fmt(g0)}</span>
      <label class="blk"><input type="checkbox" id="block-${ch}">block</label>`;
    box.appendChild(row);
    $("g-" + ch).addEventListener("input", ev => {
      const g = Math.pow(10, +ev.target.value);
      explorer.state.conductances[ch] = g; $("g-" + ch + "-val").textContent = fmt(g);
      targetsActive = false; explorer.state.targets = null; send();
    });
    $("block-" + ch).addEventListener("input", ev => {
      const b = new Set(explorer.state.blocked);
      if (ev.target.checked) b.add(ch); else b.delete(ch);
      explorer.state.blocked = [...b].sort(); row.classList.toggle("blocked", ev.target.checked);
      send();
    });
  }
  $("family").textContent = `family ${info.family}` + (info.pair.length ? ` · modulated pair ${info.pair.join(", ")}` : "");
  $("pair-hint").textContent = info.pair.length ? `Moving a target solves for ${info.pair.join(" and ")} at the threshold (the family's modulated pair); moving a conductance ends the solve.`
                                                : "This family has no modulated pair: the targets cannot be solved for.";
  for (const k of ["gs", "gu"]) { $("target-" + k).disabled = !info.pair.length; }
  if (info.targets) setTargets(info.targets.gs, info.targets.gu);
  $("current").value = info.current; $("current-val").textContent = fmt(info.current);
}
function setSlider(ch, g) {
  const s = $("g-" + ch); if (!s) return;
  const v = Math.log10(Math.max(g, 1e-5));
  if (v < +s.min) s.min = v; if (v > +s.max) s.max = v;
  s.value = v; $("g-" + ch + "-val").textContent = fmt(g);
}
function setTargets(gs, gu) {
  for (const [k, v] of [["gs", gs], ["gu", gu]]) {
    const s = $("target-" + k); if (v < +s.min) s.min = Math.floor(v); if (v > +s.max) s.max = Math.ceil(v);
    s.value = v; $("target-" + k + "-val").textContent = fmt(v, 3);
  }
}
for (const k of ["gs", "gu"]) {
  $("target-" + k).addEventListener("input", () => {
    targetsActive = true;
    explorer.state.targets = { gs: +$("target-gs").value, gu: +$("target-gu").value };
    $("target-" + k + "-val").textContent = fmt(+$("target-" + k).value, 3);
    send();
  });
}
$("current").addEventListener("input", ev => { explorer.state.current = +ev.target.value; $("current-val").textContent = fmt(+ev.target.value); send(); });
$("model-select").addEventListener("change", ev => loadModel(ev.target.value));

async function loadModel(name) {
  const r = await fetch("/api/model" + (name ? "?name=" + encodeURIComponent(name) : ""));
  const info = await r.json();
  if (!r.ok) { showError(info.error); return; }
  explorer.info = info; targetsActive = false;
  const sel = $("model-select");
  if (!sel.options.length) for (const m of info.models) sel.add(new Option(m, m));
  sel.value = info.model;
  buildControls(info);
  explorer.state = { model: info.model, conductances: { ...info.conductances }, current: info.current, blocked: [], targets: null };
  send();
}

// ---- saving ----
async function save(kind) {
  const msg = $("save-message"); msg.className = ""; msg.textContent = "saving…";
  const s = explorer.state;
  const body = { name: $("save-name").value, overwrite: $("save-overwrite").checked,
                 state: { model: s.model, conductances: s.conductances, current: s.current, blocked: s.blocked } };
  const r = await fetch("/api/save/" + kind, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const j = await r.json();
  if (r.ok) { msg.textContent = `saved ${j.saved} in ${j.folder}`; }
  else { msg.className = "bad"; msg.textContent = `not saved (HTTP ${r.status}): ${j.error}`; }
}
$("save-model").addEventListener("click", () => save("model"));
$("save-trace").addEventListener("click", () => save("trace"));

// ---- drawing ----
function el(name, attrs, parent) { const e = document.createElementNS(NS, name); for (const k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; }
function ticks(lo, hi, n) {
  const span = hi - lo, step0 = span / n, mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 2.5, 5, 10].map(f => f * mag).find(s => span / s <= n) || 10 * mag;
  const out = []; for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(+v.toFixed(10)); return out;
}
// Draws series [{id, x, y, color, width}] in the SVG `svg` over xr × yr, with axis labels, vertical markers
// [{x, label, color}] and horizontal references [{y, label, color}].
function plot(svg, series, xr, yr, opt) {
  const W = 900, H = +svg.getAttribute("viewBox").split(" ")[3], L = 56, R = 12, T = 8, B = 30;
  svg.innerHTML = "";
  const X = x => L + (x - xr[0]) / (xr[1] - xr[0]) * (W - L - R), Y = y => T + (1 - (y - yr[0]) / (yr[1] - yr[0])) * (H - T - B);
  for (const t of ticks(yr[0], yr[1], 4)) {
    el("line", { x1: L, x2: W - R, y1: Y(t), y2: Y(t), class: "grid" }, svg);
    el("text", { x: L - 6, y: Y(t) + 4, "text-anchor": "end" }, svg).textContent = minus(t);
  }
  for (const t of ticks(xr[0], xr[1], 8)) {
    el("line", { x1: X(t), x2: X(t), y1: T, y2: H - B, class: "grid" }, svg);
    el("text", { x: X(t), y: H - B + 14, "text-anchor": "middle" }, svg).textContent = minus(t);
  }
  el("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }, svg);
  el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }, svg);
  el("text", { x: W - R, y: H - 3, "text-anchor": "end" }, svg).textContent = opt.xlabel;
  el("text", { x: 12, y: T + (H - T - B) / 2, transform: `rotate(-90 12 ${T + (H - T - B) / 2})`, "text-anchor": "middle" }, svg).textContent = opt.ylabel;
  const clip = "clip-" + svg.id;
  const defs = el("defs", {}, svg), cp = el("clipPath", { id: clip }, defs);
  el("rect", { x: L, y: T, width: W - L - R, height: H - T - B }, cp);
  for (const r of opt.refs || []) {
    el("line", { x1: L, x2: W - R, y1: Y(r.y), y2: Y(r.y), stroke: r.color || "#9aa5b1", "stroke-dasharray": "4 3", "clip-path": `url(#${clip})` }, svg);
    if (r.label) el("text", { x: W - R - 4, y: Y(r.y) - 4, "text-anchor": "end", style: `fill:${r.color || "#4a5563"}` }, svg).textContent = r.label;
  }
  for (const s of series) {
    let pts = ""; for (let i = 0; i < s.x.length; i++) if (s.y[i] !== null) pts += X(s.x[i]).toFixed(1) + "," + Y(s.y[i]).toFixed(1) + " ";
    el("polyline", { id: s.id, points: pts, fill: "none", stroke: s.color, "stroke-width": s.width || 1.2, "stroke-linejoin": "round", "clip-path": `url(#${clip})`, "vector-effect": "non-scaling-stroke" }, svg);
  }
  for (const m of opt.markers || []) {
    el("line", { x1: X(m.x), x2: X(m.x), y1: T, y2: H - B, stroke: m.color, "stroke-width": 1.2, "stroke-dasharray": "5 3" }, svg);
    el("text", { x: X(m.x) + 5, y: T + 12, style: `fill:${m.color}` }, svg).textContent = m.label;
  }
}
// The range of the values in `a`, padded by the fraction `pad`, at least `minSpan` wide (a flat trace is
// drawn in the middle, not magnified into noise).
function range(a, pad, minSpan) {
  let lo = Infinity, hi = -Infinity;
  for (const v of a) if (v !== null) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!isFinite(lo)) return [0, 1];
  const span = Math.max(hi - lo, minSpan(lo, hi)), mid = (lo + hi) / 2, p = span * pad;
  return [mid - span / 2 - p, mid + span / 2 + p];
}

function setFeature(id, value, text) { const e = $(id); e.textContent = text; e.dataset.value = value === null || value === undefined ? "" : value; }
function render(m) {
  explorer.last = m;
  const f = m.features, bursting = f.pattern === "bursting";
  setFeature("f-pattern", f.pattern, f.pattern); $("f-pattern").title = m.pattern_rule;
  setFeature("f-frequency", f.frequency_hz, f.frequency_hz == null ? "–" : fmt(f.frequency_hz, 4) + " Hz");
  setFeature("f-period", f.burst_period_ms, f.burst_period_ms == null ? "–" : fmt(f.burst_period_ms, 4) + " ms");
  setFeature("f-spb", f.spikes_per_burst, f.spikes_per_burst == null ? "–" : String(f.spikes_per_burst));
  setFeature("f-duty", f.duty_cycle, f.duty_cycle == null ? "–" : fmt(f.duty_cycle, 3));
  setFeature("f-intra", f.intraburst_hz, f.intraburst_hz == null ? "–" : fmt(f.intraburst_hz, 4) + " Hz");
  setFeature("f-threshold", m.threshold_mV, m.threshold_mV == null ? "none" : fmt(m.threshold_mV, 4) + " mV");
  // The conductances in effect (a compensation changes the modulated pair) and the targets shown.
  for (const ch in m.conductances) { explorer.state.conductances[ch] = m.conductances[ch]; setSlider(ch, m.conductances[ch]); }
  if (!targetsActive && m.at_threshold) setTargets(m.at_threshold.gs, m.at_threshold.gu);
  const t = m.trace.t.map(x => x / 1000), w = m.window_ms;
  $("trace-note").textContent = `${m.duration_ms / 1000} s simulated · features over ${w[0] / 1000}–${w[1] / 1000} s · ${m.features.spikes} spikes`;
  plot($("plot-v"), [{ id: "trace-V", x: t, y: m.trace.V, color: "#1f4e79", width: 1 }], [0, m.duration_ms / 1000], range(m.trace.V, 0.05, () => 20),
       { xlabel: "t (s)", ylabel: "V (mV)", markers: [{ x: w[0] / 1000, label: "", color: "#8a94a3" }] });
  plot($("plot-ca"), [{ id: "trace-Ca", x: t, y: m.trace.Ca, color: "#b5651d", width: 1.2 }], [0, m.duration_ms / 1000], range(m.trace.Ca, 0.08, (lo, hi) => Math.max(0.5 * Math.abs(hi), 1e-3)),
       { xlabel: "t (s)", ylabel: "Ca (model units)" });
  $("f-threshold").title = m.dic_error || "";
  const d = m.dics, vr = [d.V[0], d.V[d.V.length - 1]];
  if (!d.V.length) {
    $("plot-dic").innerHTML = "";
    el("text", { x: 450, y: 115, "text-anchor": "middle" }, $("plot-dic")).textContent = "No DICs for this model: " + (m.dic_error || "");
    return;
  }
  const refs = [{ y: 0 }];
  if (m.compensation || targetsActive) {
    refs.push({ y: +$("target-gs").value, label: "g_s* = " + fmt(+$("target-gs").value), color: "#c0392b" });
    refs.push({ y: +$("target-gu").value, label: "g_u* = " + fmt(+$("target-gu").value), color: "#27823b" });
  }
  plot($("plot-dic"), [
    { id: "dic-gf", x: d.V, y: d.gf, color: "#1f4e79", width: 1.6 },
    { id: "dic-gs", x: d.V, y: d.gs, color: "#c0392b", width: 1.6 },
    { id: "dic-gu", x: d.V, y: d.gu, color: "#27823b", width: 1.6 }], vr, d.y_range,
    { xlabel: "V (mV)", ylabel: "DIC / g_leak", refs,
      markers: m.threshold_mV == null ? [] : [{ x: m.threshold_mV, label: "V_th = " + fmt(m.threshold_mV, 4) + " mV", color: "#6b4fa0" }] });
}

connect();
loadModel(null);
</script>
</body>
</html>
"""#
}
