"""Generators for the grid kinds: conv, transposed conv, pooling, activations, dense heads, pipelines.

Sizes are drawn so every output is at least 1×1 (checked with the size rules of
``nnsteps.shapes``, the same code the ops use); inputs are small integers, dense weights
one-decimal numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps import shapes
from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import chance, ints, one, tenths

Rng = np.random.Generator


def _opt_int(options: dict[str, Any], name: str, default: Any) -> Any:
    value = options.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NnstepsError(f"expected an integer >= 0, got {value!r}", field=f"--{name}")
    return value


@generator("conv2d", ("stride", "padding", "dilation", "channels"))
def conv2d(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """A cross-correlation on a 4..6 square map with a 2..3 kernel (dilation 2 now and then).

    >>> p = conv2d(np.random.default_rng(3), {"stride": 2})
    >>> p["kind"], p["stride"]
    ('conv2d', 2)
    """
    stride = _opt_int(options, "stride", one(rng, [1, 1, 2]))
    padding = _opt_int(options, "padding", one(rng, [0, 0, 1]))
    dilation = _opt_int(options, "dilation", one(rng, [1, 1, 1, 2]))
    channels = _opt_int(options, "channels", 1)
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
    problem: dict[str, Any] = {"kind": "conv2d", "input": ints(rng, in_shape, 0, 3),
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
    return problem


@generator("conv_transpose2d", ("stride", "padding"))
def conv_transpose2d(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """A transposed convolution of a 2..3 map with a 2..3 kernel.

    >>> conv_transpose2d(np.random.default_rng(0), {})["kind"]
    'conv_transpose2d'
    """
    stride = _opt_int(options, "stride", one(rng, [1, 2]))
    padding = _opt_int(options, "padding", one(rng, [0, 0, 1]))
    n = int(rng.integers(2, 4))
    k = int(rng.integers(2, 4))
    padding = min(padding, (k - 1) // 2 if stride == 1 else padding)
    out_pad = int(rng.integers(0, stride)) if stride > 1 and chance(rng, 0.3) else 0
    shapes.conv_transpose_out(n, k, pad=padding, stride=max(stride, 1), output_padding=out_pad)
    problem: dict[str, Any] = {"kind": "conv_transpose2d", "input": ints(rng, (n, n), -1, 3),
                               "kernel": ints(rng, (k, k), -1, 2)}
    if stride != 1:
        problem["stride"] = stride
    if padding:
        problem["padding"] = padding
    if out_pad:
        problem["output_padding"] = out_pad
    return problem


def _pool(kind: str, rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    k = int(rng.integers(2, 4))
    stride = options.get("stride")
    if stride is None:
        stride = one(rng, [None, None, 1, 2, k])
    padding = _opt_int(options, "padding", one(rng, [0, 0, 0, 1]))
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
    if kind == "avg_pool2d" and padding and chance(rng, 0.5):
        problem["count_include_pad"] = False
    return problem


@generator("max_pool2d", ("stride", "padding"))
def max_pool2d(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """Max pooling of a 4..6 map with a 2..3 window.

    >>> max_pool2d(np.random.default_rng(0), {})["kind"]
    'max_pool2d'
    """
    return _pool("max_pool2d", rng, options)


@generator("avg_pool2d", ("stride", "padding"))
def avg_pool2d(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """Average pooling of a 4..6 map with a 2..3 window (padding counted or not).

    >>> avg_pool2d(np.random.default_rng(0), {})["kind"]
    'avg_pool2d'
    """
    return _pool("avg_pool2d", rng, options)


def _elementwise(kind: str, rng: Rng, low: int, high: int) -> dict[str, Any]:
    rows, cols = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    values = ints(rng, (rows, cols), low, high)
    return {"kind": kind, "input": values[0] if rows == 1 else values}


@generator("relu")
def relu(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """ReLU of a small integer matrix.

    >>> relu(np.random.default_rng(0), {})["kind"]
    'relu'
    """
    return _elementwise("relu", rng, -5, 5)


@generator("sigmoid")
def sigmoid(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """The logistic sigmoid of small integers.

    >>> sigmoid(np.random.default_rng(0), {})["kind"]
    'sigmoid'
    """
    return _elementwise("sigmoid", rng, -2, 2)


@generator("tanh")
def tanh(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """tanh of small integers.

    >>> tanh(np.random.default_rng(0), {})["kind"]
    'tanh'
    """
    return _elementwise("tanh", rng, -2, 2)


@generator("softmax")
def softmax(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """Softmax of a vector (or the rows of a matrix) of small integers.

    >>> softmax(np.random.default_rng(0), {})["kind"]
    'softmax'
    """
    return _elementwise("softmax", rng, -2, 3)


@generator("linear")
def linear(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """z = W h + b with one-decimal weights.

    >>> sorted(linear(np.random.default_rng(0), {}))
    ['bias', 'input', 'kind', 'weights']
    """
    n_in, n_out = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    return {"kind": "linear", "input": ints(rng, (n_in,), -3, 3), "weights": tenths(rng, (n_out, n_in), -10, 10),
            "bias": tenths(rng, (n_out,), -5, 5)}


@generator("logistic")
def logistic(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """A logistic-regression head: z = wᵀh + b, ŷ = σ(z).

    >>> logistic(np.random.default_rng(0), {})["kind"]
    'logistic'
    """
    n_in = int(rng.integers(2, 5))
    return {"kind": "logistic", "input": ints(rng, (n_in,), -3, 3), "weights": tenths(rng, (n_in,), -10, 10),
            "bias": tenths(rng, (), -5, 5)}


@generator("pipeline", ("pool",))
def pipeline(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """conv2d (2×2 kernel) -> ReLU -> 2×2 pooling with stride 2, as the reference's Question 5.

    >>> [list(s)[0] if isinstance(s, dict) else s for s in pipeline(np.random.default_rng(0), {})["steps"]]
    ['conv2d', 'relu', 'avg_pool2d']
    """
    h, w = int(rng.integers(3, 6)), int(rng.integers(3, 6))
    pool = options.get("pool") or one(rng, ["max_pool2d", "avg_pool2d"])
    if pool not in ("max_pool2d", "avg_pool2d"):
        raise NnstepsError(f"expected max_pool2d or avg_pool2d, got {pool!r}", field="--pool")
    return {
        "kind": "pipeline",
        "input": ints(rng, (h, w), -2, 6),
        "steps": [{"conv2d": {"kernel": ints(rng, (2, 2), -1, 2)}}, "relu",
                  {pool: {"kernel_size": 2, "stride": 2}}],
    }
