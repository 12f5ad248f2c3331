"""A dense network trained on any loss of the ``loss`` kind: the forward pass of each sample
(:func:`nnsteps.ops.mlp.network.mlp`), the loss of the outputs worked by the loss kind's own op (handed in as
``loss_of``, so its value, its gradient, its reduction and its options have one home), then each
sample's backward pass from its row of ∂L/∂output (:func:`~nnsteps.ops.mlp.network.mlp` with ``upstream``),
the samples' gradients summed (the reduction is already in ∂L/∂output), regularisation
(:mod:`nnsteps.ops.mlp.regularisation`) and one update.

For ``cross_entropy`` the last layer's outputs are the logits; a single sample (input a vector) gives
the loss its output vector as it is, as ``F.mse_loss(net(x), t)`` would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.names import Op
from nnsteps.numbers import Irrational, parse_number
from nnsteps.ops._common import read_learning_rate
from nnsteps.ops.domain import Domain, ExactDomain, FloatDomain, SymbolicDomain
from nnsteps.work import Step, Worked

LossOf = Callable[[Any], Worked]
"""The loss of the network's outputs: a ``Worked`` answering ``{"loss", "grads": {"input"}}``."""


def mlp_with_loss(input: Any, layers: list[dict[str, Any]], *, loss_of: LossOf, learning_rate: Any = None,
                  l2: Any = None, l1: Any = None, weight_decay: Any = None, regularize_bias: bool = False) -> Worked:
    """Forward, the loss ``loss_of`` gives, backward and one update of a dense network, one sample (input a
    vector) or a batch (one row per sample).

    >>> from nnsteps.ops.losses.functional import elementwise_loss
    >>> w = mlp_with_loss([[1, 2], [0, 1]], [{"weights": [[1, 1]], "bias": [0]}], learning_rate="0.5",
    ...                   loss_of=lambda y: elementwise_loss("l1", y, [[2], [0]]))
    >>> w.answer["loss"], w.answer["grads"]["layers"][0], w.answer["updated"]["layers"][0]["weights"]
    (1, {'weights': [[Fraction(1, 2), Fraction(3, 2)]], 'bias': [1]}, [[Fraction(3, 4), Fraction(1, 4)]])
    """
    from nnsteps.ops.mlp import regularisation as mlp_reg
    from nnsteps.ops.mlp.network import _update, mlp

    X = as_array(input, name="input", ndim=(1, 2))
    batch = X.ndim == 2
    rows = list(X) if batch else [X]
    forward = [mlp(list(x), layers) for x in rows]
    outputs = [w.answer["outputs"][-1] for w in forward]
    loss = loss_of(outputs if batch else outputs[0])
    upstream = loss.answer["grads"]["input"]
    per = [mlp(list(x), layers, upstream=g) for x, g in zip(rows, upstream if batch else [upstream])]
    steps: list[Step[Any]] = []
    for i, w in enumerate(per):
        steps.append(Step(f"Sample {i + 1}: forward" if batch else "Forward pass",
                          steps=[s for s in w.steps if s.title.endswith(": forward")]))
    steps.append(Step(f"Loss of the outputs ({(loss.title or '').split(': ', 1)[-1]})", steps=loss.steps))
    for i, w in enumerate(per):
        steps.append(Step(f"Sample {i + 1}: backward from its row of ∂L/∂output" if batch else
                          "Backward from ∂L/∂output",
                          steps=[s for s in w.steps if not s.title.endswith(": forward")]))
    grads_of = [w.answer["grads"]["layers"] for w in per]
    # the parameters as read (a decimal typed is exact), the loss and every sample's gradients
    d = _domain([loss.answer[Op.LOSS.value], grads_of, [as_array(lay["weights"], name="weights") for lay in layers]])
    specs = [_spec(layer, d) for layer in layers]
    grads = []
    slopes: list[Any] = []
    for li in range(len(layers)):
        parts = [g[li] for g in grads_of]
        grads.append((_summed(d, [p["weights"] for p in parts]), _summed(d, [p["bias"] for p in parts])))
        slopes.append(_summed(d, [p["prelu_weight"] for p in parts]) if "prelu_weight" in parts[0] else None)
    if batch:
        steps.append(Step("Batch gradients: the samples' gradients summed (the reduction is in ∂L/∂output)",
                          formula=r"\frac{\partial L}{\partial W} = \sum_n \frac{\partial L}{\partial W}\Big|_n",
                          steps=[Step("Layer 1: first weight", substituted=" + ".join(
                              _text(d, g[0]["weights"][0][0]) for g in grads_of), result=d.out(grads[0][0][0][0]))]))
    value = d.num(loss.answer[Op.LOSS.value])
    reg = {k: d.num(parse_number(v)) for k, v in (("l2", l2), ("l1", l1)) if v is not None}
    if reg:
        pen, pen_step = mlp_reg.penalty(specs, d, l2=reg.get("l2"), l1=reg.get("l1"), regularize_bias=regularize_bias)
        value = value + pen
        grads, reg_step = mlp_reg.add_gradients(grads, specs, d, l2=reg.get("l2"), l1=reg.get("l1"),
                                                regularize_bias=regularize_bias)
        steps.extend([pen_step, reg_step])
    answer: dict[str, Any] = {
        "outputs": [w.answer["outputs"] for w in per] if batch else per[0].answer["outputs"],
        Op.LOSS.value: d.out(value),
        "grads": {"layers": [{"weights": d.out_array(gW).tolist(), "bias": d.out_array(gb).tolist()
                              if specs[li]["bias"] is not None else None,
                              **({"prelu_weight": d.out_array(slopes[li]).tolist()} if slopes[li] is not None else {})}
                             for li, (gW, gb) in enumerate(grads)]},
    }
    lr = read_learning_rate(learning_rate)
    if lr is not None:
        lr = lr if d.is_exact else float(lr)
        used = grads
        if weight_decay is not None:
            used, wd_step = mlp_reg.decayed(grads, specs, d, d.num(parse_number(weight_decay)), regularize_bias)
            steps.append(wd_step)
        upd, upd_step = _update(specs, used, lr, d, slopes)
        steps.append(upd_step)
        answer["updated"] = {"layers": upd}
    return Worked(Op.MLP.value, value=answer, steps=steps, answer=answer,
                  title="Dense network: forward pass, loss and backpropagation")


def _domain(values: list[Any]) -> Domain:
    """float when any number is a float, symbolic when any is irrational, else exact."""
    flat = list(_leaves(values))
    if any(isinstance(v, Irrational) for v in flat):
        return FloatDomain() if any(isinstance(v, float) and not isinstance(v, Irrational) for v in flat) \
            else SymbolicDomain()
    return FloatDomain() if any(isinstance(v, float) for v in flat) else ExactDomain()


def _leaves(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(value=v)
    elif isinstance(value, np.ndarray):
        yield from _leaves(value.tolist())
    elif value is not None:
        yield value


def _summed(d: Domain, parts: list[Any]) -> Any:
    if parts[0] is None:
        return None
    arrays = [d.array(np.asarray(p, dtype=object)) for p in parts]
    total = arrays[0]
    for a in arrays[1:]:
        total = total + a
    return total


def _spec(layer: dict[str, Any], d: Domain) -> dict[str, Any]:
    W = as_array(layer["weights"], name="weights", ndim=(1, 2))
    b = layer.get("bias")
    act = layer.get("activation")
    slope = None
    if isinstance(act, dict) and Op.PRELU.value in act or act == Op.PRELU.value:
        from nnsteps.ops.activations.relu_family import OPTIONS

        given = (act.get(Op.PRELU.value) or {}) if isinstance(act, dict) else {}
        slope = d.array(as_array(given.get("weight", OPTIONS[Op.PRELU.value]["weight"]), name="weight").reshape(-1))
    return {"weights": d.array(W.reshape(1, -1) if W.ndim == 1 else W),
            "bias": d.array(as_array(b, name="bias").reshape(-1)) if b is not None else None, "slope": slope}


def _text(d: Domain, v: Any) -> str:
    from nnsteps.numbers import to_latex_operand

    return to_latex_operand(d.out(d.num(v)))
