"""The class losses ``cross_entropy`` (logits) and ``nll`` (log-probabilities), as
``torch.nn.functional``: targets as class indices or (cross-entropy) probabilities, class ``weight``,
``ignore_index`` and ``label_smoothing``.

Both are written as ℓ_n = −Σ_c y_{n,c} log p_{n,c} with a target distribution y that carries the class
weight and the smoothing: for an index target, y_{n,c} = (1 − ε) w_{t_n} [c = t_n] + ε w_c / C (zero
for an ignored sample), for a probability target y_{n,c} = w_c ((1 − ε) t_{n,c} + ε / C). Then
∂ℓ_n/∂z_c = (Σ_k y_{n,k}) p_{n,c} − y_{n,c}: the familiar p − y when y sums to 1. A ``mean`` divides by
Σ_n w_{t_n} over the samples not ignored (index targets) or by N (probability targets), as PyTorch.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import partial
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.names import Loss
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops._common import exactness
from nnsteps.ops.convention import convention
from nnsteps.ops.domain import Domain
from nnsteps.ops.losses.backprop import softmax_row
from nnsteps.ops.losses.functional import SYMBOLIC_LIMIT, _worked, fmt, reduce
from nnsteps.work import Step, Worked


def _indices(t: np.ndarray, n_classes: int, ignore_index: int) -> list[int]:
    out = []
    for v in t.reshape(-1):
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or isinstance(v, Fraction):
            raise NnstepsError(f"expected class indices (integers), got {v!r}", field="target")
        v = int(v)
        if v != ignore_index and not 0 <= v < n_classes:
            raise NnstepsError(f"expected class indices in [0, {n_classes - 1}] (or ignore_index {ignore_index}), "
                               f"got {v}", field="target")
        out.append(v)
    return out


def _check_distribution(t: np.ndarray, exact: bool) -> None:
    for row in t.reshape(-1, t.shape[-1]):
        if any(v < 0 for v in row):
            raise NnstepsError(f"expected target probabilities >= 0, got a row {list(map(op, row))}", field="target")
        total = sum(row)
        if (total != 1) if exact else not math.isclose(float(total), 1.0, abs_tol=1e-9):
            raise NnstepsError(f"expected target probabilities that sum to 1 in each row, got a row summing to {op(total)}",
                               field="target")


def class_loss(name: str, input: Any, target: Any, *, reduction: str = "mean", weight: Any = None,
               ignore_index: int = -100, label_smoothing: Any = 0, upstream: Any = None) -> Worked:
    """Cross-entropy of logits, or the negative log-likelihood of log-probabilities, with the gradient
    with respect to the input.

    >>> w = class_loss("nll", "-1 -2; -3 -4", [0, 1])
    >>> w.answer["loss"], w.answer["grads"]["input"]
    (Fraction(5, 2), [[Fraction(-1, 2), 0], [0, Fraction(-1, 2)]])
    >>> round(float(class_loss("cross_entropy", [[2, 1, 0.1]], [0]).answer["loss"]), 6)
    0.41703
    """
    z = as_array(input, name="input", ndim=(1, 2))
    t = as_array(target, name="target")
    n_classes = z.shape[-1]
    rows = z.reshape(-1, n_classes)
    probs_target = t.shape == z.shape
    if name == Loss.NLL and probs_target and z.ndim == 1 and t.ndim == 1:
        raise NnstepsError("expected one class index for a 1-D input (nll takes class indices)", field="target")
    if not probs_target and t.shape != z.shape[:-1]:
        raise NnstepsError(f"expected class indices of shape {z.shape[:-1]} or probabilities of shape {z.shape}, "
                           f"got shape {t.shape}", field="target")
    wa = None
    if weight is not None:
        wa = as_array(weight, name="weight", ndim=(1,))
        if wa.shape != (n_classes,):
            raise NnstepsError(f"expected one weight per class ({n_classes}), got {wa.shape[0]}", field="weight")
    eps = Fraction(label_smoothing) if not isinstance(label_smoothing, float) else label_smoothing
    if not 0 <= eps <= 1:
        raise NnstepsError(f"expected label_smoothing in [0, 1], got {label_smoothing}", field="label_smoothing")
    arrays = [z] + ([t] if probs_target else []) + ([wa] if wa is not None else [])
    exact = exactness(*arrays)
    d = Domain.choose([a if exact else a.astype(np.float64) for a in arrays], irrational=name == Loss.CROSS_ENTROPY,
                      small=z.size <= SYMBOLIC_LIMIT)
    Z = d.array(rows)
    W = d.array(wa) if wa is not None else np.array([d.num(1)] * n_classes, dtype=object)
    N, C = Z.shape
    Y = np.empty((N, C), dtype=object)
    steps: list[Step[Any]] = []
    if probs_target:
        if name == Loss.NLL:
            raise NnstepsError("nll takes class indices as the target", field="target")
        _check_distribution(t, exact)
        T = d.array(t.reshape(N, C))
        for n in range(N):
            for c in range(C):
                Y[n, c] = W[c] * ((1 - eps) * T[n, c] + eps / C)
        denominator: Any = N
        den = Step("Divisor D: the number of samples (probability targets)", formula="D = N", result=N)
        labels = None
    else:
        labels = _indices(t, C, ignore_index)
        for n, y in enumerate(labels):
            for c in range(C):
                Y[n, c] = d.num(0) if y == ignore_index else (1 - eps) * W[c] * (1 if c == y else 0) + eps * W[c] / C
        kept = [n for n, y in enumerate(labels) if y != ignore_index]
        if not kept and reduction == "mean":
            raise NnstepsError(f"every target is ignore_index ({ignore_index}): the mean is 0/0 (PyTorch gives nan)",
                               field="target")
        terms = [W[labels[n]] for n in kept]
        denominator = sum(terms[1:], terms[0]) if terms else 0
        den = Step("Divisor D: the summed weights of the targets not ignored", formula=r"D = \sum_n w_{t_n}",
                   substituted=" + ".join(fmt(d, v) for v in terms) if terms else None, result=d.out(denominator))
    if name == Loss.CROSS_ENTROPY:
        P, NL = _softmax_steps(d, Z, steps)
    else:
        P, NL = None, -Z
    if probs_target or eps != 0 or wa is not None:
        steps.append(Step("Target distribution y (weights and smoothing folded in)",
                          formula=_target_formula(probs_target, eps != 0, wa is not None), result=_shape_out(d, Y, z.ndim)))
    ell = np.empty(N, dtype=object)
    grad = np.empty((N, C), dtype=object)
    for n in range(N):
        used = [c for c in range(C) if Y[n, c] != 0]
        terms = [Y[n, c] * NL[n, c] for c in used]
        ell[n] = sum(terms[1:], terms[0]) if terms else d.num(0)
        mass = sum(list(Y[n])[1:], Y[n, 0])
        for c in range(C):
            grad[n, c] = (mass * P[n, c] - Y[n, c]) if P is not None else -Y[n, c]
            if P is not None and not convention("p_minus_y"):  # the likely mistake y − p, re-solved by grading
                grad[n, c] = -grad[n, c]
    one_hot = not probs_target and eps == 0 and wa is None
    used0 = [c for c in range(C) if Y[0, c] != 0]
    if one_hot and labels is not None and labels[0] != ignore_index:
        sub = rf"-\log {fmt(d, P[0, labels[0]])}" if P is not None else rf"-({fmt(d, Z[0, labels[0]])})"
        form = r"\ell_n = -\log p_{n, t_n}"
    else:
        sub = " + ".join(rf"{fmt(d, Y[0, c])} \cdot {fmt(d, NL[0, c])}" for c in used0) or "0"
        form = r"\ell_n = -\sum_c y_{n,c} \log p_{n,c}"
    steps.append(Step("Loss of each sample", formula=form, result=_shape_out(d, ell, z.ndim - 1),
                      steps=[Step("First sample", formula=form, substituted=sub, result=d.out(ell[0]))]))
    if P is not None:
        mass0 = sum(list(Y[0])[1:], Y[0, 0])
        plain = mass0 == 1
        gform = (r"\frac{\partial \ell_n}{\partial z_c} = p_c - y_c" if plain else
                 r"\frac{\partial \ell_n}{\partial z_c} = \Big(\sum_k y_k\Big) p_c - y_c")
        gsub = (f"{fmt(d, P[0, 0])} - {fmt(d, Y[0, 0])}" if plain else
                rf"{fmt(d, mass0)} \cdot {fmt(d, P[0, 0])} - {fmt(d, Y[0, 0])}")
    else:
        gform, gsub = r"\frac{\partial \ell_n}{\partial x_c} = -y_{n,c}", f"-{fmt(d, Y[0, 0])}"
    steps.append(Step("Gradient of each sample's loss (the p − y form)" if P is not None else "Gradient of each sample's loss",
                      formula=gform, result=_shape_out(d, grad, z.ndim),
                      steps=[Step("First entry", formula=gform, substituted=gsub, result=d.out(grad[0, 0]))]))
    ell, grad = d.stored(ell), d.stored(grad)
    shape = z.shape[:-1]
    answer = reduce(name, d, ell.reshape(shape), grad.reshape(z.shape), reduction, denominator, den, upstream, steps)
    return _worked(d, answer, steps, name)


def _neg_log(d: Domain, p: Any, f: float) -> Any:
    return -d.apply("log", p, f=f)


def _shape_out(d: Domain, arr: np.ndarray, ndim: int) -> Any:
    out = d.out_array(arr)
    return out.reshape(out.shape[1:]) if ndim < arr.ndim and out.shape[0] == 1 else out


def _target_formula(probs: bool, smoothing: bool, weighted: bool) -> str:
    w = "w_c " if weighted else ""
    if probs:
        return rf"y_{{n,c}} = {w}\left((1 - \varepsilon) t_{{n,c}} + \frac{{\varepsilon}}{{C}}\right)" if smoothing else \
            rf"y_{{n,c}} = {w}t_{{n,c}}"
    if smoothing:
        return (r"y_{n,c} = (1 - \varepsilon) w_{t_n} [c = t_n] + \frac{\varepsilon\, " + w + "}{C}" if weighted else
                r"y_{n,c} = (1 - \varepsilon) [c = t_n] + \frac{\varepsilon}{C}")
    return r"y_{n,c} = w_{t_n} [c = t_n]"


def _softmax_steps(d: Domain, Z: np.ndarray, steps: list[Step[Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Softmax of each row and −log p, the latter computed stably (log-sum-exp shifted by the row's max)."""
    N, C = Z.shape
    P = np.empty((N, C), dtype=object)
    NL = np.empty((N, C), dtype=object)
    for n in range(N):
        row = list(Z[n])
        probs = softmax_row(row, d)
        floats = [float(v) for v in row]
        m = max(floats)
        lse = m + math.log(sum(math.exp(v - m) for v in floats))
        for c in range(C):
            P[n, c] = probs[c]
            NL[n, c] = d.stable(lse - floats[c], partial(_neg_log, d, probs[c], floats[c] - lse))
    z0 = [fmt(d, v) for v in Z[0]]
    steps.append(Step("Softmax of each row", formula=r"p_c = \frac{e^{z_c}}{\sum_j e^{z_j}}", result=_shape_out(d, P, 1 if N == 1 else 2),
                      steps=[Step("First entry", formula=r"p_1 = \frac{e^{z_1}}{\sum_j e^{z_j}}",
                                  substituted=rf"\frac{{e^{{{z0[0]}}}}}{{{' + '.join(f'e^{{{v}}}' for v in z0)}}}",
                                  result=d.out(P[0, 0]))]))
    steps.append(Step("Negative log-probabilities", formula=r"-\log p_c = \log \sum_j e^{z_j} - z_c",
                      result=_shape_out(d, NL, 1 if N == 1 else 2),
                      steps=[Step("First entry", formula=r"-\log p_1", substituted=rf"-\log {fmt(d, P[0, 0])}",
                                  result=d.out(NL[0, 0]))]))
    return P, NL
