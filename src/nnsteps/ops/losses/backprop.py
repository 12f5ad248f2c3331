"""Losses of the backprop exercises, each with its gradient ∂ℓ/∂y and the steps that derive them.

* ``half_squared_error``: ℓ = ½ Σ (y − t)², ∂ℓ/∂y = y − t;
* ``squared_error``: ℓ = Σ (y − t)², ∂ℓ/∂y = 2(y − t) (PyTorch's ``mse_loss(reduction='sum')``);
* ``cross_entropy``: p = softmax(y), ℓ = −Σ t log p, ∂ℓ/∂y = p − t for a target distribution t
  (PyTorch's ``cross_entropy(reduction='sum')``).

Sums run over every output (rows are output steps or samples, columns output units).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops.convention import convention
from nnsteps.ops.domain import Domain, Real
from nnsteps.work import Step


@dataclass
class LossResult:
    value: Any
    grad: np.ndarray
    step: Step[Any]


def softmax_row(row: list[Any], d: Domain) -> list[Any]:
    """softmax of one row, in the domain's numbers, stable for any size of score: the floats are
    computed shifted by the row's maximum (as PyTorch does), while exact forms stay e^{z_i} / Σ_j e^{z_j}.

    >>> from nnsteps.ops.domain import FloatDomain, SymbolicDomain
    >>> [round(v, 6) for v in softmax_row([0.0, 1.0], FloatDomain())]
    [0.268941, 0.731059]
    >>> from fractions import Fraction as F
    >>> [round(float(d.out(v)), 6) for d in [SymbolicDomain()] for v in softmax_row([F(900), F(0)], d)]
    [1.0, 0.0]
    """
    floats = [float(v) for v in row]
    m = max(floats)
    shifted = [math.exp(v - m) for v in floats]
    total = sum(shifted[1:], shifted[0])
    return d.stable([e / total for e in shifted], lambda: _exact_softmax(row, d, floats, shifted, total))


def _exact_softmax(row: list[Any], d: Domain, floats: list[float], shifted: list[float], total: float) -> list[Any]:
    """e^{z_i} / Σ_j e^{z_j} in an exact domain, its floats taken from the shifted form where e^{z} overflows."""
    es = [d.exp(v) for v in row]
    s = sum(es[1:], es[0])
    probs = [e / s for e in es]
    nodes = [Real.of(v).node() for v in row]
    if len(row) > 1 and all(isinstance(p, Real) and p.q is None for p in probs) and None not in nodes and \
            len({n.key() for n in nodes if n is not None}) == 1:
        for p in probs:  # e^{z} / (n e^{z}): SymPy's form is 1/n
            p.q = Fraction(1, len(row))
    if max(abs(v) for v in floats) <= 700:
        return probs  # e^{z} stays finite: the plain quotient, as ever
    for p, e in zip(probs, shifted):
        if isinstance(p, Real) and p.exact is None:
            p.f = e / total  # e^{z_i} / Σ e^{z_j} overflows past z = 709; the shifted form does not
    return probs


def _log_softmax_floats(row: list[Any]) -> list[float]:
    """log softmax of a row in float64, z_i − m − log Σ_j e^{z_j − m}: finite where p_i underflows to 0.

    >>> _log_softmax_floats([800.0, 0.0])
    [0.0, -800.0]
    """
    floats = [float(v) for v in row]
    m = max(floats)
    lse = m + math.log(sum(math.exp(v - m) for v in floats))
    return [v - lse for v in floats]


def _log_p(d: Domain, p: Any, log_p: float) -> Any:
    """log p in the domain's numbers; where p underflowed to 0, its float is the log-softmax form (as
    PyTorch's cross_entropy)."""
    return d.log(p) if float(p) > 0 else d.apply("log", p, f=log_p)


def loss(
    name: str, Y: np.ndarray, R: np.ndarray, d: Domain, *, labels: list[list[tuple[str, str]]],
    steps_of: list[int] | None = None,
) -> LossResult:
    """ℓ and ∂ℓ/∂Y for outputs ``Y`` and targets ``R`` (both T×O); ``labels[t][k]`` = (y symbol, target symbol).

    >>> from nnsteps.ops.domain import ExactDomain
    >>> from fractions import Fraction as F
    >>> Y = np.array([[F(1, 2)]], dtype=object); R = np.array([[1]], dtype=object)
    >>> r = loss("half_squared_error", Y, R, ExactDomain(), labels=[[("y", "y_r")]])
    >>> r.value, r.grad.tolist(), r.step.substituted
    (Fraction(1, 8), [[Fraction(-1, 2)]], '\\\\frac{1}{2} \\\\cdot (0.5 - 1) \\\\cdot (0.5 - 1)')
    """
    T, O = Y.shape
    cells = [(t, k) for t in range(T) for k in range(O)]
    children: list[Step[Any]] = []
    grad = np.empty((T, O), dtype=object) if d.is_exact else np.empty((T, O))
    if name == "cross_entropy":
        probs = [softmax_row(list(Y[t]), d) for t in range(T)]
        for t in range(T):
            ys = [labels[t][k][0] for k in range(O)]
            yv = [op(d.out(v)) for v in Y[t]]
            denom = " + ".join(rf"\exp({v})" for v in yv)
            denom_sym = " + ".join(f"e^{{{y}}}" for y in ys)
            for k in range(O):
                p = rf"p_{{{ys[k]}}}" if O > 1 else "p"
                children.append(Step(
                    f"Softmax {p}", formula=rf"{p} = \frac{{e^{{{ys[k]}}}}}{{{denom_sym}}}",
                    substituted=rf"\frac{{\exp({yv[k]})}}{{{denom}}}",
                    result=d.out(probs[t][k]),
                ))
        logs = [_log_softmax_floats(list(Y[t])) for t in range(T)]
        value = -sum((R[t][k] * _log_p(d, probs[t][k], logs[t][k]) for t, k in cells if R[t][k] != 0), d.num(0))
        general = r"\ell = -\sum_k t_k \log p_k"
        sub = "-(" + " + ".join(rf"{op(d.out(R[t][k]))} \cdot \log({op(d.out(probs[t][k]))})"
                                for t, k in cells if R[t][k] != 0) + ")"
        for t, k in cells:
            grad[t, k] = probs[t][k] - R[t][k]
            if not convention("p_minus_y"):  # the likely mistake y − p, re-solved by grading
                grad[t, k] = -grad[t, k]
            y, r = labels[t][k]
            children.append(Step(
                rf"Gradient at {y}", formula=rf"\frac{{\partial \ell}}{{\partial {y}}} = p - {r}",
                substituted=f"{op(d.out(probs[t][k]))} - {op(d.out(R[t][k]))}", result=d.out(grad[t, k]),
            ))
        return LossResult(d.out(value), grad, Step("Loss (softmax cross-entropy)", formula=general, substituted=sub,
                                                   result=d.out(value), steps=children))
    half = name == "half_squared_error"
    diffs = [(op(d.out(Y[t][k])), op(d.out(R[t][k]))) for t, k in cells]
    squares = [f"({a} - {b}) \\cdot ({a} - {b})" for a, b in diffs]
    body = squares[0] if len(squares) == 1 else "(" + " + ".join(squares) + ")"
    sub = r"\frac{1}{2} \cdot " + body if half else " + ".join(squares)
    terms = [(Y[t][k] - R[t][k]) * (Y[t][k] - R[t][k]) for t, k in cells]
    total = sum(terms[1:], terms[0])
    value = total * d.num(Fraction(1, 2)) if half else total  # not total / 2: ints stay exact
    sym = [labels[t][k] for t, k in cells]
    if len(cells) == 1:
        y, r = sym[0]
        general = (r"\ell = \frac{1}{2}" if half else r"\ell = ") + f"({y} - {r})^2"
    else:
        general = (r"\ell = \frac{1}{2}" if half else r"\ell = ") + r"\sum (y - y_r)^2"
    for idx, (t, k) in enumerate(cells):
        grad[t, k] = (Y[t][k] - R[t][k]) if half else 2 * (Y[t][k] - R[t][k])
        y, r = sym[idx]
        a, b = diffs[idx]
        children.append(Step(
            rf"Gradient at {y}",
            formula=rf"\frac{{\partial \ell}}{{\partial {y}}} = " + (f"{y} - {r}" if half else f"2({y} - {r})"),
            substituted=f"{a} - {b}" if half else rf"2 \cdot ({a} - {b})",
            result=d.out(grad[t, k]),
        ))
    title = "Loss (half squared error)" if half else "Loss (squared error)"
    return LossResult(d.out(value), grad, Step(title, formula=general, substituted=sub, result=d.out(value),
                                               steps=children))
