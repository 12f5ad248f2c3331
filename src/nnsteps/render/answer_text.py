"""An answer view (:mod:`nnsteps.render.answer`) as terminal text and as Markdown.

Text has no math: numbers are decimals or short fractions, matrices bracketed rows, tables aligned
columns with the asked cells starred (and bold when the terminal shows colour).
"""

from __future__ import annotations

from typing import Any

from nnsteps.escape import markdown_math, markdown_text
from nnsteps.numfmt import expression_text, number_latex, number_text
from nnsteps.render.answer import (
    Expression,
    Fields,
    Formula,
    Matrix,
    Number,
    Shape,
    Table,
    View,
)

BOLD, RESET = "\033[1m", "\033[0m"


def shape_text(dims: list[Any]) -> str:
    """``[64, 64, 32]`` as ``64 × 64 × 32``.

    >>> shape_text([64, 64, 32])
    '64 × 64 × 32'
    """
    return " × ".join(str(d) for d in dims)


def is_symbol(label: str) -> bool:
    """Symbols (``w_in``, ``Y``, ``δ``) take ``=``; words (``Loss``, ``Layer 1``) take ``:``."""
    return " " not in label and ("_" in label or len(label) <= 2 or not label[0].isupper())


def label_latex(label: str) -> str | None:
    """A symbol label as LaTeX (``w_in`` → ``w_{\\text{in}}``), or None for a label in words.

    >>> label_latex("w_in"), label_latex("α_1j"), label_latex("Loss"), label_latex("m̂")
    ('w_{\\\\text{in}}', 'α_{1j}', None, '\\\\hat{m}')
    """
    if not is_symbol(label):
        return None
    if len(label) == 2 and label[1] == "\u0302":  # m̂: the hat over an italic m, as the steps write it
        return rf"\hat{{{label[0]}}}"
    if not label.replace("_", "").replace("'", "").isalnum():
        return None  # words, or a name from a file that is not a plain symbol: shown as text
    base, _, sub = label.partition("_")
    if not sub:
        return base
    return f"{base}_{{" + (rf"\text{{{sub}}}" if len(sub) > 1 and sub.isalpha() and sub.islower() else sub) + "}"


def view_text(view: View, *, colour: bool = False) -> list[str]:
    """A view as text lines (no trailing newline).

    >>> view_text(Fields([("Loss", Number(1)), ("w_in", Number(2)), ("Y", Matrix([[1, 2], [3, 4]]))]))
    ['Loss: 1', 'w_in = 2', 'Y =', '  [ 1  2 ]', '  [ 3  4 ]']
    """
    from nnsteps.render.latex_text import latex_to_text
    from nnsteps.render.values import text_matrix

    if isinstance(view, Number):
        return [number_text(view.value)]
    if isinstance(view, Shape):
        return [shape_text(view.dims)]
    if isinstance(view, Matrix):
        return text_matrix(view.value, stack=view.stack).split("\n")
    if isinstance(view, Formula):
        return [latex_to_text(view.latex)]
    if isinstance(view, Expression):
        return [expression_text(view.text)]
    if isinstance(view, Table):
        return table_text(view, colour=colour)
    out: list[str] = []
    for label, item in view.items:
        lines = view_text(item, colour=colour)
        sep = " =" if is_symbol(label) else ":"
        if isinstance(item, Formula) and len(lines) == 1 and lines[0].startswith(label + " "):
            out.append(lines[0])  # the formula names its symbol itself: "q_1 = W_Q x_1"
        elif len(lines) == 1 and not isinstance(item, (Fields, Table)):
            out.append(f"{label}{sep} {lines[0]}")
        else:
            out.append(label + (sep if not isinstance(item, (Fields, Table)) else ""))
            out += ["  " + line for line in lines]
    return out


def table_text(t: Table, *, colour: bool = False) -> list[str]:
    """Aligned columns; asked cells as ``*value*`` (bold with colour).

    >>> print("\\n".join(table_text(Table(["Layer", "Params"], [["conv1", "20"]], {(0, 1)}))))
    Layer  Params
    -------------
    conv1    *20*
    """
    rows = [[f"*{c}*" if (i, j) in t.marked else c for j, c in enumerate(r)] for i, r in enumerate(t.rows)]
    every = [t.columns, *rows, *([t.total] if t.total else [])]
    widths = [max(len(r[j]) for r in every) for j in range(len(t.columns))]

    def line(cells: list[str], i: int | None = None) -> str:
        out = []
        for j, (c, w) in enumerate(zip(cells, widths)):
            text = c.ljust(w) if j < 3 else c.rjust(w)
            if colour and i is not None and (i, j) in t.marked:
                text = BOLD + text + RESET
            out.append(text)
        return "  ".join(out).rstrip()

    rule = "-" * len(line(t.columns))
    lines = [line(t.columns), rule, *(line(r, i) for i, r in enumerate(rows))]
    if t.total:
        lines += [rule, line(t.total)]
    if t.note:
        lines.append(t.note)
    return lines


def answer_text(view: View | None, *, colour: bool = False, brief: bool = False) -> str | None:
    """The answer block that opens a problem's text output (``brief``: the lines alone, indented).

    >>> print(answer_text(Number(7)))
    Answer: 7
    >>> print(answer_text(Matrix([[7, 8], [8, 8]])))
    Answer:
      [ 7  8 ]
      [ 8  8 ]
    """
    if view is None:
        return None
    if brief:
        return "\n".join("  " + line for line in view_text(view, colour=colour))
    head = (BOLD + "Answer:" + RESET) if colour else "Answer:"
    lines = view_text(view, colour=colour)
    if len(lines) == 1 and not isinstance(view, (Fields, Table)):
        return f"{head} {lines[0]}"
    return "\n".join([head, *("  " + line for line in lines)])


def view_markdown(view: View, depth: int = 0) -> list[str]:
    """A view as Markdown lines: math as ``$…$``, tables as Markdown tables, fields as bullets.

    >>> view_markdown(Fields([("Loss", Number(1)), ("Y", Matrix([[1, 2]]))]))
    ['- Loss: $1$', '- $Y = \\\\begin{bmatrix} 1 & 2 \\\\end{bmatrix}$']
    """
    from nnsteps.render.values import latex_matrix

    if isinstance(view, Number):
        return [f"${number_latex(view.value)}$"]
    if isinstance(view, Shape):
        return ["$" + r" \times ".join(str(d) for d in view.dims) + "$"]
    if isinstance(view, Matrix):
        return [f"${markdown_math(latex_matrix(view.value, stack=view.stack))}$"]
    if isinstance(view, Formula):
        return [f"${markdown_math(view.latex)}$"]
    if isinstance(view, Expression):
        return [f"`{expression_text(view.text)}`"]
    if isinstance(view, Table):
        return table_markdown(view)
    out: list[str] = []
    pad = "  " * depth
    for label, item in view.items:
        if isinstance(item, Fields):
            out.append(f"{pad}- {markdown_text(label)}")
            out += view_markdown(item, depth + 1)
        elif isinstance(item, Table):
            out += ["", *table_markdown(item), ""]
        else:
            value = view_markdown(item)[0]
            symbol = label_latex(label)
            if symbol is not None and value.startswith("$") and value.endswith("$") and not value.startswith("$$"):
                out.append(f"{pad}- ${symbol} = {value[1:]}")
            else:
                out.append(f"{pad}- {markdown_text(label)}: {value}")
    return out


def table_markdown(t: Table) -> list[str]:
    """A Markdown table, asked cells in bold.

    >>> table_markdown(Table(["Layer", "Params"], [["conv1", "20"]], {(0, 1)}))
    ['| Layer | Params |', '|---|---|', '| conv1 | **20** |']
    """
    def cell(c: str) -> str:
        return markdown_text(c).replace("|", "\\|")

    rows = [[f"**{cell(c)}**" if (i, j) in t.marked else cell(c) for j, c in enumerate(r)]
            for i, r in enumerate(t.rows)]
    if t.total:
        rows.append([f"**{cell(c)}**" if c else "" for c in t.total])
    out = ["| " + " | ".join(cell(c) for c in t.columns) + " |", "|" + "|".join("---" if j < 3 else "---:" for j in range(len(t.columns))) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    if t.note:
        out += ["", markdown_text(t.note)]
    return out


def answer_markdown(view: View | None) -> str | None:
    """The answer block that opens a problem's Markdown.

    >>> answer_markdown(Number(7))
    '**Answer:** $7$'
    """
    if view is None:
        return None
    lines = view_markdown(view)
    if len(lines) == 1 and not isinstance(view, (Fields, Table)):
        return f"**Answer:** {lines[0]}"
    return "\n".join(["**Answer:**", "", *lines])
