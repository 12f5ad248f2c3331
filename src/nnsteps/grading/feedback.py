"""Finding the worked derivation of one answer cell, and writing feedback at three levels.

The derivation comes from the solver's own steps: a step whose ``data["cell"]`` is the cell (grid
ops; re-solved with ``detail: [[i, j]]`` when the first solve did not expand it), or whose
``data["answer"]`` names the field (``"grads.w_in"``), or failing those the first step whose
result is exactly the key's value.
"""

from __future__ import annotations

from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.grading.compare import WRONG_SHAPE, Cell
from nnsteps.numbers import to_text
from nnsteps.work import Step, Worked

LEVELS = ("full", "hints", "score")


def derivation(raw: dict[str, Any], worked: Worked, cell: Cell) -> Step[Any] | None:
    """The step that derives ``cell``'s key value, or None.

    >>> from nnsteps.problems.solve import solve_problem
    >>> raw = {"id": "q", "kind": "conv2d", "input": "1 2 0; 3 4 1; 0 1 2", "kernel": "1 0; 0 2"}
    >>> w = solve_problem(raw).worked
    >>> derivation(raw, w, Cell((1, 1), 8, 9, "wrong")).substituted
    '4 \\\\cdot 1 + 1 \\\\cdot 0 + 1 \\\\cdot 0 + 2 \\\\cdot 2'
    """
    index = [p for p in cell.path if isinstance(p, int)]
    is_array_cell = bool(cell.path) and all(isinstance(p, int) for p in cell.path)
    found = _find(worked, cell, index if is_array_cell else None)
    if found is not None:
        return found
    if is_array_cell and _supports_detail(raw) and len(index) >= 2:
        from nnsteps.problems.solve import solve_problem

        try:
            again = solve_problem({**raw, "detail": [index]}).worked
        except NnstepsError:
            return None
        return _find(again, cell, index)
    return _by_value(worked, cell)


def _supports_detail(raw: dict[str, Any]) -> bool:
    from nnsteps.problems.registry import load_kinds

    KINDS = load_kinds()

    kind = KINDS.get(str(raw.get("kind")))
    return kind is not None and "detail" in kind.fields


def _find(worked: Worked, cell: Cell, index: list[int] | None) -> Step[Any] | None:
    """The last step naming the cell (in a pipeline, the last stage's comes last)."""
    found: Step[Any] | None = None
    for step in worked.walk():
        data = step.data or {}
        if data.get("answer") == cell.where:
            return step
        if index is not None and "cell" in data:
            full = list(data["cell"])
            if full[-len(index):] == index and all(v == 0 for v in full[: -len(index)]):
                found = step
    if found is not None or index is not None:
        return found
    return _by_value(worked, cell)


def _by_value(worked: Worked, cell: Cell) -> Step[Any] | None:
    if cell.expected is None or isinstance(cell.expected, (str, list, dict)):
        return None
    for step in worked.walk():
        result = step.result
        if step.formula and not hasattr(result, "shape") and not isinstance(result, (str, list, dict)):
            try:
                if result is not None and result == cell.expected:
                    return step
            except (TypeError, ValueError):
                continue
    return None


def given_text(value: Any) -> str:
    """A student's value as text ("—" when missing).

    >>> given_text(None), given_text("abc")
    ('—', 'abc')
    """
    if isinstance(value, str):
        return value
    return to_text(value)


def write_feedback(
    cells: list[Cell],
    notes: list[str],
    mistake: str | None,
    step: Step[Any] | None,
    level: str,
    fmt: str = "text",
    answered: bool = True,
) -> str:
    """Feedback for one problem. ``full``: the first wrong cell's derivation beside what the
    student wrote; ``hints``: which cells are wrong, the likely mistake and the rule, no key
    values; ``score``: nothing.

    >>> write_feedback([Cell((0,), 1, 1, "correct")], [], None, None, "full")
    'All correct.'
    """
    if level == "score":
        return ""
    if not answered:
        return "No answer given."
    wrong = [c for c in cells if not c.credit]
    follow = [c for c in cells if c.verdict == "follow-on"]
    lines: list[str] = []
    if not wrong:
        lines.append("All correct." if not follow else
                     f"Correct, with {len(follow)} entr{'y' if len(follow) == 1 else 'ies'} marked follow-on "
                     f"({follow[0].note}).")
        return " ".join(lines)
    shown = ", ".join(c.where for c in wrong[:8]) + (", …" if len(wrong) > 8 else "")
    lines.append(f"{len(wrong)} of {len(cells)} entries wrong or missing: {shown}.")
    lines += notes
    if mistake:
        lines.append(f"Likely mistake: {mistake}.")
    review = [c for c in cells if c.verdict == "review"]
    if review:
        lines.append(f"Could not confirm {', '.join(c.where for c in review[:8])}; marked for review.")
    first = wrong[0]
    # An entry of a wrong-shaped answer has no counterpart in the key: the shape note above says it all.
    lines_up = first.note != WRONG_SHAPE
    if first.note and first.verdict in ("wrong", "review") and lines_up:  # an unreadable formula, where it differs
        lines.append(f"{first.where}: {first.note}.")
    if level == "hints":
        if step is not None and step.formula:
            lines.append(f"Hint for {first.where}: the rule is {_formula(step, fmt)}")
        return "\n".join(lines)
    if lines_up:
        wrote = "not given" if first.given is None else f"you wrote {first.shown}"
        lines.append(f"{first.where}: {wrote}, the key is {given_text(first.expected)}.")
    if step is not None:
        lines.append(f"Derivation of {first.where}:")
        lines.append(_render(step, fmt))
    return "\n".join(lines)


def _formula(step: Step[Any], fmt: str) -> str:
    if fmt == "markdown":
        return f"${step.formula}$"
    from nnsteps.render.latex_text import latex_to_text

    return latex_to_text(step.formula or "")


def _render(step: Step[Any], fmt: str) -> str:
    if fmt == "markdown":
        from nnsteps.render.markdown import step_to_markdown

        return step_to_markdown(step)
    from nnsteps.render.text import step_to_text

    return step_to_text(step, indent=1)
