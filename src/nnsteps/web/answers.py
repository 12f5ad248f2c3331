"""An answer as the web page shows it, from the solution's JSON (``answer`` beside ``answer_exact``).

Tables as tables (a network's layer table with the asked cells marked), vectors and matrices as
matrices, named results (``grads``, ``updated``, ``symbolic``) as labelled lists, and long exact
forms as their decimal with the exact form behind a disclosure. Every number is the engine's: this
module only chooses how to show it, and it never puts a raw data structure on the page.
"""

from __future__ import annotations

import html
import re
from fractions import Fraction
from typing import Any

from nnsteps.render.mathml import latex_to_mathml
from nnsteps.render.values import EDGE, KEEP_HEAD, KEEP_TAIL

SHORT = 12
"""Exact forms up to this many characters show as they are; longer ones as a decimal."""

_NETWORK_COLUMNS = ["Layer", "Type", "Output", "Neurons", "Weights", "Biases", "Other", "Params", "MACs", "RF",
                    "Jump", "Memory"]
"""The columns of ``nnsteps summary``'s table, in its order."""


def answer_html(solution: dict[str, Any]) -> str:
    """The answer block of one solved problem (``worked_to_json``'s object) as HTML with MathML.

    >>> "<mtable" in answer_html({"kind": "relu", "answer": [[1, 0]], "answer_exact": [["1", "0"]]})
    True
    >>> "<table" in answer_html({"kind": "network", "answer": {"layers": [], "total_params": 0,
    ...     "output_shape": [1], "total_macs": 0}, "answer_exact": {}})
    True
    """
    answer, exact = solution.get("answer"), solution.get("answer_exact")
    if isinstance(answer, dict) and isinstance(answer.get("layers"), list):
        body = network_table_html(answer)
    else:
        body = value_html(answer, exact)
    return f'<div class="answer"><div class="answer-label">Answer</div>{body}</div>'


def value_html(value: Any, exact: Any = None) -> str:
    """One value: a number, a vector or matrix, a list of them, or named values (recursively).

    >>> value_html({"w_in": -0.5}, {"w_in": "-1/2"}).startswith('<dl class="named">')
    True
    """
    if isinstance(value, dict):
        exact = exact if isinstance(exact, dict) else {}
        rows = [f"<dt>{_name(k)}</dt><dd>{value_html(v, exact.get(k))}</dd>" for k, v in value.items()]
        return '<dl class="named">' + "".join(rows) + "</dl>"
    if isinstance(value, list):
        exact = exact if isinstance(exact, list) and len(exact) == len(value) else [None] * len(value)
        depth = _depth(value)
        if value and all(isinstance(v, dict) for v in value):
            items = [f"<li>{value_html(v, e)}</li>" for v, e in zip(value, exact)]
            return '<ol class="named-list">' + "".join(items) + "</ol>"
        if depth in (1, 2) and _numeric(value):
            return _matrix_html(value, exact)
        if depth >= 3 and _numeric(value):
            parts = [f'<div class="block"><span class="muted">[{i}]</span> {value_html(v, e)}</div>'
                     for i, (v, e) in enumerate(zip(value, exact))]
            return "".join(parts)
        items = [f"<li>{value_html(v, e)}</li>" for v, e in zip(value, exact)]
        return '<ol class="named-list">' + "".join(items) + "</ol>"
    return _scalar_html(value, exact)


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, list) and value:
        depth, value = depth + 1, value[0]
    return depth


def _numeric(value: Any) -> bool:
    if isinstance(value, list):
        return all(_numeric(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _name(key: str) -> str:
    """A result's name as a reader writes it: ``w_in`` as w with subscript in, others as text."""
    m = re.fullmatch(r"([A-Za-z])_?([A-Za-z0-9]{1,4})", key)
    if m and "_" in key:
        return latex_to_mathml(rf"{m.group(1)}_{{\text{{{m.group(2)}}}}}")
    if len(key) <= 2 and key.isalnum():
        return latex_to_mathml(key)
    return html.escape(key.replace("_", " "))


def _cell_latex(value: Any, exact: Any, digits: int = 6) -> tuple[str, bool]:
    """A number as LaTeX, and whether that lost exactness (a decimal standing for a longer form)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return (r"\text{" + _tex_escape(str(value)) + "}", False)
    if isinstance(value, int):
        return (str(value), False)
    text = str(exact) if exact is not None else repr(value)
    try:
        frac = Fraction(text)
    except (ValueError, ZeroDivisionError):
        return (_decimal(value, digits), True)
    shown = repr(value)
    if "e" not in shown and len(shown) <= SHORT + 2 and Fraction(shown) == frac:
        return (shown, False)
    if len(text) <= SHORT:
        sign = "-" if frac < 0 else ""
        return (rf"{sign}\frac{{{abs(frac.numerator)}}}{{{frac.denominator}}}", False)
    return (_decimal(value, digits), True)


def _decimal(value: float, digits: int) -> str:
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, power = text.split("e")
        return rf"{mantissa} \times 10^{{{int(power)}}}"
    return text


def _tex_escape(text: str) -> str:
    return re.sub(r"([\\{}_^#$%&~])", r"\\\1", text)


def _scalar_html(value: Any, exact: Any) -> str:
    if isinstance(value, str):
        return _string_html(value)
    if value is None:
        return '<span class="muted">—</span>'
    latex, approx = _cell_latex(value, exact, digits=10)  # a lone number has room for more digits
    shown = latex_to_mathml(("\\approx " if approx else "") + latex)
    return shown + (_exact_disclosure(exact) if approx else "")


def _string_html(text: str) -> str:
    """LaTeX the engine wrote (symbolic attention) is typeset; a SymPy form is shown as code."""
    if "**" in text or re.search(r"\w\*\w|\)\*|\*\(", text):
        return f'<code class="exact">{html.escape(text)}</code>'
    if "\\" in text or "_" in text or "=" in text:
        return latex_to_mathml(text)
    return html.escape(text)


def _exact_disclosure(exact: Any) -> str:
    if exact is None:
        return ""
    if isinstance(exact, list):
        body = "<br>".join(html.escape(", ".join(map(str, row)) if isinstance(row, list) else str(row))
                           for row in exact)
    else:
        body = html.escape(str(exact))
    return f'<details class="exact"><summary>exact</summary><code class="exact">{body}</code></details>'


def _elide(n: int) -> list[int | None]:
    return list(range(n)) if n <= EDGE else [*range(KEEP_HEAD), None, *range(n - KEEP_TAIL, n)]


def _matrix_html(value: list[Any], exact: Any) -> str:
    """A vector or matrix as a bracketed MathML table (long axes elided as the text renderer does)."""
    rows = value if _depth(value) == 2 else [value]
    ex = exact if _depth(value) == 2 else [exact]
    ex = ex if isinstance(ex, list) and len(ex) == len(rows) else [None] * len(rows)
    approx = False
    lines = []
    for i in _elide(len(rows)):
        width = len(rows[0])
        cells = []
        for j in _elide(width):
            if i is None:
                cells.append(r"\ddots" if j is None else r"\vdots")
            elif j is None:
                cells.append(r"\cdots")
            else:
                row_ex = ex[i] if isinstance(ex[i], list) and len(ex[i]) == len(rows[i]) else [None] * len(rows[i])
                latex, lost = _cell_latex(rows[i][j], row_ex[j])
                approx = approx or lost
                cells.append(latex)
        lines.append(" & ".join(cells))
    latex = r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"
    disclosure = _exact_disclosure(ex if _depth(value) == 2 else exact) if approx else ""
    return latex_to_mathml(latex) + disclosure


def network_table_html(answer: dict[str, Any]) -> str:
    """A network's answer as the layer table ``nnsteps summary`` prints, the asked cells marked and
    listed above it.

    >>> out = network_table_html({"layers": [{"name": "Conv1", "type": "conv", "output_shape": [4, 4, 2],
    ...     "neurons": 32, "weights": 18, "biases": 2, "other": 0, "params": 20, "macs": 288,
    ...     "receptive_field": {"size": 3, "jump": 1, "start": 1}, "memory_bytes": 128}],
    ...     "total_params": 20, "output_shape": [4, 4, 2], "total_macs": 288, "asked": {"Conv1.neurons": 32}})
    >>> "class='asked'" in out and "4×4×2" in out and "128 B" in out
    True
    """
    asked = answer.get("asked") or {}
    marked: dict[str, set[str]] = {}
    for key in asked:
        layer, _, cell = str(key).rpartition(".")
        marked.setdefault(layer.lower() if layer else "", set()).add(cell)
    label = "FLOPs" if "flop" in str(answer.get("mac_convention", "")).lower() else "MACs"
    head = "".join(f"<th>{label if c == 'MACs' else c}</th>" for c in _NETWORK_COLUMNS)
    keys = ["name", "type", "output_shape", "neurons", "weights", "biases", "other", "params", "macs",
            "receptive_field", "jump", "memory_bytes"]
    body = []
    layers = [r for r in answer["layers"] if isinstance(r, dict)]
    for row in layers:
        mine = marked.get(str(row.get("name", "")).lower(), set())
        cells = []
        for key in keys:
            text = _network_cell(row, key)
            cls = " class='asked'" if key in mine else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        body.append(("<tr class='asked-row'>" if mine else "<tr>") + "".join(cells) + "</tr>")
    total = {
        "name": "Total", "type": "", "output_shape": _shape(answer.get("output_shape")),
        "neurons": _count(sum(r.get("neurons") or 0 for r in layers)),
        "weights": _count(sum(r.get("weights") or 0 for r in layers)),
        "biases": _count(sum(r.get("biases") or 0 for r in layers)),
        "other": _count(sum(r.get("other") or 0 for r in layers)),
        "params": _count(answer.get("total_params")), "macs": _count(answer.get("total_macs")),
        "receptive_field": "", "jump": "",
        "memory_bytes": _bytes(sum(r.get("memory_bytes") or 0 for r in layers)),
    }
    top = marked.get("", set())
    marked_total = {k for k, a in (("params", "total_params"), ("output_shape", "output_shape")) if a in top}
    foot = "".join(("<td class='asked'>" if k in marked_total else "<td>") + f"{html.escape(str(total[k]))}</td>"
                   for k in keys)
    listed = ""
    if asked:
        items = "".join(f"<li><code>{html.escape(str(k))}</code> = {html.escape(_asked_text(v))}</li>"
                        for k, v in asked.items())
        listed = f'<ul class="asked-list">{items}</ul>'
    return (listed + '<div class="table-wrap"><table class="layers"><thead><tr>' + head + "</tr></thead><tbody>"
            + "".join(body) + "</tbody><tfoot><tr>" + foot + "</tr></tfoot></table></div>")


def _network_cell(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if key == "output_shape":
        return _shape(value)
    if key in ("receptive_field", "jump"):
        rf = row.get("receptive_field")
        if not isinstance(rf, dict):
            return "—"
        part = rf.get("size" if key == "receptive_field" else "jump")
        return "×".join(map(str, part)) if isinstance(part, list) else str(part)
    if key == "memory_bytes":
        return _bytes(value) if isinstance(value, int) else ""
    if key in ("name", "type"):
        return str(value or "")
    return _count(value)


def _asked_text(value: Any) -> str:
    if isinstance(value, list):
        return _shape(value)
    return _count(value)


def _shape(dims: Any) -> str:
    return "×".join(map(str, dims)) if isinstance(dims, list) else str(dims or "")


def _count(n: Any) -> str:
    return f"{n:,}" if isinstance(n, int) and not isinstance(n, bool) else ("" if n is None else str(n))


def _bytes(n: int) -> str:
    # The summary table's memory column (float32 activations), written the way ``nnsteps summary`` does.
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"
