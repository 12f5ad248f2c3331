"""Handouts as standalone printable HTML: ``student.html`` (each question with space to answer) and
``instructor.html`` (each question with its answer and worked solution, MathML from
:mod:`nnsteps.render.html`). No script and no network, like ``nnsteps solve --format html``, and the same
Content-Security-Policy (:func:`nnsteps.render.html.csp_meta`).
"""

from __future__ import annotations

import html
from typing import Any

from nnsteps.export.items import Item, ProblemSet

NAME = "html"
WRITES = "folder"
EXTENSION = ".html"  # -o handout.html: the student's handout.html and the key handout-key.html
DEFAULT = "handout"

SPACE_CSS = """
.question { border-top: 2px solid var(--line); margin-top: 2rem; padding-top: .5rem; break-inside: avoid-page; }
.givens dt { font-weight: 600; } .givens dt.setting { font-weight: normal; }
.givens pre { margin: .2rem 0 .6rem; background: #f6f8fb; padding: .3rem .5rem; }
.givens dd { margin: .2rem 0 .6rem 1.5rem; overflow-x: auto; }
table.space { border-collapse: collapse; margin: .4rem 0 1rem; }
table.space td { border: 1px solid var(--muted); width: 3.2rem; height: 2rem; }
table.space td.wide { width: 7rem; } table.space th { font-weight: 600; padding: 0 .5rem; text-align: left; }
.line { display: inline-block; min-width: 12rem; border-bottom: 1px solid var(--muted); height: 1.4rem; }
.meta { color: var(--muted); font-size: .85rem; }
.line.wide { min-width: min(30rem, 100%); }
"""


def build(problems: ProblemSet, options: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """``student.html`` and ``instructor.html``; nothing is left out (a handout carries any answer).

    >>> from nnsteps.export.items import load
    >>> files, warnings = build(load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}), {})
    >>> sorted(files), "<math" in files["instructor.html"], "<math" in files["student.html"], warnings
    (['instructor.html', 'student.html'], True, True, [])
    """
    return {"student.html": page(problems, instructor=False),
            "instructor.html": page(problems, instructor=True)}, []


def page(problems: ProblemSet, *, instructor: bool) -> str:
    """One standalone page."""
    from nnsteps.export.handout_latex import key_title
    from nnsteps.render.answer_html import ANSWER_CSS
    from nnsteps.render.fonts import font_face_css
    from nnsteps.render.html import CSS, csp_meta
    from nnsteps.render.mathml import MATH_CSS

    title = key_title(problems.title, instructor)
    body = []
    for item in problems.items:
        part = [f'<section class="question" id="{html.escape(item.id, quote=True)}" '
                f'data-problem="{html.escape(item.id, quote=True)}" data-kind="{html.escape(item.kind, quote=True)}">',
                question_html(item)]
        part.append(key_html(item) if instructor else answer_space(item))
        body.append("\n".join([*part, "</section>"]))
    css = font_face_css() + MATH_CSS + (ANSWER_CSS if instructor else "")
    style = f"{css}{CSS}{SPACE_CSS}"
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">', csp_meta(style),
        '<meta name="generator" content="nnsteps">', f'<meta name="nnsteps-file-sha256" content="{problems.sha256}">',
        f"<title>{html.escape(title)}</title>", f"<style>{style}</style>", "</head>", "<body>",
        f"<header><h1>{html.escape(title)}</h1>",
        "" if instructor else '<p>Name: <span class="line"></span></p>', "</header>", "<main>", *body, "</main>",
        f'<footer class="meta">nnsteps problem file {problems.sha256[:16]}; answers are checked with '
        "<code>nnsteps check</code>.</footer>", "</body>", "</html>", ""])


def question_html(item: Item) -> str:
    """The question: id, title and the kind's statement for students."""
    from nnsteps.export.statement import statement
    from nnsteps.render.statement import statement_html

    head = f"<h2>{html.escape(item.id)}" + (f": {html.escape(item.title)}" if item.title else "") + "</h2>"
    return head + statement_html(statement(item))


def key_html(item: Item) -> str:
    """The key of one question: the answer (matrices and tables whole), then the worked solution folded.

    >>> from nnsteps.export.items import load
    >>> key = key_html(load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}).items[0])
    >>> key.count("<details"), "<math" in key
    (1, True)
    """
    from nnsteps.export.statement import key_worked
    from nnsteps.render.html import answer_html, step_to_html

    worked = key_worked(item)
    steps = "\n".join(step_to_html(s) for s in worked.steps)
    return "\n".join([f'<section class="worked" data-kind="{html.escape(worked.kind, quote=True)}">',
                      "<h2>Answer and worked solution</h2>", answer_html(worked, brief=True) or "",
                      f"<details><summary>Worked solution ({len(worked.steps)} steps)</summary>\n{steps}\n</details>",
                      "</section>"])


def answer_space(item: Item) -> str:
    """Empty boxes for every numeric cell (a grid per matrix), a line for every other answer cell."""
    from nnsteps.export.statement import blocks, spoken
    from nnsteps.render.answer import label

    out = ["<h3>Your answer</h3>"]
    for block in blocks(item):
        if block.header:
            head = "<tr><th></th>" + "".join(f"<th>{html.escape(label(h))}</th>" for h in block.header) + "</tr>"
            rows = "".join(f"<tr><th>{html.escape(n)}</th>" + '<td class="wide"></td>' * len(block.header) + "</tr>"
                           for n in block.names or [])
            out.append(f'<p>{html.escape(label(block.where))}:</p><table class="space table">{head}{rows}</table>')
        elif block.grid:
            rows = "".join("<tr>" + "<td></td>" * len(r) + "</tr>" for r in block.rows)
            name = "" if block.where == "answer" else f"<p>{html.escape(spoken(block.where))}:</p>"  # one answer: no name
            out.append(f'{name}<table class="space">{rows}</table>')
        else:
            name = "" if block.where == "answer" else f"{html.escape(spoken(block.where))} = "
            out.append(f'<p>{name}<span class="line"></span></p>')
    for cell in item.symbolic():
        out.append(f'<p>{html.escape(cell.where)}: <span class="line wide"></span></p>')
    return "\n".join(out)
