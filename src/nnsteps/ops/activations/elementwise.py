"""Elementwise activations and softmax, worked: ReLU stays exact; sigmoid, tanh and softmax
leave the rationals, so their values are decimals that carry their exact SymPy form.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.irrational import inv_sum_exp, lazy_apply
from nnsteps.names import Op
from nnsteps.numbers import to_latex_operand
from nnsteps.ops._common import ends, exactness, joined, prior_steps
from nnsteps.work import Step, Worked

SYMBOLIC_LIMIT = 400
"""Entries up to which sigmoid/tanh/softmax also carry exact SymPy forms."""


def relu(x: Any) -> Worked:
    """ReLU(z) = max(0, z), elementwise.

    >>> relu("-5 -3; 1 3").value.tolist()
    [[0, 0], [1, 3]]
    """
    steps = prior_steps(x)
    z = as_array(x, name="input")
    y = np.where(_less_than_zero(z), 0, z) if z.dtype == object else np.maximum(z, 0.0)
    if z.dtype == object:
        y = y.astype(object)
    negatives = int(np.sum(_less_than_zero(z)))
    steps.append(
        Step(
            "Apply ReLU elementwise",
            formula=r"\operatorname{ReLU}(z) = \max(0, z)",
            result=y,
            note=("1 negative entry becomes 0" if negatives == 1 else f"{negatives} negative entries become 0")
            if negatives else None,
        )
    )
    return Worked(Op.RELU.value, value=y, steps=steps)


def _less_than_zero(z: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda v: v < 0, otypes=[bool])(z)


def sigmoid_scalar(z: Any) -> Any:
    """σ(z) for one number: exact where σ stays rational (z = 0), else an Irrational (its float now,
    its exact form when asked).

    >>> sigmoid_scalar(0), round(float(sigmoid_scalar(1)), 6)
    (Fraction(1, 2), 0.731059)
    """
    return lazy_apply(Op.SIGMOID, z)


def tanh_scalar(z: Any) -> Any:
    """tanh(z) for one number, exact where possible.

    >>> tanh_scalar(0), round(float(tanh_scalar(1)), 6)
    (0, 0.761594)
    """
    if isinstance(z, float):  # an Irrational too: its decimal from here on
        return float(np.tanh(z))
    return lazy_apply(Op.TANH, z)


def sigmoid(x: Any) -> Worked:
    """σ(z) = 1 / (1 + e^{-z}), elementwise.

    >>> [round(float(v), 6) for v in sigmoid("0 1").value]
    [0.5, 0.731059]
    """
    return _elementwise(x, Op.SIGMOID.value, r"\sigma(z) = \frac{1}{1 + e^{-z}}", sigmoid_scalar,
                        lambda v: rf"\frac{{1}}{{1 + e^{{-{to_latex_operand(v)}}}}}")


def tanh(x: Any) -> Worked:
    """tanh(z), elementwise.

    >>> tanh("0").value.tolist()
    [0]
    """
    return _elementwise(x, Op.TANH.value, r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}", tanh_scalar,
                        lambda v: rf"\tanh({to_latex_operand(v)})")


def _elementwise(x: Any, kind: str, formula: str, fn: Any, show: Any) -> Worked:
    steps = prior_steps(x)
    z = as_array(x, name="input")
    exact = exactness(z) and z.size <= SYMBOLIC_LIMIT
    flat = [fn(v if exact else float(v)) for v in z.reshape(-1)]
    y = np.empty(z.shape, dtype=object) if exact else np.array(flat, dtype=np.float64).reshape(z.shape)
    if exact:
        y.reshape(-1)[:] = flat
    first = z.reshape(-1)[0]
    steps.append(
        Step(
            f"Apply {kind} elementwise",
            formula=formula,
            steps=[Step("First entry", formula=show(first), result=flat[0])],
            result=y,
            note=None if exact else "computed in floating point",
        )
    )
    return Worked(kind, value=y, steps=steps)


def _exact_softmax(z: np.ndarray, approx: np.ndarray, axis: int) -> np.ndarray:
    """Exact softmax entries ``1 / Σ_j e^{z_j − z_i}``: rational (1/n) only when a row is constant.

    Writing each entry with differences keeps the exact forms short; they are built only when asked.
    """
    zm = np.moveaxis(z, axis, -1)
    am = np.moveaxis(approx, axis, -1)
    out = np.empty(zm.shape, dtype=object)
    for idx in np.ndindex(zm.shape[:-1]):
        row = [Fraction(v) for v in zm[idx]]
        for i, zi in enumerate(row):
            out[(*idx, i)] = inv_sum_exp([zj - zi for zj in row], float(am[(*idx, i)]))
    return np.moveaxis(out, -1, axis)


def softmax(x: Any, axis: int = -1) -> Worked:
    """softmax along ``axis`` (default: the last), as ``torch.softmax``.

    >>> [round(float(v), 6) for v in softmax("0 0").value]
    [0.5, 0.5]
    """
    steps = prior_steps(x)
    z = as_array(x, name="input")
    if z.ndim == 0:  # one number: softmax over it alone, as torch.softmax of a 0-d tensor (dim 0 or -1)
        scalar = softmax(z.reshape(1), axis=0 if axis in (0, -1) and not isinstance(axis, bool) else axis)
        return Worked(Op.SOFTMAX.value, value=scalar.value.reshape(()), steps=steps + scalar.steps)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -z.ndim <= axis < z.ndim:
        raise NnstepsError(
            f"expected an axis in [{-z.ndim}, {z.ndim - 1}] for a {z.ndim}-D input (as torch.softmax's dim), "
            f"got {axis!r}", field="axis",
        )
    axis = int(axis)
    # Each exact entry is a sum of one exponential per entry of its row: n² SymPy terms per row.
    exact = exactness(z) and z.size <= SYMBOLIC_LIMIT and z.size * z.shape[axis] <= SYMBOLIC_LIMIT * 20
    zf = z.astype(np.float64)
    e = np.exp(zf - zf.max(axis=axis, keepdims=True))
    y: np.ndarray = e / e.sum(axis=axis, keepdims=True)
    if exact:
        y = _exact_softmax(z, y, axis)
    row = np.moveaxis(z, axis, -1).reshape(-1, z.shape[axis])[0]
    yrow = np.moveaxis(y, axis, -1).reshape(-1, z.shape[axis])[0]
    denominator = joined([f"e^{{{to_latex_operand(v)}}}" for v in ends(list(row))], len(row))
    steps.append(
        Step(
            "Softmax along the last axis" if axis in (-1, z.ndim - 1) else f"Softmax along axis {axis}",
            formula=r"\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}",
            steps=[Step("First entry", formula=rf"\frac{{e^{{{to_latex_operand(row[0])}}}}}{{{denominator}}}",
                        result=yrow[0])],
            result=y,
        )
    )
    return Worked(Op.SOFTMAX.value, value=y, steps=steps)
