"""Varying a problem's numbers with its structure kept, and telling a degenerate problem.

:func:`vary` redraws every number of a problem's data (arrays, values, the numbers inside lists and
mappings: an mlp's weights, an rnn's weights, a pipeline step's kernel) small and readable, as
:mod:`nnsteps.generation.common` draws them, within the range the original's numbers suggest:
labels and indices stay in their range, 0/1 masks stay masks, one-hot rows one-hot, probability rows
sum to 1, positive stays positive, and the rows of the fields a generator names ``ordered`` keep their
order (a box's x1 ≤ x2). What is structure stays as written: shapes, choices, flags,
integers and pairs (stride, kernel_size, layer sizes), hyperparameters (the number fields: learning
rate, eps, momentum) and text. :func:`variant` then has the kind's solver judge each draw.
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation.common import ints, one, tenths
from nnsteps.problems.params import FieldType

MAX_TRIES = 20
"""Draws of a generator (or of a variant) before a solvable, non-degenerate problem is given up on."""


def kind_unavailable(err: NnstepsError) -> bool:
    """True for an error no redraw can mend: the kind, or a field of it, is unknown here.

    >>> kind_unavailable(NnstepsError("unknown kind 'x'", field="kind"))
    True
    """
    return err.field == "kind" or "unknown kind" in err.message or "unknown field" in err.message


def solve_full(problem: dict[str, Any]) -> Any:
    """The worked solution of a drawn problem: solving it is how a draw is checked.

    >>> solve_full({"id": "r", "kind": "relu", "input": "1 -2"}).value.tolist()
    [1, 0]
    """
    from nnsteps.problems.solve import solve_problem

    return solve_problem(problem).worked

# Data-typed fields that hold structure, not data: layer_norm's shape, init's shape, metrics' label
# names, network's asked cells, Adam's betas (hyperparameters), a beam search's vocabulary.
STRUCTURE = frozenset({"normalized_shape", "shape", "labels", "ask", "betas", "vocab", "references"})
_DATA = (FieldType.ARRAY, FieldType.VALUE, FieldType.LIST, FieldType.MAPPING)
_COMMON = frozenset({"id", "kind", "title", "points", "description"})
MAX_DRAWN = 10**6
"""The largest magnitude a redrawn number takes, whatever the original's (a variant is an exercise)."""


def vary(problem: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """A copy of ``problem`` with the numbers of its data fields redrawn, its structure kept.

    >>> p = {"id": "q", "kind": "conv2d", "input": "1 2 0; 0 1 2; 2 0 1", "kernel": [[1, 0], [0, -1]], "stride": 1}
    >>> v = vary(p, np.random.default_rng(0))
    >>> v["input"], v["kernel"], v["stride"]
    ('2 1 1; 0 0 0; 0 0 0', [[2, 1], [2, 0]], 1)
    """
    return _vary_fields(problem, str(problem.get("kind")), rng)


def _vary_fields(problem: dict[str, Any], name: str, rng: np.random.Generator) -> dict[str, Any]:
    from nnsteps.problems.registry import find_kind

    kind = find_kind(name)  # imports only that kind's module
    if kind is None:
        return dict(problem)
    types = {f.name: f.type for f in kind.specs}
    out = {}
    for key, value in problem.items():
        data = key not in _COMMON and key not in STRUCTURE and types.get(key) in _DATA
        out[key] = _redraw(value, rng, ordered=key in kind.generator_ordered) if data else value
    return out


def _redraw(value: Any, rng: np.random.Generator, ordered: bool = False) -> Any:
    from nnsteps.problems.registry import KINDS

    if isinstance(value, dict):
        if "kind" in value:  # a pipeline step {kind: conv2d, kernel: ...}: varied as a problem of its kind
            return vary(value, rng)
        if len(value) == 1 and isinstance(step := next(iter(value)), str) and step in KINDS:
            inner = value[step]  # a pipeline step {conv2d: {kernel: ...}}
            return {step: _vary_fields(inner, step, rng) if isinstance(inner, dict) else inner}
        return {k: v if k in STRUCTURE else _redraw(v, rng) for k, v in value.items()}
    if isinstance(value, str):
        return _redraw_text(value, rng)
    if _is_number(value):
        return _draw_like(np.array([value], dtype=object), rng)[0]
    if isinstance(value, list) and value:
        arr = _numeric_array(value)
        if arr is None:
            return [_redraw(v, rng, ordered) for v in value]
        drawn = _draw_like(arr, rng)
        return (_in_order(arr, drawn, rng) if ordered else drawn).tolist()
    return value


def _in_order(original: np.ndarray, drawn: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``drawn``'s values in each row ranked as ``original``'s row is (ties kept tied), so a box keeps
    x1 ≤ x2; a row whose draws have too few distinct values keeps its original."""
    out = drawn.reshape(-1, original.shape[-1]).copy()
    for row, old in zip(out, original.reshape(-1, original.shape[-1])):
        ranks = sorted(set(old))
        pool = sorted(set(row.tolist()))
        if len(pool) < len(ranks):
            row[:] = old
            continue
        new = [pool[i] for i in sorted(rng.choice(len(pool), size=len(ranks), replace=False))]
        row[:] = [new[ranks.index(v)] for v in old]
    return out.reshape(original.shape)


def _redraw_text(text: str, rng: np.random.Generator) -> str:
    """A grid typed as text ("1 2; 3 4") redrawn and written back the same way; other text kept."""
    from nnsteps.arrays import as_array

    try:
        arr = as_array(text)
    except NnstepsError:
        return text
    if arr.dtype != object or arr.ndim > 2 or not all(_is_number(v) for v in arr.flat):
        return text
    drawn = _draw_like(arr, rng)
    rows = drawn.reshape(1, -1) if drawn.ndim < 2 else drawn
    return "; ".join(" ".join(_text(v) for v in row) for row in rows)


def _text(v: Any) -> str:
    from nnsteps.numfmt import exact_decimal

    return exact_decimal(v) if isinstance(v, Fraction) else str(v)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


def _numeric_array(value: list[Any]) -> np.ndarray | None:
    """A rectangular list of exact numbers as an object array, else None."""
    try:
        arr = np.array(value, dtype=object)
    except ValueError:
        return None
    if arr.size == 0 or any(isinstance(v, list) or not _is_number(v) for v in arr.flat):
        return None
    return arr


def _draw_like(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """New numbers of ``arr``'s shape, from the domain its numbers suggest."""
    vals = list(arr.flat)
    shape = arr.shape
    # the file's numbers suggest the domain, within bounds: 1e299 would ask numpy for ints past int64
    lo, hi = (max(-MAX_DRAWN, min(MAX_DRAWN, v)) for v in (min(vals), max(vals)))
    rows = arr.reshape(-1, shape[-1]) if arr.ndim else arr.reshape(1, 1)
    if all(isinstance(v, int) or v.denominator == 1 for v in vals):
        if set(vals) <= {0, 1} and rows.size > 2 and rows.shape[1] > 1 and all(sum(r) == 1 for r in rows):
            return _one_hot(rows.shape, rng).reshape(shape)
        if (-1 in vals and set(vals) <= {-1, 1}) or (len(vals) >= 4 and set(vals) <= {0, 1}):  # labels ±1, a mask
            choices = [-1, 1] if -1 in vals else [0, 1]
            return np.array([one(rng, choices) for _ in vals], dtype=object).reshape(shape)
        width = max(int(hi - lo), 2 if len(vals) > 2 else 4)  # two numbers need room to differ
        if lo >= 0:  # counts, labels, indices: from 0 (or 1) up to the largest, kept in range
            low = 1 if lo >= 1 else 0
            high = max(int(hi), low + width)
        elif hi <= 0:
            high = -1 if hi <= -1 else 0
            low, high = min(int(lo), high - width), high
        else:
            low, high = min(int(lo), -2), max(int(hi), 2)
        return np.array(ints(rng, shape, low, high), dtype=object).reshape(shape)
    if lo >= 0 and rows.shape[1] > 1 and all(sum(r) == 1 for r in rows):
        return _simplex(rows.shape, rng, positive=lo > 0).reshape(shape)
    if lo > 0 and hi < 1:
        low, high = 1, 9
    elif lo >= 0 and hi <= 1:
        low, high = 0, 10
    else:
        low, high = floor(lo * 10), ceil(hi * 10)
    return np.array(tenths(rng, shape, low, high), dtype=object).reshape(shape)


def _one_hot(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(shape, dtype=object)
    for r in range(shape[0]):
        out[r, int(rng.integers(0, shape[1]))] = 1
    return out


def _simplex(shape: tuple[int, ...], rng: np.random.Generator, *, positive: bool) -> np.ndarray:
    """Rows of tenths summing to 1 (every entry at least 0.1 when ``positive`` and the row allows)."""
    out = np.empty(shape, dtype=object)
    n = shape[1]
    floor_each = 1 if positive and n <= 10 else 0
    for r in range(shape[0]):
        cuts = np.sort(rng.integers(0, 10 - floor_each * n + 1, size=n - 1))
        parts = np.diff(np.concatenate([[0], cuts, [10 - floor_each * n]])) + floor_each
        for c, part in enumerate(parts):
            f = Fraction(int(part), 10)
            out[r, c] = int(f) if f.denominator == 1 else f
    return out


def degenerate(answer: Any) -> str | None:
    """Why a solved problem is no exercise (its outputs all equal, its gradients all zero), or None.

    >>> degenerate({"output": [[-2, -2], [-2, -2]]}), degenerate({"output": [1, 2], "grads": {"input": [0, 0]}})
    ('every output is -2', 'every gradient is zero')
    >>> degenerate([1, 0]) is None
    True
    """
    from nnsteps.grading.compare import plain

    answer = plain(answer)
    output = answer.get("output") if isinstance(answer, dict) else answer
    values = _numbers(output) if isinstance(output, list) else []
    if len(values) >= 2 and all(v == values[0] for v in values):
        return f"every output is {_text(values[0])}"
    if isinstance(answer, dict) and "grads" in answer:
        grads = _numbers(answer["grads"])
        if grads and all(v == 0 for v in grads):
            return "every gradient is zero"
    return None


def _numbers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    return [value] if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool) else []


def has_numbers(problem: dict[str, Any]) -> bool:
    """Whether :func:`vary` finds numbers to redraw in ``problem`` (a network spec has none).

    >>> has_numbers({"id": "q", "kind": "relu", "input": "1 -2"}), has_numbers({"id": "n", "kind": "network",
    ...                                                                         "spec": "input 4x4x1"})
    (True, False)
    """
    return any(repr(vary(problem, np.random.default_rng(i))) != repr(problem) for i in range(4))


def variant(base: dict[str, Any], pid: str, rng: np.random.Generator, taken: list[dict[str, Any]],
             allowed: str | None = None, title: str | None = None) -> tuple[dict[str, Any], Any]:
    """``base`` with its numbers redrawn: solvable, not degenerate unless ``base`` is so the same way
    (``allowed``), and new (not ``base`` nor one ``taken``) unless a structure with few numbers has no new
    one left; after ``3 × MAX_TRIES`` draws, an error. Returns the problem and its worked solution.

    >>> base = {"id": "r", "kind": "relu", "input": "1 -2; 3 -4"}
    >>> problem, worked = variant(base, "r-1", np.random.default_rng(2), [])
    >>> problem["id"], problem["input"] != base["input"], worked.value.shape
    ('r-1', True, (2, 2))
    """
    seen = {_body(base), *(_body(p) for p in taken)}
    why = "it repeats another"
    for attempt in range(3 * MAX_TRIES):  # a variant is cheap to draw: more tries before giving up
        problem = {**vary(base, rng), "id": pid, **({"title": title} if title else {})}
        if _body(problem) in seen and attempt < 2 * MAX_TRIES:  # then a repeat is better than nothing
            continue
        try:
            worked = solve_full(problem)
        except NnstepsError as err:
            if kind_unavailable(err):
                raise err.located(problem=pid) from None
            why = f"it fails: {err.message}"
            continue
        reason = degenerate(worked.answer)
        if reason is None or reason == allowed:
            return problem, worked
        why = f"it is degenerate: {reason}"
    raise NnstepsError(f"no usable variant of problem {base['id']} in {3 * MAX_TRIES} draws (the last: {why})",
                       problem=pid)


def _body(problem: dict[str, Any]) -> str:
    return repr({k: v for k, v in problem.items() if k not in ("id", "title")})
