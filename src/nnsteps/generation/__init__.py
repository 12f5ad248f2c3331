"""Exercise generators, one function per problem kind: ``(rng, options) -> problem dict``.

Each returns a problem in the problem-file contract (without ``id``), with small integers or short
decimals, and never an impossible shape. Options fix choices (``stride=2``); unknown options are
an error naming the generator's options.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Generator = Callable[["np.random.Generator", dict[str, Any]], dict[str, Any]]  # numpy.random loads when used

GENERATORS: dict[str, tuple[Generator, tuple[str, ...]]] = {}
ORDERED: dict[str, tuple[str, ...]] = {}  # kind -> fields whose rows keep their order when varied (boxes)


def generator(kind: str, options: tuple[str, ...] = (), *,
              ordered: tuple[str, ...] = ()) -> Callable[[Generator], Generator]:
    """Register the generator of a kind and the options it accepts (``ordered``: the fields whose rows keep
    their order when a problem's numbers are varied, as a box's x1 ≤ x2 and y1 ≤ y2).

    >>> @generator("toy", options=("n",))
    ... def toy(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    ...     return {"kind": "relu", "input": rng.integers(-3, 4, size=options.get("n", 2)).tolist()}
    >>> fn, accepted = GENERATORS.pop("toy")
    >>> accepted, fn(np.random.default_rng(0), {"n": 3})
    (('n',), {'kind': 'relu', 'input': [2, 1, 0]})
    """

    def deco(fn: Generator) -> Generator:
        GENERATORS[kind] = (fn, options)
        if ordered:
            ORDERED[kind] = ordered
        return fn

    return deco


def _load() -> None:
    """Each kind module registers its generator when it loads."""
    from nnsteps.problems.registry import load_kinds

    load_kinds()
