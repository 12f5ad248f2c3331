r"""Handouts as LaTeX source: ``student.tex`` (questions with boxes to answer in) and ``instructor.tex``
(questions, answers and worked solutions). Standard packages only (amsmath, amssymb, geometry, graphicx,
inputenc/fontenc), so any TeX installation compiles them with ``pdflatex``.

The worked steps are the LaTeX the ops wrote; a step wider than the page is scaled down to fit.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from nnsteps.export.items import Item, ProblemSet
from nnsteps.work import heading

NAME = "latex"
WRITES = "folder"
EXTENSION = ".tex"  # -o handout.tex: the student's handout.tex and the key handout-key.tex
DEFAULT = "handout"

UNICODE = {"×": r"\times", "−": "-", "·": r"\cdot", "→": r"\to", "…": r"\dots", "≤": r"\le", "≥": r"\ge",
           "≈": r"\approx", "√": r"\surd", "≠": r"\ne", "∑": r"\sum", "σ": r"\sigma", "∂": r"\partial"}
"""Characters the ops may write inside formulas, as math macros (pdflatex reads no Unicode in math)."""

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage[margin=1.8cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\setcounter{MaxMatrixCols}{64}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\sloppy
\newcommand{\room}{\dimexpr\linewidth-\leftskip\relax}
\newcommand{\fit}[1]{\resizebox{\ifdim\width>\room\room\else\width\fi}{!}{$\displaystyle #1$}}
\newcommand{\answerbox}{\framebox[3em]{\rule{0pt}{1.6em}}}
\newcommand{\fitbox}[1]{\resizebox{\ifdim\width>\room\room\else\width\fi}{!}{#1}}
\newcommand{\named}[2]{\sbox0{#1: }\sbox2{$\displaystyle #2$}%
  \ifdim\dimexpr\wd0+\wd2\relax>\room#1:\par\fit{#2}\else\usebox0\usebox2\fi\par}
\newcommand{\steprow}[2]{\named{\textbf{#1}}{#2}}
\makeatletter
\renewcommand\subsection{\@startsection{subsection}{2}{\z@}{-2ex plus -.5ex}{.6ex}{\normalfont\large\bfseries}}
\makeatother
"""


def build(problems: ProblemSet, options: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    r"""``student.tex`` and ``instructor.tex``.

    >>> from nnsteps.export.items import load
    >>> files, _ = build(load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}), {})
    >>> sorted(files), r"\fit{" in files["instructor.tex"], r"\answerbox" in files["student.tex"]
    (['instructor.tex', 'student.tex'], True, True)
    """
    return {"student.tex": document(problems, instructor=False),
            "instructor.tex": document(problems, instructor=True)}, []


def document(problems: ProblemSet, *, instructor: bool) -> str:
    """One complete LaTeX document."""
    title = text(key_title(problems.title, instructor))
    head = rf"\section*{{{title}}}"
    # the key in two columns: short lines of answers and steps, the reference set in a few pages
    out = [PREAMBLE, r"\begin{document}", rf"\twocolumn[{head}]\small\setlength{{\parskip}}{{2pt}}" if instructor else head,
           "" if instructor else r"Name: \rule{8cm}{0.4pt}",
           rf"% nnsteps problem file sha256 {problems.sha256}"]
    for item in problems.items:
        out.append(question(item))
        out.append(solution(item) if instructor else answer_space(item))
    out += [r"\end{document}", ""]
    return "\n".join(out)


def key_title(title: str | None, instructor: bool) -> str:
    """The handout's title; the key's says "(instructor)" once, not after a title that says it already.

    >>> key_title("Quiz", True), key_title("Quiz (instructor draft)", True), key_title(None, False)
    ('Quiz (instructor)', 'Quiz (instructor draft)', 'Problems')
    """
    title = title or "Problems"
    return title + (" (instructor)" if instructor and "instructor" not in title.lower() else "")


def text(value: str) -> str:
    """Plain text safe in LaTeX (:func:`nnsteps.escape.latex_text`; Unicode as LaTeX, lines joined).

    >>> print(text("50% of a_b & 3×3"))
    50\\% of a\\_b \\& 3{\\texttimes}3
    >>> print(text("q1\\n\\\\input{/etc/hostname}"))
    q1 \\textbackslash{}input\\{/etc/hostname\\}
    """
    from pylatexenc.latexencode import unicode_to_latex

    from nnsteps.escape import latex_text

    return re.sub("[^\x00-\x7f]", lambda m: unicode_to_latex(m.group()), latex_text(value))


def math(latex: str) -> str:
    """A formula the ops wrote, with the Unicode characters pdflatex cannot read in math mapped to macros;
    one that spells a command that acts (reads a file, writes, redefines: :data:`nnsteps.escape.ACTIVE`,
    from a token or name in a problem file) is placed as escaped text instead, never run by TeX.

    >>> print(math("3 × 3"))
    3 \\times{} 3
    >>> print(math(r"x = \\input{/etc/hostname}"))
    \\text{x = \\textbackslash{}input\\{/etc/hostname\\}}
    """
    from nnsteps.escape import active_latex

    if active_latex(latex):
        return r"\text{" + text(latex) + "}"

    def macro(m: re.Match[str]) -> str:
        return (UNICODE.get(m.group()) or r"\text{" + text(m.group()) + "}") + "{}"

    return re.sub("[^\x00-\x7f]", macro, latex)


def question(item: Item) -> str:
    """The question: id and title, then the kind's statement (prose, givens typeset, what is asked)."""
    from nnsteps.export.statement import statement

    st = statement(item)
    out = [rf"\subsection*{{{text(heading(item.id, item.title))}}}", rf"% nnsteps problem {text(item.id)} kind {text(item.kind)}",
           prose(st.intro) + r"\par"]
    row: list[Any] = []  # matrices side by side on one line, their labels before it

    def flush() -> None:
        if row:
            out.append("; ".join(prose(g.label) for g in row) + r":\par")
            out.append(r"\fit{" + r"\qquad ".join(math(g.latex) for g in row) + r"}\par")
            row.clear()

    for g in st.givens:
        if g.latex:
            row.append(g)
            continue
        flush()
        out.append(prose(g.label) + (":" if g.code else "") + r"\par")
        for line in g.code.splitlines():
            out.append(r"\hspace*{1em}\texttt{" + text(line) + r"}\par")
    flush()
    if st.asks:
        out.append("Find: " + "; ".join(prose(a) for a in st.asks) + r".\par")
    return "\n".join(out)


def prose(value: str) -> str:
    """Statement prose: text escaped, ``$math$`` kept as math.

    >>> print(prose("the 50% of $x_1$"))
    the 50\\% of $x_1$
    """
    from nnsteps.render.statement import pieces

    return "".join(f"${math(t)}$" if is_math else text(t) for is_math, t in pieces(value))


def answer_space(item: Item) -> str:
    """Boxes for every numeric cell (a grid per matrix), a line for every other answer cell."""
    from nnsteps.export.statement import blocks, spoken
    from nnsteps.render.answer import label

    out = [r"\paragraph{Your answer}"]
    for block in blocks(item):
        if block.header:
            head = " & ".join(["", *(text(label(h)) for h in block.header)])
            table = [" & ".join([text(n), *([r"\answerbox"] * len(block.header))]) for n in block.names or []]
            out.append(rf"{text(label(block.where))}:\par\fitbox{{\begin{{tabular}}{{l{'c' * len(block.header)}}}"
                       + head + r" \\ " + r" \\ ".join(table) + r"\end{tabular}}\par")
        elif block.grid:
            width = max(len(r) for r in block.rows)
            rows = r" \\ ".join(" & ".join([r"\answerbox"] * len(r)) for r in block.rows)
            out.append(rf"{text(spoken(block.where))}: \[\begin{{array}}{{{'c' * width}}}{rows}\end{{array}}\]")
        else:
            out.append(rf"{text(spoken(block.where))} $=$ \answerbox\par")
    for cell in item.symbolic():
        out.append(rf"\texttt{{{text(cell.where)}}}: \rule{{10cm}}{{0.4pt}}\par")
    return "\n".join(out)


def solution(item: Item) -> str:
    """The answer (matrices as matrices, a network as its table) and the worked steps condensed: each top-level
    step's formula with its numbers; the sub-steps are in the HTML key and ``nnsteps solve``."""
    from nnsteps.export.statement import key_worked
    from nnsteps.render.answer import answer_view

    view = answer_view(key_worked(item), brief=True)  # the key answers what the statement asks
    out = [r"\medskip\textbf{Answer.}\par", *(view_latex(view) if view is not None else [r"\texttt{(none)}"])]
    out += [r"\smallskip\textbf{Worked solution} (condensed; the HTML key has every step).\par", r"{\footnotesize"]
    out += [_step(s) for s in item.worked.steps]
    return "\n".join([*out, "}"])


def view_latex(view: Any) -> list[str]:
    r"""An answer view as LaTeX lines: a matrix typeset whole, a table as a tabular, named results one a line.

    >>> from nnsteps.render.answer import Fields, Matrix, Number
    >>> view_latex(Fields([("Loss", Number(1)), ("Output", Matrix([[1, 2]]))]))
    ['Loss: $1$\\par', '\\named{Output}{\\begin{bmatrix} 1 & 2 \\end{bmatrix}}']
    """
    from nnsteps.render.answer import Expression, Fields, Formula, Matrix, Number, Shape, Table

    if isinstance(view, Fields):
        out, line = [], []  # numbers share a line, each nested group of numbers one line
        for label, item in view.items:
            if isinstance(item, (Number, Shape)):
                line.append(_named(label, item))
                continue
            if line:
                out.append(";\\quad ".join(line) + r"\par")
                line = []
            if isinstance(item, Fields) and all(isinstance(x, (Number, Shape)) for _, x in item.items):
                out.append(f"{text(label)}: " + ",\\quad ".join(_named(n, x) for n, x in item.items) + r"\par")
            elif isinstance(item, Table):  # a table takes the whole column (an indent would push it over)
                out += [rf"{text(label)}:\par", *view_latex(item)]
            elif isinstance(item, Fields):
                out += [rf"{text(label)}:\par", r"\begingroup\leftskip=1.5em", *view_latex(item), r"\par\endgroup"]
            else:
                shown = view_latex(item)[0]
                fitted = shown.startswith(r"\fit{") and shown.endswith(r"}\par")  # label and formula share the width
                out.append(rf"\named{{{_label(label)}}}{{{shown[5:-5]}}}" if fitted else f"{_label(label)}: {shown}")
        return out + ([";\\quad ".join(line) + r"\par"] if line else [])
    if isinstance(view, Table):
        cols = "l" * 2 + "r" * (len(view.columns) - 2)
        rows = [" & ".join((rf"\textbf{{{text(c)}}}" if (i, j) in view.marked else text(c)) for j, c in enumerate(r))
                for i, r in enumerate(view.rows)]
        if view.total:
            rows.append(" & ".join(rf"\textbf{{{text(c)}}}" if c else "" for c in view.total))
        head = " & ".join(text(c) for c in view.columns)
        return [r"\fitbox{\footnotesize\begin{tabular}{" + cols + "}", head + r" \\ \hline",
                *(r + r" \\" for r in rows), r"\end{tabular}}\par"]
    if isinstance(view, Number):
        from nnsteps.numfmt import number_latex

        body = number_latex(view.value)
    elif isinstance(view, Shape):
        body = r" \times ".join(str(d) for d in view.dims)
    elif isinstance(view, Matrix):
        from nnsteps.render.values import latex_matrix

        body = latex_matrix(view.value, stack=view.stack)
    elif isinstance(view, Formula):
        body = view.latex
    elif isinstance(view, Expression):
        from nnsteps.numfmt import expression_text

        return [r"\texttt{" + text(expression_text(view.text)) + r"}\par"]
    else:
        return [r"\texttt{" + text(str(view)) + r"}\par"]
    latex = math(body)
    return [(rf"\fit{{{latex}}}" if "matrix" in latex else f"${latex}$") + r"\par"]


def _label(label: str) -> str:
    r"""A matrix's label: a symbol in math as the steps write it (``m̂`` is :math:`\hat{m}`; pdflatex has no
    combining hat in text), words as text.

    >>> _label("m̂"), _label("W_ih"), _label("Gradients")
    ('$\\hat{m}$', '$W_{\\text{ih}}$', 'Gradients')
    """
    from nnsteps.render.answer_text import label_latex

    symbol = label_latex(label)
    return f"${math(symbol)}$" if symbol is not None else text(label)


def _named(label: str, item: Any) -> str:
    """``$w_{in} = 0.2$`` for a symbol, ``Loss: $0.07$`` for a label in words."""
    from nnsteps.render.answer_text import label_latex

    value = view_latex(item)[0].removesuffix(r"\par").strip("$")
    symbol = label_latex(label)
    return f"${math(symbol)} = {value}$" if symbol is not None else f"{text(label)}: ${value}$"


def _step(step: Any) -> str:
    """One top-level step: its title and its equation (formula, numbers, result), scaled to the line."""
    from nnsteps.render.markdown import step_equation

    # an array result is in the answer already: its step shows the formula alone
    equation = step.formula if isinstance(step.result, (list, np.ndarray)) else step_equation(step)
    if not equation:
        return rf"\textbf{{{text(step.title)}}}\par"
    return rf"\steprow{{{text(step.title)}}}{{{math(equation)}}}"
