r"""Handouts as LaTeX source: ``student.tex`` (questions with boxes to answer in) and ``instructor.tex``
(questions, answers and worked solutions). Standard packages only (amsmath, amssymb, geometry, graphicx,
inputenc/fontenc), so any TeX installation compiles them with ``pdflatex``.

The worked steps are the LaTeX the ops wrote; a step wider than the page is scaled down to fit.
"""

from __future__ import annotations

import re
from typing import Any

from nnsteps.export.items import Item, ProblemSet
from nnsteps.work import heading

NAME = "latex"
WRITES = "folder"
DEFAULT = "handout"

UNICODE = {"×": r"\times", "−": "-", "·": r"\cdot", "→": r"\to", "…": r"\dots", "≤": r"\le", "≥": r"\ge",
           "≈": r"\approx", "√": r"\surd", "≠": r"\ne", "∑": r"\sum", "σ": r"\sigma", "∂": r"\partial"}
"""Characters the ops may write inside formulas, as math macros (pdflatex reads no Unicode in math)."""

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\setcounter{MaxMatrixCols}{64}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\newcommand{\fit}[1]{\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{$\displaystyle #1$}}
\newcommand{\answerbox}{\framebox[3em]{\rule{0pt}{1.6em}}}
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
    title = text(problems.title or "Problems") + (" (instructor)" if instructor else "")
    out = [PREAMBLE, r"\begin{document}", rf"\section*{{{title}}}",
           "" if instructor else r"Name: \rule{8cm}{0.4pt}",
           rf"% nnsteps problem file sha256 {problems.sha256}"]
    for item in problems.items:
        out.append(question(item))
        out.append(solution(item) if instructor else answer_space(item))
    out += [r"\end{document}", ""]
    return "\n".join(out)


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
    """The question: id and title, the kind's summary, the givens (typewriter lines)."""
    from nnsteps.export.statement import givens, summary

    head = heading(item.id, item.title)
    out = [rf"\subsection*{{{text(head)}}}", rf"% nnsteps problem {text(item.id)} kind {text(item.kind)}", text(summary(item))]
    items = []
    for name, value in givens(item):
        lines = r"\\ ".join(r"\texttt{" + text(line) + "}" for line in value.splitlines() if line.strip())
        items.append(rf"\item[{text(name)}] {lines or '~'}")
    if items:  # an empty description list is a LaTeX error
        out += [r"\begin{description}", *items, r"\end{description}"]
    return "\n".join(out)


def answer_space(item: Item) -> str:
    """Boxes for every numeric cell (a grid per matrix), a line for every other answer cell."""
    from nnsteps.export.statement import blocks

    out = [r"\paragraph{Your answer}"]
    for block in blocks(item):
        if block.grid:
            width = max(len(r) for r in block.rows)
            rows = r" \\ ".join(" & ".join([r"\answerbox"] * len(r)) for r in block.rows)
            out.append(rf"\texttt{{{text(block.where)}}}: \[\begin{{array}}{{{'c' * width}}}{rows}\end{{array}}\]")
        else:
            out.append(rf"\texttt{{{text(block.where)}}} $=$ \answerbox\par")
    for cell in item.symbolic():
        out.append(rf"\texttt{{{text(cell.where)}}}: \rule{{10cm}}{{0.4pt}}\par")
    return "\n".join(out)


def solution(item: Item) -> str:
    """The answer (every cell) and the worked steps."""
    from nnsteps.numfmt import number_latex

    out = [r"\paragraph{Answer}", r"\begin{itemize}"]
    for cell in item.cells:
        value = rf"${math(number_latex(cell.value))}$" if cell.numeric else r"\texttt{" + text(str(cell.value)) + "}"
        out.append(rf"\item \texttt{{{text(cell.where)}}} $=$ {value}")
    out += [r"\end{itemize}", r"\paragraph{Worked solution}"]
    out += [_step(s, 0) for s in item.worked.steps]
    return "\n".join(out)


def _step(step: Any, depth: int) -> str:
    from nnsteps.render.markdown import step_equation

    indent = rf"\hspace*{{{1.5 * depth}em}}" if depth else ""
    out = [rf"{indent}\textbf{{{text(step.title)}}}\par"]
    equation = step_equation(step)
    if equation:
        out.append(rf"{indent}\fit{{{math(equation)}}}\par")
    if step.note:
        out.append(rf"{indent}\emph{{{text(str(step.note))}}}\par")
    return "\n".join(out + [_step(s, depth + 1) for s in step.steps])
