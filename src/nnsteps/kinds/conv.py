"""The convolution kinds: ``conv2d`` (cross-correlation, or true convolution with ``flip``) and
``conv_transpose2d``: fields, solver (also a pipeline stage), likely mistakes and generators.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from nnsteps import shapes
from nnsteps.errors import NnstepsError
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
from nnsteps.work import Stack, Worked

T = FieldType
CONV_FIELDS = (
    replace(GRID_INPUT, example="1 2 0; 0 1 2; 2 0 1"),
    Field("kernel", T.ARRAY, "the kernel (K×K, C×K×K or N×C×K×K)", required=True, example="1 0; 0 1",
          parse=F.array("kernel", (2, 3, 4))),
    Field("bias", T.VALUE, "a number, or one per filter", example=0),
    STRIDE,
    Field("padding", T.PADDING, "int, [ph, pw], same or valid", default=0, example=0),
    DILATION,
    Field("groups", T.INTEGER, "int", default=1, example=1, parse=F.integer(1)),
    Field("flip", T.BOOLEAN, "true for true convolution (kernel rotated 180°)", default=False, example=False),
    DETAIL,
    Field("upstream", T.ARRAY, "∂L/∂Y, the output's shape: then the answer is {output, grads: {input, kernel, bias}}",
          example="1 -1; 2 0", parse=as_given),
)
CONVT_FIELDS = (
    *(f for f in CONV_FIELDS if f.name not in ("flip", "padding", "detail", "upstream")),
    Field("padding", T.PAIR, "int or [ph, pw]", default=0, example=0, parse=F.pair(0, "a padding")),
    Field("output_padding", T.PAIR, "int or [oh, ow]", default=0, example=0, parse=F.pair(0, "an output padding")),
    DETAIL,
    CONV_FIELDS[-1],
)


def _conv_mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    out = [(M.UNFLIP if p.flip else M.FLIP, M.flip), *M.CONV,
           ("kernel not flipped in ∂L/∂X (the upstream correlated with W, not rot180(W))",
            M.convention(flip_kernel_in_dx=False))]
    if p.stride != (1, 1):
        out.append(("upstream not dilated by the stride in ∂L/∂X", M.convention(dilate_upstream=False)))
    return out


def _convt_mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    return [*M.CONV[:3], ("output_padding dropped", M.output_padding_dropped), ("bias dropped", M.bias_dropped)]


def _conv(x: Any, p: Params) -> Worked:
    from nnsteps.ops.grid import conv

    kernel, bias, upstream = p.kernel, p.bias, p.upstream
    options = {"stride": p.stride, "padding": p.padding, "dilation": p.dilation, "groups": p.groups, "flip": p.flip}
    forward = conv.conv2d(x, kernel, bias, **options, detail=p.detail)
    if upstream is None:
        return forward
    from nnsteps.ops.grid.conv_grad import conv2d_backward
    from nnsteps.ops.upstream import plain_input, with_grads

    grads, steps = conv2d_backward(plain_input(x), kernel, bias, upstream, out_shape=np.shape(forward.value), **options)
    return with_grads(forward, grads, steps, stacks={"kernel": Stack("filter", ndim=4)})


def _convt(x: Any, p: Params) -> Worked:
    from nnsteps.ops.grid import transpose

    kernel, bias, upstream = p.kernel, p.bias, p.upstream
    options = {"stride": p.stride, "padding": p.padding, "dilation": p.dilation, "groups": p.groups}
    forward = transpose.conv_transpose2d(x, kernel, bias, **options, output_padding=p.output_padding, detail=p.detail)
    if upstream is None:
        return forward
    from nnsteps.ops.grid.conv_grad import conv_transpose2d_backward
    from nnsteps.ops.upstream import plain_input, with_grads

    grads, steps = conv_transpose2d_backward(plain_input(x), kernel, bias, upstream, out_shape=np.shape(forward.value),
                                             **options)
    # ConvTranspose2d's weight is C_in × C_out/groups × kH × kW: its leading axis reads the input's channels
    return with_grads(forward, grads, steps, stacks={"kernel": Stack("input channel", ndim=4, inner="output channel")})


GRID_ARRAYS = (("input", "Input", "X"), ("kernel", "Kernel", "K"), ("bias", "Bias", "b"))


def _conv_statement(p: Any) -> Any:
    """conv2d's question: input, kernel and bias typeset; stride, padding and dilation stated (defaults too)."""
    from nnsteps.render.statement import value

    flip = bool(value(p, "flip"))
    return grid_statement(p, ("Convolve $X$ with $K$ (a true convolution: flip $K$ first), as a CNN layer does."
                              if flip else r"Cross-correlate $X$ with $K$ (slide $K$ over $X$, no flip), as "
                              r"PyTorch's conv2d does."), arrays=GRID_ARRAYS,
                          scalars=(("stride", "stride", "s", 1), ("padding", "padding", "p", 0),
                                   ("dilation", "dilation", "d", 1), ("groups", "groups", "g", None)))


def _convt_statement(p: Any) -> Any:
    """conv_transpose2d's question: stride, padding and output padding stated."""
    return grid_statement(p, r"Apply the transposed convolution of $X$ with $K$ (each input entry scales $K$ into "
                             "the output, windows $s$ apart, overlaps summed).", arrays=GRID_ARRAYS,
                          scalars=(("stride", "stride", "s", 1), ("padding", "padding", "p", 0),
                                   ("output_padding", "output padding", "", 0), ("dilation", "dilation", "d", 1)))


register_stage(Op.CONV2D.value, _conv, CONV_FIELDS, order=0,
               summary="2-D cross-correlation as torch.nn.functional.conv2d (true convolution with flip)",
               mistakes=_conv_mistakes, answer=UPSTREAM_ANSWER,
               example={"input": "1 2 0; 0 1 2; 2 0 1", "kernel": "1 0; 0 1", "stride": 1, "padding": 0},
               form={"group": "grid", "playground": True},
               statement=_conv_statement,
               aliases={"conv": "", "convolution": "flip: true", "cross_correlation": ""})
register_stage(Op.CONV_TRANSPOSE2D.value, _convt, CONVT_FIELDS, order=1,
               summary="2-D transposed convolution as torch.nn.functional.conv_transpose2d",
               mistakes=_convt_mistakes, answer=UPSTREAM_ANSWER,
               example={"input": "1 2; 3 4", "kernel": "1 0; 0 1", "stride": 2},
               form={"group": "grid"}, statement=_convt_statement, aliases={"deconv": "", "transposed_convolution": ""})


@generator(Op.CONV2D.value, ("stride", "padding", "dilation", "channels", "upstream"))
def conv2d(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """A cross-correlation on a 4..6 square map with a 2..3 kernel (dilation 2 now and then).

    >>> p = conv2d(np.random.default_rng(3), {"stride": 2})
    >>> p["kind"], p["stride"]
    ('conv2d', 2)
    """
    stride = opt_int(options, "stride", one(rng, [1, 1, 2]))
    padding = opt_int(options, "padding", one(rng, [0, 0, 1]))
    dilation = opt_int(options, "dilation", one(rng, [1, 1, 1, 2]))
    channels = opt_int(options, "channels", 1)
    if stride < 1 or dilation < 1 or channels < 1:
        raise NnstepsError("stride, dilation and channels must be >= 1", field="--stride")
    for _ in range(50):
        n = int(rng.integers(4, 7))
        k = int(rng.integers(2, 4))
        if dilation * (k - 1) + 1 <= n + 2 * padding:
            break
    else:
        raise NnstepsError(f"no input of size 4..6 fits a dilation of {dilation}", field="--dilation")
    shapes.conv_out(n, k, pad=(padding, padding), stride=stride, dilation=dilation)  # raises if impossible
    in_shape = (channels, n, n) if channels > 1 else (n, n)
    k_shape = (channels, k, k) if channels > 1 else (k, k)
    problem: dict[str, Any] = {"kind": Op.CONV2D.value, "input": ints(rng, in_shape, 0, 3),
                               "kernel": ints(rng, k_shape, -1, 2)}
    if stride != 1:
        problem["stride"] = stride
    if padding:
        problem["padding"] = padding
    if dilation != 1:
        problem["dilation"] = dilation
    if chance(rng, 0.3):
        problem["bias"] = int(rng.integers(-2, 3))
    if chance(rng, 0.1):
        problem["flip"] = True
    return with_upstream(problem, rng, options)


@generator(Op.CONV_TRANSPOSE2D.value, ("stride", "padding", "upstream"))
def conv_transpose2d(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """A transposed convolution of a 2..3 map with a 2..3 kernel.

    >>> conv_transpose2d(np.random.default_rng(0), {})["kind"]
    'conv_transpose2d'
    """
    stride = opt_int(options, "stride", one(rng, [1, 2]))
    padding = opt_int(options, "padding", one(rng, [0, 0, 1]))
    n = int(rng.integers(2, 4))
    k = int(rng.integers(2, 4))
    padding = min(padding, (k - 1) // 2 if stride == 1 else padding)
    out_pad = int(rng.integers(0, stride)) if stride > 1 and chance(rng, 0.3) else 0
    shapes.conv_transpose_out(n, k, pad=padding, stride=max(stride, 1), output_padding=out_pad)
    problem: dict[str, Any] = {"kind": Op.CONV_TRANSPOSE2D.value, "input": ints(rng, (n, n), -1, 3),
                               "kernel": ints(rng, (k, k), -1, 2)}
    if stride != 1:
        problem["stride"] = stride
    if padding:
        problem["padding"] = padding
    if out_pad:
        problem["output_padding"] = out_pad
    return with_upstream(problem, rng, options)

