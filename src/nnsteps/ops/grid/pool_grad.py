"""The backward pass of ``max_pool2d`` and ``avg_pool2d`` from an upstream gradient G = ∂L/∂Y.

Max pooling routes each upstream entry to the one input its window took: the *first* maximum of the
window in row-major order (PyTorch's CPU kernel keeps a maximum unless a later entry is strictly larger),
never a padding cell. Average pooling spreads each entry over its window's real inputs, each getting
G / divisor with the forward pass's divisor (count_include_pad, ceil_mode and divisor_override as there).
Overlapping windows add.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops._common import exactness, finish
from nnsteps.ops.convention import convention
from nnsteps.ops.grid.pool import _divisors
from nnsteps.ops.upstream import read_upstream
from nnsteps.work import Step


def pool_backward(mode: str, x: Any, upstream: Any, *, out_shape: tuple[int, ...], kernel_size: tuple[int, int],
                  stride: tuple[int, int] | None, padding: tuple[int, int], dilation: tuple[int, int] = (1, 1),
                  count_include_pad: bool = True, divisor_override: int | None = None) -> tuple[dict[str, Any], list[Step[Any]]]:
    """∂L/∂input of a max or average pooling, in the input's shape, with its steps.

    >>> pool_backward("max", "1 3; 3 2", [[5]], out_shape=(1, 1), kernel_size=(2, 2), stride=None,
    ...               padding=(0, 0))[0]["input"]
    [[0, 5], [0, 0]]
    >>> pool_backward("avg", "1 3; 3 2", [[4]], out_shape=(1, 1), kernel_size=(2, 2), stride=None,
    ...               padding=(0, 0))[0]["input"]
    [[1, 1], [1, 1]]
    """
    X = as_array(x, name="input", ndim=(2, 3, 4))
    x4 = X.reshape((1,) * (4 - X.ndim) + X.shape)
    G0 = read_upstream(upstream, out_shape)
    G = G0.reshape((1,) * (4 - G0.ndim) + G0.shape)
    exact = exactness(x4, G)
    if not exact:
        x4, G = x4.astype(np.float64), G.astype(np.float64)
    N, C, H, W = x4.shape
    Ho, Wo = G.shape[2:]
    kh, kw = kernel_size
    sh, sw = stride if stride is not None else kernel_size
    ph, pw = padding
    dh, dw = dilation
    dX = np.zeros(x4.shape, dtype=object) if exact else np.zeros(x4.shape)
    divisors = None if mode == "max" else _divisors(H, W, (kh, kw), (sh, sw), (ph, pw), (Ho, Wo), count_include_pad,
                                                    divisor_override)
    routes: dict[tuple[int, int], list[str]] = {}
    tie = convention("max_tie")  # "first" (PyTorch); "last" or "all" only for a likely mistake re-solved
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    cells = [(i * sh - ph + u * dh, j * sw - pw + v * dw) for u in range(kh) for v in range(kw)]
                    real = [(a, b) for a, b in cells if 0 <= a < H and 0 <= b < W]
                    g = G[n, c, i, j]
                    if mode == "max":
                        if not real:
                            continue
                        best = real[0]
                        for a, b in real[1:]:
                            v, m = x4[n, c, a, b], x4[n, c, best[0], best[1]]
                            if v > m or (tie == "last" and v == m):
                                best = (a, b)  # strictly larger only: the first maximum stays
                        top = x4[n, c, best[0], best[1]]
                        for cell in [p for p in real if x4[n, c, p[0], p[1]] == top] if tie == "all" else [best]:
                            dX[n, c, cell[0], cell[1]] += g
                            if n == 0 and c == 0:
                                routes.setdefault(cell, []).append(op(g))
                    else:
                        div = int(divisors[i, j])  # type: ignore[index]
                        share = Fraction(g) / div if exact else g / div
                        for a, b in real:
                            dX[n, c, a, b] += share
                            if n == 0 and c == 0:
                                routes.setdefault((a, b), []).append(rf"\frac{{{op(g)}}}{{{div}}}")
    dX = finish(dX, exact)
    shown = dX[0, 0] if X.ndim == 2 else (dX[0] if X.ndim == 3 else dX)
    first = min(routes) if routes else None
    children = [Step(f"Input cell ({first[0]}, {first[1]}) of the first channel", substituted=" + ".join(routes[first]),
                     result=dX[0, 0, first[0], first[1]])] if first is not None else []
    if mode == "max":
        step = Step("Gradient of the input: each upstream entry goes to its window's maximum (on a tie, the first "
                    "maximum in row-major order, as PyTorch); overlapping windows add",
                    formula=r"\frac{\partial L}{\partial X_{a,b}} = \sum_{(i,j):\; (a,b) = \operatorname{argmax} "
                            r"\text{window}_{i,j}} G_{i,j}", result=shown, steps=children)
    else:
        step = Step("Gradient of the input: each upstream entry spread over its window, divided by the forward "
                    "pass's divisor; overlapping windows add",
                    formula=r"\frac{\partial L}{\partial X_{a,b}} = \sum_{(i,j):\; (a,b) \in \text{window}_{i,j}} "
                            r"\frac{G_{i,j}}{d_{i,j}}", result=shown, steps=children)
    return {"input": np.asarray(shown).tolist()}, [step]
