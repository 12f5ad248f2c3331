// The Check answers tab: answers graded by the server (POST /api/check); each problem's array entries are
// laid out as grids in the key's shape, every entry showing what the student wrote, verbatim, and a wrong
// one marked with a sign and the key (class `bad`, never colour alone); entries outside arrays are rows.
"use strict";

const CK = { seq: 0 };
let ckDebounce = null;
const SAMPLE_ANSWERS = "# a partly answered sheet: q1b has a mistake, the rest is unanswered\nq1a: [[7, 9, 8], [7, 9, 10], [8, 5, 8]]\nq1b: [[7, 8], [8, 9]]\n";
const MARKS = { correct: "", rounded: "≈", "follow-on": "↪", wrong: "✗", missing: "✗", review: "?" };
const SAYS = { correct: "correct", rounded: "rounded, accepted", "follow-on": "follow-on, accepted", wrong: "wrong",
  missing: "not given", review: "to review" };

function cellText(v) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  if (typeof v !== "object") return String(v);
  if (Array.isArray(v)) return "[" + v.map(cellText).join(", ") + "]";
  return Object.entries(v).map(([k, x]) => `${k}: ${cellText(x)}`).join(", ");
}

function keyNode(tag, c) {
  const node = el(tag);
  if (c.expected_html) node.innerHTML = c.expected_html; else node.textContent = c.expected === null ? "" : cellText(c.expected);
  return node;
}

function whereOf(path) {
  // As the server writes an entry's place: grads.w[0][1].
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : (out ? "." : "") + p;
  return out || "answer";
}

function ckGroups(cells) {
  // Array entries (a path ending in indices) grouped into grids: a matrix entry's last two indices are its
  // row and column, a vector's one its column. What is left (named numbers, words) stays a list of rows.
  const grids = new Map(), rows = [];
  for (const c of cells) {
    const path = c.path || [];
    let k = path.length;
    while (k > 0 && typeof path[k - 1] === "number") k--;
    const idx = path.slice(k);
    if (!idx.length) { rows.push(c); continue; }
    const lead = idx.length >= 2 ? idx.slice(0, -2) : [];
    const key = whereOf([...path.slice(0, k), ...lead]);
    if (!grids.has(key)) grids.set(key, []);
    grids.get(key).push({ c, r: idx.length >= 2 ? idx[idx.length - 2] : 0, q: idx[idx.length - 1] });
  }
  for (const [key, entries] of grids) {
    if (entries.length < 2) { grids.delete(key); rows.push(...entries.map((e) => e.c)); }
  }
  return { grids, rows };
}

function ckGrid(label, entries) {
  // One grid: the student's text in each entry; a wrong entry carries ✗ and the key beneath.
  const R = Math.max(...entries.map((e) => e.r)) + 1, Q = Math.max(...entries.map((e) => e.q)) + 1;
  const at = new Map(entries.map((e) => [`${e.r},${e.q}`, e.c]));
  const lined = entries.every((e) => e.c.lines_up !== false);
  const t = el("table", { class: "mgrid ck-grid" });
  for (let r = 0; r < R; r++) {
    const tr = el("tr");
    for (let q = 0; q < Q; q++) {
      const c = at.get(`${r},${q}`);
      if (!c) { tr.append(el("td", { class: "none" })); continue; }
      const ok = c.verdict === "correct" || c.verdict === "rounded" || c.verdict === "follow-on";
      const td = el("td", { class: `${c.verdict} ${ok ? "good" : "bad"}`, "data-where": c.where, title: `${c.where}: ${SAYS[c.verdict] || c.verdict}` });
      if (lined) td.append(el("span", { class: "given", text: c.given === null ? "—" : c.written }));
      if (MARKS[c.verdict]) td.append(el("span", { class: "mark", "aria-label": SAYS[c.verdict], text: MARKS[c.verdict] }));
      if (!ok || !lined) { const key = keyNode("span", c); key.classList.add("key"); td.append(key); }
      tr.append(td);
    }
    t.append(tr);
  }
  const bad = entries.filter((e) => !["correct", "rounded", "follow-on"].includes(e.c.verdict)).length;
  const caption = el("figcaption", {}, label + " ",
    el("span", { class: "muted", text: lined ? `${bad} of ${entries.length} wrong or missing` : "the key: your answer's shape differs" }));
  return el("figure", { class: "ck-figure" }, caption, el("div", { class: "table-wrap" }, t));
}

function ckRows(cells) {
  const t = el("table", { class: "feedback" }, el("tr", {}, ...["where", "given", "expected", "verdict"].map((h) => el("th", { text: h }))));
  for (const c of cells) {
    const ok = c.verdict === "correct" || c.verdict === "rounded" || c.verdict === "follow-on";
    t.append(el("tr", { class: ok ? "right" : "wrong" }, el("td", { text: c.where || "answer" }),
      el("td", { text: c.given === null ? "—" : c.written }), keyNode("td", c),
      el("td", { class: "verdict", text: (MARKS[c.verdict] ? MARKS[c.verdict] + " " : "") + (SAYS[c.verdict] || c.verdict) })));
  }
  return el("div", { class: "table-wrap" }, t);
}

function ckProblem(p) {
  const sec = el("section", { class: "ck-problem" + (p.correct ? " ok" : " bad"), "data-id": p.id },
    el("h3", { text: `${p.id}: ${p.correct ? "correct" : "needs work"} (${fmt(p.score)} / ${fmt(p.max_score)})` }));
  const cells = (p.cells || []).filter((c) => c.verdict !== "missing" || c.given !== null);
  const missing = (p.cells || []).length - cells.length;
  const { grids, rows } = ckGroups(p.cells || []);
  const shown = rows.filter((c) => c.verdict !== "missing" || c.given !== null);
  const parts = [...[...grids].map(([label, entries]) => ckGrid(label, entries)), ...(shown.length ? [ckRows(shown)] : [])];
  if (parts.length) {
    const body = el("div", { class: "ck-body" }, ...parts);
    if (grids.size) {
      body.append(el("p", { class: "legend small" }, ...["✗ wrong or not given (the key beneath)", "≈ rounded, accepted",
        "↪ follow-on, accepted"].map((t) => el("span", { text: t }))));
    }
    // An all-correct problem keeps its entries one click away; a wrong one shows them.
    sec.append(p.correct ? el("details", {}, el("summary", { text: `the ${cells.length} entries` }), body) : body);
  }
  if (missing && !grids.size) sec.append(el("p", { class: "muted small", text: `${missing} entr${missing === 1 ? "y" : "ies"} not given.` }));
  if (p.feedback_html) {
    const fb = el("div", { class: "feedback-html worked-host" });
    fb.innerHTML = p.feedback_html;
    sec.append(fb);
  }
  return sec;
}

async function ckGo() {
  const seq = ++CK.seq;
  const host = $("ck-out");
  host.classList.add("stale");
  try {
    const r = await api("/api/check", { problems: $("ck-problems").value, answers: $("ck-answers").value,
                                         allow_missing: $("ck-allow-missing").checked });
    if (seq !== CK.seq) return;
    showError("ck-error", null);
    const answered = r.problems.filter((p) => p.answered !== false);
    host.replaceChildren(el("p", { class: "score", text: `Score ${fmt(r.score)} / ${fmt(r.max_score)}` }),
      el("p", { class: "muted small", text: `${answered.length} of ${r.problems.length} problems answered.` }),
      ...answered.map(ckProblem));
    if (r.unanswered && r.unanswered.length) {
      host.append(el("h3", { text: "Not answered" }), el("p", { class: "unanswered", text: r.unanswered.join(", ") }));
    }
    host.classList.remove("stale");
  } catch (err) {
    if (seq !== CK.seq) return;
    showError("ck-error", err);
  }
}

function readFileInto(input, target) {
  input.addEventListener("change", async () => {
    const f = input.files[0];
    if (f) { $(target).value = await f.text(); ckChanged(); }
  });
}

function ckChanged() {
  CK.seq++; $("ck-out").classList.add("stale");
  clearTimeout(ckDebounce); ckDebounce = setTimeout(ckGo, 700);
}

function initCheck() {
  // An answers example goes here with the problem file it answers (foo_answers.yaml answers foo.yaml).
  const sets = [];
  for (const a of EXAMPLES.filter((e) => e.kind === "answers")) {
    const problems = EXAMPLES.find((e) => e.kind === "problems" && e.name === a.name.replace(/_answers(\.\w+)$/, "$1"));
    if (problems) sets.push([`${problems.name.replace(/\.\w+$/, "")} with ${a.name.replace(/\.\w+$/, "")}`, problems.text, a.text]);
  }
  const a3 = EXAMPLES.find((e) => e.name === "assignment3.yaml");
  if (a3) sets.push(["assignment3: a partly answered sheet", a3.text, SAMPLE_ANSWERS]);
  for (const [name, problems, answers] of sets) {
    const b = el("button", { type: "button", text: name });
    b.addEventListener("click", () => { $("ck-problems").value = problems; $("ck-answers").value = answers; clearTimeout(ckDebounce); ckGo(); });
    $("ck-presets").append(b);
  }
  readFileInto($("ck-problems-file"), "ck-problems");
  readFileInto($("ck-answers-file"), "ck-answers");
  $("ck-problems").addEventListener("input", ckChanged);
  $("ck-answers").addEventListener("input", ckChanged);
  $("ck-go").addEventListener("click", () => { clearTimeout(ckDebounce); ckGo(); });
  if (sets.length) { $("ck-problems").value = sets[0][1]; $("ck-answers").value = sets[0][2]; ckGo(); }
}
