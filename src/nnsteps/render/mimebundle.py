"""Jupyter's MIME bundle for a :class:`~nnsteps.work.Worked`: text, Markdown, LaTeX and HTML+MathML.

Front ends pick the richest type they can show: JupyterLab and VS Code the HTML (MathML, no
MathJax needed), exported notebooks the Markdown or LaTeX, a terminal console the text.
"""

from __future__ import annotations

from typing import Any

from nnsteps.render.markdown import step_equation
from nnsteps.work import Worked

_HTML_CSS = """
.nnsteps-worked .step { margin: .4rem 0; }
.nnsteps-worked .step .step { margin-left: 1rem; padding-left: .6rem; border-left: 2px solid #d9dee7; }
.nnsteps-worked .step-title { font-weight: 600; }
.nnsteps-worked .eq { overflow-x: auto; }
.nnsteps-worked .eq .line.cont { padding-left: 2rem; }
.nnsteps-worked .note { font-style: italic; }
"""


def mimebundle(worked: Worked) -> dict[str, str]:
    """Every representation Jupyter may choose from.

    >>> from nnsteps.work import Step
    >>> b = mimebundle(Worked("relu", value=3, steps=[Step("ReLU", formula=r"\\max(0, z)", result=3)]))
    >>> sorted(b)
    ['text/html', 'text/latex', 'text/markdown', 'text/plain']
    >>> "<math" in b["text/html"], b["text/latex"].startswith("$$")
    (True, True)
    """
    from nnsteps.render.answer_html import ANSWER_CSS
    from nnsteps.render.html import worked_to_html
    from nnsteps.render.mathml import MATH_CSS

    return {
        "text/plain": worked.to_text(),
        "text/markdown": worked.to_markdown(),
        "text/latex": worked_to_latex(worked),
        "text/html": f'<div class="nnsteps-worked"><style>{_HTML_CSS}{MATH_CSS}{ANSWER_CSS}</style>'
        + worked_to_html(worked)
        + "</div>",
    }


def worked_to_latex(worked: Worked) -> str:
    """The steps as one LaTeX display block: each step's title and its chain, one per row.

    >>> from nnsteps.work import Step
    >>> worked_to_latex(Worked("x", value=1, steps=[Step("Step_1", formula="a", result=1)]))
    '$$\\\\begin{array}{l} \\\\textbf{Step\\\\_1} \\\\\\\\ \\\\quad a = 1 \\\\end{array}$$'
    """
    rows: list[str] = []
    if worked.title:
        rows.append(rf"\textbf{{{_text(worked.title)}}}")
    for step in worked.steps:
        _rows(step, 0, rows)
    return r"$$\begin{array}{l} " + r" \\ ".join(rows) + r" \end{array}$$"


def _rows(step: Any, depth: int, rows: list[str]) -> None:
    indent = r"\quad " * depth
    rows.append(indent + (rf"\textbf{{{_text(step.title)}}}" if depth == 0 else rf"\text{{{_text(step.title)}}}"))
    chain = step_equation(step)
    if chain:
        rows.append(indent + r"\quad " + chain)
    if step.note:
        rows.append(indent + r"\quad \text{" + _text(step.note) + "}")
    for child in step.steps:
        _rows(child, depth + 1, rows)


def _text(s: str) -> str:
    """Plain words made safe inside ``\\text{}``.

    >>> _text("50% of a_b & c")
    '50\\\\% of a\\\\_b \\\\& c'
    """
    out = str(s).replace("\\", r"\textbackslash ")
    for ch in "%&_#$^{}":
        out = out.replace(ch, "\\" + ch)
    return out
