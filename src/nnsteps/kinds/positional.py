"""The ``positional_encoding`` kind: the sinusoidal matrix of "Attention Is All You Need": fields, solver and
generator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType, Params, register
from nnsteps.work import Worked

T = FieldType
NAME = "positional_encoding"
EXAMPLE = {"positions": 4, "d_model": 6}
FIELDS = (
    Field("positions", T.INTEGER, "how many positions (rows: pos = 0, 1, …)", required=True, example=4,
          parse=F.integer(1, "a number of positions")),
    Field("d_model", T.INTEGER, "the model width (columns)", required=True, example=6,
          parse=F.integer(1, "a model width")),
    Field("base", T.INTEGER, "the wavelength base", default=10000, example=10000, parse=F.integer(2, "a base")),
)


def _statement(p: Any) -> Any:
    """A positional-encoding question."""
    from nnsteps.render.statement import build

    return build(p, r"Write the sinusoidal positional encoding: $PE_{pos, 2i} = \sin(pos/b^{2i/d})$ and "
                    r"$PE_{pos, 2i+1} = \cos(pos/b^{2i/d})$.",
                 scalars=[("positions", "positions", "", None), ("d_model", "width", "d", None), ("base", "", "b", 10000)],
                 asks=["the encoding matrix (a row per position)"])


@register(NAME, fields=FIELDS, statement=_statement, summary="the sinusoidal positional encoding matrix (float64), each entry with its "
          "angle", example=EXAMPLE, form={"group": "sequence"}, aliases={"positional": "", "sinusoidal": ""})
def solve_positional_encoding(p: Params) -> Worked:
    """A ``positional_encoding`` problem (:mod:`nnsteps.ops.sequence.positional`).

    >>> from nnsteps.problems.registry import Problem
    >>> solve_positional_encoding(Problem({"id": "pe", "kind": NAME, "positions": 1, "d_model": 2}).params).answer
    [[0.0, 1.0]]
    """
    from nnsteps.ops.sequence.positional import positional_encoding

    positions, d_model = p.positions, p.d_model
    if positions * d_model > 100_000:
        raise NnstepsError(f"expected at most 100,000 entries, got {positions} × {d_model}", problem=p.id,
                           field="positions")
    return positional_encoding(positions, d_model, p.base, kind=NAME)


@generator(NAME)
def positional_problem(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A few positions of a narrow model.

    >>> positional_problem(np.random.default_rng(0), {})
    {'kind': 'positional_encoding', 'positions': 5, 'd_model': 4}
    """
    return {"kind": NAME, "positions": int(rng.integers(2, 6)), "d_model": int(rng.integers(1, 4)) * 2}
