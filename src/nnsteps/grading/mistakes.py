"""Likely mistakes, named: re-solve the problem under a known wrong convention and see whether the
student's answer is what that convention gives.

Each mistake is a change to a copy of the problem dict (flip toggled, padding dropped, ...), so
the wrong answer comes from the same solver as the key; nothing here re-derives a formula. A
mistake is offered only where the problem's kind has the field it changes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from nnsteps.errors import NnstepsError
from nnsteps.grading.compare import Cell, compare
from nnsteps.grading.mutations import *  # noqa: F403  (kind records reach the mutations as mistakes.<name>)
from nnsteps.grading.mutations import CONVENTION, Mutation, Raw
from nnsteps.grading.tolerance import Tolerance
from nnsteps.numbers import parse_number

if TYPE_CHECKING:
    from nnsteps.problems.params import Params


def likely_mistake(raw: Raw, key: Any, given: Any, tol: Tolerance,
                   wrong_answers: list[tuple[str, Any]] | None = None) -> str | None:
    """The first known wrong convention whose answer equals the student's, or None.

    ``wrong_answers`` (from :func:`mistaken_answers`) saves re-solving when grading many students.

    >>> raw = {"id": "q", "kind": "conv2d", "input": "1 2 0; 3 4 1; 0 1 2", "kernel": "1 0; 0 2"}
    >>> key = [[9, 4], [5, 8]]
    >>> likely_mistake(raw, key, [[6, 5], [7, 10]], Tolerance())
    'kernel flipped: true convolution instead of cross-correlation (PyTorch does not flip)'
    """
    for name, wrong in wrong_answers if wrong_answers is not None else mistaken_answers(raw, key, tol):
        try:
            if compare(wrong, given, tol).all_credit:
                return name
        except NnstepsError:
            continue  # the wrong convention answers other fields (a dropped bias has no gradient): not this one
    return None


def mistaken_answers(raw: Raw, key: Any, tol: Tolerance | None = None) -> list[tuple[str, Any]]:
    """(name, answer) for every wrong convention that applies and changes the answer.

    >>> raw = {"id": "q", "kind": "max_pool2d", "input": "1 2; 3 4", "kernel_size": 2}
    >>> [name for name, _ in mistaken_answers(raw, [[4]])]
    ['wrong pooling window (one smaller)', 'averaged instead of taking the max']
    """
    from nnsteps.problems.solve import solve_problem

    tol = tol or Tolerance()
    out = []
    from nnsteps.ops.convention import following

    for name, changed in candidates(raw):
        conventions = changed.pop(CONVENTION, {})
        try:
            with following(conventions):  # the same solver, slipping in the one step the mistake names
                wrong = solve_problem(without_detail(changed)).worked.answer
        except (NnstepsError, ValueError, ZeroDivisionError, OverflowError):
            continue
        try:
            if compare(key, wrong, tol, complete=True).all_credit:
                continue  # this convention gives the right answer here: it explains nothing
        except NnstepsError:
            pass  # it answers other fields (rmsprop's centred ḡ): not the key, so a candidate still
        out.append((name, wrong))
    return out


def without_detail(raw: Raw) -> Raw:
    """A copy that skips the term-by-term expansion where the kind allows it (faster).

    >>> without_detail({"kind": "conv2d", "input": "1 2; 3 4", "kernel": "1"})["detail"]
    'none'
    >>> without_detail({"kind": "conv2d", "input": "1 2; 3 4", "kernel": "1", "detail": "all"})["detail"]
    'all'
    """
    from nnsteps.problems.registry import load_kinds

    KINDS = load_kinds()

    kind = KINDS.get(str(raw.get("kind")))
    if kind is not None and "detail" in kind.fields and "detail" not in raw:
        return {**raw, "detail": "none"}
    return raw


def candidates(raw: Raw) -> Iterator[tuple[str, Raw]]:
    """Every wrong convention that applies to this problem, as (name, changed copy).

    >>> raw = {"id": "q", "kind": "conv2d", "input": "1 2; 3 4", "kernel": "1 2; 0 3", "padding": 1}
    >>> [name for name, _ in candidates(raw)]
    ['kernel flipped: ...', 'padding forgotten (P = 0)', 'padding doubled', 'kernel transposed']
    """
    from nnsteps.problems.registry import load_kinds

    kind = load_kinds().get(str(raw.get("kind")))
    for name, mutate in kind.likely_mistakes(raw) if kind else []:
        changed = mutate(copy.deepcopy(raw))
        if changed is not None and _allowed(changed):
            yield name, changed


def _allowed(raw: Raw) -> bool:
    from nnsteps.problems.registry import COMMON_FIELDS, load_kinds

    KINDS = load_kinds()

    kind = KINDS.get(str(raw.get("kind")))
    return kind is not None and all(k in kind.fields or k in COMMON_FIELDS or k == CONVENTION for k in raw)


def stage_candidates(p: Params) -> list[tuple[str, Mutation]]:
    """A parsed pipeline's likely mistakes: each stage's own, applied to that stage (as mutations of the pipeline).

    >>> from nnsteps.problems.registry import load_kinds
    >>> raw = {"kind": "pipeline", "input": "1 2; 3 4", "steps": ["relu", {"max_pool2d": {"kernel_size": 2}}]}
    >>> [name for name, _ in stage_candidates(load_kinds()["pipeline"].parse(raw))][:2]
    ['stage 2 (max_pool2d): floor and ceil mixed up (ceil_mode toggled)', 'stage 2 (max_pool2d): stride ignored (S = 1, overlapping windows)']
    """
    def fixed(steps: list[Any], conventions: Any) -> Mutation:
        def mutate(raw: Raw) -> Raw:
            whole = {**raw, "steps": steps}
            if conventions:
                whole[CONVENTION] = {**raw.get(CONVENTION, {}), **conventions}
            return whole

        return mutate

    return [(name, fixed(steps, conventions)) for name, steps, conventions in _stage_candidates(p)]


def _stage_candidates(p: Params) -> Iterator[tuple[str, list[Any], Any]]:
    from nnsteps.problems.registry import load_kinds

    kinds = load_kinds()
    stages = p.steps
    if not isinstance(stages, list):
        return
    learns = p.target is not None or p.upstream is not None
    for i, stage in enumerate(stages):
        if isinstance(stage, dict) and len(stage) == 1:
            (name, opts), = stage.items()
            opts = dict(opts or {})
        elif isinstance(stage, str):
            name, opts = stage, {}
        else:
            continue
        stage_kind = kinds.get(str(name))
        stage_raw = {"kind": name, **opts}
        if learns:  # the stage's backward pass runs: its gradient mistakes apply (its upstream comes from after it)
            stage_raw["upstream"] = "(from the next stage)"
        for label, mutate in stage_kind.likely_mistakes(stage_raw) if stage_kind else []:
            changed = mutate(copy.deepcopy(stage_raw))
            if changed is None:
                continue
            if learns:
                changed.pop("upstream", None)
            new_name = changed.pop("kind")
            conventions = changed.pop(CONVENTION, None)  # a convention holds for the whole re-solve
            new_stages = list(stages)
            new_stages[i] = {new_name: changed} if changed or new_name != name else new_name
            yield f"stage {i + 1} ({name}): {label}", new_stages, conventions


# --- a sign slip in one term ----------------------------------------------------------------

_TERM_RE = re.compile(r"^\s*(?P<a>.+?)\s*\\cdot\s*(?P<b>.+?)\s*$")


def sign_slip(cell: Cell, substituted: str | None) -> str | None:
    """Name a sign slip when the student's value is the key with one product term's sign flipped.

    >>> c = Cell((0, 0), 7, 5, "wrong")
    >>> sign_slip(c, r"1 \\cdot 1 + 1 \\cdot 4 + 1 \\cdot 1 + 0 \\cdot 2")
    'a sign slip in one term: 1 \\\\cdot 1 counted as -1'
    """
    # Only a number the student wrote; text that failed to parse ('1/0', '1e999999999') stays as given.
    if not substituted or isinstance(cell.given, bool) or not isinstance(cell.given, (int, Fraction, float)):
        return None
    try:
        diff = Fraction(cell.given) - Fraction(cell.expected)
    except (TypeError, ValueError):
        return None
    if diff == 0:
        return None
    for term in substituted.split(" + "):
        m = _TERM_RE.match(term)
        if not m:
            continue
        a, b = _operand(m.group("a")), _operand(m.group("b"))
        if a is None or b is None:
            continue
        product = a * b
        if product != 0 and diff == -2 * product:
            from nnsteps.numbers import normalize, to_text

            shown = to_text(normalize(-product))
            return f"a sign slip in one term: {term.strip()} counted as {shown}"
    return None


def _operand(text: str) -> Fraction | None:
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    try:
        return Fraction(parse_number(text))
    except (NnstepsError, TypeError, ValueError):
        return None

