"""Exercise generators, one function per problem kind: ``(rng, options) -> problem dict``.

Each returns a problem in the problem-file contract (without ``id``), with small integers or short
decimals, and never an impossible shape. Options fix choices (``stride=2``); unknown options are
an error naming the generator's options. A generator is part of its kind's record
(``Kind.generator``): :func:`generator` attaches it there, and generation finds it through the
registry, which imports only that kind's module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Generator = Callable[["np.random.Generator", dict[str, Any]], dict[str, Any]]  # numpy.random loads when used



def generator(kind: str, options: tuple[str, ...] = (), *,
              ordered: tuple[str, ...] = ()) -> Callable[[Generator], Generator]:
    """Attach the generator of a kind (registered before, in the same module) and the options it accepts
    (``ordered``: the fields whose rows keep their order when a problem's numbers are varied, as a box's
    x1 ≤ x2 and y1 ≤ y2).

    >>> from nnsteps.problems.registry import KINDS, Problem, register
    >>> _ = register("toy", fields={"input": "an array"})(lambda p: None)
    >>> @generator("toy", options=("n",))
    ... def toy(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    ...     return {"kind": "relu", "input": rng.integers(-3, 4, size=options.get("n", 2)).tolist()}
    >>> record = KINDS.pop("toy")
    >>> record.generator_options, record.generator(np.random.default_rng(0), {"n": 3})
    (('n',), {'kind': 'relu', 'input': [2, 1, 0]})
    """

    def deco(fn: Generator) -> Generator:
        from nnsteps.problems.registry import attach

        attach(kind, generator=fn, generator_options=options, generator_ordered=ordered)
        return fn

    return deco
