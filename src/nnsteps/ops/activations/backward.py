"""The backward pass of ``relu``, ``sigmoid``, ``tanh``, ``softmax`` and ``linear`` from an upstream
gradient G = ∂L/∂Y: ReLU passes G where x > 0 (0 at x = 0, as PyTorch), σ multiplies by σ(1 − σ), tanh
by 1 − tanh², softmax gives y ⊙ (G − Σ_j G_j y_j) along its axis, and y = W h + b gives
∂L/∂h = Wᵀ G, ∂L/∂W = G hᵀ, ∂L/∂b = G.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.names import Op
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops._common import exactness, product_terms
from nnsteps.ops.activations import derivatives as activation_grad
from nnsteps.ops.domain import Domain
from nnsteps.ops.losses.backprop import softmax_row
from nnsteps.ops.upstream import read_upstream
from nnsteps.work import Step

SYMBOLIC_LIMIT = 400


def _domain(arrays: list[np.ndarray], irrational: bool, size: int) -> Domain:
    exact = exactness(*arrays)
    return Domain.choose([a if exact else a.astype(np.float64) for a in arrays], irrational=irrational,
                         small=size <= SYMBOLIC_LIMIT)


def elementwise_backward(name: str, x: Any, upstream: Any) -> tuple[dict[str, Any], list[Step[Any]]]:
    """∂L/∂input of relu, sigmoid or tanh.

    >>> elementwise_backward("relu", "-1 0 2", "5 5 5")[0]
    {'input': [0, 0, 5]}
    """
    X = as_array(x, name="input")
    G = read_upstream(upstream, X.shape)
    d = _domain([X, G], name != Op.RELU.value, X.size)
    Xd, Gd = d.array(X), d.array(G)
    D = np.empty(X.shape, dtype=object)
    for idx in np.ndindex(X.shape):
        v = Xd[idx]
        if name == Op.RELU.value:
            D[idx] = d.num(1) if d.positive(v) else d.num(0)
        else:  # σ' = σ(1 − σ), tanh' = 1 − tanh²: their one home, shared with the RNN and MLP
            D[idx] = activation_grad.derivative(name, d, v, activation_grad.apply(name, d, v))
    gx = np.asarray(Gd * D)  # a 0-d product is a number, not an array
    formula = {Op.RELU.value: r"f'(x) = [x > 0]", Op.SIGMOID.value: r"\sigma'(x) = \sigma(x)(1 - \sigma(x))",
               Op.TANH.value: r"\tanh'(x) = 1 - \tanh^2(x)"}[name]
    first = tuple(0 for _ in X.shape)
    steps = [Step(f"Derivative of {name}", formula=formula, result=d.out_array(D)),
             Step("Gradient of the input: upstream times the derivative",
                  formula=r"\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} \, f'(x)", result=d.out_array(gx),
                  steps=[Step("First entry", substituted=rf"{op(d.out(Gd[first]))} \cdot {op(d.out(D[first]))}",
                              result=d.out(gx[first]))])]
    return {"input": d.out_array(gx).tolist()}, steps


def softmax_backward(x: Any, upstream: Any, axis: int = -1) -> tuple[dict[str, Any], list[Step[Any]]]:
    """∂L/∂input of softmax along ``axis``: y ⊙ (G − Σ_j G_j y_j).

    >>> softmax_backward("0 0", "1 -1")[0]
    {'input': [Fraction(1, 2), Fraction(-1, 2)]}
    """
    X = as_array(x, name="input")
    G = read_upstream(upstream, X.shape)
    if X.ndim == 0:  # one number: softmax over it alone, as the forward pass does
        grads, steps = softmax_backward(X.reshape(1), G.reshape(1), 0)
        return {"input": grads["input"][0]}, steps
    d = _domain([X, G], True, X.size)
    Xm, Gm = np.moveaxis(d.array(X), axis, -1), np.moveaxis(d.array(G), axis, -1)
    out = np.empty(Xm.shape, dtype=object)
    dots = []
    for idx in np.ndindex(Xm.shape[:-1]):
        y = softmax_row(list(Xm[idx]), d)
        terms = [g * p for g, p in zip(Gm[idx], y)]
        dot = sum(terms[1:], terms[0])
        dots.append((y, dot, idx))
        for k, p in enumerate(y):
            out[(*idx, k)] = p * (Gm[idx][k] - dot)
    gx = np.moveaxis(out, -1, axis)
    y0, dot0, idx0 = dots[0]
    steps = [Step("Gradient of the input: y ⊙ (G − Σ_j G_j y_j) along the softmax axis",
                  formula=r"\frac{\partial L}{\partial z_i} = y_i \left(G_i - \sum_j G_j y_j\right)",
                  result=d.out_array(gx),
                  steps=[Step("First row: Σ_j G_j y_j", substituted=product_terms([d.out(v) for v in Gm[idx0]],
                                                                                  [d.out(v) for v in y0]),
                              result=d.out(dot0)),
                         Step("First entry", substituted=rf"{op(d.out(y0[0]))} \cdot ({op(d.out(Gm[idx0][0]))} - "
                                                         rf"{op(d.out(dot0))})", result=d.out(out[(*idx0, 0)]))])]
    return {"input": d.out_array(gx).tolist()}, steps


def linear_backward(h: Any, weights: Any, bias: Any, upstream: Any) -> tuple[dict[str, Any], list[Step[Any]]]:
    """∂L/∂input = Wᵀ G, ∂L/∂weights = G hᵀ, ∂L/∂bias = G of y = W h + b.

    >>> linear_backward([1, 2], [[1, 0], [3, -1]], [0, 1], [1, 2])[0]
    {'input': [7, -2], 'weights': [[1, 2], [2, 4]], 'bias': [1, 2]}
    """
    H = as_array(h, name="input")
    x = H.reshape(-1)
    W = as_array(weights, name="weights", ndim=(1, 2))
    W2 = W.reshape(1, -1) if W.ndim == 1 else W
    G = read_upstream(upstream, (W2.shape[0],))
    exact = exactness(x, W2, G)
    if not exact:
        x, W2, G = x.astype(np.float64), W2.astype(np.float64), G.astype(np.float64)
    dh = W2.T.dot(G)
    dW = np.outer(G, x)
    steps = [
        Step("Gradient of the input: Wᵀ times the upstream", formula=r"\frac{\partial L}{\partial h} = W^\top G",
             result=dh, steps=[Step("First entry", substituted=product_terms(list(W2[:, 0]), list(G)), result=dh[0])]),
        Step("Gradient of the weights: the upstream times the input (an outer product)",
             formula=r"\frac{\partial L}{\partial W} = G h^\top", result=dW,
             steps=[Step("First entry", substituted=rf"{op(G[0])} \cdot {op(x[0])}", result=dW[0, 0])]),
    ]
    grads: dict[str, Any] = {"input": dh.reshape(H.shape).tolist(),
                             "weights": (dW.reshape(W.shape) if W.ndim == 1 else dW).tolist()}
    if bias is not None:
        steps.append(Step("Gradient of the bias: the upstream itself", formula=r"\frac{\partial L}{\partial b} = G",
                          result=G))
        b = as_array(bias, name="bias", ndim=(0, 1))
        grads["bias"] = (G.sum() if b.size == 1 and G.size > 1 else G.reshape(b.shape) if b.size == G.size else G).tolist()
    return grads, steps
