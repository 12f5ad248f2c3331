"""A mini-batch through a dense network: every sample worked by :func:`nnsteps.ops.mlp.network.mlp` (its forward
pass, δs and gradients, with the loss summed over its outputs), then the batch's loss and gradients as
the reduction makes them, and one update from those.

``reduction: mean`` divides by what PyTorch divides by: the number of samples N for ``cross_entropy``
and ``half_squared_error`` (whose per-sample form is ½ Σ_k (y_k − t_k)²), and every output, N·O, for
``squared_error`` (``mse_loss``); ``sum`` adds. A class index per sample is a one-hot target.
Regularisation (:mod:`nnsteps.ops.mlp.regularisation`) enters once, at the batch level.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.numbers import normalize, parse_number
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops._common import read_learning_rate
from nnsteps.work import Step, Worked


def _targets(target: Any, n: int, loss: str, n_out: int) -> list[Any]:
    t = as_array(target, name="target")
    if loss == "cross_entropy" and t.ndim == 1 and t.shape[0] == n and n_out > 1:
        out = []
        for v in t:
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < n_out:
                raise NnstepsError(f"expected class indices in [0, {n_out - 1}], got {v!r}", field="target")
            out.append([1 if k == v else 0 for k in range(n_out)])
        return out
    if t.ndim == 0 or t.shape[0] != n:  # a single number is no batch of targets
        got = "a single number" if t.ndim == 0 else t.shape[0]
        raise NnstepsError(f"expected one target per sample ({n}), got {got}", field="target")
    return [row.tolist() if hasattr(row, "tolist") else row for row in t]


def _add(a: Any, b: Any) -> Any:
    return normalize(a + b) if isinstance(a + b, Fraction) else a + b


def mlp_batch(input: Any, layers: list[dict[str, Any]], *, target: Any, loss: str = "half_squared_error",
              reduction: str = "mean", learning_rate: Any = None, l2: Any = None, l1: Any = None,
              weight_decay: Any = None, regularize_bias: bool = False) -> Worked:
    """Forward, backward and one update of a dense network on a batch (one row of ``input`` per sample).

    >>> w = mlp_batch([[1, 2], [0, 1]], [{"weights": [[1, 1]], "bias": [0]}], target=[[2], [0]],
    ...               loss="squared_error", learning_rate=0.5)
    >>> w.answer["loss"], w.answer["grads"]["layers"][0], w.answer["updated"]["layers"][0]
    (1, {'weights': [[1, 3]], 'bias': [2]}, {'weights': [[Fraction(1, 2), Fraction(-1, 2)]], 'bias': [-1]})
    """
    from nnsteps.ops.mlp.network import mlp

    X = as_array(input, name="input", ndim=(1, 2))
    if X.ndim == 1:  # one sample given as a vector: a batch of one
        X, target = X.reshape(1, -1), [target]
    # decimals typed are exact (0.5 is 1/2), as everywhere
    learning_rate = read_learning_rate(learning_rate)
    l2, l1, weight_decay = (None if v is None else parse_number(v) for v in (l2, l1, weight_decay))
    if reduction not in ("mean", "sum"):
        raise NnstepsError(f"expected reduction mean or sum, got {reduction!r}", field="reduction")
    last = layers[-1] if isinstance(layers, list) and layers and isinstance(layers[-1], dict) else {}
    w_last = as_array(last.get("weights", [[0]]), name="weights", ndim=(1, 2))
    n_out = w_last.shape[0] if w_last.ndim == 2 else 1
    targets = _targets(target, X.shape[0], loss, n_out)
    per = [mlp(list(x), layers, target=t, loss=loss) for x, t in zip(X, targets)]
    N = X.shape[0]
    denom = N * n_out if reduction == "mean" and loss == "squared_error" else (N if reduction == "mean" else 1)
    scale = Fraction(1, denom)
    steps: list[Step[Any]] = [Step(f"Sample {i + 1}", steps=w.steps) for i, w in enumerate(per)]
    losses = [w.answer[Op.LOSS.value] for w in per]
    total = losses[0]
    for v in losses[1:]:
        total = _add(total, v)
    value = total * scale if not isinstance(total, float) else total / denom
    steps.append(Step(f"Batch loss ({reduction})", formula=r"L = \frac{1}{D} \sum_n \ell_n" if denom > 1 else
                      r"L = \sum_n \ell_n", substituted=(rf"\frac{{{' + '.join(op(v) for v in losses)}}}{{{denom}}}"
                                                         if denom > 1 else " + ".join(op(v) for v in losses)),
                      result=normalize(value) if isinstance(value, Fraction) else value))
    grads = []
    for li in range(len(layers)):
        layer: dict[str, Any] = {}
        for key in ("weights", "bias"):
            parts = [np.asarray(w.answer["grads"]["layers"][li][key], dtype=object) for w in per]
            if parts[0].size == 0 or any(p is None for p in parts):
                continue
            s = parts[0]
            for p_ in parts[1:]:
                s = s + p_
            avg = np.vectorize(lambda v: normalize(v * scale) if not isinstance(v, float) else v / denom,
                               otypes=[object])(s)
            layer[key] = avg.tolist()
        grads.append(layer)
    first = [op(w.answer["grads"]["layers"][0]["weights"][0][0]) for w in per]
    steps.append(Step("Batch gradients: the samples' gradients " + ("averaged" if denom > 1 else "summed"),
                      formula=r"\frac{\partial L}{\partial W} = \frac{1}{D} \sum_n \frac{\partial \ell_n}{\partial W}",
                      steps=[Step("Layer 1: first weight", substituted=rf"\frac{{{' + '.join(first)}}}{{{denom}}}"
                                  if denom > 1 else " + ".join(first), result=grads[0]["weights"][0][0])]))
    answer: dict[str, Any] = {"outputs": [w.answer["outputs"] for w in per], Op.LOSS.value: value,
                              "grads": {"layers": grads}}
    answer = _regularised(answer, layers, steps, l2=l2, l1=l1, regularize_bias=regularize_bias)
    if learning_rate is not None:
        answer["updated"] = {"layers": _update(layers, answer["grads"]["layers"], learning_rate, weight_decay,
                                               regularize_bias, steps)}
    if isinstance(answer[Op.LOSS.value], Fraction):
        answer[Op.LOSS.value] = normalize(answer[Op.LOSS.value])
    return Worked(Op.MLP.value, value=answer, steps=steps, title="Dense network on a mini-batch", answer=answer)


def _params(layers: list[dict[str, Any]], key: str, li: int) -> np.ndarray | None:
    v = layers[li].get(key)
    if v is None:
        return None
    arr = as_array(v, name=key)
    return arr.reshape(1, -1) if key == "weights" and arr.ndim == 1 else arr.reshape(-1) if key == "bias" else arr


def _regularised(answer: dict[str, Any], layers: list[dict[str, Any]], steps: list[Step[Any]], *, l2: Any, l1: Any,
                 regularize_bias: bool) -> dict[str, Any]:
    if l2 is None and l1 is None:
        return answer
    penalty: Any = 0
    for li in range(len(layers)):
        for key in ("weights", "bias") if regularize_bias else ("weights",):
            w = _params(layers, key, li)
            if w is None:
                continue
            g = np.asarray(answer["grads"]["layers"][li][key], dtype=object)
            extra = np.zeros(w.shape, dtype=object)
            if l2 is not None:
                penalty = penalty + l2 * sum(v * v for v in w.reshape(-1))
                extra = extra + w * 2 * l2
            if l1 is not None:
                penalty = penalty + l1 * sum(abs(v) for v in w.reshape(-1))
                extra = extra + np.vectorize(lambda v: (v > 0) - (v < 0), otypes=[object])(w) * l1
            answer["grads"]["layers"][li][key] = np.vectorize(normalize, otypes=[object])(g + extra).tolist()
    answer[Op.LOSS.value] = _add(answer[Op.LOSS.value], penalty)
    steps.append(Step("Regularisation, once for the batch", formula=r"L \mathrel{+}= \lambda_2 \sum w^2 + "
                      r"\lambda_1 \sum |w|, \quad \frac{\partial L}{\partial w} \mathrel{+}= 2\lambda_2 w + "
                      r"\lambda_1 \operatorname{sign}(w)", result=penalty))
    return answer


def _update(layers: list[dict[str, Any]], grads: list[dict[str, Any]], lr: Any, wd: Any, regularize_bias: bool,
            steps: list[Step[Any]]) -> list[dict[str, Any]]:
    out = []
    for li, g in enumerate(grads):
        new: dict[str, Any] = {}
        for key in ("weights", "bias"):
            w = _params(layers, key, li)
            if w is None or key not in g:
                new[key] = None if key == "bias" else new.get(key)
                continue
            gv = np.asarray(g[key], dtype=object)
            if wd is not None and (key == "weights" or regularize_bias):
                gv = gv + w * wd
            new[key] = np.vectorize(normalize, otypes=[object])(w - gv * lr).tolist()
        out.append(new)
    w0, g0 = _params(layers, "weights", 0), grads[0]["weights"][0][0]
    assert w0 is not None
    steps.append(Step("Gradient-descent update", formula=r"w \leftarrow w - \eta \frac{\partial L}{\partial w}",
                      steps=[Step("Layer 1: first weight", substituted=rf"{op(w0[0][0])} - {op(lr)} \cdot {op(g0)}",
                                  result=out[0]["weights"][0][0])] if wd is None else []))
    return out
