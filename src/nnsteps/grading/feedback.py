"""Finding the worked derivation of one answer cell, and writing feedback at four levels.

The derivation comes from the solver's own steps: a step whose ``data["cell"]`` is the cell (grid
ops; re-solved with ``detail: [[i, j]]`` when the first solve did not expand it), or whose
``data["answer"]`` names the field (``"grads.w_in"``), or, for a named field outside any
array (``loss``, ``params_ratio``), the first step whose result is exactly the key's value: an array entry
is never matched by value, since another quantity (an output size, say) may share it.
"""

from __future__ import annotations

from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.grading.compare import WRONG_SHAPE, Cell
from nnsteps.numbers import to_text
from nnsteps.work import Step, Worked

LEVELS = ("full", "hints", "mistakes", "score")
"""How much feedback reveals: ``full`` (the key value and the derivation of the cell discussed), ``hints``
(the wrong cells, the likely mistake and the rule), ``mistakes`` (the wrong cells and the likely mistake:
no key value, no derivation, no rule; what an autograder shows by default), ``score`` (nothing)."""


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
    return _by_value(worked, cell) if not index else None


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
    return _by_value(worked, cell) if not any(isinstance(p, int) for p in cell.path) else None


def _by_value(worked: Worked, cell: Cell) -> Step[Any] | None:
    if cell.expected is None or isinstance(cell.expected, (str, list, dict)):
        return None
    if _shared(worked.answer, cell.expected) != 1:
        return None  # a value two cells of the answer share cannot tell which of them a step derives
    for step in worked.walk():
        result = step.result
        if step.formula and not hasattr(result, "shape") and not isinstance(result, (str, list, dict)):
            try:
                if result is not None and result == cell.expected:
                    return step
            except (TypeError, ValueError):
                continue
    return None


def _shared(answer: Any, value: Any) -> int:
    """How many leaves of an answer equal ``value``.

    >>> _shared({"a": [3, 1], "b": {"c": 3}}, 3)
    2
    """
    from nnsteps.grading.compare import plain

    stack, count = [plain(answer)], 0
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif not isinstance(item, str):
            try:
                count += bool(item == value)
            except (TypeError, ValueError):
                continue
    return count


def discussed(cells: list[Cell]) -> Cell | None:
    """The cell feedback discusses (its value, its derivation): the first answered wrong, else the first left out.

    >>> discussed([Cell((0,), 1, None, "missing"), Cell((1,), 2, 3, "wrong")]).where
    '[1]'
    """
    wrong = [c for c in cells if not c.credit and c.verdict != "missing"]
    missing = [c for c in cells if c.verdict == "missing"]
    return next(iter(wrong or missing), None)


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
    values; ``mistakes``: which cells are wrong and the likely mistake; ``score``: nothing. A cell
    left out is "not answered" (the cell discussed is one the student wrote wrong, when there is one).

    >>> write_feedback([Cell((0,), 1, 1, "correct")], [], None, None, "full")
    'All correct.'
    >>> print(write_feedback([Cell(("y",), 1, 1, "correct"), Cell(("loss",), 2, None, "missing")], [], None,
    ...                      None, "full"))
    1 of 2 entries not answered: loss.
    loss: not answered; the key is 2.
    """
    if level == "score":
        return ""
    if not answered:
        return "No answer given."
    missing = [c for c in cells if c.verdict == "missing"]
    wrong = [c for c in cells if not c.credit and c.verdict != "missing"]
    follow = [c for c in cells if c.verdict == "follow-on"]
    lines: list[str] = []
    if not wrong and not missing:
        lines.append("All correct." if not follow else
                     f"Correct, with {len(follow)} entr{'y' if len(follow) == 1 else 'ies'} marked follow-on "
                     f"({follow[0].note}).")
        return " ".join(lines)
    for group, what in ((wrong, "wrong"), (missing, "not answered")):
        if group:
            shown = ", ".join(c.where for c in group[:8]) + (", …" if len(group) > 8 else "")
            lines.append(f"{len(group)} of {len(cells)} entries {what}: {shown}.")
    lines += notes
    if mistake:
        lines.append(f"Likely mistake: {mistake}.")
    review = [c for c in cells if c.verdict == "review"]
    if review:
        lines.append(f"Could not confirm {', '.join(c.where for c in review[:8])}; marked for review.")
    first = discussed(cells)
    assert first is not None
    # An entry of a wrong-shaped answer has no counterpart in the key: the shape note above says it all.
    lines_up = first.note != WRONG_SHAPE
    if first.note and first.verdict in ("wrong", "review") and lines_up:  # an unreadable formula, where it differs
        lines.append(f"{first.where}: {first.note}.")
    if fmt == "markdown":  # the student's text and the notes quoting it: shown, never read as HTML
        from nnsteps.escape import markdown_text

        lines = [markdown_text(line) for line in lines]
    if level in ("hints", "mistakes"):
        if level == "hints" and step is not None and step.formula:
            lines.append(f"Hint for {first.where}: the rule is {_formula(step, fmt)}")
        return "\n".join(lines)
    if lines_up:
        if first.verdict == "missing":
            said = f"{first.where}: not answered; the key is {given_text(first.expected)}."
        else:
            wrote = "not given" if first.given is None else f"you wrote {first.shown}"
            said = f"{first.where}: {wrote}, the key is {given_text(first.expected)}."
        if fmt == "markdown":
            said = markdown_text(said)
        lines.append(said)
    if step is not None:
        lines.append(f"Derivation of {first.where}:")
        lines.append(_render(step, fmt))
    return "\n".join(lines)


def _formula(step: Step[Any], fmt: str) -> str:
    if fmt == "markdown":
        from nnsteps.escape import markdown_math

        return f"${markdown_math(step.formula or '')}$"
    from nnsteps.render.latex_text import latex_to_text

    return latex_to_text(step.formula or "")


def _render(step: Step[Any], fmt: str) -> str:
    if fmt == "markdown":
        from nnsteps.render.markdown import step_to_markdown

        return step_to_markdown(step)
    from nnsteps.render.text import step_to_text

    return step_to_text(step, indent=1)
