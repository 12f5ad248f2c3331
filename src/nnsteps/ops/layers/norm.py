"""Batch and layer normalisation, forward and backward, as ``torch.nn.functional.batch_norm`` and
``layer_norm``.

Both normalise groups of numbers: batch norm one group per channel (axis 1), over the batch and any
spatial axes; layer norm one group per sample, over the last ``normalized_shape`` axes. A group's mean
μ and biased variance σ² (÷ n) normalise it: x̂ = (x − μ)/√(σ² + ε), y = γ x̂ + β. Training batch norm
also updates the running statistics with ``momentum`` m: μ_run ← (1 − m) μ_run + m μ and
σ²_run ← (1 − m) σ²_run + m · σ² n/(n − 1) (the unbiased variance); in eval it normalises with them.

The backward pass of a group whose statistics were computed from it (training batch norm, layer norm):
∂L/∂x = (1/(n√(σ² + ε))) (n ĝ − Σ ĝ − x̂ Σ ĝ x̂) with ĝ = γ ∂L/∂y; with fixed statistics (eval)
∂L/∂x = γ ∂L/∂y / √(σ²_run + ε). ∂L/∂γ = Σ ∂L/∂y x̂ and ∂L/∂β = Σ ∂L/∂y over what each is shared by.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.numbers import parse_number
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops._common import exactness, prior_steps
from nnsteps.ops.convention import convention
from nnsteps.ops.domain import Domain
from nnsteps.ops.upstream import read_upstream
from nnsteps.work import Step, Worked

SYMBOLIC_LIMIT = 200
EPS = Fraction(1, 100000)


def _vector(value: Any, name: str, size: int, default: Any) -> np.ndarray:
    if value is None:
        return np.array([default] * size, dtype=object)
    arr = as_array(value, name=name).reshape(-1)
    if arr.size != size:
        raise NnstepsError(f"expected {size} values (one per {'channel' if size else 'entry'}), got {arr.size}",
                           field=name)
    return arr


def _stats(d: Domain, rows: np.ndarray, labels: str, steps: list[Step[Any]]) -> tuple[list[Any], list[Any]]:
    """Mean and biased variance of each row, the first row's written out."""
    n = rows.shape[1]
    inv_n = Fraction(1, n)
    means, vars_ = [], []
    for r in rows:
        m = sum(list(r)[1:], r[0]) * inv_n
        sq = [(v - m) * (v - m) for v in r]
        means.append(m)
        vars_.append(sum(sq[1:], sq[0]) * inv_n)
    first = [op(d.out(v)) for v in rows[0]]
    mean0 = op(d.out(means[0]))
    squares = " + ".join(rf"({v} - {mean0}) \cdot ({v} - {mean0})" for v in first)
    steps.append(Step(f"Mean of each {labels}", formula=r"\mu = \frac{1}{n} \sum_i x_i", result=_out(d, means),
                      steps=[Step(f"First {labels}", substituted=rf"\frac{{{' + '.join(first)}}}{{{n}}}",
                                  result=d.out(means[0]))]))
    steps.append(Step(f"Variance of each {labels} (biased: divided by n)", formula=r"\sigma^2 = \frac{1}{n} \sum_i (x_i - \mu)^2",
                      result=_out(d, vars_),
                      steps=[Step(f"First {labels}", substituted=rf"\frac{{{squares}}}{{{n}}}",
                                  result=d.out(vars_[0]))]))
    return means, vars_


def _out(d: Domain, values: Any) -> np.ndarray:
    return d.out_array(d.values(values))


def _normalise(d: Domain, rows: np.ndarray, means: list[Any], vars_: list[Any], eps: Any,
               steps: list[Step[Any]]) -> tuple[np.ndarray, list[Any]]:
    for c, v in enumerate(vars_):
        if v == v and not v + eps > 0:  # a negative eps or running variance: the square root has no real value
            raise NnstepsError(f"expected σ² + ε > 0, got {d.out(v + eps)} at index {c}",
                               field="eps")
    inv = [1 / d.sqrt(v + eps) for v in vars_]
    xhat = np.empty(rows.shape, dtype=object)
    for g in range(rows.shape[0]):
        for j in range(rows.shape[1]):
            xhat[g, j] = (rows[g, j] - means[g]) * inv[g]
    steps.append(Step("Normalise", formula=r"\hat{x} = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}}",
                      result=d.out_array(xhat),
                      steps=[Step("First entry", substituted=rf"\frac{{{op(d.out(rows[0, 0]))} - {op(d.out(means[0]))}}}"
                                  rf"{{\sqrt{{{op(d.out(vars_[0]))} + {op(eps)}}}}}", result=d.out(xhat[0, 0]))]))
    return xhat, inv


def _backward(d: Domain, xhat: np.ndarray, inv: list[Any], ghat: np.ndarray, fixed: bool,
              steps: list[Step[Any]]) -> np.ndarray:
    G, n = xhat.shape
    dx = np.empty(xhat.shape, dtype=object)
    for g in range(G):
        if fixed:
            for j in range(n):
                dx[g, j] = ghat[g, j] * inv[g]
            continue
        s1 = sum(list(ghat[g])[1:], ghat[g, 0])
        prods = [ghat[g, j] * xhat[g, j] for j in range(n)]
        s2 = sum(prods[1:], prods[0])
        for j in range(n):
            dx[g, j] = inv[g] * Fraction(1, n) * (n * ghat[g, j] - s1 - xhat[g, j] * s2)
    formula = (r"\frac{\partial L}{\partial x} = \frac{\hat{g}}{\sqrt{\sigma^2 + \varepsilon}}" if fixed else
               r"\frac{\partial L}{\partial x} = \frac{1}{n\sqrt{\sigma^2 + \varepsilon}}\left(n \hat{g} - \sum \hat{g}"
               r" - \hat{x} \sum \hat{g} \hat{x}\right), \; \hat{g} = \gamma \frac{\partial L}{\partial y}")
    steps.append(Step("Gradient of the input", formula=formula, result=d.out_array(dx)))
    return dx


def _domain(arrays: list[np.ndarray], size: int) -> Domain:
    exact = exactness(*arrays)
    return Domain.choose([a if exact else a.astype(np.float64) for a in arrays], irrational=True,
                         small=size <= SYMBOLIC_LIMIT)


def batch_norm(input: Any, *, weight: Any = None, bias: Any = None, running_mean: Any = None,
               running_var: Any = None, training: bool = True, momentum: Any = Fraction(1, 10), eps: Any = EPS,
               upstream: Any = None) -> Worked:
    """Batch normalisation per channel (axis 1), over the batch and spatial axes.

    >>> w = batch_norm([[1, 2], [3, 6], [5, 1]], eps=0)
    >>> w.answer["mean"], w.answer["var"], w.answer["running_var"]
    ([3, 3], [Fraction(8, 3), Fraction(14, 3)], [Fraction(13, 10), Fraction(8, 5)])
    """
    steps = prior_steps(input)
    x = as_array(input, name="input")
    if x.ndim < 2:
        raise NnstepsError(f"expected an N×C (or N×C×H×W) input, got shape {x.shape}", field="input")
    C = x.shape[1]
    momentum, eps = parse_number(momentum), parse_number(eps)
    gamma, beta = _vector(weight, "weight", C, 1), _vector(bias, "bias", C, 0)
    rm, rv = _vector(running_mean, "running_mean", C, 0), _vector(running_var, "running_var", C, 1)
    d = _domain([x, gamma, beta, rm, rv], x.size)
    moved = np.moveaxis(x, 1, 0).reshape(C, -1)
    rows = d.array(moved)
    n = rows.shape[1]
    if training and n < 2:
        raise NnstepsError(f"expected more than 1 value per channel when training, got {n}", field="input")
    answer: dict[str, Any] = {}
    if training:
        means, vars_ = _stats(d, rows, "channel", steps)
        biased = vars_
        if convention("normalise_variance") == "unbiased":  # the likely mistake: the sample variance normalises
            vars_ = [v * Fraction(n, n - 1) for v in biased]
    else:
        means, vars_ = list(d.array(rm)), list(d.array(rv))
        steps.append(Step("Eval: the running statistics normalise", formula=r"\mu = \mu_{run}, \; \sigma^2 = \sigma^2_{run}",
                          result=_out(d, vars_)))
    xhat, inv = _normalise(d, rows, means, vars_, eps, steps)
    G, B = d.array(gamma), d.array(beta)
    y = np.empty(rows.shape, dtype=object)
    for c in range(C):
        for j in range(n):
            y[c, j] = G[c] * xhat[c, j] + B[c]
    steps.append(Step("Scale and shift", formula=r"y = \gamma \hat{x} + \beta", result=None,
                      steps=[Step("First entry", substituted=rf"{op(d.out(G[0]))} \cdot {op(d.out(xhat[0, 0]))} + "
                                  rf"{op(d.out(B[0]))}", result=d.out(y[0, 0]))]))
    shape = (C, x.shape[0], *x.shape[2:])

    def back(a: np.ndarray) -> np.ndarray:
        return np.moveaxis(d.out_array(a.reshape(shape)), 0, 1)

    answer["output"] = back(y).tolist()
    steps[-1].result = back(y)
    answer["mean"], answer["var"] = _out(d, means).tolist(), _out(d, vars_).tolist()
    if training:
        new_m = [(1 - momentum) * a + momentum * b for a, b in zip(d.array(rm), means)]
        # unbiased (PyTorch); biased only for the likely mistake "population variance in the running estimate"
        ratio = Fraction(n, n - 1) if convention("running_variance") == "unbiased" else 1
        new_v = [(1 - momentum) * a + momentum * b * ratio for a, b in zip(d.array(rv), biased)]
        m = op(momentum)
        steps.append(Step("Running mean", formula=r"\mu_{run} \leftarrow (1 - m)\mu_{run} + m \mu", result=_out(d, new_m),
                          steps=[Step("First channel", substituted=rf"(1 - {m}) \cdot {op(d.out(rm[0]))} + {m} \cdot "
                                      rf"{op(d.out(means[0]))}", result=d.out(new_m[0]))]))
        steps.append(Step("Running variance (unbiased: σ² n/(n − 1))",
                          formula=r"\sigma^2_{run} \leftarrow (1 - m)\sigma^2_{run} + m \frac{n}{n - 1} \sigma^2",
                          result=_out(d, new_v),
                          steps=[Step("First channel", substituted=rf"(1 - {m}) \cdot {op(d.out(rv[0]))} + {m} \cdot "
                                      rf"\frac{{{n}}}{{{n - 1}}} \cdot {op(d.out(vars_[0]))}", result=d.out(new_v[0]))]))
        answer["running_mean"], answer["running_var"] = _out(d, new_m).tolist(), _out(d, new_v).tolist()
    if upstream is not None:
        g = d.array(np.moveaxis(read_upstream(upstream, x.shape), 1, 0).reshape(C, -1))
        ghat = np.empty(rows.shape, dtype=object)
        for c in range(C):
            for j in range(n):
                ghat[c, j] = g[c, j] * G[c]
        dx = _backward(d, xhat, inv, ghat, not training, steps)
        dgamma = [sum([g[c, j] * xhat[c, j] for j in range(n)][1:], g[c, 0] * xhat[c, 0]) for c in range(C)]
        dbeta = [sum(list(g[c])[1:], g[c, 0]) for c in range(C)]
        _param_steps(d, dgamma, dbeta, "channel", steps)
        answer["grads"] = {"input": back(dx).tolist(), "weight": _out(d, dgamma).tolist(),
                           "bias": _out(d, dbeta).tolist()}
    _note(d, steps)
    return Worked(Op.BATCH_NORM.value, value=answer, steps=steps, answer=answer)


def _param_steps(d: Domain, dgamma: list[Any], dbeta: list[Any], per: str, steps: list[Step[Any]]) -> None:
    steps.append(Step("Gradient of the weight γ", formula=r"\frac{\partial L}{\partial \gamma} = \sum \frac{\partial L}"
                      r"{\partial y} \hat{x}", result=_out(d, dgamma)))
    steps.append(Step("Gradient of the bias β", formula=r"\frac{\partial L}{\partial \beta} = \sum \frac{\partial L}"
                      r"{\partial y}", result=_out(d, dbeta)))


def _note(d: Domain, steps: list[Step[Any]]) -> None:
    note = d.note()
    if note and steps:
        steps[0].note = note


def layer_norm(input: Any, normalized_shape: Any = None, *, weight: Any = None, bias: Any = None, eps: Any = EPS,
               upstream: Any = None) -> Worked:
    """Layer normalisation over the last ``normalized_shape`` axes (default: the last axis).

    >>> w = layer_norm([[1, 2, 3]], [3], eps=0)
    >>> w.answer["mean"], w.answer["var"]
    ([2], [Fraction(2, 3)])
    """
    steps = prior_steps(input)
    x = as_array(input, name="input")
    if x.ndim == 0:
        raise NnstepsError("expected an array to normalise, got one number", field="input")
    shape = tuple(normalized_shape) if isinstance(normalized_shape, (list, tuple)) else \
        ((normalized_shape,) if normalized_shape is not None else (x.shape[-1],))
    k = len(shape)
    if k == 0 or k > x.ndim or tuple(x.shape[-k:]) != tuple(shape):
        raise NnstepsError(f"expected normalized_shape to be the input's last axes {list(x.shape)}, got {list(shape)}",
                           field="normalized_shape")
    n = int(np.prod(shape))
    eps = parse_number(eps)
    gamma, beta = _vector(weight, "weight", n, 1), _vector(bias, "bias", n, 0)
    d = _domain([x, gamma, beta], x.size)
    rows = d.array(x.reshape(-1, n))
    means, vars_ = _stats(d, rows, "sample", steps)
    if not d.is_exact:  # torch's layer_norm (Welford moments) gives nan for a row whose σ² overflows
        vars_ = [math.nan if math.isinf(v) else v for v in vars_]
    xhat, inv = _normalise(d, rows, means, vars_, eps, steps)
    G, B = d.array(gamma), d.array(beta)
    y = np.empty(rows.shape, dtype=object)
    for r in range(rows.shape[0]):
        for j in range(n):
            y[r, j] = G[j] * xhat[r, j] + B[j]
    out = d.out_array(y).reshape(x.shape)
    steps.append(Step("Scale and shift (elementwise)", formula=r"y_j = \gamma_j \hat{x}_j + \beta_j", result=out,
                      steps=[Step("First entry", substituted=rf"{op(d.out(G[0]))} \cdot {op(d.out(xhat[0, 0]))} + "
                                  rf"{op(d.out(B[0]))}", result=d.out(y[0, 0]))]))
    lead = x.shape[:-k]
    answer: dict[str, Any] = {"output": out.tolist(), "mean": _out(d, means).reshape(lead).tolist(),
                              "var": _out(d, vars_).reshape(lead).tolist()}
    if upstream is not None:
        g = d.array(read_upstream(upstream, x.shape).reshape(-1, n))
        ghat = np.empty(rows.shape, dtype=object)
        for r in range(rows.shape[0]):
            for j in range(n):
                ghat[r, j] = g[r, j] * G[j]
        dx = _backward(d, xhat, inv, ghat, False, steps)
        R = rows.shape[0]
        dgamma = [sum([g[r, j] * xhat[r, j] for r in range(R)][1:], g[0, j] * xhat[0, j]) for j in range(n)]
        dbeta = [sum([g[r, j] for r in range(R)][1:], g[0, j]) for j in range(n)]
        _param_steps(d, dgamma, dbeta, "entry", steps)
        answer["grads"] = {"input": d.out_array(dx).reshape(x.shape).tolist(),
                           "weight": _out(d, dgamma).reshape(shape).tolist(),
                           "bias": _out(d, dbeta).reshape(shape).tolist()}
    _note(d, steps)
    return Worked(Op.LAYER_NORM.value, value=answer, steps=steps, answer=answer)
