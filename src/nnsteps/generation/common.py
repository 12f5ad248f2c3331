"""Drawing small, readable numbers and arrays for generated exercises."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np


def ints(rng: np.random.Generator, shape: tuple[int, ...], low: int, high: int) -> list[Any]:
    """Nested lists of integers in [low, high].

    >>> ints(np.random.default_rng(0), (2, 2), 0, 3)
    [[3, 2], [2, 1]]
    """
    return rng.integers(low, high + 1, size=shape).tolist()


def tenths(rng: np.random.Generator, shape: tuple[int, ...], low: int, high: int) -> list[Any]:
    """Nested lists of one-decimal numbers in [low/10, high/10], as exact fractions.

    >>> tenths(np.random.default_rng(0), (3,), -5, 5)
    [Fraction(2, 5), Fraction(1, 5), 0]
    """
    arr = rng.integers(low, high + 1, size=shape)
    return _map(arr.tolist(), lambda v: _norm(Fraction(int(v), 10)))


def one(rng: np.random.Generator, options: list[Any]) -> Any:
    """One of ``options``, drawn uniformly.

    >>> one(np.random.default_rng(0), [1, 2, 3])
    3
    """
    return options[int(rng.integers(0, len(options)))]


def chance(rng: np.random.Generator, p: float) -> bool:
    """True with probability ``p``: one uniform draw in [0, 1) below ``p``.

    >>> np.random.default_rng(0).random()  # the draw each call below compares with p
    0.6369616873214543
    >>> [chance(np.random.default_rng(0), p) for p in (0.0, 0.5, 0.7, 1.0)]
    [False, False, True, True]
    """
    return bool(rng.random() < p)


def _norm(x: Fraction) -> Any:
    return int(x) if x.denominator == 1 else x


def _map(value: Any, fn: Any) -> Any:
    if isinstance(value, list):
        return [_map(v, fn) for v in value]
    return fn(value)
