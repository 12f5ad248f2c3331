"""Canvas: a QTI 1.2 package (zip: ``imsmanifest.xml`` and one assessment) for Canvas's quiz importer.

Built with the standard library: text2qti (the maintained Markdown-to-QTI tool) turns LaTeX into Canvas
equation images through a Canvas server or pandoc and has no numeric multi-blank question, so it does not
fit an offline export of matrices. Canvas's numerical questions hold one number, so every answer cell is one
``numerical_question`` (titled ``<id> <cell>``, the problem's points shared among its cells) accepting the
exact key or the range key ± the checker's tolerance (0 for integers, ``rtol`` × |key| otherwise). The
problem statement is in each item; the worked solution (HTML with MathML) is the general feedback of the
problem's first item. Symbolic cells are not asked (warned); a problem without numeric cells is left out.
Each item's text ends with the reference line of :mod:`nnsteps.export.responses` (problem, part, file), which
Canvas's Student Analysis report repeats in its header, so ``nnsteps check PROBLEMS report.csv`` regrades it.
"""

from __future__ import annotations

import html
import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from nnsteps.escape import inert_tex
from nnsteps.export.items import Cell, Item, ProblemSet, number_text, tolerance

NAME = "canvas"
WRITES = "file"
DEFAULT = "canvas-qti.zip"
QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"


def build(problems: ProblemSet, options: dict[str, Any]) -> tuple[dict[str, bytes], list[str]]:
    """The zip and the warnings.

    >>> from nnsteps.export.items import load
    >>> files, warnings = build(load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}), {})
    >>> sorted(zipfile.ZipFile(io.BytesIO(files[DEFAULT])).namelist()), warnings
    (['imsmanifest.xml', 'nnsteps-....xml'], [])
    """
    from nnsteps.export import warn_left_out

    ident = f"nnsteps-{problems.sha256[:16]}"
    warnings: list[str] = []
    items: list[str] = []
    for item in problems.items:
        if not item.asked():
            warnings.append(warn_left_out(item, "no numeric answer cell (symbolic answers); Canvas numerical "
                                                "questions take numbers"))
            continue
        if item.symbolic():
            warnings.append(f"{item.id} ({item.kind}): {len(item.symbolic())} symbolic cell(s) not asked")
        asked = item.asked()
        for n, cell in enumerate(asked):
            items.append(_item(problems, item, cell, n, len(asked)))
    title = problems.title or "nnsteps problems"
    assessment = "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<questestinterop xmlns="{QTI_NS}">',
        f"  <assessment ident={quoteattr(ident)} title={quoteattr(title)}>",
        "    <qtimetadata><qtimetadatafield><fieldlabel>cc_maxattempts</fieldlabel><fieldentry>1</fieldentry>"
        "</qtimetadatafield></qtimetadata>",
        '    <section ident="root_section">', *items, "    </section>", "  </assessment>", "</questestinterop>", ""])
    manifest = "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<manifest identifier={quoteattr(ident + "-manifest")} xmlns="{CP_NS}">',
        "  <metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>",
        "  <organizations/>", "  <resources>",
        f'    <resource identifier={quoteattr(ident)} type="imsqti_xmlv1p2">',
        f'      <file href="{ident}.xml"/>', "    </resource>", "  </resources>", "</manifest>", ""])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("imsmanifest.xml", manifest), (f"{ident}.xml", assessment)):
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), text)
    return {DEFAULT: buffer.getvalue()}, warnings


def _item(problems: ProblemSet, item: Item, cell: Cell, n: int, count: int) -> str:
    from nnsteps.export.moodle import statement_html
    from nnsteps.export.responses import reference

    title = item.id if count == 1 else f"{item.id} {cell.where}"
    text = statement_html(item) + (f"<p>Give {html.escape(cell.where)}.</p>" if count > 1 else "")
    text += reference(problems, item, n + 1, count)  # the Student Analysis report's header repeats it
    value = number_text(cell.value)
    tol = tolerance(cell.value, problems.rtol)
    low, high = _bounds(cell.value, tol)
    feedback = _feedback(item) if n == 0 else f"<p>The worked solution is with {html.escape(item.id)}'s first part.</p>"
    ident = f"{item.id}-{n}"
    # Canvas typesets \(…\) with MathJax: a file's \href or \style is no command there.
    title, text, feedback = inert_tex(title), inert_tex(text), inert_tex(feedback)
    return "\n".join([
        f"      <item ident={quoteattr(ident)} title={quoteattr(title)}>",
        "        <itemmetadata><qtimetadata>",
        "          <qtimetadatafield><fieldlabel>question_type</fieldlabel><fieldentry>numerical_question</fieldentry>"
        "</qtimetadatafield>",
        f"          <qtimetadatafield><fieldlabel>points_possible</fieldlabel><fieldentry>{item.points / count:.12g}"
        "</fieldentry></qtimetadatafield>",
        f"          <qtimetadatafield><fieldlabel>nnsteps_problem</fieldlabel><fieldentry>{escape(item.id)}"
        "</fieldentry></qtimetadatafield>",
        "        </qtimetadata></itemmetadata>",
        f'        <presentation><material><mattext texttype="text/html">{escape(text)}</mattext></material>',
        '          <response_str ident="response1" rcardinality="Single"><render_fib fibtype="Decimal">'
        '<response_label ident="answer1"/></render_fib></response_str>',
        "        </presentation>",
        "        <resprocessing>",
        '          <outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>',
        '          <respcondition continue="Yes"><conditionvar><other/></conditionvar>'
        '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>',
        '          <respcondition continue="No"><conditionvar><or>',
        f'            <varequal respident="response1">{value}</varequal>',
        f'            <and><vargte respident="response1">{low}</vargte><varlte respident="response1">{high}</varlte></and>',
        '          </or></conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition>',
        "        </resprocessing>",
        '        <itemfeedback ident="general_fb"><flow_mat><material>'
        f'<mattext texttype="text/html">{escape(feedback)}</mattext></material></flow_mat></itemfeedback>',
        "      </item>"])


def _bounds(value: Any, tol: float) -> tuple[str, str]:
    """The accepted range as decimals.

    >>> _bounds(7, 0.0), _bounds(0.5, 0.0005)
    (('7', '7'), ('0.4995', '0.5005'))
    """
    if tol == 0:
        return number_text(value), number_text(value)
    return format(float(value) - tol, ".15g"), format(float(value) + tol, ".15g")


def _feedback(item: Item) -> str:
    from nnsteps.render.html import worked_to_html

    return worked_to_html(item.worked, heading=f"Worked solution: {item.id}")
