"""The activations of ``torch.nn.functional`` beyond ReLU, sigmoid and tanh, each with its derivative:
``leaky_relu``, ``elu``, ``gelu`` (exact or tanh), ``silu``, ``softplus``, ``hardtanh`` and ``prelu``.

Given ``upstream`` (∂L/∂Y), each also answers ∂L/∂X = ∂L/∂Y ⊙ f'(X) (and, for PReLU, ∂L/∂a summed over
all but the channel axis), as PyTorch's autograd, including its choice at the kinks (leaky ReLU and
PReLU take the negative slope at 0, hardtanh's gradient is 0 at its ends). Leaky ReLU, hardtanh and
PReLU stay exact; ELU, SiLU and softplus leave the rationals (decimals carrying exact forms); GELU uses
erf or √(2/π), which no exact form here carries, so it is computed in float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.names import Activation, Op
from nnsteps.numbers import parse_number
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops._common import exactness, prior_steps
from nnsteps.ops.domain import Domain, FloatDomain
from nnsteps.ops.upstream import read_upstream
from nnsteps.work import Step, Worked

SYMBOLIC_LIMIT = 400
GELU_KAPPA = 0.044715
SQRT_2_OVER_PI = math.sqrt(2 / math.pi)

Pair = tuple[Any, Any]  # f(x) and f'(x) of one number


def _leaky(d: Domain, x: Any, slope: Any) -> Pair:
    return (x, d.num(1)) if x > 0 else (slope * x, d.num(slope))


def _elu(d: Domain, x: Any, alpha: Any) -> Pair:
    if x > 0:
        return x, d.num(1)
    e = d.exp(x)
    return alpha * (e - 1), alpha * e


def _gelu(x: float, approximate: str) -> tuple[float, float]:
    if approximate == Activation.TANH.value:
        if abs(x) > 10:  # tanh(inner) is ±1.0 in float64 there, and x ** 3 could overflow
            return (x, 1.0) if x > 0 else (0.0, 0.0)
        inner = SQRT_2_OVER_PI * (x + GELU_KAPPA * x ** 3)
        t = math.tanh(inner)
        return 0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_KAPPA * x * x)
    cdf = 0.5 * (1 + math.erf(x / math.sqrt(2)))
    return x * cdf, cdf + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _silu(d: Domain, x: Any) -> Pair:
    s = d.sigmoid(x)
    return x * s, s * (1 + x * (1 - s))


def _softplus(d: Domain, x: Any, beta: Any, threshold: Any) -> Pair:
    bx = x * beta
    if bx > threshold:
        return x, d.num(1)
    xf = float(bx)
    stable = math.log1p(math.exp(-abs(xf))) + max(xf, 0.0)  # log(1 + e^{βx}) without overflow
    e = d.exp(bx)
    log = d.stable(stable, lambda: d.apply("log", 1 + e, f=stable))
    return log / beta, d.sigmoid(bx)


def _hardtanh(d: Domain, x: Any, lo: Any, hi: Any) -> Pair:
    if x <= lo:
        return d.num(lo), d.num(0)
    if x >= hi:
        return d.num(hi), d.num(0)
    return x, d.num(1)


FORMULAS = {
    Op.LEAKY_RELU.value: (r"f(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}",
                   r"f'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}"),
    Op.PRELU.value: (r"f(x) = \begin{cases} x & x > 0 \\ a_c x & x \le 0 \end{cases}",
              r"f'(x) = \begin{cases} 1 & x > 0 \\ a_c & x \le 0 \end{cases}"),
    Op.ELU.value: (r"f(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
            r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}"),
    Op.GELU.value: (r"f(x) = x \, \Phi(x) = \frac{x}{2}\left(1 + \operatorname{erf}\frac{x}{\sqrt{2}}\right)",
             r"f'(x) = \Phi(x) + x \, \varphi(x)"),
    "gelu_tanh": (r"f(x) = \frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715 x^3)\right)\right)",
                  r"f'(x) = \frac{1 + t}{2} + \frac{x}{2}(1 - t^2)\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715 x^2)"),
    Op.SILU.value: (r"f(x) = x \, \sigma(x)", r"f'(x) = \sigma(x)\left(1 + x (1 - \sigma(x))\right)"),
    Op.SOFTPLUS.value: (r"f(x) = \frac{1}{\beta} \log(1 + e^{\beta x}) \;\; (\beta x \le \text{threshold}; \text{ else } x)",
                 r"f'(x) = \sigma(\beta x) \;\; (\text{else } 1)"),
    Op.HARDTANH.value: (r"f(x) = \min(\max(x, m), M)", r"f'(x) = [m < x < M]"),
}


def activation(name: str, input: Any, *, upstream: Any = None, negative_slope: Any = Fraction(1, 100),
               alpha: Any = 1, approximate: str = "none", beta: Any = 1, threshold: Any = 20,
               min_val: Any = -1, max_val: Any = 1, weight: Any = None) -> Worked:
    """One of the activations above, elementwise; with ``upstream``, also its gradients.

    >>> activation(Op.LEAKY_RELU.value, "-2 3", negative_slope=0.5).value.tolist()
    [-1, 3]
    >>> activation(Op.HARDTANH.value, "-2 0.5 1", upstream="1 1 1").answer["grads"]["input"]
    [0, 1, 0]
    """
    steps = prior_steps(input)
    x = as_array(input, name="input")
    # parameters typed as decimals are exact (0.1 is 1/10), as in a problem file
    negative_slope, alpha, beta, threshold, min_val, max_val = (
        parse_number(v) for v in (negative_slope, alpha, beta, threshold, min_val, max_val))
    arrays = [x]
    a = None
    if name == Op.PRELU.value:
        a = as_array(weight if weight is not None else Fraction(1, 4), name="weight")
        a = a.reshape(-1)
        channels = x.shape[1] if x.ndim >= 2 else 1
        if a.size not in (1, channels):
            raise NnstepsError(f"expected 1 or {channels} weights (one per channel, axis 1), got {a.size}",
                               field="weight")
        arrays.append(a)
    exact = exactness(*arrays)
    d: Domain
    if name == Op.GELU.value or not exact:
        d = FloatDomain()
    else:
        d = Domain.choose(arrays, irrational=name in (Op.ELU.value, Op.SILU.value, Op.SOFTPLUS.value), small=x.size <= SYMBOLIC_LIMIT)
    X = d.array(x)
    fn = _scalar(name, d, negative_slope, alpha, approximate, beta, threshold, min_val, max_val)
    Y = np.empty(x.shape, dtype=object)
    D = np.empty(x.shape, dtype=object)
    for idx in np.ndindex(x.shape):
        if a is not None:
            slope = d.num(a[idx[1]] if a.size > 1 else a[0])
            Y[idx], D[idx] = _leaky(d, X[idx], slope)
        else:
            Y[idx], D[idx] = fn(X[idx])
    first = tuple(0 for _ in x.shape)
    forms = FORMULAS["gelu_tanh" if name == Op.GELU.value and approximate == Activation.TANH.value else name]
    y_out, d_out = d.out_array(Y), d.out_array(D)
    steps.append(Step(f"Apply {name} elementwise", formula=forms[0], result=y_out,
                      steps=[Step("First entry", formula=f"x = {op(d.out(X[first]))}", result=d.out(Y[first]))],
                      note="computed in floating point" if not d.is_exact and exact else d.note()))
    if upstream is None:
        return Worked(name, value=y_out, steps=steps)
    g = d.array(read_upstream(upstream, x.shape))
    steps.append(Step(f"Derivative of {name}", formula=forms[1], result=d_out))
    gx = np.asarray(g * D)  # a 0-d product is a number, not an array
    steps.append(Step("Gradient of the input: upstream times the derivative",
                      formula=r"\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} \, f'(x)",
                      result=d.out_array(gx),
                      steps=[Step("First entry", substituted=rf"{op(d.out(g[first]))} \cdot {op(d.out(D[first]))}",
                                  result=d.out(gx[first]))]))
    grads: dict[str, Any] = {"input": d.out_array(gx).tolist()}
    if a is not None:
        ga = _prelu_weight_grad(d, X, g, a.size, steps)
        grads["weight"] = ga
    answer = {"output": y_out.tolist(), "grads": grads}
    return Worked(name, value=answer, steps=steps, answer=answer)


def _prelu_weight_grad(d: Domain, X: np.ndarray, g: np.ndarray, n: int, steps: list[Step[Any]]) -> list[Any]:
    """∂L/∂a_c = Σ over the non-positive inputs of channel c of x · ∂L/∂y."""
    sums: list[Any] = [d.num(0) for _ in range(n)]
    shown: list[str] = []
    for idx in np.ndindex(X.shape):
        if not X[idx] > 0:
            c = idx[1] if n > 1 else 0
            sums[c] = sums[c] + X[idx] * g[idx]
            if c == 0:
                shown.append(rf"{op(d.out(X[idx]))} \cdot {op(d.out(g[idx]))}")
    out = [d.out(v) for v in sums]
    steps.append(Step("Gradient of the PReLU weight", formula=r"\frac{\partial L}{\partial a_c} = \sum_{x \le 0} x \,"
                      r" \frac{\partial L}{\partial y}", result=d.values(out), steps=[Step("First channel" if n > 1 else "The weight",
                                                 substituted=" + ".join(shown) or "0", result=out[0])]))
    return out


OPTIONS: dict[str, dict[str, Any]] = {
    Op.LEAKY_RELU.value: {"negative_slope": Fraction(1, 100)}, Op.ELU.value: {"alpha": 1},
    Op.GELU.value: {"approximate": "none"}, Op.SILU.value: {},
    Op.SOFTPLUS.value: {"beta": 1, "threshold": 20}, Op.HARDTANH.value: {"min_val": -1, "max_val": 1},
    Op.PRELU.value: {"weight": Fraction(1, 4)},
}
"""Each activation's parameters and their defaults (those of :func:`activation` and of PyTorch)."""
IRRATIONAL = (Op.ELU.value, Op.SILU.value, Op.SOFTPLUS.value)
"""The activations that leave the rationals (GELU's erf is computed in float64)."""


def pair(name: str, d: Domain, options: dict[str, Any] | None = None) -> Callable[[Any, int], Pair]:
    """f and f' of one activation with its parameters, as a function of (x, unit): the one home of each
    formula for every op that applies these activations elementwise (this module, the dense network).
    PReLU's ``weight`` is one slope, or one per unit.

    >>> from nnsteps.ops.domain import ExactDomain
    >>> f = pair(Op.LEAKY_RELU.value, ExactDomain(), {"negative_slope": "0.1"})
    >>> f(-3, 0), f(2, 0)
    ((Fraction(-3, 10), Fraction(1, 10)), (2, 1))
    >>> pair(Op.PRELU.value, ExactDomain(), {"weight": [0, "1/2"]})(-2, 1)
    (Fraction(-1, 1), Fraction(1, 2))
    """
    if name not in OPTIONS:
        raise NnstepsError(f"expected an activation of {', '.join(OPTIONS)}, got {name!r}")
    options = dict(options or {})
    unknown = sorted(set(options) - set(OPTIONS[name]))
    if unknown:
        known = ", ".join(OPTIONS[name]) or "none"
        raise NnstepsError(f"{name} takes no {', '.join(unknown)} (its parameters: {known})")
    values = {**OPTIONS[name], **options}
    if name == Op.PRELU.value:
        slopes = [d.num(v) for v in as_array(values["weight"], name="weight").reshape(-1)]
        return lambda x, j: _leaky(d, x, slopes[j] if len(slopes) > 1 else slopes[0])
    approximate = str(values.pop("approximate", "none"))
    if approximate not in ("none", Activation.TANH.value):
        raise NnstepsError(f"expected approximate none or tanh, got {approximate!r}", field="approximate")
    parsed = {k: parse_number(v) for k, v in values.items()}
    fn = _scalar(name, d, parsed.get("negative_slope"), parsed.get("alpha"), approximate, parsed.get("beta"),
                 parsed.get("threshold"), parsed.get("min_val"), parsed.get("max_val"))
    return lambda x, j: fn(x)


def _scalar(name: str, d: Domain, slope: Any, alpha: Any, approximate: str, beta: Any, threshold: Any,
            lo: Any, hi: Any) -> Callable[[Any], Pair]:
    if name == Op.LEAKY_RELU.value:
        return lambda x: _leaky(d, x, d.num(slope))
    if name == Op.ELU.value:
        return lambda x: _elu(d, x, d.num(alpha))
    if name == Op.GELU.value:
        return lambda x: _gelu(float(x), approximate)
    if name == Op.SILU.value:
        return lambda x: _silu(d, x)
    if name == Op.SOFTPLUS.value:
        return lambda x: _softplus(d, x, d.num(beta), threshold)
    if name == Op.HARDTANH.value:
        if not lo < hi:
            raise NnstepsError(f"expected min_val < max_val, got {lo} and {hi}", field="max_val")
        return lambda x: _hardtanh(d, x, d.num(lo), d.num(hi))
    if name == Op.PRELU.value:
        return lambda x: (x, 1)  # PReLU reads its per-channel slope in activation()
    raise NnstepsError(f"unknown activation {name!r}")
