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
  for (const s of document.querySelectorAll("section.tab")) s.hidden = s.id !== "tab-" + name;
  for (const a of document.querySelectorAll("#tabs a")) a.classList.toggle("active", a.dataset.tab === name);
  window.scrollTo(0, 0);  // the hash names a tab, not a place to scroll to
  scrollCues();
}
window.addEventListener("hashchange", showTab);

// ---------------------------------------------------------------- scroll cues
// Math, answers and tables wider than their box scroll inside it (never the page); the edge where more
// is hidden fades (.more-right / .more-left), so a phone reader sees the line goes on.
const SCROLLERS = ".eq, .answer, .answer dd, .answer .scroll, .table-wrap";
function scrollCue(box, [left, width, full]) {
  box.classList.toggle("more-right", width > 0 && left + width < full - 1);
  box.classList.toggle("more-left", width > 0 && left > 1);
}
function scrollCues(root = document) {
  const boxes = [...root.querySelectorAll(SCROLLERS)];
  const sizes = boxes.map((b) => [b.scrollLeft, b.clientWidth, b.scrollWidth]);  // every read before any write
  boxes.forEach((b, i) => scrollCue(b, sizes[i]));
}
let cueFrame = 0;
function scheduleCues() { cancelAnimationFrame(cueFrame); cueFrame = requestAnimationFrame(() => scrollCues()); }
document.addEventListener("scroll", (e) => {
  const b = e.target;
  if (b instanceof Element && b.matches(SCROLLERS)) scrollCue(b, [b.scrollLeft, b.clientWidth, b.scrollWidth]);
}, true);
document.addEventListener("toggle", (e) => { if (e.target.open) scrollCues(e.target); }, true);
window.addEventListener("resize", scheduleCues);

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

const PG = { data: null, problem: null, frame: 0, timer: null, cache: new Map(), seq: 0, selected: null };

function fieldValue(text) {
  // Numbers and pairs go to the server as the user typed them, parsed there as YAML (safe, exact).
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return parseInt(t, 10);
  if (/^\[\s*-?\d+\s*,\s*-?\d+\s*\]$/.test(t)) return t.slice(1, -1).split(",").map((s) => parseInt(s, 10));
  return t;
}

function pgProblem() {
  const kind = $("pg-kind").value;
  const p = { kind, input: $("pg-input").value };
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
  for (const node of document.querySelectorAll("#tab-playground .conv-only, #tab-playground .pool-only, #tab-playground .avgpool-only")) {
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
  PG.selected = null; PG.frame = 0;
  pgVisibility();
  pgSolve();
}

let pgDebounce = null;
function pgSchedule() { pgInvalidate(); clearTimeout(pgDebounce); pgDebounce = setTimeout(pgSolve, 250); }

function pgInvalidate() {
  // Every panel computed from the old inputs goes at once: a cell's derivation of old numbers must never show.
  PG.seq++; PG.cache.clear(); pgStop();
  $("pg-results").classList.add("stale");
  $("pg-cell-title").textContent = "Worked cell";
  $("pg-cell").replaceChildren(el("p", { class: "muted", text: "Recomputing…" }));
}

async function pgSolve() {
  pgInvalidate();
  const problem = pgProblem();
  const seq = PG.seq;
  try {
    const data = await api("/api/grid", problem);
    if (seq !== PG.seq) return;
    showError("pg-error", null);
    PG.data = data; PG.problem = problem;
    $("pg-results").classList.remove("stale");
    PG.frame = Math.min(PG.frame, Math.max(0, data.cells.length - 1));
    pgDraw();
  } catch (err) {
    if (seq !== PG.seq) return;
    showError("pg-error", err);
    $("pg-cell").replaceChildren(el("p", { class: "muted", text: "Fix the error to see a cell worked." }));
  }
}

function pgHasCell(cell) {
  const out = PG.data.output;
  const [f, i, j] = cell;
  return f < out.length && i < out[f].length && j < out[f][i].length;
}

function pgCurrentCell() {
  // The cell the reader chose, if the new output still has it; else the animation's current cell.
  if (PG.selected && pgHasCell(PG.selected)) return PG.selected;
  PG.selected = null;
  const cd = PG.data.cells[PG.frame];
  return cd ? [cd.cell[1], cd.cell[2], cd.cell[3]] : null;
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
  const cell = pgCurrentCell();
  if (cell) pgSelect(cell, false); else { $("pg-frame").textContent = "no cells explained"; highlight(null); }
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
  pgSchedule();
}

function highlight(cellData) {
  for (const td of document.querySelectorAll("#tab-playground td.read, #tab-playground td.current")) td.classList.remove("read", "current");
  if (!cellData) return;
  const [, f, i, j] = cellData.cell;
  const out = document.querySelector(`#pg-output-grid td[data-pos="${f},${i},${j}"]`);
  if (out) out.classList.add("current");
  for (const [c, r, q] of cellData.reads) {
    const td = document.querySelector(`#pg-input-grid td[data-pos="${c},${r},${q}"]`);
    if (td) td.classList.add("read");
  }
}

function pgFrame(k) {
  const cells = PG.data ? PG.data.cells : [];
  if (!cells.length) { $("pg-frame").textContent = "no cells explained"; highlight(null); return; }
  PG.frame = (k + cells.length) % cells.length;
  const cd = cells[PG.frame];
  PG.selected = [cd.cell[1], cd.cell[2], cd.cell[3]];
  highlight(cd);
  const [, f, i, j] = cd.cell;
  $("pg-frame").textContent = `cell ${PG.frame + 1} of ${cells.length}: Y[${PG.data.output.length > 1 ? f + ", " : ""}${i}, ${j}]`;
  pgExplain([f, i, j]);
}

async function pgExplain(cell) {
  const seq = PG.seq;
  const key = JSON.stringify(cell);
  try {
    let e = PG.cache.get(key);
    if (!e) { e = await api("/api/explain", { problem: PG.problem, cell }); }
    if (seq !== PG.seq) return;  // the inputs changed while this cell was being worked
    PG.cache.set(key, e);
    if (!PG.selected || JSON.stringify(PG.selected) !== key) return;  // another cell was chosen meanwhile
    $("pg-cell-title").textContent = e.title;
    $("pg-cell").innerHTML = e.html;
    $("pg-cell").dataset.cell = key;
    highlight(e.data);
  } catch (err) {
    if (seq !== PG.seq) return;
    showError("pg-error", err);
  }
}

function pgSelect(cell, stop = true) {
  if (stop) pgStop();
  PG.selected = cell;
  const idx = PG.data.cells.findIndex((c) => c.cell[1] === cell[0] && c.cell[2] === cell[1] && c.cell[3] === cell[2]);
  if (idx >= 0) { PG.frame = idx; highlight(PG.data.cells[idx]); } else highlight(null);
  $("pg-frame").textContent = `Y[${PG.data.output.length > 1 ? cell[0] + ", " : ""}${cell[1]}, ${cell[2]}]` +
    (idx >= 0 ? ` (cell ${idx + 1} of ${PG.data.cells.length})` : "");
  $("pg-cell-title").textContent = "Worked cell";
  $("pg-cell").replaceChildren(el("p", { class: "muted", text: "Working…" }));
  delete $("pg-cell").dataset.cell;
  pgExplain(cell);
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
  $("pg-kind").addEventListener("change", () => { pgVisibility(); pgSchedule(); });
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
const shapeText = (s) => Array.isArray(s) ? s.map(String).join("×") : fmt(s);  // as the CLI table writes shapes

const NET = { seq: 0 };
let netDebounce = null;

async function netGo() {
  const seq = ++NET.seq;
  netGutter(null);
  $("net-results").classList.add("stale");
  try {
    const out = await api("/api/view", { kind: "network", spec: $("net-spec").value });
    if (seq !== NET.seq) return;
    showError("net-error", null);
    const p = out.problems[0];
    $("net-table").innerHTML = p.answer_html;
    netDraw(p.solution.answer.layers || [], p.solution.answer.input_shape);
    $("net-work").innerHTML = p.html;
    $("net-results").classList.remove("stale");
  } catch (err) {
    if (seq !== NET.seq) return;
    showError("net-error", err);
    if (err.info && err.info.line) netGutter(err.info.line);
  }
}

function netDraw(layers) {
  // One card per layer that has weights or changes the shape (activations and normalisations fold into the
  // card before them); cards wrap in rows, so a network of any depth fits the page and no label overlaps.
  const NS = "http://www.w3.org/2000/svg";
  const host = $("net-draw");
  host.replaceChildren();
  let prev = null;
  const cards = [];
  for (const l of layers) {
    if (!Array.isArray(l.output_shape)) continue;
    const shape = shapeText(l.output_shape);
    if (l.weights === 0 && shape === prev && cards.length) { cards[cards.length - 1].folded.push(l.name); continue; }
    cards.push({ layer: l, folded: [] });
    prev = shape;
  }
  for (const { layer: l, folded } of cards) {
    const s = l.output_shape;
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("width", "84"); svg.setAttribute("height", "64"); svg.setAttribute("viewBox", "0 0 84 64");
    const add = (tag, attrs) => {
      const node = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
      svg.append(node);
    };
    if (s.length === 3) {
      const side = Math.min(40, 8 + 4 * Math.log2(1 + s[0]));
      const depth = Math.min(36, 3 + 3 * Math.log2(1 + s[2]));
      const dx = depth * 0.55, dy = depth * 0.35;
      const x = (84 - side - dx) / 2, y = (64 - side + dy) / 2;
      add("polygon", { points: `${x},${y} ${x + dx},${y - dy} ${x + dx + side},${y - dy} ${x + side},${y}`, fill: "#cfe0ff", stroke: "#2f4f7f" });
      add("polygon", { points: `${x + side},${y} ${x + dx + side},${y - dy} ${x + dx + side},${y + side - dy} ${x + side},${y + side}`, fill: "#7fa7e8", stroke: "#2f4f7f" });
      add("rect", { x, y, width: side, height: side, fill: "#9cc3ff", stroke: "#2f4f7f" });
    } else {
      const n = s[s.length - 1];
      const tall = Math.min(56, 8 + 4 * Math.log2(1 + n));
      add("rect", { x: 36, y: (64 - tall) / 2, width: 12, height: tall, fill: "#ffd166", stroke: "#8a6d1f" });
    }
    const title = [l.name || l.type, shapeText(s), ...(folded.length ? ["then " + folded.join(", ")] : [])].join("\n");
    const card = el("figure", { class: "vol", title },
      svg, el("figcaption", {}, el("span", { class: "vol-name", text: l.name || l.type }), el("span", { class: "vol-shape", text: shapeText(s) })));
    host.append(card);
  }
}

function initNetwork() {
  const presets = [["Question 2 (pasted)", "input 64x64x3\n" + Q2_SPEC], ["Question 2", Q2_PLAIN]];
  for (const e of EXAMPLES.filter((e) => e.kind === "network")) presets.push([e.title, e.text]);
  for (const [name, text] of presets) {
    const b = el("button", { type: "button", text: name });
    b.addEventListener("click", () => { $("net-spec").value = text; netGutter(null); netGo(); });
    $("net-presets").append(b);
  }
  $("net-spec").addEventListener("input", () => {
    netGutter(null); NET.seq++; $("net-results").classList.add("stale");
    clearTimeout(netDebounce); netDebounce = setTimeout(netGo, 500);
  });
  $("net-spec").addEventListener("scroll", () => { $("net-gutter").scrollTop = $("net-spec").scrollTop; });
  $("net-go").addEventListener("click", netGo);
  $("net-spec").value = "input 64x64x3\n" + Q2_SPEC;
  netGo();
}

// ---------------------------------------------------------------- worked problems
const PB = { seq: 0 };
let pbDebounce = null;

async function pbSolve(text) {
  const seq = ++PB.seq;
  const host = $("pb-out");
  host.classList.add("stale");
  try {
    const out = await api("/api/view", { text });
    if (seq !== PB.seq) return;
    showError("pb-error", null);
    host.innerHTML = (out.title ? `<h2></h2>` : "") + out.problems.map((p) => p.html).join("\n");
    if (out.title) host.querySelector("h2").textContent = out.title;
    const sections = host.querySelectorAll("section.worked");
    out.problems.forEach((p, k) => heatMaps(p.solution, sections[k]));
    if (sections.length > 1) sections.forEach(foldWork);
    host.dataset.source = text;
    host.dataset.solutions = JSON.stringify(out.problems.map((p) => p.solution));
    host.classList.remove("stale");
  } catch (err) {
    if (seq !== PB.seq) return;
    showError("pb-error", err);
  }
}

function foldWork(section) {
  // A file's problem shows its heading and answer; its work is one click away, so a file of many problems
  // reads as a list rather than a page tens of thousands of pixels tall.
  const kept = (n) => n.tagName === "H2" || n.classList.contains("answer") || n.classList.contains("heat-box");
  const work = [...section.children].filter((n) => !kept(n));
  if (!work.length) return;
  const box = el("details", { class: "work" }, el("summary", { text: "Worked solution" }));
  work[0].before(box);
  box.append(...work);
}

function pbGo() { pbSolve($("pb-text").value); }

function pbChanged(solve) {
  // An edit invalidates what is shown: grey it at once, solve again when the typing pauses.
  PB.seq++; $("pb-out").classList.add("stale");
  clearTimeout(pbDebounce); pbDebounce = setTimeout(solve, 700);
}

function heatMaps(solution, section) {
  // Attention weights (any 2-D numeric answer entry named like weights/attn/alpha) drawn as a heat map.
  const ans = solution.answer;
  if (!ans || typeof ans !== "object" || Array.isArray(ans) || !section) return;
  for (const [key, m] of Object.entries(ans)) {
    if (!/weight|attn|attention|alpha/i.test(key) || !Array.isArray(m) || !Array.isArray(m[0])) continue;
    const flat = m.flat().filter((v) => typeof v === "number");
    if (!flat.length || flat.length !== m.flat().length) continue;
    const lo = Math.min(...flat), hi = Math.max(...flat);
    const t = el("table", { class: "heat" });
    for (const row of m) {
      const tr = el("tr");
      for (const v of row) {
        const td = el("td", { text: v.toFixed(3) });
        const a = hi > lo ? (v - lo) / (hi - lo) : 0.5;
        td.style.backgroundColor = `rgba(47, 111, 223, ${0.1 + 0.85 * a})`;
        td.style.color = a > 0.55 ? "#fff" : "#1d2430";
        tr.append(td);
      }
      t.append(tr);
    }
    const answer = section.querySelector(".answer");
    const box = el("div", { class: "heat-box" }, el("h3", { text: `Heat map: ${key}` }), t);
    if (answer) answer.after(box); else section.append(box);
  }
}

// The "New problem" form lives in form.js.
function pbMode(mode) {
  $("pb-file").hidden = mode !== "file";
  $("pb-new").hidden = mode !== "new";
  $("pb-mode-file").classList.toggle("active", mode === "file");
  $("pb-mode-new").classList.toggle("active", mode === "new");
  if (mode === "new") { clearTimeout(pbDebounce); nfSolve(); } else pbGo();
}

function initProblems() {
  const files = EXAMPLES.filter((e) => e.kind === "problems");
  for (const e of files) {
    const b = el("button", { type: "button", text: e.title.length > 40 ? e.name : e.title });
    b.addEventListener("click", () => { $("pb-text").value = e.text; clearTimeout(pbDebounce); pbGo(); });
    $("pb-presets").append(b);
  }
  $("pb-go").addEventListener("click", () => { clearTimeout(pbDebounce); pbGo(); });
  $("pb-text").addEventListener("input", () => pbChanged(pbGo));
  $("pb-mode-file").addEventListener("click", () => pbMode("file"));
  $("pb-mode-new").addEventListener("click", () => pbMode("new"));
  if (files.length) { $("pb-text").value = files[0].text; pbGo(); }
}

// ---------------------------------------------------------------- check: in check.js

// ---------------------------------------------------------------- start
document.addEventListener("DOMContentLoaded", async () => {
  showTab();
  initPlayground();
  await loadExamples();
  initNetwork();
  initProblems();
  initCheck();
  await initNewProblem();
  new MutationObserver(scheduleCues).observe(document.querySelector("main"), { childList: true, subtree: true });
  scrollCues();
  document.body.dataset.ready = "1";
});
