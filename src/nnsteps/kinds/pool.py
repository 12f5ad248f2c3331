"""The pooling kinds ``max_pool2d`` and ``avg_pool2d``: fields, solver (also a pipeline stage),
likely mistakes and generators.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from nnsteps import shapes
from nnsteps.generation import generator
from nnsteps.generation.common import chance, ints, one
from nnsteps.kinds._grid import (
    DETAIL,
    DILATION,
    GRID_INPUT,
    STRIDE,
    UPSTREAM_ANSWER,
    Rng,
    grid_statement,
    opt_int,
    with_upstream,
)
from nnsteps.names import Op
from nnsteps.problems import fields as F
from nnsteps.problems.params import as_given
from nnsteps.problems.registry import Field, FieldType, Params, register_stage
from nnsteps.work import Worked

T = FieldType
POOL_FIELDS = (
    GRID_INPUT,
    Field("kernel_size", T.PAIR, "int or [kh, kw]", required=True, example=2),
    replace(STRIDE, help=f"{STRIDE.help} (defaults to kernel_size)", default=None, example=2),
    Field("padding", T.PAIR, "int or [ph, pw], at most kernel_size // 2", default=0, example=0,
          parse=F.pair(0, "a padding")),
    Field("ceil_mode", T.BOOLEAN, "round the output size up", default=False, example=False),
    DETAIL,
    Field("upstream", T.ARRAY, "∂L/∂Y, the output's shape: then the answer is {output, grads: {input}}",
          example="1 2; 3 4", parse=as_given),
)
MAX_POOL_FIELDS = (*POOL_FIELDS, DILATION)
AVG_POOL_FIELDS = (
    *POOL_FIELDS,
    Field("count_include_pad", T.BOOLEAN, "divide by the window size including padding", default=True, example=True),
    Field("divisor_override", T.INTEGER, "divide by this instead", example=4, parse=F.integer(1, "a divisor")),
)
EXAMPLE = {"input": "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4", "kernel_size": 2, "stride": 2}


def _max_pool(x: Any, p: Params) -> Worked:
    from nnsteps.ops.grid import pool

    k, stride, padding, dilation = p.kernel_size, p.stride, p.padding, p.dilation
    forward = pool.max_pool2d(x, k, stride, padding, dilation, p.ceil_mode, detail=p.detail)
    return _backward(forward, "max", x, p, kernel_size=k, stride=stride, padding=padding, dilation=dilation)


def _avg_pool(x: Any, p: Params) -> Worked:
    from nnsteps.ops.grid import pool

    k, stride, padding = p.kernel_size, p.stride, p.padding
    include, override = p.count_include_pad, p.divisor_override
    forward = pool.avg_pool2d(x, k, stride, padding, p.ceil_mode, include, override, detail=p.detail)
    return _backward(forward, "avg", x, p, kernel_size=k, stride=stride, padding=padding, count_include_pad=include,
                     divisor_override=override)


def _backward(forward: Worked, mode: str, x: Any, p: Params, **options: Any) -> Worked:
    """With ``upstream``, the answer gains ∂L/∂input (:mod:`nnsteps.ops.grid.pool_grad`)."""
    upstream = p.upstream
    if upstream is None:
        return forward
    from nnsteps.ops.grid.pool_grad import pool_backward
    from nnsteps.ops.upstream import plain_input, with_grads

    grads, steps = pool_backward(mode, plain_input(x), upstream, out_shape=np.shape(forward.value), **options)
    return with_grads(forward, grads, steps)


def _max_mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    return [*M.POOL, ("averaged instead of taking the max", M.pool_swapped(Op.AVG_POOL2D.value)),
            ("gradient routed to the last of tied maxima (PyTorch: the first)", M.convention(max_tie="last")),
            ("gradient routed to every tied maximum (PyTorch: the first only)", M.convention(max_tie="all"))]


def _avg_mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    return [("average divisor counts padding differently (count_include_pad toggled)", M.count_pad_toggled),
            *M.POOL, ("took the max instead of the average", M.pool_swapped(Op.MAX_POOL2D.value))]


def _statement(what: str) -> Any:
    def statement(p: Any) -> Any:
        """A pooling question: window, stride (the window's size unless given) and padding stated."""
        from nnsteps.render.statement import value

        k = value(p, "kernel_size")
        return grid_statement(p, f"Apply {what} pooling to $X$: each window of the input gives one output entry.",
                              scalars=(("kernel_size", "window", "k", None), ("stride", "stride", "s", k),
                                       ("padding", "padding", "p", 0), ("dilation", "dilation", "d", None),
                                       ("ceil_mode", "ceil mode", "", None),
                                       ("count_include_pad", "padding counted in the average", "", None),
                                       ("divisor_override", "divisor", "", None)))

    return statement


register_stage(Op.MAX_POOL2D.value, _max_pool, MAX_POOL_FIELDS, order=2, mistakes=_max_mistakes, answer=UPSTREAM_ANSWER,
               summary="2-D max pooling as torch.nn.functional.max_pool2d", example=EXAMPLE, form={"group": "grid", "playground": True},
               statement=_statement("max"), aliases={"maxpool": "", "max_pooling": ""})
register_stage(Op.AVG_POOL2D.value, _avg_pool, AVG_POOL_FIELDS, order=3, mistakes=_avg_mistakes, answer=UPSTREAM_ANSWER,
               summary="2-D average pooling as torch.nn.functional.avg_pool2d", example=EXAMPLE,
               form={"group": "grid", "playground": True}, statement=_statement("average"),
               aliases={"avgpool": "", "average_pooling": ""})


def _pool(kind: str, rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    k = int(rng.integers(2, 4))
    stride = options.get("stride")
    if stride is None:
        stride = one(rng, [None, None, 1, 2, k])
    padding = opt_int(options, "padding", one(rng, [0, 0, 0, 1]))
    padding = min(padding, k // 2)
    n = int(rng.integers(4, 7))
    ceil_mode = chance(rng, 0.25)
    shapes.pool_out(n, k, pad=padding, stride=stride or k, ceil_mode=ceil_mode)
    problem: dict[str, Any] = {"kind": kind, "input": ints(rng, (n, n), 0, 9), "kernel_size": k}
    if stride is not None:
        problem["stride"] = stride
    if padding:
        problem["padding"] = padding
    if ceil_mode:
        problem["ceil_mode"] = True
    if kind == Op.AVG_POOL2D.value and padding and chance(rng, 0.5):
        problem["count_include_pad"] = False
    return with_upstream(problem, rng, options)


@generator(Op.MAX_POOL2D.value, ("stride", "padding", "upstream"))
def max_pool2d(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """Max pooling of a 4..6 map with a 2..3 window.

    >>> max_pool2d(np.random.default_rng(0), {})["kind"]
    'max_pool2d'
    """
    return _pool(Op.MAX_POOL2D.value, rng, options)


@generator(Op.AVG_POOL2D.value, ("stride", "padding", "upstream"))
def avg_pool2d(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """Average pooling of a 4..6 map with a 2..3 window (padding counted or not).

    >>> avg_pool2d(np.random.default_rng(0), {})["kind"]
    'avg_pool2d'
    """
    return _pool(Op.AVG_POOL2D.value, rng, options)
