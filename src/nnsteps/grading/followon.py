"""Follow-on marking, the generic toolkit: a later cell that is right *given the student's own earlier
answer* earns credit, marked ``follow-on`` rather than wrong.

Each kind's own rule is its record's ``follow_on`` hook (``nnsteps.kinds.pipeline``, ``rnn``, ``mlp``):
it works out what the student's earlier values imply and hands it to these helpers, which compare and
mark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.grading.compare import Comparison, compare
from nnsteps.grading.tolerance import Tolerance
from nnsteps.numbers import parse_number


def mark(result: Comparison, prefix: tuple[Any, ...], consistent: Any, given: Any, tol: Tolerance, note: str) -> None:
    """Mark the uncredited cells under ``prefix`` ``follow-on`` when ``given`` equals ``consistent`` (the value
    the student's own earlier answer implies).

    >>> result = compare({"h": 1, "y": 2}, {"h": 3, "y": 6}, Tolerance())
    >>> mark(result, ("y",), 6, 6, Tolerance(), "consistent with your h")
    >>> [(c.path, c.verdict) for c in result.cells]
    [(('h',), 'wrong'), (('y',), 'follow-on')]
    """
    if given is None or not compare(consistent, given, tol).all_credit:
        return
    for c in result.cells:
        if c.path[: len(prefix)] == prefix and not c.credit:
            c.verdict = "follow-on"
            c.note = note


def staged(result: Comparison, given_stages: Any, count: int, redo: Callable[[int, Any], Any], tol: Tolerance) -> None:
    """Stage by stage: stage k (under ``("stages", k)``) is ``follow-on`` where it equals ``redo(k, the student's
    stage k-1)``, when stage k-1 was not right. ``redo`` raises :class:`NnstepsError` where it cannot apply.

    >>> result = compare({"stages": [1, 2]}, {"stages": [3, 6]}, Tolerance())
    >>> staged(result, [3, 6], 2, lambda k, previous: 2 * previous, Tolerance())
    >>> [(c.path, c.verdict, c.note) for c in result.cells]
    [(('stages', 0), 'wrong', None), (('stages', 1), 'follow-on', 'consistent with your stage 1')]
    """
    if not isinstance(given_stages, list):
        return
    for k in range(1, min(count, len(given_stages))):
        cells = [c for c in result.cells if c.path[:2] == ("stages", k)]
        if not cells or all(c.credit for c in cells):
            continue
        previous = [c for c in result.cells if c.path[:2] == ("stages", k - 1)]
        if all(c.correct for c in previous) or given_stages[k - 1] is None:
            continue
        try:
            consistent = redo(k, given_stages[k - 1])
        except NnstepsError:
            continue
        mark(result, ("stages", k), consistent, given_stages[k], tol, f"consistent with your stage {k}")


def updated(result: Comparison, prefix: tuple[Any, ...], learning_rate: Any, params: dict[str, Any],
            grads: Any, given: Any, tol: Tolerance) -> None:
    """Each updated parameter ``name`` (under ``prefix + (name,)``) ``follow-on`` where it equals
    ``param - learning_rate * the student's gradient`` (one SGD step from the student's own gradients).

    >>> result = compare({"updated": {"w": 0.5}}, {"updated": {"w": 0}}, Tolerance())
    >>> updated(result, ("updated",), "0.5", {"w": 1}, {"w": 2}, {"w": 0}, Tolerance())
    >>> [c.verdict for c in result.cells]
    ['follow-on']
    """
    if not isinstance(grads, dict) or not isinstance(given, dict) or learning_rate is None:
        return
    from nnsteps.arrays import as_array

    try:
        lr = parse_number(learning_rate)
    except NnstepsError:
        return
    for name, value in given.items():
        if name not in grads or params.get(name) is None or grads[name] is None or value is None:
            continue
        try:
            new = as_array(params[name], name=name) - lr * as_array(grads[name], name=name)
        except (NnstepsError, ValueError, TypeError):
            continue
        mark(result, (*prefix, name), new, value, tol, "consistent with your gradients")
