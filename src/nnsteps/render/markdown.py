"""Markdown with LaTeX (``$$…$$`` display math, ``bmatrix``), the way a TA writes a solution."""

from __future__ import annotations

from typing import Any

from nnsteps.escape import markdown_math, markdown_text
from nnsteps.render.values import latex_value
from nnsteps.work import Step, Worked, heading


def step_equation(step: Step[Any]) -> str | None:
    """The step as one chain: formula = substituted = result (whichever parts it has).

    >>> step_equation(Step("h", formula="h = a b", substituted=r"2 \\cdot 3", result=6))
    'h = a b = 2 \\\\cdot 3 = 6'
    """
    parts = [p for p in (step.formula, step.substituted) if p]
    if step.result is not None:
        result = latex_value(step.result, step.stack)
        if not parts or result != parts[-1]:
            parts.append(result)
    return " = ".join(parts) if parts else None


def step_to_markdown(step: Step[Any], depth: int = 0) -> str:
    """One step as Markdown: its title (bold at the top, italic below), its equation as display math,
    its note as a quote, then its child steps (text with its HTML escaped: titles and notes carry tokens and
    names from problem files).

    >>> s = Step("Sum", formula="y = a + b", substituted="1 + 2", result=3, note="a = 1, b = 2")
    >>> print(step_to_markdown(s))
    **Sum**
    <BLANKLINE>
    $$y = a + b = 1 + 2 = 3$$
    <BLANKLINE>
    > a = 1, b = 2
    <BLANKLINE>
    """
    title = markdown_text(step.title)
    lines = [f"**{title}**" if depth == 0 else f"*{title}*", ""]
    equation = step_equation(step)
    if equation:
        lines += [f"$${markdown_math(equation)}$$", ""]
    if step.note:
        lines += [f"> {markdown_text(step.note)}", ""]
    for child in step.steps:
        lines.append(step_to_markdown(child, depth + 1))
    return "\n".join(lines)


def worked_to_markdown(worked: Worked, *, heading: str | None = None, level: int = 2, brief: bool = False) -> str:
    """A worked solution as Markdown: the answer first, then the work (``brief``: the answer only).

    >>> w = Worked("relu", value=3, steps=[Step("ReLU", formula=r"\\max(0, z)", substituted=r"\\max(0, 3)", result=3)])
    >>> print(worked_to_markdown(w, heading="q5b"))
    ## q5b
    <BLANKLINE>
    **Answer:** $3$
    <BLANKLINE>
    **ReLU**
    <BLANKLINE>
    $$\\max(0, z) = \\max(0, 3) = 3$$
    <BLANKLINE>
    """
    from nnsteps.render.answer import answer_view
    from nnsteps.render.answer_text import answer_markdown

    out = []
    title = heading or worked.title
    if title:
        out += [f"{'#' * level} {markdown_text(title)}", ""]
    answer = answer_markdown(answer_view(worked, brief=brief))
    if answer:
        out += [answer, ""]
    if brief:
        return "\n".join(out)
    for step in worked.steps:
        out.append(step_to_markdown(step))
    return "\n".join(out)


def solved_file_to_markdown(title: str | None, items: list[tuple[str, Worked]], *, brief: bool = False) -> str:
    """A whole problem file's solutions as one Markdown document (``brief``: the answers only).

    >>> w = Worked("sum", value=3, steps=[Step("Sum", formula="y = a + b", substituted="1 + 2", result=3)])
    >>> print(solved_file_to_markdown("Quiz", [("q1", w)]))
    # Quiz
    <BLANKLINE>
    ## q1
    <BLANKLINE>
    **Answer:** $3$
    <BLANKLINE>
    **Sum**
    <BLANKLINE>
    $$y = a + b = 1 + 2 = 3$$
    <BLANKLINE>
    """
    out = [f"# {markdown_text(title)}", ""] if title else []
    for pid, worked in items:
        out.append(worked_to_markdown(worked, heading=heading(f"{pid}", worked.title), brief=brief))
    return "\n".join(out).rstrip() + "\n"
