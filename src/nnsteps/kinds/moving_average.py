"""The ``moving_average`` kind: an exponentially weighted moving average of θ₁…θ_T with optional bias
correction (:mod:`nnsteps.ops.optim.moving_average`): fields, solver, likely mistakes and generator."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import chance, ints, one
from nnsteps.numbers import parse_number
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType, Params, register
from nnsteps.work import Worked

KIND = "moving_average"
T = FieldType
def _values(value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise NnstepsError(f"expected a list of numbers, got {value!r}")
    out = []
    for x in value:
        if isinstance(x, (bool, list, dict)) or x is None:
            raise NnstepsError(f"expected numbers, got {x!r}")
        out.append(parse_number(x))
    return out


def _beta(value: Any) -> Any:
    b = F.number(value)
    if not 0 <= b < 1:
        raise NnstepsError(f"expected β in [0, 1), got {value!r}")
    return b


FIELDS = (
    Field("values", T.LIST, "θ₁ … θ_T", required=True, example=[10, 10], parse=_values),
    Field("beta", T.NUMBER, "β in [0, 1)", required=True, example=0.5, parse=_beta),
    Field("bias_correction", T.BOOLEAN, "also v_t / (1 − βᵗ) (without it, v_corrected repeats v)", default=False,
          example=True),
)
EXAMPLE = {"values": [10, 10], "beta": Fraction(1, 2), "bias_correction": True}


def _mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    out = [("β and 1 − β swapped", M.set_field("beta", 1 - (p.beta or 0)))]
    if p.bias_correction:
        out.append(("bias correction forgotten", M.set_field("bias_correction", False)))
    return out


def _statement(p: Any) -> Any:
    """A moving-average question."""
    from nnsteps.render.statement import Given, build, scalar, value

    corrected = bool(value(p, "bias_correction"))
    st = build(p, r"Compute the exponentially weighted moving average $v_t = \beta v_{t-1} + (1 - \beta)\theta_t$, "
               r"$v_0 = 0$, of the values below" + (r", and its bias-corrected form $v_t/(1 - \beta^t)$." if corrected
                                                     else "."),
               scalars=[("beta", "", r"\beta", None)],
               asks=["$v_t$ for every $t$", *([r"$v_t/(1 - \beta^t)$ for every $t$"] if corrected else [])],
               skip=() if corrected else (("v_corrected",),))
    st.givens.insert(0, Given(r"Values $\theta_1, \dots, \theta_T$: $" + scalar(value(p, "values", [])) + "$"))
    return st


@register(KIND, fields=FIELDS, statement=_statement, summary="an exponentially weighted moving average v_t = βv_{t−1} + (1 − β)θ_t, "
          "with bias correction", answer=("v", "v_corrected"), example=EXAMPLE, mistakes=_mistakes,
          form={"group": "training"}, aliases={"ema": "", "ewma": "", "bias_correction": ""})
def solve_moving_average(p: Params) -> Worked:
    """A ``moving_average`` problem.

    >>> from nnsteps.problems.registry import Problem
    >>> solve_moving_average(Problem({"id": "e", "kind": "moving_average", "values": [1, 2], "beta": 0.9}).params).answer
    {'v': [Fraction(1, 10), Fraction(29, 100)], 'v_corrected': [Fraction(1, 10), Fraction(29, 100)]}
    """
    from nnsteps.ops.optim.moving_average import moving_average as ema

    return ema(p.values, p.beta, bias_correction=p.bias_correction, kind=KIND)


@generator(KIND)
def moving_average(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """Three to five whole values, β of 0.5 or 0.9, bias correction half the time.

    >>> moving_average(np.random.default_rng(0), {})["kind"]
    'moving_average'
    """
    n = int(rng.integers(3, 6))
    return {"kind": KIND, "values": ints(rng, (n,), 0, 20), "beta": one(rng, [Fraction(1, 2), Fraction(9, 10)]),
            "bias_correction": chance(rng, 0.5)}
