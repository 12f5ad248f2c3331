"""Dense heads on a feature vector: ``linear`` (Wh + b) and ``logistic`` (σ(wᵀh + b))."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.numbers import parse_number, to_latex_operand
from nnsteps.ops._common import check_work, exact_sum, exactness, prior_steps, product_terms
from nnsteps.ops.activations.elementwise import sigmoid_scalar
from nnsteps.work import Step, Worked


def _features(h: Any) -> np.ndarray:
    arr = as_array(h, name="input")
    return arr.reshape(-1)


def linear(h: Any, weights: Any, bias: Any = None) -> Worked:
    """A dense layer ``y = W h + b`` (W is out × in, as PyTorch's ``nn.Linear.weight``).

    >>> linear([1, 2], [[1, 0], [0.5, -1]], [0, 1]).value.tolist()
    [1, Fraction(-1, 2)]
    """
    steps = prior_steps(h)
    x = _features(h)
    W = as_array(weights, name="weights", ndim=(1, 2))
    if W.ndim == 1:
        W = W.reshape(1, -1)
    if W.shape[1] != x.size:
        raise NnstepsError(
            f"weights are {W.shape[0]}×{W.shape[1]} (out × in) but the input has {x.size} features", field="weights"
        )
    b = None if bias is None else as_array(bias, name="bias", ndim=(0, 1)).reshape(-1)
    if b is not None and b.size not in (1, W.shape[0]):
        raise NnstepsError(f"expected {W.shape[0]} biases (one per output), got {b.size}", field="bias")
    exact = exactness(x, W, *([b] if b is not None else []))
    if exact:
        check_work(W.size, x, W, what="this dense layer")
    out = []
    children = []
    for r in range(W.shape[0]):
        wr = W[r] if exact else W[r].astype(float)
        xs = x if exact else x.astype(float)
        bias_r = None if b is None else (b[0] if b.size == 1 else b[r])
        products = [a * w for a, w in zip(xs, wr)]
        value = exact_sum(products + ([bias_r] if bias_r is not None else []), exact)
        out.append(value)
        if r < 16:
            children.append(
                Step(
                    f"Output {r}",
                    formula=rf"y_{{{r}}} = \sum_i W_{{{r},i}} h_i" + (f" + b_{{{r}}}" if bias_r is not None else ""),
                    substituted=product_terms(list(wr), list(xs))
                    + (f" + {to_latex_operand(bias_r)}" if bias_r is not None else ""),
                    result=value,
                )
            )
    y = np.empty(len(out), dtype=object) if exact else np.array(out, dtype=float)
    if exact:
        y[:] = out
    steps.append(Step("Dense layer", formula=r"\mathbf{y} = W\mathbf{h} + \mathbf{b}", result=y, steps=children))
    return Worked(Op.LINEAR.value, value=y, steps=steps)


def logistic(h: Any, weights: Any, bias: Any = 0) -> Worked:
    """Logistic regression on a feature vector: ``z = wᵀh + b``, ``ŷ = σ(z)``.

    >>> w = logistic([1, 2], [0.5, -1], 0.25)
    >>> w.value["z"], round(float(w.value["probability"]), 6)
    (Fraction(-5, 4), 0.2227)
    """
    steps = prior_steps(h)
    x = _features(h)
    w = as_array(weights, name="weights").reshape(-1)
    if w.size != x.size:
        raise NnstepsError(f"expected {x.size} weights (one per feature), got {w.size}", field="weights")
    try:
        b = parse_number(bias, what="a bias")
    except NnstepsError as err:
        raise err.located(field="bias") from None
    exact = exactness(x, w) and not isinstance(b, float)
    xs, ws = (x, w) if exact else (x.astype(float), w.astype(float))
    z = exact_sum([a * c for a, c in zip(ws, xs)] + [b], exact)
    steps.append(
        Step(
            "Linear score",
            formula=r"z = \mathbf{w}^\top \mathbf{h} + b",
            substituted=product_terms(list(ws), list(xs)) + f" + {to_latex_operand(b)}",
            result=z,
            note=f"h has {x.size} features, so w has {x.size} weights and there is 1 bias",
        )
    )
    p = sigmoid_scalar(z)
    steps.append(
        Step(
            "Probability",
            formula=r"\hat{y} = \sigma(z) = \frac{1}{1 + e^{-z}}",
            substituted=rf"\frac{{1}}{{1 + e^{{-{to_latex_operand(z)}}}}}",
            result=p,
        )
    )
    value = {"z": z, "probability": p}
    return Worked(Op.LOGISTIC.value, value=value, steps=steps)
