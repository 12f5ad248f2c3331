// nnsteps web app. Every formula, number and size comes from the server (the engine);
// this script only places the server's HTML and highlights cells named in the steps' data.
"use strict";

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const kid of kids) e.append(kid);
  return e;
};

async function api(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  let data;
  try { data = await res.json(); } catch (_) { data = { error: `HTTP ${res.status}` }; }
  if (!res.ok) { const err = new Error(data.error || `HTTP ${res.status}`); err.info = data; throw err; }
  return data;
}

function showError(id, err) {
  const box = $(id);
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false;
  box.textContent = "error: " + err.message;
}

// ---------------------------------------------------------------- tabs
function showTab() {
  const name = (location.hash || "#playground").slice(1);
  for (const s of document.querySelectorAll("section.tab")) s.hidden = s.id !== name;
  for (const a of document.querySelectorAll("#tabs a")) a.classList.toggle("active", a.dataset.tab === name);
}
window.addEventListener("hashchange", showTab);

let EXAMPLES = [];
async function loadExamples() {
  try { EXAMPLES = await (await fetch("/api/examples")).json(); } catch (_) { EXAMPLES = []; }
}

// ---------------------------------------------------------------- playground
const Q1X = "1 1 1 1 0\n0 0 1 1 1\n0 0 0 0 0\n1 1 0 1 0\n1 1 0 1 1";
const Q1F = "1 4 1\n0 2 1\n2 4 2";
const PRESETS = [
  ["Q1(a)", { kind: "conv2d", input: Q1X, kernel: Q1F }],
  ["Q1(b) stride 2", { kind: "conv2d", input: Q1X, kernel: Q1F, stride: "2" }],
  ["Q1(c) padding 1", { kind: "conv2d", input: Q1X, kernel: Q1F, padding: "1" }],
  ["Q1(d) max pool", { kind: "max_pool2d", input: Q1X, kernel_size: "2", stride: "2" }],
  ["Q1(e) dilation 2", { kind: "conv2d", input: Q1X, kernel: Q1F, dilation: "2" }],
  ["Uneven stride", { kind: "conv2d", input: "1 2 3 4 5 6\n6 5 4 3 2 1\n1 2 3 4 5 6\n6 5 4 3 2 1\n1 2 3 4 5 6\n6 5 4 3 2 1",
    kernel: "1 0 -1\n1 0 -1\n1 0 -1", stride: "3", padding: "1" }],
  ["Avg pool, ceil", { kind: "avg_pool2d", input: Q1X, kernel_size: "2", stride: "2", ceil_mode: true }],
];
const FIELDS = ["input", "kernel", "kernel_size", "stride", "padding", "dilation", "groups", "bias", "divisor_override"];
const CHECKS = ["flip", "ceil_mode", "count_include_pad"];
const DEFAULTS = { kernel_size: "2", stride: "1", padding: "0", dilation: "1", groups: "1", bias: "", divisor_override: "",
  flip: false, ceil_mode: false, count_include_pad: true };

const PG = { data: null, problem: null, frame: 0, timer: null, cache: new Map(), seq: 0 };

function fieldValue(text) {
  // Numbers and pairs go to the server as the user typed them, parsed there as YAML (safe, exact).
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return parseInt(t, 10);
  if (/^\[\s*-?\d+\s*,\s*-?\d+\s*\]$/.test(t)) return t.slice(1, -1).split(",").map((s) => parseInt(s, 10));
  return t;
}

function pgProblem() {
  const kind = $("pg-kind").value;
  const p = { id: "playground", kind, input: $("pg-input").value };
  const use = (name) => {
    const node = $("pg-" + name);
    const label = node.closest("label");
    return !label || !label.hidden;
  };
  for (const f of FIELDS.slice(1)) {
    if (!use(f)) continue;
    const v = $("pg-" + f).value;
    if (v.trim() === "") continue;
    if (f === "kernel") { p.kernel = v; continue; }
    p[f] = fieldValue(v);
  }
  for (const c of CHECKS) if (use(c) && $("pg-" + c).checked !== DEFAULTS[c]) p[c] = $("pg-" + c).checked;
  return p;
}

function pgVisibility() {
  const kind = $("pg-kind").value;
  const show = { "conv-only": kind === "conv2d", "pool-only": kind !== "conv2d", "avgpool-only": kind === "avg_pool2d",
    "maxpool-only": kind === "max_pool2d" };
  for (const node of document.querySelectorAll("#playground .conv-only, #playground .pool-only, #playground .avgpool-only")) {
    const classes = [...node.classList].filter((c) => c in show);
    node.hidden = !classes.some((c) => show[c]);
  }
}

function pgPreset(values) {
  $("pg-kind").value = values.kind;
  for (const f of FIELDS) if (f !== "input" && f !== "kernel") $("pg-" + f).value = values[f] ?? DEFAULTS[f];
  for (const c of CHECKS) $("pg-" + c).checked = values[c] ?? DEFAULTS[c];
  $("pg-input").value = values.input;
  if (values.kernel) $("pg-kernel").value = values.kernel;
  pgVisibility();
  pgSolve();
}

let pgDebounce = null;
function pgSchedule() { clearTimeout(pgDebounce); pgDebounce = setTimeout(pgSolve, 250); }

async function pgSolve() {
  const problem = pgProblem();
  const seq = ++PG.seq;
  try {
    const data = await api("/api/grid", problem);
    if (seq !== PG.seq) return;
    showError("pg-error", null);
    PG.data = data; PG.problem = problem; PG.cache.clear();
    PG.frame = Math.min(PG.frame, Math.max(0, data.cells.length - 1));
    pgDraw();
  } catch (err) {
    if (seq !== PG.seq) return;
    showError("pg-error", err);
  }
}

function padOf(axis) { return axis ? axis.pad : [0, 0]; }

function pgDraw() {
  const d = PG.data;
  const [ah, aw] = d.axes;
  const [pt, pb] = padOf(ah), [pl, pr] = padOf(aw);
  const dropH = ah ? ah.dropped : 0, dropW = aw ? aw.dropped : 0;
  const C = d.input.length, H = d.input[0].length, W = d.input[0][0].length;
  const host = $("pg-input-grid");
  host.replaceChildren();
  const editable = C === 1;
  for (let c = 0; c < C; c++) {
    if (C > 1) host.append(el("div", { class: "channel-label", text: `channel ${c}` }));
    const t = el("table", { class: "mgrid input", "data-channel": String(c) });
    const Hp = H + pt + pb, Wp = W + pl + pr;
    for (let r = -pt; r < H + pb; r++) {
      const tr = el("tr");
      for (let q = -pl; q < W + pr; q++) {
        const inside = r >= 0 && r < H && q >= 0 && q < W;
        const td = el("td", { "data-pos": `${c},${r},${q}` });
        if (!inside) { td.classList.add("pad"); td.textContent = "0"; }
        else if (editable) {
          const inp = el("input", { value: d.input[c][r][q], "aria-label": `input ${r},${q}` });
          inp.addEventListener("change", () => { pgEditInput(r, q, inp.value); });
          td.append(inp);
        } else td.textContent = d.input[c][r][q];
        if (r + pt >= Hp - dropH || q + pl >= Wp - dropW) td.classList.add("dropped");
        tr.append(td);
      }
      t.append(tr);
    }
    host.append(t);
  }
  $("pg-input-caption").textContent = `${C > 1 ? C + "×" : ""}${H}×${W}` + (pt + pb + pl + pr ? ", padded" : "");
  const khost = $("pg-kernel-grid");
  khost.replaceChildren();
  if (d.kernel) {
    d.kernel.forEach((m, i) => {
      if (d.kernel.length > 1) khost.append(el("div", { class: "channel-label", text: `slice ${i}` }));
      khost.append(matrixTable(m, "mgrid kernel"));
    });
  }
  const ohost = $("pg-output-grid");
  ohost.replaceChildren();
  d.output.forEach((m, f) => {
    if (d.output.length > 1) ohost.append(el("div", { class: "channel-label", text: `channel ${f}` }));
    const t = matrixTable(m, "mgrid output");
    t.querySelectorAll("td").forEach((td) => {
      const [i, j] = td.dataset.ij.split(",").map(Number);
      td.dataset.pos = `${f},${i},${j}`;
      td.addEventListener("click", () => pgSelect([f, i, j]));
    });
    ohost.append(t);
  });
  $("pg-output-caption").textContent = `${d.output.length > 1 ? d.output.length + "×" : ""}${d.output[0].length}×${d.output[0][0].length}`;
  $("pg-notes").replaceChildren(...d.notes.map((n, k) => el("li", { text: `${k === 0 ? "rows" : "columns"}: ${n}` })));
  $("pg-size").innerHTML = d.size_html;
  $("pg-full").innerHTML = d.html;
  pgFrame(PG.frame, false);
}

function matrixTable(rows, cls) {
  const t = el("table", { class: cls });
  rows.forEach((row, i) => {
    const tr = el("tr");
    row.forEach((v, j) => tr.append(el("td", { "data-ij": `${i},${j}`, text: v })));
    t.append(tr);
  });
  return t;
}

function pgEditInput(r, q, value) {
  // Write the grid back as rows of text; the server parses it (the grid shows one channel here).
  const rows = PG.data.input[0].map((row) => row.slice());
  rows[r][q] = value.trim() || "0";
  $("pg-input").value = rows.map((row) => row.join(" ")).join("\n");
  pgSolve();
}

function highlight(cellData) {
  for (const td of document.querySelectorAll("#playground td.read, #playground td.current")) td.classList.remove("read", "current");
  if (!cellData) return;
  const [, f, i, j] = cellData.cell;
  const out = document.querySelector(`#pg-output-grid td[data-pos="${f},${i},${j}"]`);
  if (out) out.classList.add("current");
  for (const [c, r, q] of cellData.reads) {
    const td = document.querySelector(`#pg-input-grid td[data-pos="${c},${r},${q}"]`);
    if (td) td.classList.add("read");
  }
}

function pgFrame(k, explainIt = true) {
  const cells = PG.data ? PG.data.cells : [];
  if (!cells.length) { $("pg-frame").textContent = "no cells explained"; highlight(null); return; }
  PG.frame = (k + cells.length) % cells.length;
  const cd = cells[PG.frame];
  highlight(cd);
  const [, f, i, j] = cd.cell;
  $("pg-frame").textContent = `cell ${PG.frame + 1} of ${cells.length}: Y[${PG.data.output.length > 1 ? f + ", " : ""}${i}, ${j}]`;
  if (explainIt) pgExplain([f, i, j], false);
}

async function pgExplain(cell, stop = true) {
  if (stop) pgStop();
  const key = JSON.stringify(cell);
  try {
    let e = PG.cache.get(key);
    if (!e) { e = await api("/api/explain", { problem: PG.problem, cell }); PG.cache.set(key, e); }
    $("pg-cell-title").textContent = e.title;
    $("pg-cell").innerHTML = e.html;
    if (stop) highlight(e.data);
  } catch (err) { showError("pg-error", err); }
}

function pgSelect(cell) {
  const idx = PG.data.cells.findIndex((c) => c.cell[1] === cell[0] && c.cell[2] === cell[1] && c.cell[3] === cell[2]);
  if (idx >= 0) PG.frame = idx;
  $("pg-frame").textContent = `Y[${PG.data.output.length > 1 ? cell[0] + ", " : ""}${cell[1]}, ${cell[2]}]` +
    (idx >= 0 ? ` (cell ${idx + 1} of ${PG.data.cells.length})` : "");
  pgExplain(cell, true);
}

function pgStop() { clearInterval(PG.timer); PG.timer = null; $("pg-play").textContent = "Play"; }
function pgPlay() {
  if (PG.timer) { pgStop(); return; }
  $("pg-play").textContent = "Pause";
  PG.timer = setInterval(() => pgFrame(PG.frame + 1), 900);
}

function initPlayground() {
  for (const [name, values] of PRESETS) {
    const b = el("button", { type: "button", text: name });
    b.addEventListener("click", () => pgPreset(values));
    $("pg-presets").append(b);
  }
  $("pg-form").addEventListener("input", pgSchedule);
  $("pg-kind").addEventListener("change", () => { pgVisibility(); pgSolve(); });
  $("pg-play").addEventListener("click", pgPlay);
  $("pg-next").addEventListener("click", () => { pgStop(); pgFrame(PG.frame + 1); });
  $("pg-prev").addEventListener("click", () => { pgStop(); pgFrame(PG.frame - 1); });
  $("pg-form").addEventListener("submit", (e) => e.preventDefault());
  pgPreset(PRESETS[0][1]);
}

// ---------------------------------------------------------------- network
const Q2_SPEC = `- Conv1:  $k = 3 \\times 3 \\times 32$ ,  $p = 1$ ,  $s = 1$
- Conv2:  $k = 7 \\times 7 \\times 64$ ,  $p = 0$ ,  $s = 1$
- Pooling: MaxPool  $2 \\times 2$ , no overlap ( $s = 2$ )
- Conv3:  $k = 3 \\times 3 \\times 128$ ,  $p = 1$ ,  $s = 1$
- Conv4:  $k = 7 \\times 7 \\times 256$ ,  $p = 0$ ,  $s = 1$
- Pooling: MaxPool  $2 \\times 2$ , no overlap ( $s = 2$ )
- Flatten
- Dense: size = 10`;
const Q2_PLAIN = "input 64x64x3\nconv 3x3x32 p=1 s=1\nconv 7x7x64 p=0 s=1\nmaxpool 2 s=2\nconv 3x3x128 p=1 s=1\n" +
  "conv 7x7x256 p=0 s=1\nmaxpool 2 s=2\nflatten\ndense 10";

function netGutter(bad) {
  const n = $("net-spec").value.split("\n").length;
  const g = $("net-gutter");
  g.replaceChildren();
  for (let i = 1; i <= n; i++) {
    if (i === bad) g.append(el("span", { class: "bad", text: String(i) }));
    else g.append(String(i), "\n");
  }
  g.scrollTop = $("net-spec").scrollTop;
}

const fmt = (v) => typeof v === "number" ? v.toLocaleString("en-US") : (v === null || v === undefined ? "" : String(v));
const shapeText = (s) => Array.isArray(s) ? s.map(fmt).join(" × ") : fmt(s);
const rfText = (r) => r && typeof r === "object" && !Array.isArray(r) ? (r.size !== undefined ? fmt(r.size) : JSON.stringify(r)) : fmt(r);

async function netGo() {
  netGutter(null);
  try {
    const out = await api("/api/view", { id: "network", kind: "network", spec: $("net-spec").value });
    showError("net-error", null);
    const p = out.problems[0];
    netTable(p.solution.answer);
    $("net-work").innerHTML = p.html;
  } catch (err) {
    showError("net-error", err);
    if (err.info && err.info.line) netGutter(err.info.line);
  }
}

function netTable(answer) {
  const cols = [["name", "layer"], ["type", "type"], ["output_shape", "output (H×W×C)"], ["neurons", "neurons"],
    ["weights", "weights"], ["biases", "biases"], ["params", "params"], ["macs", "MACs"], ["receptive_field", "receptive field"]];
  const t = $("net-table");
  t.replaceChildren();
  t.append(el("thead", {}, el("tr", {}, ...cols.map(([, h]) => el("th", { text: h })))));
  const body = el("tbody");
  for (const row of answer.layers || []) {
    body.append(el("tr", {}, ...cols.map(([k]) => el("td", {
      text: k === "output_shape" ? shapeText(row[k]) : k === "receptive_field" ? rfText(row[k]) : fmt(row[k]) }))));
  }
  t.append(body);
  t.append(el("tfoot", {}, el("tr", {}, el("td", { text: "total params" }), el("td"), el("td", { text: shapeText(answer.output_shape) }),
    el("td"), el("td"), el("td"), el("td", { text: fmt(answer.total_params) }), el("td"), el("td"))));
  netDraw(answer.layers || []);
}

function netDraw(layers) {
  // Boxes sized from the table's output shapes (log scale), one per layer that changes the shape.
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  let x = 10;
  const H = Math.max(150, ...layers.filter((l) => Array.isArray(l.output_shape) && l.output_shape.length === 3).map((l) => 16 + 12 * Math.sqrt(l.output_shape[0])));
  const items = layers.filter((l) => Array.isArray(l.output_shape));
  for (const l of items) {
    const s = l.output_shape;
    const side = s.length === 3 ? 16 + 12 * Math.sqrt(s[0]) : 8;
    const depth = s.length === 3 ? 4 * Math.log2(1 + s[2]) : 6;
    const tall = s.length === 3 ? side : Math.min(120, 10 + 12 * Math.log2(1 + s[s.length - 1]));
    const y = (H - tall) / 2;
    const rect = document.createElementNS(NS, "rect");
    Object.entries({ x, y, width: depth, height: tall, fill: s.length === 3 ? "#9cc3ff" : "#ffd166", stroke: "#2f4f7f" })
      .forEach(([k, v]) => rect.setAttribute(k, String(v)));
    svg.append(rect);
    const label = document.createElementNS(NS, "text");
    label.setAttribute("x", String(x)); label.setAttribute("y", String(H + 14));
    label.textContent = shapeText(s);
    const name = document.createElementNS(NS, "text");
    name.setAttribute("x", String(x)); name.setAttribute("y", "12");
    name.textContent = l.name || l.type;
    svg.append(label, name);
    x += Math.max(depth + 20, 8 * shapeText(s).length + 8);
  }
  svg.setAttribute("width", String(x + 10)); svg.setAttribute("height", String(H + 24));
  $("net-draw").replaceChildren(svg);
}

function initNetwork() {
  const presets = [["Question 2 (pasted)", "input 64x64x3\n" + Q2_SPEC], ["Question 2", Q2_PLAIN]];
  for (const e of EXAMPLES.filter((e) => e.kind === "network")) presets.push([e.title, e.text]);
  for (const [name, text] of presets) {
    const b = el("button", { type: "button", text: name });
    b.addEventListener("click", () => { $("net-spec").value = text; netGutter(null); netGo(); });
    $("net-presets").append(b);
  }
  $("net-spec").addEventListener("input", () => netGutter(null));
  $("net-spec").addEventListener("scroll", () => { $("net-gutter").scrollTop = $("net-spec").scrollTop; });
  $("net-go").addEventListener("click", netGo);
  $("net-spec").value = Q2_PLAIN;
  netGutter(null);
}

// ---------------------------------------------------------------- worked problems
async function pbGo() {
  try {
    const out = await api("/api/view", { text: $("pb-text").value });
    showError("pb-error", null);
    const host = $("pb-out");
    host.innerHTML = (out.title ? `<h2></h2>` : "") + out.problems.map((p) => p.html).join("\n");
    if (out.title) host.querySelector("h2").textContent = out.title;
    out.problems.forEach((p, k) => heatMaps(p.solution, host.querySelectorAll("section.worked")[k]));
  } catch (err) { showError("pb-error", err); }
}

function heatMaps(solution, section) {
  // Attention weights (any 2-D numeric answer entry named like weights/attention) drawn as a heat map.
  const ans = solution.answer;
  if (!ans || typeof ans !== "object" || Array.isArray(ans) || !section) return;
  for (const [key, m] of Object.entries(ans)) {
    if (!/weight|attn|attention|alpha/i.test(key) || !Array.isArray(m) || !Array.isArray(m[0])) continue;
    const flat = m.flat().filter((v) => typeof v === "number");
    if (!flat.length) continue;
    const lo = Math.min(...flat), hi = Math.max(...flat);
    const t = el("table", { class: "heat" });
    for (const row of m) {
      const tr = el("tr");
      for (const v of row) {
        const td = el("td", { text: typeof v === "number" ? v.toFixed(3) : String(v) });
        const a = hi > lo ? (v - lo) / (hi - lo) : 0.5;
        td.style.backgroundColor = `rgba(47, 111, 223, ${0.1 + 0.85 * a})`;
        td.style.color = a > 0.55 ? "#fff" : "#1d2430";
        tr.append(td);
      }
      t.append(tr);
    }
    section.insertBefore(el("div", {}, el("h3", { text: `Heat map: ${key}` }), t), section.children[1] || null);
  }
}

function initProblems() {
  for (const e of EXAMPLES.filter((e) => e.kind === "problems")) {
    const b = el("button", { type: "button", text: e.title.length > 40 ? e.name : e.title });
    b.addEventListener("click", () => { $("pb-text").value = e.text; pbGo(); });
    $("pb-presets").append(b);
  }
  $("pb-go").addEventListener("click", pbGo);
}

// ---------------------------------------------------------------- check
const SAMPLE_ANSWERS = "answers:\n  q1a: [[7, 9, 8], [7, 9, 10], [8, 5, 8]]\n  q1b: [[7, 8], [8, 9]]\n";

async function ckGo() {
  try {
    const r = await api("/api/check", { problems: $("ck-problems").value, answers: $("ck-answers").value });
    showError("ck-error", null);
    const host = $("ck-out");
    host.replaceChildren(el("p", { class: "score", text: `Score ${fmt(r.score)} / ${fmt(r.max_score)}` }));
    for (const p of r.problems) {
      host.append(el("h3", { text: `${p.id}: ${p.correct ? "correct" : "needs work"} (${fmt(p.score)} / ${fmt(p.max_score)})` }));
      if (p.cells && p.cells.length) {
        const t = el("table", { class: "feedback" }, el("tr", {}, ...["where", "given", "expected", "verdict"].map((h) => el("th", { text: h }))));
        for (const c of p.cells) {
          t.append(el("tr", { class: c.correct ? "right" : "wrong" }, el("td", { text: c.where || "answer" }),
            el("td", { text: JSON.stringify(c.given) }), el("td", { text: c.expected === null ? "" : JSON.stringify(c.expected) }),
            el("td", { class: "verdict", text: c.verdict || (c.correct ? "correct" : "wrong") })));
        }
        host.append(t);
      }
      if (p.feedback) host.append(el("pre", { class: "feedback-text", text: p.feedback }));
    }
  } catch (err) { showError("ck-error", err); }
}

function readFileInto(input, target) {
  input.addEventListener("change", async () => {
    const f = input.files[0];
    if (f) $(target).value = await f.text();
  });
}

function initCheck() {
  const a3 = EXAMPLES.find((e) => e.name === "assignment3.yaml");
  if (a3) {
    const b = el("button", { type: "button", text: "Assignment 3 with a sample answer sheet" });
    const sheet = EXAMPLES.find((e) => e.kind === "answers" && e.name.startsWith("assignment3"));
    b.addEventListener("click", () => {
      $("ck-problems").value = a3.text; $("ck-answers").value = sheet ? sheet.text : SAMPLE_ANSWERS; ckGo();
    });
    $("ck-presets").append(b);
  }
  readFileInto($("ck-problems-file"), "ck-problems");
  readFileInto($("ck-answers-file"), "ck-answers");
  $("ck-go").addEventListener("click", ckGo);
}

// ---------------------------------------------------------------- start
document.addEventListener("DOMContentLoaded", async () => {
  showTab();
  initPlayground();
  await loadExamples();
  initNetwork();
  initProblems();
  initCheck();
  document.body.dataset.ready = "1";
});
