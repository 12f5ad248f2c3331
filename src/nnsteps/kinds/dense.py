"""The dense-head kinds ``linear`` (z = W h + b) and ``logistic`` (ŷ = σ(wᵀh + b)): fields, solver
(also a pipeline stage), likely mistakes and generators.
"""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: F401  (the doctests draw with it)

from nnsteps.generation import generator
from nnsteps.generation.common import ints, tenths
from nnsteps.kinds._grid import UPSTREAM_ANSWER, Rng, grid_statement, with_upstream
from nnsteps.names import Op
from nnsteps.problems import fields as F
from nnsteps.problems.params import as_given
from nnsteps.problems.registry import Field, FieldType, Params, register_stage
from nnsteps.work import Worked

T = FieldType
DENSE_FIELDS = (
    Field("input", T.ARRAY, "the feature vector h", required=True, example=[1, 2]),
    Field("weights", T.ARRAY, "W (out × in) or w", required=True, example="0.5 -1; 2 0",
          parse=F.array("weights", (1, 2))),
    Field("bias", T.VALUE, "b", example=[0, 1], parse=F.array("bias", (0, 1))),
)


def _linear(x: Any, p: Params) -> Worked:
    from nnsteps.ops.layers import dense

    weights, bias, upstream = p.weights, p.bias, p.upstream
    forward = dense.linear(x, weights, bias)
    if upstream is None:
        return forward
    from nnsteps.ops.activations.backward import linear_backward
    from nnsteps.ops.upstream import plain_input, with_grads

    return with_grads(forward, *linear_backward(plain_input(x), weights, bias, upstream))


def _logistic(x: Any, p: Params) -> Worked:
    from nnsteps.ops.layers import dense

    return dense.logistic(x, p.weights, p.bias)


def _linear_mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    return [("bias dropped", M.bias_dropped), ("weights transposed", M.kernel_transposed)]


def _logistic_mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    return [("bias dropped", M.bias_dropped)]


def _linear_statement(p: Any) -> Any:
    """A dense layer's question: h, W and b typeset."""
    return grid_statement(p, "Compute the dense layer's output $z = W h + b$.", output="the output $z$",
                          arrays=(("input", "Input", "h"), ("weights", "Weights", "W"), ("bias", "Bias", "b")))


def _logistic_statement(p: Any) -> Any:
    """A logistic head's question: h, w and b given."""
    return grid_statement(p, r"Compute the logistic-regression output $\hat y = \sigma(w^\top h + b)$.",
                          output=r"the output $\hat y$", arrays=(("input", "Input", "h"), ("weights", "Weights", "w")),
                          scalars=(("bias", "bias", "b", 0),))


UPSTREAM = Field("upstream", T.ARRAY, "∂L/∂z (one per output): then the answer is {output, grads: {input, weights, "
                 "bias}}", example=[1, -1], parse=as_given)
register_stage(Op.LINEAR.value, _linear, (*DENSE_FIELDS, UPSTREAM), order=8, summary="a dense layer z = W h + b",
               mistakes=_linear_mistakes, answer=UPSTREAM_ANSWER, example={"input": [1, 2], "weights": "0.5 -1; 2 0", "bias": [0, 1]},
               form={"group": "dense"}, statement=_linear_statement)
register_stage(Op.LOGISTIC.value, _logistic,
               (*DENSE_FIELDS[:2], Field("bias", T.NUMBER, "b", default=0, example=0.5)), order=9,
               summary="a logistic-regression head ŷ = σ(wᵀh + b)", mistakes=_logistic_mistakes,
               example={"input": [1, 2], "weights": [0.5, -1], "bias": 0.5}, form={"group": "dense"},
               statement=_logistic_statement)


@generator(Op.LINEAR.value, ("upstream",))
def linear(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """z = W h + b with one-decimal weights.

    >>> sorted(linear(np.random.default_rng(0), {}))
    ['bias', 'input', 'kind', 'weights']
    """
    n_in, n_out = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    return with_upstream({"kind": Op.LINEAR.value, "input": ints(rng, (n_in,), -3, 3),
                          "weights": tenths(rng, (n_out, n_in), -10, 10), "bias": tenths(rng, (n_out,), -5, 5)},
                         rng, options)


@generator(Op.LOGISTIC.value)
def logistic(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """A logistic-regression head: z = wᵀh + b, ŷ = σ(z).

    >>> logistic(np.random.default_rng(0), {})["kind"]
    'logistic'
    """
    n_in = int(rng.integers(2, 5))
    return {"kind": Op.LOGISTIC.value, "input": ints(rng, (n_in,), -3, 3),
            "weights": tenths(rng, (n_in,), -10, 10), "bias": tenths(rng, (), -5, 5)}
