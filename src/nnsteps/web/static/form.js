// The "New problem" form of the Worked problems tab, built from GET /api/kinds (each kind's record:
// fields with type, help, default, choices, when/instead_of hints, and a complete example), so a kind
// added to the engine gets its form with no change here. It opens on the record's example; a field the
// example leaves out stays empty (its default shows as a placeholder), so what is sent is what the
// record's example says, typed by the field's type.
"use strict";

let KINDS = [];
const BLOCKY = /array|matrix|list|map|dict|object|spec|vector|sequence|tensor|steps|layers/i;
// Types whose one-line number is sent as a YAML number ("-1", not the string '-1').
const NUMERIC = new Set(["number", "integer", "value", "pair", "padding"]);
const NUMBER_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const YAML_WORDS = /^(true|false|null|yes|no|on|off|~|y|n)$/i;

function flowYaml(v, indent = "") {
  // A value as YAML flow text: nested lists one row per line, mappings {key: value}.
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return /^[A-Za-z_][\w.-]*$/.test(v) && !YAML_WORDS.test(v) ? v : JSON.stringify(v);
  if (typeof v !== "object") return String(v);
  if (Array.isArray(v)) {
    if (v.length && v.every((r) => Array.isArray(r) && r.every((x) => typeof x !== "object"))) {
      return "[" + v.map((r) => flowYaml(r)).join(",\n" + indent + " ") + "]";
    }
    return "[" + v.map((x) => flowYaml(x, indent + " ")).join(", ") + "]";
  }
  return "{" + Object.entries(v).map(([k, x]) => `${/^[A-Za-z_]\w*$/.test(k) ? k : JSON.stringify(k)}: ${flowYaml(x, indent + " ")}`).join(", ") + "}";
}

function fieldText(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v.replace(/\n$/, "");
  return flowYaml(v);
}

function scalarYaml(t) {
  // One line typed into a text field, as YAML: kept as written unless YAML would read it differently.
  if (/^[[{]/.test(t)) return t;
  if (/: |\s#|:$|^[-?:,\]}#&*!|>'"%@`]/.test(t) || YAML_WORDS.test(t)) return "'" + t.replace(/'/g, "''") + "'";
  return t;
}

function nfKind() { return KINDS.find((k) => k.name === $("nf-kind").value); }

function nfValue(f) {
  // What the reader has set for field f ("" when left empty; a choice left empty reads as its default).
  const node = $("nf-f-" + f.name);
  return node ? node.value.replace(/\s+$/, "") : "";
}

function nfApplies(kind) {
  // Which fields apply (their `when` met, by the value chosen or the default) and which are replaced by
  // another field that is filled in (`instead_of`): name -> "shown" | "hidden" | the replacing field.
  const state = {};
  for (const f of kind.fields) {
    let shown = true;
    if (f.when) {
      const ctl = kind.fields.find((g) => g.name === f.when.field);
      const chosen = nfValue(ctl) || (ctl && ctl.default !== null && ctl.default !== undefined ? String(ctl.default) : "");
      shown = f.when.is.includes(chosen.trim().toLowerCase());
    }
    state[f.name] = shown ? "shown" : "hidden";
  }
  for (const f of kind.fields) {
    if (state[f.name] !== "shown" || !f.instead_of || nfValue(f).trim() === "") continue;
    for (const other of f.instead_of) if (state[other] === "shown") state[other] = f.name;
  }
  return state;
}

function nfLine(f, t) {
  // One field as YAML lines, typed by the field's type: numbers as numbers, choices as words, matrices as text.
  if (f.choices || f.type === "boolean") return [`${f.name}: ${flowYaml(t.trim())}`];
  if (!t.includes("\n")) {
    const one = t.trim();
    return [`${f.name}: ${NUMERIC.has(f.type) && NUMBER_RE.test(one) ? one : scalarYaml(one)}`];
  }
  const rows = t.split("\n");
  if (/^\s*[[{]/.test(t)) return [`${f.name}: ${rows[0].trim()}`, ...rows.slice(1).map((l) => "  " + l)];
  return [`${f.name}: |`, ...rows.map((l) => "  " + l)];
}

function nfYaml() {
  const kind = nfKind();
  if (!kind) return "";
  const state = nfApplies(kind);
  const lines = [`id: ${scalarYaml($("nf-id").value.trim() || kind.example.id || kind.name + "-1")}`, `kind: ${kind.name}`];
  for (const f of kind.fields) {
    const t = nfValue(f);
    if (t.trim() === "" || state[f.name] !== "shown") continue;
    lines.push(...nfLine(f, t));
  }
  // A whole problem file, so the preview can be saved and run with `nnsteps solve` as it is.
  return "problems:\n" + lines.map((l, i) => (i ? "    " : "  - ") + l).join("\n") + "\n";
}

function nfControl(f, value) {
  // A select for a fixed set (choices, true/false), else a one-line box or, for matrices and lists, a text area.
  const id = "nf-f-" + f.name;
  const hasDefault = f.default !== null && f.default !== undefined;
  if (f.choices || f.type === "boolean") {
    const options = f.choices || ["true", "false"];
    const s = el("select", { id });
    if (!f.required) s.append(el("option", { value: "", text: hasDefault ? `default: ${fieldText(f.default)}` : "(not set)" }));
    for (const c of options) s.append(el("option", { value: c, text: c }));
    s.value = value === null || value === undefined ? "" : String(value);
    return s;
  }
  const text = fieldText(value);
  const big = text.includes("\n") || (value !== null && typeof value === "object") || BLOCKY.test(f.type || "") ||
    (typeof value === "string" && value.length > 30);
  const input = big
    ? el("textarea", { id, rows: String(Math.min(8, Math.max(2, text.split("\n").length + (text.length > 40 ? 1 : 0)))), spellcheck: "false" })
    : el("input", { id, class: "wide", spellcheck: "false" });
  input.value = text;
  if (hasDefault) input.placeholder = `default ${fieldText(f.default)}`;
  else if (!f.required) input.placeholder = "optional";
  return input;
}

function nfRender() {
  const kind = nfKind();
  const host = $("nf-fields");
  host.replaceChildren();
  if (!kind) return;
  $("nf-summary").textContent = kind.summary;
  host.append(el("label", {}, "id ", el("input", { id: "nf-id", value: kind.example.id || kind.name + "-1", class: "wide" })));
  for (const f of kind.fields) {
    const input = nfControl(f, kind.example[f.name]);
    const name = el("span", { class: "field-name", text: f.name + (f.required ? " *" : "") });
    const note = el("span", { class: "replaced", id: "nf-r-" + f.name, hidden: "" });
    host.append(el("label", { class: "field", "data-field": f.name }, name, " ", el("span", { class: "hint", text: f.help || "" }), input, note));
  }
  nfShow();
}

function nfShow() {
  // Show only the fields that apply; a replaced field is greyed, says by what, and is not sent.
  const kind = nfKind();
  if (!kind) return;
  const state = nfApplies(kind);
  for (const f of kind.fields) {
    const label = document.querySelector(`#nf-fields label[data-field="${CSS.escape(f.name)}"]`);
    if (!label) continue;
    label.hidden = state[f.name] === "hidden";
    const by = state[f.name] !== "shown" && state[f.name] !== "hidden" ? state[f.name] : null;
    label.classList.toggle("off", by !== null);
    $("nf-f-" + f.name).disabled = by !== null;
    const note = $("nf-r-" + f.name);
    note.hidden = by === null;
    note.textContent = by ? `not sent: ${by} is given instead` : "";
  }
  $("nf-yaml").textContent = nfYaml();
}

function nfChoose(target) {
  // A choice whose record gives an example for it (lstm's weights, a hinge loss's ±1 target, onecycle's
  // max_lr) fills those fields in, so the form solves after the choice as it does on opening; null clears.
  const kind = nfKind();
  if (!kind || target.tagName !== "SELECT" || !target.id.startsWith("nf-f-")) return;
  const byChoice = (kind.choice_examples || {})[target.id.slice(5)] || {};
  const fill = byChoice[target.value || ""];
  if (!fill) return;
  for (const [name, value] of Object.entries(fill)) {
    const node = $("nf-f-" + name);
    if (node) node.value = value === null ? "" : fieldText(value);
  }
}

function nfSolve() { pbSolve(nfYaml()); }

async function initNewProblem() {
  try { KINDS = await (await fetch("/api/kinds")).json(); } catch (_) { KINDS = []; }
  for (const k of KINDS) $("nf-kind").append(el("option", { value: k.name, text: k.name }));
  $("nf-kind").addEventListener("change", () => { nfRender(); pbChanged(nfSolve); });
  const edited = (e) => { if (e.target.id !== "nf-kind") { nfChoose(e.target); nfShow(); pbChanged(nfSolve); } };
  $("pb-new").addEventListener("input", edited);  // selects fire input too
  $("pb-new").addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(pbDebounce); nfSolve(); });
  nfRender();
}
