"""An answer view (:mod:`nnsteps.render.answer`) as HTML: MathML for math, ``<table>`` for tables,
``<dl class="named">`` for named results, ``<details>`` for a long exact form behind its decimal.

The one HTML renderer of answers: the standalone report, the Jupyter display, the handouts and the web
app (its pages and its Check answers tab) all show answers through :func:`answer_box`/:func:`value_html`.
The fragment is self-contained apart from :data:`ANSWER_CSS`; wide content scrolls inside its own box,
so no answer is wider than the page.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from nnsteps.numfmt import expression_text, is_long_exact, number_latex
from nnsteps.render.answer import (
    Expression,
    Fields,
    Formula,
    Matrix,
    Number,
    Shape,
    Table,
    View,
    answer_view,
    value_view,
)
from nnsteps.work import Stack, Worked

ANSWER_CSS = """
.answer { background: #eef4ff; border-left: 4px solid var(--accent, #2f6fdf); padding: .4rem .8rem;
          margin: .5rem 0 1rem; max-width: 100%; box-sizing: border-box; overflow-x: auto; }
.answer-head { font-weight: 700; margin-right: .4rem; }
.answer > .answer-head { display: inline-block; }
.answer dl.named { margin: .2rem 0; }
.answer dl.named > div { display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; margin: .3rem 0; }
.answer dl.named dt { font-weight: 600; min-width: 6rem; }
.answer dl.named dd { margin: 0; min-width: 0; max-width: 100%; overflow-x: auto; overflow-y: hidden; padding: .15em 0; }
.answer dl.named dl.named { border-left: 2px solid var(--line, #d9dee7); padding-left: .6rem; }
.answer .scroll, .answer .table-wrap { max-width: 100%; overflow-x: auto; overflow-y: hidden; padding: .15em 0; }
.answer table.layers { border-collapse: collapse; font-size: .9rem; font-variant-numeric: tabular-nums; background: #fff; }
.answer table.layers th, .answer table.layers td { padding: .15rem .5rem; border-bottom: 1px solid var(--line, #d9dee7);
  text-align: right; white-space: nowrap; }
.answer table.layers th:nth-child(-n+3), .answer table.layers td:nth-child(-n+3) { text-align: left; }
.answer table.layers td.asked { background: #ffe58a; font-weight: 700; }
.answer table.layers tr.asked-row td:first-child { font-weight: 700; }
.answer table.layers tfoot td { font-weight: 700; border-bottom: none; }
.answer .table-note { font-size: .85rem; color: var(--muted, #5b6575); margin: .2rem 0; }
.answer code.expr { white-space: pre-wrap; overflow-wrap: anywhere; }
.answer details { display: inline-block; margin-left: .5rem; font-size: .9rem; vertical-align: middle; }
.answer details[open] { display: block; margin: .2rem 0 0; }
.answer details code { white-space: pre-wrap; overflow-wrap: anywhere; }
@media print { .answer, .answer .scroll, .answer .table-wrap, .answer dl.named dd { overflow: visible; }
  .answer { padding: .3rem .4rem; }
  .answer table.layers { font-size: .68rem; }
  .answer table.layers th, .answer table.layers td { padding: .1rem .25rem; white-space: normal; }
  .answer details > *:not(summary) { display: block; } }
"""
"""Styles the answer fragment needs (the report includes them; a page may too)."""


def _math(latex: str) -> str:
    from nnsteps.render.mathml import latex_to_mathml

    return latex_to_mathml(latex)


def number_html(v: Any) -> str:
    """A number as MathML; a long exact form sits behind a disclosure after its decimal.

    >>> import sympy
    >>> from nnsteps.numbers import Irrational
    >>> "<details>" in number_html(Irrational(sympy.exp(sympy.sqrt(2)) / (1 + sympy.exp(2 * sympy.sqrt(3)))))
    True
    >>> "<details>" in number_html(3)
    False
    """
    out = _math(number_latex(v))
    if is_long_exact(v):
        out += exact_disclosure(expression_text(v.exact_text()))
    return out


def exact_disclosure(text: str) -> str:
    """An exact form behind a ``<details>`` (it follows the decimal that stands for it).

    >>> exact_disclosure("sqrt(2)/2")
    '<details><summary>exact form</summary><code>sqrt(2)/2</code></details>'
    """
    return f"<details><summary>exact form</summary><code>{html.escape(text)}</code></details>"


def matrix_html(value: Any, stack: Stack | None = None) -> str:
    """A vector or matrix as MathML; entries that left the rationals show their decimals, with their exact
    forms behind a disclosure (one line per row) when each is short enough to print without SymPy (tanh(q),
    σ(q), e^q: building deeper forms would cost the report seconds; ``answer_exact`` has them all).

    >>> from fractions import Fraction
    >>> from nnsteps.irrational import lazy_apply
    >>> "<details>" in matrix_html([[1, 2]]), "tanh(1/2)" in matrix_html([[lazy_apply("tanh", Fraction(1, 2)), 0]])
    (False, True)
    """
    from nnsteps.irrational import Irrational
    from nnsteps.numfmt import to_text
    from nnsteps.render.values import latex_matrix

    out = f'<div class="scroll">{_math(latex_matrix(value, stack=stack))}</div>'
    rows = _rows(value)
    if rows is None or not any(isinstance(v, Irrational) for row in rows for v in row):
        return out
    exact = [[v.short_exact() if isinstance(v, Irrational) else to_text(v) for v in row] for row in rows]
    if all(e is not None for row in exact for e in row):
        out += exact_disclosure("\n".join(", ".join(str(e) for e in row) for row in exact))
    return out


def _rows(value: Any) -> list[list[Any]] | None:
    """A vector's or a small matrix's entries as rows; None for anything bigger or deeper (shown elided)."""
    from nnsteps.render.values import EDGE

    a = np.asarray(value, dtype=object)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2 or max(a.shape) > EDGE:
        return None
    return [list(r) for r in a]


def value_html(value: Any) -> str:
    """Any answer value (a number, an array, named values) as the answer box shows it.

    >>> value_html({"w_in": -0.5}).startswith('<dl class="named">')
    True
    """
    return view_html(value_view(value))


def view_html(view: View) -> str:
    """Any view as an HTML fragment.

    >>> view_html(Shape([4, 4, 2])).count("<mn>")
    3
    """
    if isinstance(view, Number):
        return number_html(view.value)
    if isinstance(view, Shape):
        return _math(r" \times ".join(str(d) for d in view.dims))
    if isinstance(view, Matrix):
        return matrix_html(view.value, view.stack)
    if isinstance(view, Formula):
        return f'<div class="scroll">{_math(view.latex)}</div>'
    if isinstance(view, Expression):
        latex = expression_latex(view.text)
        if latex is not None:
            return f'<div class="scroll">{_math(latex)}</div>'
        return f'<code class="expr">{html.escape(expression_text(view.text))}</code>'
    if isinstance(view, Table):
        return table_html(view)
    items = []
    for label, item in view.items:
        items.append(f"<div><dt>{label_html(label)}</dt><dd>{view_html(item)}</dd></div>")
    return '<dl class="named">' + "".join(items) + "</dl>"


def label_html(label: str) -> str:
    """A field's label: a symbol (``w_in``, ``Q``, ``α_1j``) typeset as math, words as text.

    >>> label_html("Loss"), "<msub>" in label_html("w_in")
    ('Loss', True)
    """
    from nnsteps.render.answer_text import label_latex

    latex = label_latex(label)
    return html.escape(label) if latex is None else _math(latex)


def expression_latex(text: str) -> str | None:
    """A closed form nnsteps wrote (SymPy's text) as LaTeX, read back by the safe expression reader (never
    evaluated as code); ``None`` when the reader cannot read it (the page then shows the text).

    >>> print(expression_latex("w_hy*(h_0*w_hh**3 + x_3)"))
    w_{\\text{hy}} \\left(h_{0} w_{\\text{hh}}^{3} + x_{3}\\right)
    """
    from nnsteps.errors import NnstepsError
    from nnsteps.expr import parse
    from nnsteps.render.answer_text import label_latex

    try:
        expr = parse(text).to_sympy()
    except NnstepsError:
        return None
    import sympy

    names = {s: label_latex(s.name) or s.name for s in expr.free_symbols}
    return str(sympy.latex(expr, symbol_names=names))


def table_html(t: Table) -> str:
    """A ``<table class="layers">``; asked cells carry ``class='asked'``, their rows ``class='asked-row'``.

    >>> out = table_html(Table(["Layer", "Params"], [["conv1", "20"]], {(0, 1)}))
    >>> "<td class='asked'>20</td>" in out and out.startswith('<div class="table-wrap"><table')
    True
    """
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in t.columns)
    body = []
    for i, row in enumerate(t.rows):
        cells = "".join(_td(c, (i, j) in t.marked) for j, c in enumerate(row))
        body.append(("<tr class='asked-row'>" if any(m[0] == i for m in t.marked) else "<tr>") + cells + "</tr>")
    foot = ("<tfoot><tr>" + "".join(_td(c, j in t.total_marked) for j, c in enumerate(t.total))
            + "</tr></tfoot>") if t.total else ""
    note = f'<p class="table-note">{html.escape(t.note)}</p>' if t.note else ""
    return (f'<div class="table-wrap"><table class="layers"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}'
            f"</tbody>{foot}</table></div>{note}")


def _td(text: str, asked: bool) -> str:
    return ("<td class='asked'>" if asked else "<td>") + html.escape(text) + "</td>"


def answer_box(worked: Worked, *, brief: bool = False, every_column: bool = False) -> str | None:
    """The answer box that opens a problem: ``<div class="answer">``, or None when there is no answer
    (``every_column``: a network's layer table keeps a column of zeros, as ``nnsteps summary`` prints it).

    >>> answer_box(Worked("x", value=[[7, 8], [8, 8]])).count("<mtr>")
    2
    """
    view = answer_view(worked, brief=brief, every_column=every_column)
    if view is None:
        return None
    inline = not isinstance(view, (Fields, Table, Matrix))
    body = view_html(view)
    sep = " " if inline else ""
    return f'<div class="answer"><span class="answer-head">Answer</span>{sep}{body}</div>'
