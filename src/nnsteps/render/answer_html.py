"""An answer view (:mod:`nnsteps.render.answer`) as HTML: MathML for math, ``<table>`` for tables,
``<dl>`` for named results, ``<details>`` for a long exact form behind its decimal.

The fragment is self-contained apart from :data:`ANSWER_CSS`; wide content scrolls inside its own box,
so no answer is wider than the page.
"""

from __future__ import annotations

import html
from typing import Any

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
    expression_text,
)
from nnsteps.render.values import is_long_exact, number_latex
from nnsteps.work import Worked

ANSWER_CSS = """
.answer { background: #eef4ff; border-left: 4px solid var(--accent, #2f6fdf); padding: .4rem .8rem;
          margin: .5rem 0 1rem; max-width: 100%; box-sizing: border-box; overflow-x: auto; }
.answer-head { font-weight: 700; margin-right: .4rem; }
.answer > .answer-head { display: inline-block; }
.answer dl.fields { margin: .2rem 0; }
.answer dl.fields > div { display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; margin: .3rem 0; }
.answer dl.fields dt { font-weight: 600; min-width: 6rem; }
.answer dl.fields dd { margin: 0; min-width: 0; max-width: 100%; overflow-x: auto; overflow-y: hidden; padding: .15em 0; }
.answer dl.fields dl.fields { border-left: 2px solid var(--line, #d9dee7); padding-left: .6rem; }
.answer .scroll { max-width: 100%; overflow-x: auto; overflow-y: hidden; padding: .15em 0; }
.answer table.layers { border-collapse: collapse; font-size: .9rem; font-variant-numeric: tabular-nums; }
.answer table.layers th, .answer table.layers td { padding: .15rem .5rem; border-bottom: 1px solid var(--line, #d9dee7);
  text-align: right; white-space: nowrap; }
.answer table.layers th:nth-child(-n+3), .answer table.layers td:nth-child(-n+3) { text-align: left; }
.answer table.layers td.asked { background: #ffe58a; font-weight: 700; }
.answer table.layers tfoot td { font-weight: 700; border-bottom: none; }
.answer .table-note { font-size: .85rem; color: var(--muted, #5b6575); margin: .2rem 0; }
.answer code.expr { white-space: pre-wrap; overflow-wrap: anywhere; }
.answer details { display: inline-block; margin-left: .5rem; font-size: .9rem; }
.answer details code { white-space: pre-wrap; overflow-wrap: anywhere; }
@media print { .answer, .answer .scroll, .answer dl.fields dd { overflow: visible; }
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
        out += (f'<details><summary>exact form</summary><code>{html.escape(expression_text(str(v.exact)))}'
                "</code></details>")
    return out


def view_html(view: View) -> str:
    """Any view as an HTML fragment.

    >>> view_html(Shape([4, 4, 2])).count("<mn>")
    3
    """
    from nnsteps.render.values import latex_matrix

    if isinstance(view, Number):
        return number_html(view.value)
    if isinstance(view, Shape):
        return _math(r" \times ".join(str(d) for d in view.dims))
    if isinstance(view, Matrix):
        return f'<div class="scroll">{_math(latex_matrix(view.value))}</div>'
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
    return '<dl class="fields">' + "".join(items) + "</dl>"


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
    """A ``<table class="layers">``; asked cells carry ``class="asked"``.

    >>> out = table_html(Table(["Layer", "Params"], [["conv1", "20"]], {(0, 1)}))
    >>> '<td class="asked">20</td>' in out and out.startswith('<div class="scroll"><table')
    True
    """
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in t.columns)
    body = []
    for i, row in enumerate(t.rows):
        cells = "".join(f'<td class="asked">{html.escape(c)}</td>' if (i, j) in t.marked else f"<td>{html.escape(c)}</td>"
                        for j, c in enumerate(row))
        cls = ' class="has-asked"' if any(m[0] == i for m in t.marked) else ""
        body.append(f"<tr{cls}>{cells}</tr>")
    foot = ("<tfoot><tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in t.total) + "</tr></tfoot>") if t.total else ""
    note = f'<p class="table-note">{html.escape(t.note)}</p>' if t.note else ""
    return (f'<div class="scroll"><table class="layers"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
            f"{foot}</table></div>{note}")


def answer_box(worked: Worked, *, brief: bool = False) -> str | None:
    """The answer box that opens a problem: ``<div class="answer">``, or None when there is no answer.

    >>> answer_box(Worked("x", value=[[7, 8], [8, 8]])).count("<mtr>")
    2
    """
    view = answer_view(worked, brief=brief)
    if view is None:
        return None
    inline = not isinstance(view, (Fields, Table, Matrix))
    body = view_html(view)
    sep = " " if inline else ""
    return f'<div class="answer"><span class="answer-head">Answer</span>{sep}{body}</div>'
