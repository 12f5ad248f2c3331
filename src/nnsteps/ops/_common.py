"""Shared plumbing of the ops: reading arguments, padding, exactness, cell terms.

Nothing here computes an op's formula; it only prepares arrays and writes sums of products.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps import convargs, limits
from nnsteps.arrays import as_array, as_exact, is_exact_array, to_float
from nnsteps.errors import NnstepsError
from nnsteps.numbers import bounded, normalize, parse_number, to_latex_operand
from nnsteps.work import Step, Worked

Detail = str | Sequence[Sequence[int]]

MAX_FLOAT_OUTPUT = 100_000_000
"""Entries a float op may allocate for its padded input or its output (800 MB of float64); exact ops are
bounded by ``limits.MAX_EXACT_MACS`` instead."""


def prior_steps(x: Any, label: str = "input") -> list[Step[Any]]:
    """The work of the earlier stages, when an op is given another op's result: one sibling step per
    stage, first stage first (a chain reads in the order it ran, not nested inside out).

    >>> from nnsteps.ops.activations.elementwise import relu
    >>> [(s.title, s.result.tolist()) for s in prior_steps(relu("-5 3"))]
    [('Stage: relu', [0, 3])]
    >>> [s.title for s in prior_steps(relu(relu("-5 3")))]
    ['Stage: relu', 'Stage: relu']
    >>> prior_steps("-5 3")
    []
    """
    if isinstance(x, Worked):
        earlier = [s for s in x.steps if s.data and "stage" in s.data]
        own = [s for s in x.steps if not (s.data and "stage" in s.data)]
        title = f"Stage: {x.kind}" + (f" ({x.title})" if x.title else "")
        return [*earlier, Step(title, result=_brief(x.value), steps=own, data={"stage": x.kind})]
    return []


def _brief(value: Any) -> Any:
    return value if isinstance(value, np.ndarray) else None


def int_pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    """An int or an (h, w) pair, each >= minimum; errors name the argument (:func:`nnsteps.convargs.pair`).

    >>> int_pair(2, "stride", 1), int_pair((1, 3), "stride", 1)
    ((2, 2), (1, 3))
    """
    return convargs.pair(value, "an integer", minimum, name)


def exactness(*arrays: np.ndarray) -> bool:
    """True when every array is exact; otherwise the op runs on floats.

    >>> exactness(as_array("1 2; 3 4"), as_array("1/2 3")), exactness(as_array("1 2"), np.array([0.5, 1.0]))
    (True, False)
    """
    return all(a.dtype == object and is_exact_array(a) for a in arrays)


def as_kind(arr: np.ndarray, exact: bool) -> np.ndarray:
    """The array as the op will compute on it: unchanged when ``exact``, else as float64.

    >>> as_kind(as_array("1 2"), False), as_kind(as_array("1 2"), True)
    (array([1., 2.]), array([1, 2], dtype=object))
    """
    return arr if exact else to_float(arr)


def finish(arr: np.ndarray, exact: bool) -> np.ndarray:
    """Normalise an exact result (Fraction(7, 1) -> 7) and keep it within ``limits.MAX_NUMBER_DIGITS``;
    floats pass through.

    >>> finish(np.array([10**200], dtype=object) * 10**200, True)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: the exact result grew past the limit: expected a number of at most 300 digits, got one of about 401 digits
    """
    return _within_limit(as_exact(arr)) if exact else arr


def widest_bits(arr: np.ndarray) -> int:
    """Bits of the widest exact entry: numerator bits + denominator bits (an int's denominator counts 0).

    >>> widest_bits(np.array([3, Fraction(-1, 1000)], dtype=object))
    11
    """
    bits = 0
    for v in arr.flat:
        if type(v) is int:
            bits = max(bits, v.bit_length())
        elif isinstance(v, Fraction):
            bits = max(bits, v.numerator.bit_length() + v.denominator.bit_length())
    return bits


def check_work(macs: int, *operands: np.ndarray, what: str, field: str | None = None) -> int:
    """Refuse an exact op before any multiply when its work, ``macs`` × the bits of its widest operands,
    is over ``limits.MAX_EXACT_WORK``; else charge it to the running file budget and return it.

    Digits, not entries, set the cost of exact arithmetic: the work counts the numerator and denominator
    bits of the widest entry of each operand (at least ``limits.MIN_OPERAND_BITS`` in all).

    >>> check_work(9, as_array("1 2"), as_array("3"), what="this convolution")
    576
    >>> wide = np.array([Fraction(10**148 + 1, 10**148)], dtype=object)
    >>> check_work(3_600_000, wide, np.array([7], dtype=object), what="this convolution")
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: this convolution needs 3,600,000 multiply-accumulates of operands up to 987 bits wide together (numerator + denominator bits), 3,553,200,000 bit-MACs; the exact work limit is 256,000,000 (fewer digits, a smaller problem or NumPy float arrays)
    """
    bits = max(sum(widest_bits(a) for a in operands), limits.MIN_OPERAND_BITS)
    work = macs * bits
    if work > limits.MAX_EXACT_WORK:
        raise NnstepsError(
            f"{what} needs {macs:,} multiply-accumulates of operands up to {bits:,} bits wide together (numerator "
            f"+ denominator bits), {work:,} bit-MACs; the exact work limit is {limits.MAX_EXACT_WORK:,} (fewer digits, "
            "a smaller problem or NumPy float arrays)", field=field)
    limits.charge(work, what)
    return work


def _within_limit(arr: np.ndarray) -> np.ndarray:
    bits = 0
    for v in arr.flat:  # the widest numerator or denominator, without a call per entry
        if type(v) is int:
            bits = max(bits, v.bit_length())
        elif isinstance(v, Fraction):
            bits = max(bits, v.numerator.bit_length(), v.denominator.bit_length())
    try:
        bounded(2**bits - 1)
    except NnstepsError as err:
        raise NnstepsError(f"the exact result grew past the limit: {err.message}") from None
    return arr


def pad_array(x: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]], fill: Any = 0) -> np.ndarray:
    """Pad the last two axes; exact arrays stay object arrays.

    >>> pad_array(as_array("1 2; 3 4"), ((1, 0), (0, 1))).tolist()
    [[0, 0, 0], [1, 2, 0], [3, 4, 0]]
    """
    if x.dtype == object:
        # np.pad would fill with NumPy scalars (np.int64(0)); exact arrays hold Python numbers only.
        (top, bottom), (left, right) = pads
        out = np.full((*x.shape[:-2], x.shape[-2] + top + bottom, x.shape[-1] + left + right), fill, dtype=object)
        out[..., top : top + x.shape[-2], left : left + x.shape[-1]] = x
        return out
    width = [(0, 0)] * (x.ndim - 2) + [pads[0], pads[1]]
    return np.pad(x, width, mode="constant", constant_values=float(fill))


def product_terms(values: Sequence[Any], weights: Sequence[Any]) -> str:
    """``a_1 \\cdot w_1 + a_2 \\cdot w_2 + …`` with every number as it was used.

    >>> product_terms([1, -2], [3, Fraction(1, 2)])
    '1 \\\\cdot 3 + (-2) \\\\cdot 0.5'
    """
    pairs = list(zip(values, weights))
    return joined([f"{to_latex_operand(a)} \\cdot {to_latex_operand(w)}" for a, w in ends(pairs)], len(pairs))


def joined(terms: Sequence[str], total: int | None = None, sep: str = " + ") -> str:
    """Terms joined by ``sep``; past ``limits.MAX_SHOWN_TERMS`` only their ends, around a counted ⋯.

    ``terms`` may already be cut to its ends (``ends``) with ``total`` the full count.

    >>> joined([str(i) for i in range(100)])[-39:]
    '45 + \\\\cdots\\\\text{ (52 more) } + 98 + 99'
    """
    total = len(terms) if total is None else total
    if total <= limits.MAX_SHOWN_TERMS:
        return sep.join(terms)
    head, tail = list(terms[: limits.MAX_SHOWN_TERMS - 2]), list(terms[-2:])
    return sep.join([*head, rf"\cdots\text{{ ({total - len(head) - 2:,} more) }}", *tail])


def ends(items: Sequence[Any]) -> Sequence[Any]:
    """The items ``joined`` will show (all of them, or the first and last ones), so only those are formatted.

    >>> ends([1, 2, 3])
    [1, 2, 3]
    >>> shown = ends(range(100))
    >>> len(shown), shown[-3:]
    (48, [45, 98, 99])
    """
    if len(items) <= limits.MAX_SHOWN_TERMS:
        return items
    return [*items[: limits.MAX_SHOWN_TERMS - 2], *items[-2:]]


def exact_sum(values: Sequence[Any], exact: bool) -> Any:
    """The sum of ``values`` from 0 (0.0 on floats); an exact sum is normalised and kept within
    ``limits.MAX_NUMBER_DIGITS``.

    >>> exact_sum([Fraction(1, 2), Fraction(1, 2), 2], True), exact_sum([0.5, 0.25], False)
    (3, 0.75)
    """
    total: Any = 0 if exact else 0.0
    for v in values:
        total += v
    if exact and isinstance(total, (int, Fraction)):
        return _within_limit(np.array([normalize(total)], dtype=object))[0]
    return total


def read_bias(bias: Any, filters: int) -> np.ndarray | None:
    """A conv's bias: None, one number for every filter, or one per filter (errors name ``bias``).

    >>> read_bias("0.5", 2).tolist(), read_bias([1, 2], 2).tolist()
    ([Fraction(1, 2), Fraction(1, 2)], [1, 2])
    """
    if bias is None:
        return None
    if isinstance(bias, (int, float, str)) or hasattr(bias, "numerator"):
        try:
            value = parse_number(bias, what="a bias")
        except NnstepsError as err:
            raise err.located(field="bias") from None
        b = np.empty(filters, dtype=object)
        b[:] = [value] * filters
        return b
    arr = as_array(bias, name="bias", ndim=(0, 1)).reshape(-1)
    if arr.size == 1:
        return np.repeat(arr, filters)
    if arr.size != filters:
        raise NnstepsError(f"expected one bias per filter ({filters}), got {arr.size}", field="bias")
    return arr


def cells_to_explain(shape: tuple[int, ...], detail: Detail, limit: int) -> list[tuple[int, ...]]:
    """Which output cells get a term-by-term expansion.

    ``"auto"``: the first cell; ``"all"``: every cell, or an even sample past ``limit``;
    ``"none"``: none; a list of index tuples (trailing (row, col), or full indices): those.

    >>> cells_to_explain((1, 1, 2, 2), "all", 3)
    [(0, 0, 0, 0), (0, 0, 1, 0), (0, 0, 1, 1)]
    """
    if isinstance(detail, str):
        if detail == "none":
            return []
        if detail == "auto":
            return [tuple(0 for _ in shape)]
        if detail == "all":
            total = int(np.prod(shape))
            picks = range(total) if total <= limit else np.linspace(0, total - 1, limit).round().astype(int)
            return [tuple(int(i) for i in np.unravel_index(int(k), shape)) for k in picks]
        raise NnstepsError(f"expected detail 'auto', 'all', 'none' or a list of cells, got {detail!r}", field="detail")
    cells = []
    for cell in detail:
        idx = tuple(int(i) for i in cell)
        full = (0,) * (len(shape) - len(idx)) + idx
        if len(full) != len(shape) or any(not 0 <= i < n for i, n in zip(full, shape)):
            raise NnstepsError(f"cell {list(idx)} is outside the output of shape {list(shape)}", field="detail")
        cells.append(full)
    return cells


def read_learning_rate(value: Any) -> Any:
    """The learning rate η of a gradient-descent update, exact when typed exactly; None stays None.

    >>> read_learning_rate("0.15"), read_learning_rate(None)
    (Fraction(3, 20), None)
    """
    if value is None:
        return None
    from nnsteps.numbers import parse_number

    try:
        return parse_number(value, what="a learning rate")
    except NnstepsError as err:
        raise err.located(field="learning_rate") from None
