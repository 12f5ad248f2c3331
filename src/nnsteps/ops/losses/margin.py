"""The multiclass hinge (SVM) loss, in its two published conventions, with its gradient.

``svm`` is CS231n's linear classifier (``svm_loss_vectorized``): for sample i with scores s and class y,
ℓ_i = Σ_{j≠y} max(0, s_j − s_y + Δ); L = (1/N) Σ_i ℓ_i + reg Σ W² when the scores are X W. Its gradient:
∂ℓ_i/∂s_j = 1[s_j − s_y + Δ > 0] for j ≠ y and ∂ℓ_i/∂s_y = −Σ_{j≠y} 1[...]; ∂L/∂W = Xᵀ ∂L/∂S + 2 reg W.
``multi_margin`` is PyTorch's ``multi_margin_loss``: the same sum divided by the class count C before the
reduction, each term raised to ``p`` (1 or 2) and the sum scaled by the true class's ``weight`` w_y, as torch's
kernel computes it, w_y·max(0, z)^p (its documentation writes max(0, w_y·z)^p, which differs for p = 2).
Margins are rational, so everything stays exact.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps import limits
from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.names import Loss, Op
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops._common import check_work, exactness
from nnsteps.ops.convention import convention
from nnsteps.ops.domain import Domain
from nnsteps.work import Step, Worked


def _classes(target: Any, n: int, c: int) -> list[int]:
    t = as_array(target, name="target").reshape(-1)
    if t.size != n:
        raise NnstepsError(f"expected {n} class indices (one per row of scores), got {t.size}", field="target")
    out = []
    for v in t:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= int(v) < c:
            raise NnstepsError(f"expected class indices in [0, {c - 1}], got {v!r}", field="target")
        out.append(int(v))
    return out


def _scores(input: Any, W: Any, X: Any, d_arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray | None,
                                                                          np.ndarray | None, bool]:
    if W is not None or X is not None:
        if W is None or X is None:
            raise NnstepsError("expected both W (D×C) and X (N×D) for the scores S = X W", field="W" if W is None else "X")
        w = as_array(W, name="W", ndim=(2,))
        x = as_array(X, name="X", ndim=(1, 2))
        x = x.reshape(1, -1) if x.ndim == 1 else x
        if x.shape[1] != w.shape[0]:
            raise NnstepsError(f"expected W with {x.shape[1]} rows (the columns of X), got {w.shape[0]}", field="W")
        if input is not None:
            raise NnstepsError("give the scores (input) or W and X, not both", field="input")
        macs = x.shape[0] * x.shape[1] * w.shape[1]
        if exactness(x, w):  # S = X W, and ∂L/∂W = Xᵀ ∂L/∂S again
            check_work(2 * macs, x, w, what="the scores X W and ∂L/∂W", field="X")
        elif macs > limits.MAX_FLOAT_MACS:
            raise NnstepsError(f"the scores X W need {macs:,} multiply-accumulates, over the limit", field="X")
        d_arrays += [x, w]
        return x.dot(w), w, x, False
    if input is None:
        raise NnstepsError("expected input (the scores, N×C) or W and X", field="input")
    s = as_array(input, name="input", ndim=(1, 2))
    d_arrays.append(s)
    return (s.reshape(1, -1), None, None, True) if s.ndim == 1 else (s, None, None, False)


def multiclass_hinge(name: str, input: Any, target: Any, *, margin: Any = 1, reduction: str = "mean",
                     W: Any = None, X: Any = None, reg: Any = 0, upstream: Any = None, p: int = 1,
                     weight: Any = None) -> Worked:
    """The multiclass hinge loss and its gradient (with respect to the scores, and to W when given).

    >>> w = multiclass_hinge("svm", "3 1 2; 0 2 1", [1, 1])
    >>> w.answer["loss"], w.answer["grads"]["input"]
    (Fraction(5, 2), [[Fraction(1, 2), -1, Fraction(1, 2)], [0, 0, 0]])
    >>> multiclass_hinge("multi_margin", "3 1 2; 0 2 1", [1, 1]).answer["loss"]
    Fraction(5, 6)
    >>> multiclass_hinge("multi_margin", "3 1 2; 0 2 1", [1, 0], p=2, weight=[Fraction(1, 2), 2, 3]).answer["loss"]
    Fraction(65, 12)
    """
    arrays: list[np.ndarray] = []
    S, w, x, one_row = _scores(input, W, X, arrays)
    n, c = S.shape
    if c < 2:
        raise NnstepsError(f"expected at least 2 classes (columns of the scores), got {c}", field="input")
    y = _classes(target, n, c)
    if weight is not None:
        wt = as_array(weight, name="weight", ndim=(1,))
        if wt.size != c:
            raise NnstepsError(f"expected {c} class weights (one per column of the scores), got {wt.size}",
                               field="weight")
        arrays.append(wt)
    d = Domain.choose([a if exactness(*arrays) else a.astype(np.float64) for a in arrays], irrational=False,
                      small=True)
    S = d.array(S)
    delta = d.num(margin)
    scale = d.array(wt) if weight is not None else np.array([d.num(1)] * c, dtype=object)
    skip_true = convention("hinge_skip_true")
    per_class = name == Loss.MULTI_MARGIN
    cc = Fraction(c) if d.is_exact else float(c)  # int / int would be a float
    ell = np.empty(n, dtype=object)
    dS = np.empty((n, c), dtype=object)
    rows: list[Step[Any]] = []
    for i in range(n):
        sy = S[i, y[i]]
        margins = [S[i, j] - sy + delta for j in range(c)]
        active = [j for j in range(c) if (j != y[i] or not skip_true) and margins[j] > 0]
        wy = scale[y[i]]
        total = sum((margins[j] ** p for j in active), d.num(0)) * wy
        ell[i] = total / cc if per_class else total
        for j in range(c):  # ∂(w_y z_j^p)/∂s_j = w_y p z_j^(p−1); the true class gets minus their sum
            dS[i, j] = wy * p * margins[j] ** (p - 1) if j in active and j != y[i] else d.num(0)
        dS[i, y[i]] = -sum((dS[i, j] for j in active if j != y[i]), d.num(0))
        if per_class:
            dS[i] = [g / cc for g in dS[i]]
        if i >= limits.MAX_EXPLAINED_CELLS:  # the answer holds every sample; the work shows the first ones
            continue
        power = "^2" if p == 2 else ""
        shown = " + ".join(rf"\max(0,\ {op(d.out(S[i, j]))} - {op(d.out(sy))} + {op(d.out(delta))}){power}"
                           for j in range(c) if j != y[i] or not skip_true)
        front = rf"\frac{{{op(d.out(wy))}}}{{{c}}}" if weight is not None else rf"\frac{{1}}{{{c}}}"
        rows.append(Step(f"Sample {i + 1} (class {y[i]})", formula=None,
                         substituted=rf"{front}\left({shown}\right)" if per_class else shown,
                         result=d.out(ell[i]),
                         note=_active_note(active, y[i], per_class, p, weight is not None)))
    steps: list[Step[Any]] = [Step(
        "Per-sample hinge loss",
        formula=(rf"\ell_i = \frac{{{'w_{y_i}' if weight is not None else '1'}}}{{C}} \sum_{{j \neq y_i}} "
                 rf"\max(0,\ s_j - s_{{y_i}} + \Delta){'^2' if p == 2 else ''}" if per_class
                 else r"\ell_i = \sum_{j \neq y_i} \max(0,\ s_j - s_{y_i} + \Delta)"),
        result=d.out_array(ell), steps=rows + ([Step(f"… {n - len(rows)} more samples, worked alike")]
                                               if n > len(rows) else []),
        note=None if skip_true else "j = y counted in the sum: it adds Δ per sample")]
    loss, g = _reduce(d, ell, dS, reduction, upstream, steps)
    grads: dict[str, Any] = {"input": d.out_array(g.reshape(-1) if one_row else g).tolist()}
    if w is not None and x is not None:
        Wd, Xd = d.array(w), d.array(x)
        r = d.num(reg)
        if r != 0 and reduction == "none":
            raise NnstepsError("reg adds λ Σ W² to one loss; expected reduction mean or sum with it, got none",
                               field="reg")
        if r != 0:
            penalty = sum((v * v for v in Wd.reshape(-1)), d.num(0)) * r
            loss = loss + penalty
            steps.append(Step("Regularisation added", formula=r"L = L_{\text{data}} + \lambda \sum W^2",
                              result=d.out(loss)))
        dW = Xd.T.dot(g) + 2 * r * Wd
        steps.append(Step("Gradient with respect to W", formula=r"\frac{\partial L}{\partial W} = X^\top "
                          r"\frac{\partial L}{\partial S} + 2 \lambda W", result=d.out_array(dW)))
        grads = {"input": d.out_array(g).tolist(), "W": d.out_array(dW).tolist()}
    answer = {Op.LOSS.value: d.out(loss) if reduction != "none" else d.out_array(loss).tolist(), "grads": grads}
    return Worked(Op.LOSS.value, value=answer, steps=steps, title=f"Loss: {name}", answer=answer)


def _active_note(active: list[int], y: int, per_class: bool, p: int = 1, weighted: bool = False) -> str:
    wrong = [j for j in active if j != y]
    if not active:
        return "no margin above 0: ℓ = 0 and ∂ℓ/∂s = 0"
    if p == 1 and not weighted:
        return (f"margins above 0 at classes {active}: ∂ℓ/∂s = +1 there, −{len(wrong)} at the true class {y}"
                + (" (each over C)" if per_class else ""))
    slope = " · ".join(part for part, used in (("w_y", weighted), ("2z", p == 2)) if used)
    return (f"margins z above 0 at classes {active}: ∂ℓ/∂s = {slope} there, minus their sum at the true class {y}"
            " (each over C)")


def _reduce(d: Domain, ell: np.ndarray, dS: np.ndarray, reduction: str, upstream: Any,
            steps: list[Step[Any]]) -> tuple[Any, np.ndarray]:
    n = ell.size
    if reduction == "none":
        g = np.ones(n, dtype=object) if upstream is None else d.array(as_array(upstream, name="upstream")).reshape(-1)
        if g.size != n:
            raise NnstepsError(f"expected an upstream gradient of {n} values (one per sample), got {g.size}",
                               field="upstream")
        return ell, dS * g.reshape(n, 1)
    total = sum(list(ell)[1:], ell[0])
    if reduction == "sum":
        steps.append(Step("Sum over the batch", formula=r"L = \sum_i \ell_i", result=d.out(total)))
        return total, dS
    nn = Fraction(n) if d.is_exact else float(n)
    mean = total / nn
    steps.append(Step("Mean over the batch", formula=r"L = \frac{1}{N} \sum_i \ell_i",
                      substituted=rf"\frac{{{' + '.join(op(d.out(v)) for v in ell)}}}{{{n}}}", result=d.out(mean)))
    steps.append(Step("Gradient of the mean", formula=r"\frac{\partial L}{\partial s_{ij}} = \frac{1}{N}"
                      r"\frac{\partial \ell_i}{\partial s_{ij}}", result=d.out_array(dS / nn)))
    return mean, dS / nn
