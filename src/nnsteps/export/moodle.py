"""Moodle XML: one question per problem, importable through Moodle's question bank.

A single number is a ``numerical`` question; several cells (a matrix, a table, named results) are one
``cloze`` (multianswer) question with a ``{1:NUMERICAL:=key:tolerance}`` blank per cell, matrices laid out
as grids. Tolerances are the checker's: 0 for integers, ``rtol`` × |key| otherwise (Moodle's are absolute).
A student's rounding inside that band is accepted by ``nnsteps check`` too; Moodle cannot express the
checker's digit rules, so for a terminating key (0.16) it also takes an over-precise 0.1601 the checker
rejects, and it rejects a 2-significant-digit rounding farther than the band that the checker accepts.
The worked solution is the general feedback, as HTML with MathML (``math="mathml"``) or as TeX for Moodle's
MathJax filter (``math="tex"``). Questions sit in a category per kind; every question carries its problem
id (``idnumber``) and the problem file's fingerprint (a tag), and its text ends with the reference line of
:mod:`nnsteps.export.responses`, so a Responses report maps back to nnsteps (``nnsteps check PROBLEMS report.csv``).
Symbolic (formula) cells are not numeric: a problem with no numeric cell is left out with a warning, and
a problem with some is exported with a warning naming the cells not asked.
"""

from __future__ import annotations

import html
from typing import Any
from xml.sax.saxutils import escape

from nnsteps.errors import NnstepsError
from nnsteps.escape import inert_tex
from nnsteps.export.items import Item, ProblemSet, number_text, tolerance
from nnsteps.work import heading

NAME = "moodle"
WRITES = "file"
DEFAULT = "moodle.xml"
MATH = ("mathml", "tex")


def build(problems: ProblemSet, options: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The quiz XML and the warnings about what it leaves out.

    >>> from nnsteps.export.items import load
    >>> files, warnings = build(load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}), {})
    >>> "{1:NUMERICAL:=1:0}" in files["moodle.xml"], warnings
    (True, [])
    """
    from nnsteps.errors import did_you_mean
    from nnsteps.export import warn_left_out

    math = options.get("math") or "mathml"
    if math not in MATH:
        raise NnstepsError(f"expected one of {', '.join(MATH)}, got '{math}'", field="--math",
                           hint=did_you_mean(math, MATH))
    warnings: list[str] = []
    by_kind: dict[str, list[str]] = {}
    for item in problems.items:
        if not item.asked():
            warnings.append(warn_left_out(item, "no numeric answer cell (symbolic answers); Moodle's numerical "
                                                "and cloze questions take numbers"))
            continue
        skipped = item.symbolic()
        if skipped:
            warnings.append(f"{item.id} ({item.kind}): {len(skipped)} symbolic cell(s) not asked: "
                            + ", ".join(c.where for c in skipped[:6]) + (" ..." if len(skipped) > 6 else ""))
        by_kind.setdefault(item.kind, []).append(question(item, problems, math))
    top = "$course$/top/nnsteps/" + inert_tex(_plain(problems.title or "problems")).replace("/", "-")
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for kind, questions in by_kind.items():
        out += ['  <question type="category">', f"    <category><text>{escape(top)}/{escape(kind)}</text></category>",
                '    <info format="html"><text></text></info>', "  </question>", *questions]
    out += ["</quiz>", ""]
    return {DEFAULT: "\n".join(out)}, warnings


def question(item: Item, problems: ProblemSet, math: str) -> str:
    """One ``<question>``: numerical for a single number, cloze for several cells."""
    from nnsteps.export.responses import reference
    from nnsteps.export.statement import blocks

    asked = item.asked()
    parts = blocks(item)
    single = len(asked) == 1 and len(parts) == 1 and not parts[0].grid
    text = no_blanks(statement_html(item, tex=math == "tex"))
    if single:
        text += "<p>Answer:</p>"
    else:
        text += answer_form(parts, problems.rtol)
    text += no_blanks(reference(problems, item))  # the round trip: a response report's text names the problem
    text = inert_tex(text)  # Moodle's MathJax filter reads the page: a file's \href is no command there
    name = inert_tex(_plain(heading(item.id, item.title)))
    lines = [f'  <question type="{"numerical" if single else "cloze"}">',
             f"    <name><text>{escape(name)}</text></name>",
             f'    <questiontext format="html"><text>{cdata(text)}</text></questiontext>',
             f'    <generalfeedback format="html"><text>{cdata(inert_tex(feedback(item, math)))}</text></generalfeedback>',
             f"    <defaultgrade>{item.points:g}</defaultgrade>",
             "    <penalty>0</penalty>",
             "    <hidden>0</hidden>",
             f"    <idnumber>{escape(item.id[:100])}</idnumber>"]
    if single:
        value = asked[0].value
        lines += ['    <answer fraction="100" format="moodle_auto_format">',
                  f"      <text>{number_text(value)}</text>",
                  f"      <tolerance>{tolerance(value, problems.rtol):.15g}</tolerance>",
                  '      <feedback format="html"><text></text></feedback>', "    </answer>"]
    lines += ["    <tags>", "      <tag><text>nnsteps</text></tag>",
              f"      <tag><text>{escape('nnsteps-kind-' + item.kind)}</text></tag>",
              f"      <tag><text>nnsteps-file-{problems.sha256[:16]}</text></tag>", "    </tags>", "  </question>"]
    return "\n".join(lines)


def statement_html(item: Item, *, tex: bool = False) -> str:
    """The question as HTML: title and the kind's statement for students (MathML for the math, or TeX)."""
    from nnsteps.export.statement import statement
    from nnsteps.render.statement import statement_html as render

    return f"<p><strong>{html.escape(item.title or item.id)}</strong></p>" + render(statement(item), tex)


def answer_form(parts: list[Any], rtol: float) -> str:
    """The cloze blanks: a table per grid, a labelled blank per single cell."""
    out = []
    for block in parts:
        if block.grid:
            rows = "".join("<tr>" + "".join(f"<td>{blank(c.value, rtol)}</td>" for c in row) + "</tr>"
                           for row in block.rows)
            out.append(f"<p>{_label(block.where)}:</p><table>{rows}</table>")
        else:
            out.append(f"<p>{_label(block.where)} = {blank(block.rows[0][0].value, rtol)}</p>")
    return "".join(out)


def _label(where: str) -> str:
    """A cell's name beside its blank, as HTML with no blank in it.

    >>> _label("params[0].{1:SHORTANSWER:=x} <b>")
    'params[0].&#123;1:SHORTANSWER:=x&#125; &lt;b&gt;'
    """
    return no_blanks(html.escape(where))


def no_blanks(html_text: str) -> str:
    """HTML whose braces are references: text from a file spelling ``{1:SHORTANSWER:=x}`` (a given, an id, a
    parameter name) stays text, never a cloze blank (Moodle reads the blanks from the source, before entities).

    >>> no_blanks("<p>{1:SHORTANSWER:=x}</p>")
    '<p>&#123;1:SHORTANSWER:=x&#125;</p>'
    """
    return html_text.replace("{", "&#123;").replace("}", "&#125;")


def blank(value: Any, rtol: float) -> str:
    """One cloze NUMERICAL blank with the checker's tolerance.

    >>> from fractions import Fraction
    >>> blank(7, 0.001), blank(Fraction(1, 4), 0.001)
    ('{1:NUMERICAL:=7:0}', '{1:NUMERICAL:=0.25:0.00025}')
    """
    return f"{{1:NUMERICAL:={number_text(value)}:{tolerance(value, rtol):.15g}}}"


def feedback(item: Item, math: str) -> str:
    """The worked solution: an HTML fragment with MathML, or HTML with ``\\[...\\]`` TeX for MathJax."""
    if math == "mathml":
        from nnsteps.render.html import worked_to_html

        return worked_to_html(item.worked, heading=f"Worked solution: {item.id}")
    return f"<h3>Worked solution: {html.escape(item.id)}</h3>" + "".join(_tex_step(s) for s in item.worked.steps)


def _tex_step(step: Any, depth: int = 0) -> str:
    from nnsteps.render.markdown import step_equation

    equation = step_equation(step)
    out = f'<div style="margin-left:{depth * 1.5}em"><p><strong>{html.escape(step.title)}</strong></p>'
    if equation:
        out += f"<p>\\[{html.escape(equation)}\\]</p>"
    if step.note:
        out += f"<p>{html.escape(str(step.note))}</p>"
    return out + "".join(_tex_step(s, depth + 1) for s in step.steps) + "</div>"


def _plain(text: str) -> str:
    """A name Moodle shows as plain text (a category, a question's name), with no character that opens markup.

    >>> _plain("q1 <script>")
    'q1 ‹script›'
    """
    return text.replace("<", "‹").replace(">", "›")


def cdata(text: str) -> str:
    """Text inside CDATA (a ``]]>`` in it split across two sections).

    >>> cdata("a]]>b")
    '<![CDATA[a]]]]><![CDATA[>b]]>'
    """
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"

