"""The losses of ``torch.nn.functional``, worked: the value and its gradient with respect to the input,
from the same numbers, exact where the inputs are and the loss stays rational.

Elementwise losses (``mse``, ``l1``, ``smooth_l1``, ``huber``, ``half_squared_error``,
``binary_cross_entropy``, ``binary_cross_entropy_with_logits``, ``kl_div``) live here; the class
losses (``cross_entropy``, ``nll``) in :mod:`nnsteps.ops.losses.classification`. Both end in :func:`reduce`:
``mean`` divides by the number of elements (cross-entropy and NLL: by the summed class weights of the
targets not ignored, as PyTorch), ``sum`` adds, ``none`` keeps one loss per element, whose gradient is
taken of their sum unless an ``upstream`` gradient is given.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.names import Loss, Op
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops._common import exactness
from nnsteps.ops.convention import convention
from nnsteps.ops.domain import Domain
from nnsteps.work import Step, Worked

REDUCTIONS = ("mean", "sum", "none")
SYMBOLIC_LIMIT = 400
"""Input entries up to which losses that leave the rationals keep exact forms (float64 beyond)."""
BCE_EPSILON = Fraction(1, 10**12)
"""PyTorch's floor for p(1 − p) in the binary cross-entropy gradient."""
LOG_FLOOR = -100
HALF = Fraction(1, 2)
"""PyTorch clamps log p and log(1 − p) of binary cross-entropy at −100."""


def fmt(d: Domain, v: Any) -> str:
    """A domain number as an operand of a substituted formula."""
    return op(d.out(v))


def first_index(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(0 for _ in shape)


def reduce(name: str, d: Domain, ell: np.ndarray, grad: np.ndarray, reduction: str, denominator: Any,
           den_step: Step[Any] | None, upstream: Any, steps: list[Step[Any]]) -> dict[str, Any]:
    """Apply the reduction to the per-element losses ``ell`` and their gradients ``grad`` (each entry
    the gradient of its own loss term), appending the steps; the answer ``{"loss", "grads": {"input"}}``.

    >>> from nnsteps.ops.domain import ExactDomain
    >>> d = ExactDomain()
    >>> out = reduce("mse", d, np.array([1, 4], dtype=object), np.array([2, 4], dtype=object), "mean", 2, None,
    ...              None, [])
    >>> out["loss"], out["grads"]["input"]
    (Fraction(5, 2), [1, 2])
    """
    terms = [fmt(d, v) for v in ell.reshape(-1)]
    if reduction == "none":
        if upstream is not None:
            g = as_array(upstream, name="upstream")
            if g.shape != ell.shape:
                raise NnstepsError(f"expected an upstream gradient of the loss's shape {ell.shape}, got {g.shape}",
                                   field="upstream")
            g = d.array(g)
            gi = np.asarray(grad * g)
            steps.append(Step("Gradient times the upstream gradient",
                              formula=r"\frac{\partial L}{\partial x_i} = g_i \, \frac{\partial \ell_i}{\partial x_i}",
                              substituted=rf"{fmt(d, g.reshape(-1)[0])} \cdot {fmt(d, grad.reshape(-1)[0])}",
                              result=d.out(gi.reshape(-1)[0])))
            grad = gi
        else:
            steps.append(Step("Gradient of the sum of the losses (reduction none)",
                              formula=r"\frac{\partial}{\partial x_i} \sum_j \ell_j = \frac{\partial \ell_i}{\partial x_i}",
                              result=d.out_array(grad)))
        return {Op.LOSS.value: d.out_array(ell).tolist(), "grads": {"input": d.out_array(grad).tolist()}}
    flat = list(ell.reshape(-1))
    total = sum(flat[1:], flat[0])
    shown = " + ".join(terms) if len(terms) <= 12 else " + ".join(terms[:5]) + r" + \cdots + " + " + ".join(terms[-2:])
    if reduction == "sum":
        value = total
        steps.append(Step("Sum reduction", formula=r"L = \sum_i \ell_i", substituted=shown if len(terms) <= 12 else None,
                          result=d.out(value)))
        return {Op.LOSS.value: d.out(value), "grads": {"input": d.out_array(grad).tolist()}}
    if den_step is not None:
        steps.append(den_step)
    if isinstance(denominator, int):
        denominator = Fraction(denominator)  # int / int would be a float
    value = total / denominator
    steps.append(Step("Mean reduction", formula=r"L = \frac{1}{D} \sum_i \ell_i",
                      substituted=rf"\frac{{{shown}}}{{{fmt(d, denominator)}}}" if len(terms) <= 12 else None,
                      result=d.out(value)))
    g = grad / (denominator if d.is_exact else float(denominator))
    first = first_index(grad.shape)
    first = first_index(grad.shape)
    steps.append(Step("Gradient of the mean: each term's gradient over D",
                      formula=r"\frac{\partial L}{\partial x_i} = \frac{1}{D} \frac{\partial \ell_i}{\partial x_i}",
                      result=d.out_array(g),
                      steps=[Step("First entry", substituted=rf"\frac{{{fmt(d, grad[first])}}}{{{fmt(d, denominator)}}}",
                                  result=d.out(g[first]))]))
    return {Op.LOSS.value: d.out(value), "grads": {"input": d.out_array(g).tolist()}}


def _sign(v: Any) -> int:
    return int(bool(v > 0)) - int(bool(v < 0))


def _elementwise(name: str, d: Domain, x: Any, t: Any, w: Any, pw: Any, beta: Any, delta: Any,
                 log_target: bool) -> tuple[Any, Any, str, str, str, str]:
    """One element's loss and its gradient, with their formulas and substitutions."""
    if name == Loss.MSE:
        diff = x - t
        return (diff * diff, 2 * diff, r"\ell = (x - y)^2", rf"({fmt(d, x)} - {fmt(d, t)}) \cdot ({fmt(d, x)} - {fmt(d, t)})",
                r"\frac{\partial \ell}{\partial x} = 2(x - y)", rf"2 \cdot ({fmt(d, x)} - {fmt(d, t)})")
    if name == Loss.HALF_SQUARED_ERROR:
        diff = x - t
        return (diff * diff * HALF, diff, r"\ell = \frac{1}{2}(x - y)^2",
                rf"\frac{{({fmt(d, x)} - {fmt(d, t)}) \cdot ({fmt(d, x)} - {fmt(d, t)})}}{{2}}",
                r"\frac{\partial \ell}{\partial x} = x - y", rf"{fmt(d, x)} - {fmt(d, t)}")
    if name == Loss.L1 or (name == Loss.SMOOTH_L1 and beta == 0):
        diff = x - t
        s = _sign(diff)
        return (diff if s >= 0 else -diff, diff * 0 + s, r"\ell = |x - y|", rf"|{fmt(d, x)} - {fmt(d, t)}|",
                r"\frac{\partial \ell}{\partial x} = \operatorname{sign}(x - y)", str(s))
    if name in (Loss.SMOOTH_L1, Loss.HUBER):
        diff = x - t
        a = diff if diff >= 0 else -diff
        s = _sign(diff)
        if name == Loss.SMOOTH_L1:
            if a < beta:
                return (diff * diff / (2 * Fraction(beta)), diff / Fraction(beta), r"\ell = \frac{(x - y)^2}{2\beta} \; (|x - y| < \beta)",
                        rf"\frac{{({fmt(d, x)} - {fmt(d, t)}) \cdot ({fmt(d, x)} - {fmt(d, t)})}}{{2 \cdot {op(beta)}}}",
                        r"\frac{\partial \ell}{\partial x} = \frac{x - y}{\beta}",
                        rf"\frac{{{fmt(d, x)} - {fmt(d, t)}}}{{{op(beta)}}}")
            return (a - Fraction(beta) / 2, diff * 0 + s, r"\ell = |x - y| - \frac{\beta}{2} \; (|x - y| \ge \beta)",
                    rf"{fmt(d, a)} - \frac{{{op(beta)}}}{{2}}",
                    r"\frac{\partial \ell}{\partial x} = \operatorname{sign}(x - y)", str(s))
        if a < delta:
            return (diff * diff * HALF, diff, r"\ell = \frac{1}{2}(x - y)^2 \; (|x - y| < \delta)",
                    rf"\frac{{({fmt(d, x)} - {fmt(d, t)}) \cdot ({fmt(d, x)} - {fmt(d, t)})}}{{2}}",
                    r"\frac{\partial \ell}{\partial x} = x - y", rf"{fmt(d, x)} - {fmt(d, t)}")
        return (delta * (a - Fraction(delta) / 2), diff * 0 + s * delta,
                r"\ell = \delta\left(|x - y| - \frac{\delta}{2}\right) \; (|x - y| \ge \delta)",
                rf"{op(delta)} \cdot ({fmt(d, a)} - \frac{{{op(delta)}}}{{2}})",
                r"\frac{\partial \ell}{\partial x} = \delta \operatorname{sign}(x - y)", rf"{op(delta)} \cdot {s}")
    if name == Loss.BCE:
        lp = _clamped_log(d, x)
        lq = _clamped_log(d, 1 - x)
        ell = -(w * (t * lp + (1 - t) * lq))
        floor = x * (1 - x)
        if floor < BCE_EPSILON:
            floor = d.num(BCE_EPSILON)
        grad = w * (x - t) / floor
        return (ell, grad, r"\ell = -w\left[y \log p + (1 - y) \log(1 - p)\right]",
                rf"-{fmt(d, w)} \cdot ({fmt(d, t)} \cdot \log({fmt(d, x)}) + (1 - {fmt(d, t)}) \cdot \log(1 - {fmt(d, x)}))",
                r"\frac{\partial \ell}{\partial p} = w \frac{p - y}{p(1 - p)}",
                rf"{fmt(d, w)} \cdot \frac{{{fmt(d, x)} - {fmt(d, t)}}}{{{fmt(d, floor)}}}")
    if name == Loss.BCE_WITH_LOGITS:
        s = d.sigmoid(x)
        lw = 1 + (pw - 1) * t
        xf = float(x)
        # −log σ(x) = log(1 + e^{−|x|}) + max(−x, 0): PyTorch's form, which never overflows
        softplus = float(np.log1p(np.exp(-abs(xf)))) + max(-xf, 0.0)
        nls = d.stable(softplus, lambda: -d.apply("log", s, f=-softplus))
        ell = w * ((1 - t) * x + lw * nls)
        grad = w * (lw * s - pw * t)
        if not convention("p_minus_y"):  # the likely mistake: y − σ(x) for σ(x) − y, re-solved by grading
            grad = -grad
        return (ell, grad, r"\ell = w\left[(1 - y)x - (1 + (p_w - 1)y) \log \sigma(x)\right]",
                rf"{fmt(d, w)} \cdot ((1 - {fmt(d, t)}) \cdot {fmt(d, x)} - {fmt(d, lw)} \cdot \log \sigma({fmt(d, x)}))",
                r"\frac{\partial \ell}{\partial x} = w\left[(1 + (p_w - 1)y)\,\sigma(x) - p_w y\right]",
                rf"{fmt(d, w)} \cdot ({fmt(d, lw)} \cdot {fmt(d, s)} - {fmt(d, pw)} \cdot {fmt(d, t)})")
    if name in (Loss.HINGE, Loss.SQUARED_HINGE):
        m = 1 - t * x
        if name == Loss.HINGE:
            # at the kink 1 − yx = 0 the gradient is −y: Keras' maximum (and torch's clamp) pass it through
            return (m if m > 0 else m * 0, -t if m >= 0 else t * 0, r"\ell = \max(0,\ 1 - y x)",
                    rf"\max(0,\ 1 - {fmt(d, t)} \cdot {fmt(d, x)})",
                    r"\frac{\partial \ell}{\partial x} = -y \ (1 - y x \ge 0), \text{ else } 0",
                    f"-{fmt(d, t)}" if m >= 0 else "0")
        return (m * m if m > 0 else m * 0, -2 * t * m if m > 0 else t * 0, r"\ell = \max(0,\ 1 - y x)^2",
                rf"\max(0,\ 1 - {fmt(d, t)} \cdot {fmt(d, x)})^2",
                r"\frac{\partial \ell}{\partial x} = -2 y \max(0,\ 1 - y x)",
                rf"-2 \cdot {fmt(d, t)} \cdot {fmt(d, m if m > 0 else m * 0)}")
    # kl_div: the input is log q; the target p (or log p with log_target)
    if log_target:
        e = d.exp(t)
        return (e * (t - x), -e, r"\ell = e^{y}(y - x)", rf"e^{{{fmt(d, t)}}} \cdot ({fmt(d, t)} - {fmt(d, x)})",
                r"\frac{\partial \ell}{\partial x} = -e^{y}", rf"-e^{{{fmt(d, t)}}}")
    if t == 0:
        return (t * 0, t * 0, r"\ell = 0 \; (y = 0)", "0", r"\frac{\partial \ell}{\partial x} = 0", "0")
    return (t * (d.log(t) - x), -t, r"\ell = y(\log y - x)", rf"{fmt(d, t)} \cdot (\log {fmt(d, t)} - {fmt(d, x)})",
            r"\frac{\partial \ell}{\partial x} = -y", rf"-{fmt(d, t)}")


def _clamped_log(d: Domain, v: Any) -> Any:
    if v == 0:
        return d.num(LOG_FLOOR)
    lv = d.log(v)
    return d.num(LOG_FLOOR) if float(lv) < LOG_FLOOR else lv


IRRATIONAL = (Loss.BCE, Loss.BCE_WITH_LOGITS, Loss.KL_DIV, Loss.CROSS_ENTROPY)


def elementwise_loss(name: str, input: Any, target: Any, *, reduction: str = "mean", weight: Any = None,
                     pos_weight: Any = None, beta: Any = 1, delta: Any = 1, log_target: bool = False,
                     upstream: Any = None) -> Worked:
    """An elementwise loss of ``torch.nn.functional`` and its gradient with respect to the input.

    >>> w = elementwise_loss("mse", "1 2; 3 4", "1 0; 0 4")
    >>> w.answer["loss"], w.answer["grads"]["input"]
    (Fraction(13, 4), [[0, 1], [Fraction(3, 2), 0]])
    """
    x = as_array(input, name="input")
    t = as_array(target, name="target")
    if t.shape != x.shape:
        raise NnstepsError(f"expected a target of the input's shape {x.shape}, got {t.shape}", field="target")
    arrays = [x, t]
    wa = _broadcast(weight, x.shape, "weight", arrays)
    pwa = _broadcast(pos_weight, x.shape, "pos_weight", arrays)
    if name == Loss.BCE and any(not 0 <= v <= 1 for v in x.reshape(-1)):
        raise NnstepsError("expected probabilities in [0, 1] (binary_cross_entropy takes p, not logits), got "
                           f"{next(v for v in x.reshape(-1) if not 0 <= v <= 1)}", field="input")
    if name == Loss.KL_DIV and not log_target and any(v < 0 for v in t.reshape(-1)):
        raise NnstepsError("expected target probabilities >= 0 (or log_target: true)", field="target")
    converted = name in (Loss.HINGE, Loss.SQUARED_HINGE) and all(v in (0, 1) for v in t.reshape(-1)) \
        and convention("hinge_labels_signed")
    if converted:  # Keras' hinge losses read 0/1 labels as −1/1
        t = t * 2 - 1
        arrays[1] = t
    exact = exactness(*arrays)
    d = Domain.choose([a if exact else a.astype(np.float64) for a in arrays], irrational=name in IRRATIONAL,
                      small=x.size <= SYMBOLIC_LIMIT)
    X, Tt = d.array(x), d.array(t)
    W = d.array(wa) if wa is not None else None
    PW = d.array(pwa) if pwa is not None else None
    ell = np.empty(x.shape, dtype=object)
    grad = np.empty(x.shape, dtype=object)
    shown: tuple[str, ...] = ()
    for idx in np.ndindex(x.shape):
        out = _elementwise(name, d, X[idx], Tt[idx], W[idx] if W is not None else d.num(1),
                           PW[idx] if PW is not None else d.num(1), beta, delta, log_target)
        ell[idx], grad[idx] = out[0], out[1]
        if not shown:
            shown = out[2:]
    ell, grad = d.stored(ell), d.stored(grad)
    first = first_index(x.shape)
    steps: list[Step[Any]] = [
        Step(f"Loss of each element ({name})", formula=shown[0], result=d.out_array(ell),
             steps=[Step("First element", formula=shown[0], substituted=shown[1], result=d.out(ell[first]))]),
        Step("Gradient of each element's loss", formula=shown[2], result=d.out_array(grad),
             steps=[Step("First element", formula=shown[2], substituted=shown[3], result=d.out(grad[first]))]),
    ]
    if converted:
        steps[0].steps[0].note = "0/1 labels read as −1/1 (y ← 2y − 1), as Keras"
    n = x.shape[0] if reduction == "batchmean" and x.ndim else x.size
    den = Step("Divisor D: the batch size (batchmean)" if reduction == "batchmean" else "Divisor D: the number of elements",
               formula="D = N" if reduction == "batchmean" else "D = n", result=n)
    answer = reduce(name, d, ell, grad, "mean" if reduction == "batchmean" else reduction, n, den, upstream, steps)
    return _worked(d, answer, steps, name)


def _broadcast(value: Any, shape: tuple[int, ...], field: str, arrays: list[np.ndarray]) -> np.ndarray | None:
    if value is None:
        return None
    arr = as_array(value, name=field)
    try:
        out = np.broadcast_to(arr, shape)
    except ValueError:
        raise NnstepsError(f"expected {field} broadcastable to the input's shape {shape}, got {arr.shape}",
                           field=field) from None
    arrays.append(arr)
    return out


def _worked(d: Domain, answer: dict[str, Any], steps: list[Step[Any]], name: str) -> Worked:
    note = d.note()
    if note:
        steps[0].note = note
    return Worked(Op.LOSS.value, value=answer, steps=steps, title=f"Loss: {name}", answer=answer)
