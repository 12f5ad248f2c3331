"""HTML with MathML: a fragment per worked solution, and one standalone printable report.

The report needs no script and no network: every formula is MathML converted from the LaTeX the
engine wrote (``nnsteps.render.mathml``), styles are inline, nothing is loaded from elsewhere; its
Content-Security-Policy (:func:`csp_meta`) lets nothing else run or load either.
"""

from __future__ import annotations

import html
from typing import Any

from nnsteps.render.answer_html import ANSWER_CSS
from nnsteps.render.fonts import font_face_css
from nnsteps.render.markdown import step_equation
from nnsteps.render.mathml import MATH_CSS, latex_to_mathml
from nnsteps.render.values import latex_value
from nnsteps.work import Step, Worked, heading

_LONG = 90
"""Chains longer than this (in LaTeX characters) are written one ``=`` per line."""

CSS = """
:root { --ink: #1d2430; --muted: #5b6575; --line: #d9dee7; --accent: #2f6fdf; --note: #fff7e0; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       max-width: 60rem; margin: 2rem auto; padding: 0 1.25rem; line-height: 1.5; }
h1 { font-size: 1.7rem; margin-bottom: .25rem; }
nav.toc { columns: 3 12rem; font-size: .9rem; margin: 1rem 0 2rem; }
nav.toc a { color: var(--accent); text-decoration: none; }
section.worked { border-top: 2px solid var(--line); padding-top: .5rem; margin-top: 2rem; break-inside: avoid-page; }
section.worked > h2 { font-size: 1.3rem; margin: .25rem 0 .5rem; }
.step { margin: .6rem 0 .6rem 0; }
.step .step { margin-left: 1.25rem; padding-left: .75rem; border-left: 2px solid var(--line); }
.step-title { font-weight: 600; }
.step .step > .step-title { font-weight: 500; font-style: italic; color: var(--muted); }
main { min-width: 0; }
.eq { overflow-x: auto; overflow-y: hidden; padding: .2rem 0; max-width: 100%; }
.eq .line { white-space: nowrap; margin: .15rem 0; }
.eq .line.cont { padding-left: 2rem; }
.note { background: var(--note); border-radius: 4px; padding: .2rem .6rem; font-size: .92rem; }
footer { color: var(--muted); font-size: .85rem; margin-top: 3rem; }
@media print { body { margin: 0; max-width: none; } nav.toc { display: none; } .eq { overflow: visible; } }
"""


def page_css(font_url: str | None = None) -> str:
    """Everything a page showing our HTML fragments needs: the math font (embedded, or at ``font_url``),
    MathML and answer styles.

    >>> css = page_css()
    >>> "@font-face" in css and "mtable.bmatrix" in css and "table.layers" in css
    True
    """
    return font_face_css(font_url) + MATH_CSS + ANSWER_CSS


def csp_meta(style: str) -> str:
    """The Content-Security-Policy of a standalone page, as a ``<meta>`` to place before its ``<style>``:
    nothing runs (no script source at all), nothing is fetched (``default-src 'none'``), the one style
    element is allowed by its hash (a style attribute or a second ``<style>`` is not), fonts and images
    only as ``data:``, no ``<base>``, no form posts.

    >>> print(csp_meta("p { color: red; }"))  # doctest: +NORMALIZE_WHITESPACE
    <meta http-equiv="Content-Security-Policy" content="default-src 'none';
    style-src 'sha256-pckGv9YvNcB5xy+Y4fbqhyo+ib850wyiuWeNbZvLi00='; font-src data:; img-src data:;
    base-uri 'none'; form-action 'none'">
    """
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    return ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            f"style-src 'sha256-{digest}'; font-src data:; img-src data:; base-uri 'none'; form-action 'none'\">")


def math(latex: str, display: bool = False) -> str:
    """One formula as MathML.

    >>> math("x^2").startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    True
    """
    return latex_to_mathml(latex, display)


def equation_html(step: Step[Any]) -> str | None:
    """The step's chain formula = substituted = result as MathML; long chains one line per ``=``.

    >>> equation_html(Step("h", formula="h = 2 + 3", result=5)).count("<math")
    1
    """
    parts = [p for p in (step.formula, step.substituted) if p]
    if step.result is not None:
        result = latex_value(step.result, step.stack)
        if not parts or result != parts[-1]:
            parts.append(result)
    if not parts:
        return None
    chain = step_equation(step)
    if chain is not None and len(chain) <= _LONG:
        return f'<div class="eq"><div class="line">{math(chain)}</div></div>'
    lines = [f'<div class="line">{math(parts[0])}</div>']
    lines += [f'<div class="line cont">{math("= " + p)}</div>' for p in parts[1:]]
    return '<div class="eq">' + "".join(lines) + "</div>"


def step_to_html(step: Step[Any], depth: int = 0) -> str:
    """One step (title, equation, note, child steps) as an HTML ``<div>``.

    >>> "<mfrac>" in step_to_html(Step("Size", formula=r"\\frac{6}{2}", result=3))
    True
    """
    out = [f'<div class="step" data-depth="{depth}">', f'<div class="step-title">{html.escape(step.title)}</div>']
    eq = equation_html(step)
    if eq:
        out.append(eq)
    if step.note:
        out.append(f'<p class="note">{html.escape(step.note)}</p>')
    if step.data and isinstance(step.data.get("drawing"), dict):  # a computational graph's drawing
        from nnsteps.render.graph_svg import graph_svg

        out.append(graph_svg(step.data["drawing"]))
    out += [step_to_html(child, depth + 1) for child in step.steps]
    out.append("</div>")
    return "\n".join(out)


def answer_html(worked: Worked, *, brief: bool = False) -> str | None:
    """The answer box shown above the steps, or None when there is nothing to show
    (:func:`nnsteps.render.answer_html.answer_box`: tables as tables, matrices as matrices).

    >>> "<mn>7</mn>" in answer_html(Worked("x", value=7))
    True
    """
    from nnsteps.render.answer_html import answer_box

    return answer_box(worked, brief=brief)


def worked_to_html(worked: Worked, *, heading: str | None = None, anchor: str | None = None,
                   brief: bool = False) -> str:
    """A worked solution as an HTML ``<section>`` with MathML (a fragment, not a document).

    >>> w = Worked("relu", value=3, steps=[Step("ReLU", formula=r"\\max(0, z)", substituted=r"\\max(0, 3)", result=3)])
    >>> frag = worked_to_html(w, heading="q5b")
    >>> frag.startswith('<section class="worked"') and "<h2>q5b</h2>" in frag and "$" not in frag
    True
    """
    title = heading or worked.title
    ident = f' id="{html.escape(anchor, quote=True)}"' if anchor else ""
    out = [f'<section class="worked" data-kind="{html.escape(worked.kind, quote=True)}"{ident}>']
    if title:
        out.append(f"<h2>{html.escape(title)}</h2>")
    answer = answer_html(worked, brief=brief)
    if answer:
        out.append(answer)
    if not brief:
        out += [step_to_html(s) for s in worked.steps]
    out.append("</section>")
    return "\n".join(out)


def solved_file_to_html(title: str | None, items: list[tuple[str, Worked]], *, brief: bool = False) -> str:
    """A whole problem file's solutions as one standalone, printable HTML document (answers first;
    ``brief``: the answers only). A bundled math font is embedded, so formulas look the same everywhere.

    >>> doc = solved_file_to_html("Demo", [("q1", Worked("x", value=2, steps=[Step("s", result=2)]))])
    >>> doc.startswith("<!DOCTYPE html>") and "<script" not in doc and "http://" not in doc.replace(
    ...     "http://www.w3.org/1998/Math/MathML", "")
    True
    """
    name = title or "nnsteps solutions"
    style = f"{font_face_css()}{CSS}{MATH_CSS}{ANSWER_CSS}"
    toc = []
    sections = []
    for i, (pid, worked) in enumerate(items):
        head = heading(pid, worked.title)
        anchor = f"p{i}-{_slug(pid)}"
        toc.append(f'<li><a href="#{anchor}">{html.escape(head)}</a></li>')
        sections.append(worked_to_html(worked, heading=head, anchor=anchor, brief=brief))
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            csp_meta(style),
            '<meta name="generator" content="nnsteps">',
            f"<title>{html.escape(name)}</title>",
            f"<style>{style}</style>",
            "</head>",
            "<body>",
            f"<header><h1>{html.escape(name)}</h1></header>",
            '<nav class="toc"><ul>' + "".join(toc) + "</ul></nav>" if len(items) > 1 else "",
            "<main>",
            *sections,
            "</main>",
            "<footer>Worked by nnsteps: every formula and number on this page was written by the code that computed it.</footer>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:40]
