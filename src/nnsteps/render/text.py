"""Plain terminal text: each step's formula, substitution and result on aligned lines."""

from __future__ import annotations

from typing import Any

from nnsteps.render.latex_text import latex_to_text
from nnsteps.render.values import text_value
from nnsteps.work import Step, Worked, heading


def step_to_text(step: Step[Any], indent: int = 0) -> str:
    """One step as text lines.

    >>> print(step_to_text(Step("Output size", formula=r"H = \\frac{a}{b}", substituted=r"\\frac{6}{2}", result=3)))
    Output size
      H = a/b
        = 6/2
        = 3
    """
    pad = "  " * indent
    lines = [pad + step.title]
    first = latex_to_text(step.formula) if step.formula else None
    rest: list[str] = []
    if step.substituted:
        rest.append(latex_to_text(step.substituted))
    if step.result is not None:
        result = text_value(step.result, step.stack)
        if not rest or result != rest[-1]:
            rest.append(result)
    body_pad = pad + "  "
    if first:
        lines.append(body_pad + first)
        lead = body_pad + "  = "
    else:
        lead = body_pad
    for i, text in enumerate(rest):
        prefix = lead if (first or i) else body_pad
        block = text.split("\n")
        lines.append(prefix + block[0])
        lines += [" " * len(prefix) + b for b in block[1:]]
    if step.note:
        lines.append(body_pad + "note: " + step.note)
    for child in step.steps:
        lines.append(step_to_text(child, indent + 1))
    return "\n".join(lines)


def worked_to_text(worked: Worked, *, heading: str | None = None, colour: bool = False,
                   brief: bool = False) -> str:
    """A worked solution as terminal text: the answer first, then the work (``brief``: the answer only).

    >>> w = Worked("sum", value=3, steps=[Step("Sum", formula="y = a + b", substituted="1 + 2", result=3)])
    >>> print(worked_to_text(w, heading="q1"))
    q1
    ==
    Answer: 3
    <BLANKLINE>
    Sum
      y = a + b
        = 1 + 2
        = 3
    """
    from nnsteps.render.answer import answer_view
    from nnsteps.render.answer_text import BOLD, RESET, answer_text

    out = []
    title = heading or worked.title
    if title:
        out.append(BOLD + title + RESET if colour else title)
        if not brief:
            out.append("=" * len(title))
    answer = answer_text(answer_view(worked, brief=brief), colour=colour, brief=brief)
    if brief:
        return "\n".join([*out, *([answer] if answer else [])])
    if answer:
        out += [answer, ""]
    for step in worked.steps:
        out.append(step_to_text(step))
    return "\n".join(out)


def solved_file_to_text(title: str | None, items: list[tuple[str, Worked]], *, colour: bool = False,
                        brief: bool = False) -> str:
    """A whole problem file's solutions as one text document: the title, then each problem under its id
    (answer first; ``brief``: the answers only, the answer key).

    >>> w = Worked("sum", value=3, steps=[Step("Sum", formula="y = a + b", substituted="1 + 2", result=3)])
    >>> print(solved_file_to_text("Quiz", [("q1", w)]))
    Quiz
    ####
    <BLANKLINE>
    q1
    ==
    Answer: 3
    <BLANKLINE>
    Sum
      y = a + b
        = 1 + 2
        = 3
    <BLANKLINE>
    """
    out = ([title] if brief else [title, "#" * len(title)]) + [""] if title else []
    for pid, worked in items:
        out += [worked_to_text(worked, heading=heading(pid, worked.title), colour=colour, brief=brief), ""]
    return "\n".join(out)
