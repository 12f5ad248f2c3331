"""Dropout and embedding lookup, forward and backward, as ``torch.nn.functional.dropout`` and
``embedding``.

Dropout here takes its keep mask explicitly (so the answer is reproducible): in training
y = x ⊙ mask / (1 − p) (inverted dropout), and ∂L/∂x = ∂L/∂y ⊙ mask / (1 − p); in eval it is the identity.
An embedding looks up rows of its weight; its gradient scatters each upstream row back into the row it
came from, adding where an index repeats.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.numbers import parse_number
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops._common import exactness, finish, prior_steps
from nnsteps.ops.upstream import read_upstream
from nnsteps.work import Step, Worked


def dropout(input: Any, p: Any = Fraction(1, 2), *, mask: Any = None, training: bool = True,
            upstream: Any = None) -> Worked:
    """Inverted dropout with an explicit keep mask (1 keeps, 0 drops).

    >>> dropout("2 4; 6 8", 0.5, mask="1 0; 1 1").value.tolist()
    [[4, 0], [12, 16]]
    """
    steps = prior_steps(input)
    x = as_array(input, name="input")
    p = parse_number(p)
    if not 0 <= p < 1:
        raise NnstepsError(f"expected p in [0, 1), got {op(p)}", field="p")
    exact = exactness(x)
    m: Any = None
    scale: Any = None
    if not training or p == 0:
        y = x
        steps.append(Step("Dropout is the identity " + ("in eval" if not training else "with p = 0"),
                          formula="y = x", result=x))
    else:
        if mask is None:
            raise NnstepsError("expected a keep mask of 0s and 1s (the input's shape) when training", field="mask")
        m = as_array(mask, name="mask")
        if m.shape != x.shape:
            raise NnstepsError(f"expected a mask of the input's shape {x.shape}, got {m.shape}", field="mask")
        if any(v not in (0, 1) for v in m.reshape(-1)):
            raise NnstepsError("expected a mask of 0s (dropped) and 1s (kept)", field="mask")
        scale = 1 / (1 - Fraction(p)) if exact else 1 / (1 - float(p))
        y = finish(x * m * scale, exact) if exact else x.astype(np.float64) * m.astype(np.float64) * scale
        steps.append(Step("Keep scale", formula=r"s = \frac{1}{1 - p}", substituted=rf"\frac{{1}}{{1 - {op(p)}}}",
                          result=scale))
        first = tuple(0 for _ in x.shape)
        steps.append(Step("Drop and scale", formula=r"y = x \odot m \cdot s", result=y,
                          steps=[Step("First entry", substituted=rf"{op(x[first])} \cdot {op(m[first])} \cdot {op(scale)}",
                                      result=y[first])]))
    if upstream is None:
        return Worked(Op.DROPOUT.value, value=y, steps=steps)
    g = read_upstream(upstream, x.shape)
    if scale is None:
        gx = g
        steps.append(Step("Gradient of the input (identity)", formula=r"\frac{\partial L}{\partial x} = "
                          r"\frac{\partial L}{\partial y}", result=g))
    else:
        exact_g = exact and exactness(g)
        gx = finish(g * m * scale, True) if exact_g else g.astype(np.float64) * m.astype(np.float64) * float(scale)
        steps.append(Step("Gradient of the input: the same mask and scale", formula=r"\frac{\partial L}{\partial x} = "
                          r"\frac{\partial L}{\partial y} \odot m \cdot s", result=gx))
    answer = {"output": np.asarray(y).tolist(), "grads": {"input": np.asarray(gx).tolist()}}
    return Worked(Op.DROPOUT.value, value=answer, steps=steps, answer=answer)


def embedding(weight: Any, indices: Any, *, upstream: Any = None) -> Worked:
    """Rows of ``weight`` (V×D) at ``indices``; with ``upstream``, ∂L/∂weight scattered with accumulation.

    >>> embedding("1 2; 3 4; 5 6", [2, 0, 2], upstream="1 1; 2 0; 1 -1").answer["grads"]["weight"]
    [[2, 0], [0, 0], [2, 0]]
    """
    W = as_array(weight, name="weight", ndim=(2,))
    idx = as_array(indices, name="indices")
    V = W.shape[0]
    flat = []
    for v in idx.reshape(-1):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) and not (isinstance(v, float) and v.is_integer()):
            raise NnstepsError(f"expected integer indices, got {v!r}", field="indices")
        if not 0 <= int(v) < V:
            raise NnstepsError(f"expected indices in [0, {V - 1}] (the weight has {V} rows), got {int(v)}",
                               field="indices")
        flat.append(int(v))
    out = W[flat].reshape(*idx.shape, W.shape[1])
    steps: list[Step[Any]] = [Step("Look up the rows", formula=r"y_i = W_{\text{idx}_i}", result=out,
                                   note=f"indices {flat}")]
    if upstream is None:
        return Worked(Op.EMBEDDING.value, value=out, steps=steps)
    g = read_upstream(upstream, out.shape).reshape(len(flat), W.shape[1])
    exact = exactness(W, g)
    gw = np.zeros(W.shape, dtype=object) if exact else np.zeros(W.shape)
    for i, row in enumerate(flat):
        gw[row] = gw[row] + (g[i] if exact else g[i].astype(np.float64))
    repeated = sorted({r for r in flat if flat.count(r) > 1})
    children = [Step(f"Row {r}, first column (index repeated: its upstream rows add)",
                     substituted=" + ".join(op(g[i][0]) for i, v in enumerate(flat) if v == r),
                     result=gw[r][0]) for r in repeated]
    steps.append(Step("Scatter the upstream rows into the weight's gradient",
                      formula=r"\frac{\partial L}{\partial W_r} = \sum_{i: \text{idx}_i = r} \frac{\partial L}{\partial y_i}",
                      result=finish(gw, exact), steps=children))
    answer = {"output": out.tolist(), "grads": {"weight": finish(gw, exact).tolist()}}
    return Worked(Op.EMBEDDING.value, value=answer, steps=steps, answer=answer)
