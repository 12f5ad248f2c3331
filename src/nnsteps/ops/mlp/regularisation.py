"""Regularisation of the ``mlp`` kind, in both conventions, named:

* ``l2: λ`` adds λ Σ w² over the weight matrices to the loss (CS231n's form), so ∂/∂w gains 2λw;
* ``l1: λ`` adds λ Σ |w|, so ∂/∂w gains λ sign(w) (0 at w = 0, as torch.sign);
* ``weight_decay: λ`` leaves the loss and its gradients alone and adds λw in the update only, as
  ``torch.optim.SGD(weight_decay=λ)`` does.

Biases are excluded unless ``regularize_bias`` is true.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops.domain import Domain
from nnsteps.work import Step


def _params(spec: dict[str, Any], with_bias: bool) -> list[np.ndarray]:
    return [spec["weights"]] + ([spec["bias"]] if with_bias and spec["bias"] is not None else [])


def _sign(d: Domain, v: Any) -> Any:
    return d.num(1) if v > 0 else (d.num(-1) if v < 0 else d.num(0))


def penalty(specs: list[dict[str, Any]], d: Domain, *, l2: Any, l1: Any, regularize_bias: bool) -> tuple[Any, Step[Any]]:
    """The regularisation term added to the loss, and its step.

    >>> from nnsteps.ops.domain import ExactDomain
    >>> d = ExactDomain()
    >>> specs = [{"weights": np.array([[1, -2]], dtype=object), "bias": np.array([3], dtype=object)}]
    >>> from fractions import Fraction
    >>> value, step = penalty(specs, d, l2=Fraction(1, 2), l1=None, regularize_bias=False)
    >>> value, step.substituted
    (Fraction(5, 2), '0.5 \\\\cdot (1 \\\\cdot 1 + (-2) \\\\cdot (-2))')
    """
    total = d.num(0)
    parts: list[str] = []
    for name, lam in (("l2", l2), ("l1", l1)):
        if lam is None:
            continue
        values = [v for spec in specs for p in _params(spec, regularize_bias) for v in np.asarray(p).reshape(-1)]
        terms = [v * v if name == "l2" else (v if v >= 0 else -v) for v in values]
        s = sum(terms[1:], terms[0])
        total = total + lam * s
        shown = " + ".join(rf"{op(d.out(v))} \cdot {op(d.out(v))}" if name == "l2" else rf"|{op(d.out(v))}|"
                           for v in values[:24])
        parts.append(rf"{op(d.out(lam))} \cdot ({shown})" if len(values) <= 24 else None)  # type: ignore[arg-type]
    formula = " + ".join(f for f, lam in ((r"\lambda_2 \sum w^2", l2), (r"\lambda_1 \sum |w|", l1)) if lam is not None)
    sub = " + ".join(parts) if all(parts) else None
    return total, Step("Regularisation term added to the loss" + (" (biases included)" if regularize_bias else
                                                                  " (weights only)"),
                       formula=formula, substituted=sub, result=d.out(total))


def add_gradients(grads: list[tuple[np.ndarray, np.ndarray]], specs: list[dict[str, Any]], d: Domain, *, l2: Any,
                  l1: Any, regularize_bias: bool) -> tuple[list[tuple[np.ndarray, np.ndarray]], Step[Any]]:
    """The data gradients plus the penalty's: 2λ₂w + λ₁ sign(w) (weights; biases only when asked)."""
    out = []
    children: list[Step[Any]] = []
    for l, (spec, (gW, gb)) in enumerate(zip(specs, grads), start=1):
        def extra(w: Any) -> Any:
            e = d.num(0)
            if l2 is not None:
                e = e + 2 * l2 * w
            if l1 is not None:
                e = e + l1 * _sign(d, w)
            return e

        W = spec["weights"]
        nW = np.array([[gW[j][i] + extra(W[j][i]) for i in range(W.shape[1])] for j in range(W.shape[0])],
                      dtype=object if d.is_exact else np.float64)
        nb = gb
        if regularize_bias and spec["bias"] is not None:
            nb = np.array([gb[j] + extra(spec["bias"][j]) for j in range(len(gb))],
                          dtype=object if d.is_exact else np.float64)
        out.append((nW, nb))
        w0 = W[0][0]
        sub = op(d.out(gW[0][0]))
        if l2 is not None:
            sub += rf" + 2 \cdot {op(d.out(l2))} \cdot {op(d.out(w0))}"
        if l1 is not None:
            sub += rf" + {op(d.out(l1))} \cdot {op(d.out(_sign(d, w0)))}"
        children.append(Step(f"Layer {l}: first weight", substituted=sub, result=d.out(nW[0][0])))
    rule = r"\frac{\partial L}{\partial w} = \frac{\partial \ell}{\partial w}" + \
        (r" + 2\lambda_2 w" if l2 is not None else "") + (r" + \lambda_1 \operatorname{sign}(w)" if l1 is not None else "")
    return out, Step("Gradients with the regularisation term", formula=rule, steps=children)


def decayed(grads: list[tuple[np.ndarray, np.ndarray]], specs: list[dict[str, Any]], d: Domain, wd: Any,
            regularize_bias: bool) -> tuple[list[tuple[np.ndarray, np.ndarray]], Step[Any]]:
    """The gradients the update uses with weight decay: g + λw (torch.optim.SGD's weight_decay)."""
    out = []
    for spec, (gW, gb) in zip(specs, grads):
        nW = gW + spec["weights"] * wd
        nb = gb + spec["bias"] * wd if regularize_bias and spec["bias"] is not None else gb
        out.append((nW, nb))
    W0, g0 = specs[0]["weights"][0][0], grads[0][0][0][0]
    return out, Step("Weight decay (in the update only, as torch.optim.SGD)", formula=r"g \leftarrow g + \lambda w",
                     steps=[Step("Layer 1: first weight", substituted=rf"{op(d.out(g0))} + {op(d.out(wd))} \cdot "
                                 rf"{op(d.out(W0))}", result=d.out(out[0][0][0][0]))])
