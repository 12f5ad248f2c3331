"""The elementwise activation kinds ``relu``, ``sigmoid``, ``tanh`` and ``softmax`` (over an axis):
fields, solver (also a pipeline stage), likely mistakes and generators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np  # noqa: F401  (the doctests draw with it)

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import ints
from nnsteps.kinds._grid import INPUT, UPSTREAM_ANSWER, Rng, grid_statement, with_upstream
from nnsteps.names import Op
from nnsteps.problems.params import as_given
from nnsteps.problems.registry import Field, FieldType, Params, register_stage
from nnsteps.work import Worked

EXAMPLE = {"input": "1 -2; 3 -4"}
SUMMARIES = {Op.RELU: "ReLU, max(0, z), elementwise", Op.SIGMOID: "the logistic sigmoid 1/(1 + e^-z), elementwise",
             Op.TANH: "tanh, elementwise"}


UPSTREAM = Field("upstream", FieldType.ARRAY, "∂L/∂Y, the output's shape: then the answer is {output, grads: {input}}",
                 example="1 1; 1 1", parse=as_given)


def _elementwise_stage(op: Op) -> Callable[[Any, Params], Worked]:
    def run(x: Any, p: Params) -> Worked:
        from nnsteps.ops.activations import elementwise as activation

        forward: Worked = getattr(activation, op.value)(x)
        upstream = p.upstream
        if upstream is None:
            return forward
        from nnsteps.ops.activations.backward import elementwise_backward
        from nnsteps.ops.upstream import plain_input, with_grads

        return with_grads(forward, *elementwise_backward(op.value, plain_input(x), upstream))

    return run


def _axis(value: Any) -> int:
    """An axis index, negative ones counting from the end (``-1``: the last)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise NnstepsError(f"expected an integer axis such as -1, got {value!r}")
    return value


def _softmax(x: Any, p: Params) -> Worked:
    from nnsteps.ops.activations import elementwise as activation

    axis, upstream = p.axis, p.upstream
    forward = activation.softmax(x, axis=axis)
    if upstream is None:
        return forward
    from nnsteps.ops.activations.backward import softmax_backward
    from nnsteps.ops.upstream import plain_input, with_grads

    return with_grads(forward, *softmax_backward(plain_input(x), upstream, axis))


INTROS = {Op.RELU: r"Apply ReLU, $\operatorname{ReLU}(x) = \max(0, x)$, to every entry of $X$.",
          Op.SIGMOID: r"Apply the logistic sigmoid $\sigma(x) = 1/(1 + e^{-x})$ to every entry of $X$.",
          Op.TANH: r"Apply $\tanh$ to every entry of $X$."}


def _statement(op: Op) -> Callable[[Any], Any]:
    def statement(p: Any) -> Any:
        """The question for students."""
        return grid_statement(p, INTROS[op])

    return statement


def _softmax_statement(p: Any) -> Any:
    """Softmax's question: the axis is stated (the last unless given)."""
    return grid_statement(p, r"Apply softmax, $\operatorname{softmax}(x)_i = e^{x_i}/\sum_j e^{x_j}$, to $X$ along "
                          "the given axis ($-1$: the last, each row of a matrix).", scalars=(("axis", "axis", "", -1),))


def _softmax_mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    return [("softmax over the wrong axis", M.softmax_axis)]


for _order, _op in enumerate((Op.RELU, Op.SIGMOID, Op.TANH), start=4):
    register_stage(_op.value, _elementwise_stage(_op), (INPUT, UPSTREAM), order=_order, summary=SUMMARIES[_op], answer=UPSTREAM_ANSWER,
                   example=EXAMPLE, form={"group": "activation"}, statement=_statement(_op))
register_stage(Op.SOFTMAX.value, _softmax,
               (INPUT, Field("axis", FieldType.INTEGER, "the axis (default -1)", default=-1, example=-1, parse=_axis), UPSTREAM),
               order=7, summary="softmax over an axis (the last by default)", mistakes=_softmax_mistakes,
               answer=UPSTREAM_ANSWER,
               example={"input": "1 2 3"}, form={"group": "activation"}, statement=_softmax_statement)


def _draw(kind: str, rng: Rng, low: int, high: int, options: dict[str, Any]) -> dict[str, Any]:
    rows, cols = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    values = ints(rng, (rows, cols), low, high)
    return with_upstream({"kind": kind, "input": values[0] if rows == 1 else values}, rng, options)


@generator(Op.RELU.value, ("upstream",))
def relu(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """ReLU of a small integer matrix.

    >>> relu(np.random.default_rng(0), {})["kind"]
    'relu'
    """
    return _draw(Op.RELU.value, rng, -5, 5, options)


@generator(Op.SIGMOID.value, ("upstream",))
def sigmoid(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """The logistic sigmoid of small integers.

    >>> sigmoid(np.random.default_rng(0), {})["kind"]
    'sigmoid'
    """
    return _draw(Op.SIGMOID.value, rng, -2, 2, options)


@generator(Op.TANH.value, ("upstream",))
def tanh(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """tanh of small integers.

    >>> tanh(np.random.default_rng(0), {})["kind"]
    'tanh'
    """
    return _draw(Op.TANH.value, rng, -2, 2, options)


@generator(Op.SOFTMAX.value, ("upstream",))
def softmax(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """Softmax of a vector (or the rows of a matrix) of small integers.

    >>> softmax(np.random.default_rng(0), {})["kind"]
    'softmax'
    """
    return _draw(Op.SOFTMAX.value, rng, -2, 3, options)
