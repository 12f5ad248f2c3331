"""Generators for networks (issue 3's ``network`` kind) and backprop kinds (``rnn``, ``mlp``,
``attention``, issue 4), in those kinds' problem-file contracts.

Networks track their shapes with the size rules of ``nnsteps.shapes`` as they are drawn and never
add a layer whose output would be smaller than 1×1.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps import shapes
from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import chance, ints, one, tenths

Rng = np.random.Generator


@generator("network", ("layers",))
def network(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """A small CNN as a layer spec: convs and pools that always fit, then flatten and dense.

    >>> print(network(np.random.default_rng(0), {"layers": 2})["spec"])
    input 64x64x3
    conv 3x3x8 p=0 s=1
    maxpool 2 s=2
    flatten
    dense 2
    """
    n_layers = options.get("layers") or int(rng.integers(2, 5))
    if isinstance(n_layers, bool) or not isinstance(n_layers, int) or not 1 <= n_layers <= 12:
        raise NnstepsError(f"expected 1 to 12 layers, got {n_layers!r}", field="--layers")
    size = one(rng, [28, 32, 64])
    channels = one(rng, [1, 3])
    lines = [f"input {size}x{size}x{channels}"]
    h = size
    while len(lines) < n_layers + 1:
        if h >= 4 and len(lines) > 1 and chance(rng, 0.35):
            h = shapes.pool_out(h, 2, stride=2).value or 1
            lines.append("maxpool 2 s=2")
            continue
        k = one(rng, [3, 3, 5])
        p = one(rng, [0, k // 2])
        s = one(rng, [1, 1, 2])
        if h + 2 * p < k:
            p = k // 2
        if h + 2 * p < k:
            break
        h_out = shapes.conv_out(h, k, pad=(p, p), stride=s).value
        if h_out is None or h_out < 1:
            break
        h = h_out
        filters = one(rng, [8, 16, 32])
        lines.append(f"conv {k}x{k}x{filters} p={p} s={s}")
    lines += ["flatten", f"dense {one(rng, [2, 10])}"]
    return {"kind": "network", "spec": "\n".join(lines)}


@generator("rnn")
def rnn(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """A scalar RNN as the reference's Question 6: one-decimal inputs and weights, no activation.

    >>> sorted(rnn(np.random.default_rng(0), {}))
    ['activation', 'h0', 'kind', 'learning_rate', 'loss', 'output', 'target', 'weights', 'x']
    """
    length = int(rng.integers(2, 5))
    w = tenths(rng, (3,), 1, 5)
    return {
        "kind": "rnn",
        "x": tenths(rng, (length,), -5, 5),
        "h0": tenths(rng, (), 0, 5),
        "weights": {"w_in": w[0], "w_hh": w[1], "w_hy": w[2]},
        "activation": "none",
        "output": "last",
        "target": tenths(rng, (), 1, 9),
        "loss": "half_squared_error",
        "learning_rate": one(rng, [Fraction(1, 10), Fraction(3, 20), Fraction(1, 2)]),
    }


@generator("mlp")
def mlp(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """A 2-2-2 dense network with one-decimal weights, a target and a learning rate.

    >>> [len(layer["weights"]) for layer in mlp(np.random.default_rng(0), {})["layers"]]
    [2, 2]
    """
    activation = one(rng, ["sigmoid", "relu", "none"])
    layers = [{"weights": tenths(rng, (2, 2), -9, 9), "bias": tenths(rng, (2,), -5, 5), "activation": activation}
              for _ in range(2)]
    return {
        "kind": "mlp",
        "input": tenths(rng, (2,), -9, 9),
        "layers": layers,
        "target": tenths(rng, (2,), 0, 10),
        "loss": "half_squared_error",
        "learning_rate": one(rng, [Fraction(1, 10), Fraction(1, 2)]),
    }


@generator("attention")
def attention(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """Self-attention of 3 tokens of dimension 4 with 0/1 projections to d_k = 2 (or 4, exact scaling).

    >>> len(attention(np.random.default_rng(0), {})["x"])
    3
    """
    d_k = one(rng, [2, 4])
    return {
        "kind": "attention",
        "x": ints(rng, (3, 4), 0, 2),
        "w_q": ints(rng, (d_k, 4), 0, 1),
        "w_k": ints(rng, (d_k, 4), 0, 1),
        "w_v": ints(rng, (d_k, 4), -1, 1),
        "layout": "columns",
        "scale": True,
        "mask": "none",
        "heads": 1,
    }
