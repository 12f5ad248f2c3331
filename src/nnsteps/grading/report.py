"""Writing a check report as terminal text, Markdown or JSON (the issue-5 contract)."""

from __future__ import annotations

import json
from typing import Any

from nnsteps.grading.compare import WRONG_SHAPE
from nnsteps.grading.feedback import given_text


def render_report(report: Any, fmt: str = "text", level: str = "full") -> str:
    """A :class:`~nnsteps.grading.check.Report` in ``text``, ``markdown`` or ``json``.

    >>> from nnsteps.grading.check import check
    >>> doc = {"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}
    >>> print(render_report(check(doc, {"q": [1, 0]}), "text"))
    score: 1/1
    tolerance: exact answers must be exact; ...
    <BLANKLINE>
    q (relu): 1/1  correct
      All correct.
    """
    from nnsteps.render.formats import CHECK, OutputFormat

    chosen = OutputFormat.parse(fmt, CHECK)  # the choices and their error text have one home
    if chosen is OutputFormat.JSON:
        return json.dumps(report.to_dict(level), indent=2, ensure_ascii=False)
    if chosen is OutputFormat.MARKDOWN:
        return _markdown(report, level)
    return _text(report, level)


def _num(x: float) -> str:
    return f"{x:.4g}"


def _text(report: Any, level: str) -> str:
    lines = []
    if report.student:
        lines.append(f"student: {report.student}")
    lines.append(f"score: {_num(report.score)}/{_num(report.max_score)}")
    lines.append(f"tolerance: {report.tolerance.describe()}")
    for p in report.problems:
        verdict = "correct" if p.correct else ("no answer" if not p.answered else "wrong")
        lines += ["", f"{p.id} ({p.kind}): {_num(p.score)}/{_num(p.max_score)}  {verdict}"]
        feedback = p.feedback(level, "text")
        if feedback:
            lines += ["  " + line for line in feedback.split("\n")]
    return "\n".join(lines)


def _markdown(report: Any, level: str) -> str:
    from nnsteps.escape import markdown_text

    def md(text: Any) -> str:  # a student's name, answers and problem ids: text in a table, never HTML
        return markdown_text(str(text)).replace("|", "\\|")

    lines = [f"# Check: {_num(report.score)} / {_num(report.max_score)}", ""]
    if report.student:
        lines += [f"Student: **{md(report.student)}**", ""]
    lines += [f"Tolerance: {report.tolerance.describe()}.", ""]
    lines += ["| problem | score | verdict |", "|---|---|---|"]
    for p in report.problems:
        verdict = "correct" if p.correct else ("no answer" if not p.answered else "wrong")
        lines.append(f"| {md(p.id)} | {_num(p.score)} / {_num(p.max_score)} | {verdict} |")
    for p in report.problems:
        lines += ["", f"## {md(p.id)}", ""]
        wrong = [c for c in p.cells if not c.credit or c.verdict == "follow-on"]
        if wrong and level == "full":
            lines += ["| entry | you wrote | key | verdict |", "|---|---|---|---|"]
            for c in wrong[:20]:
                wrote = "(answer of the wrong shape)" if c.note == WRONG_SHAPE else c.shown
                lines.append(f"| {md(c.where)} | {md(wrote)} | {md(given_text(c.expected))} | {c.verdict} |")
            lines.append("")
        feedback = p.feedback(level, "markdown")
        if feedback:
            lines.append(feedback)
    return "\n".join(lines).rstrip() + "\n"
