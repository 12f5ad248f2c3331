"""Backpropagation problem kinds: ``rnn`` (forward pass, BPTT, update, closed forms), ``mlp``
(dense network backprop) and ``attention`` (self-attention, or its symbolic derivation when no
numbers are given). Each reads its fields here and calls the op, which checks shapes and says
which field is wrong.
"""

from __future__ import annotations

from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.numbers import parse_number
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Problem, register
from nnsteps.work import Worked


def _raw(value: Any) -> Any:
    return value


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NnstepsError(f"expected a mapping such as {{w_in: 0.2, w_hh: 0.2, w_hy: 0.2}}, got {value!r}")
    return value


def _learning_rate(value: Any) -> Any:
    if isinstance(value, (list, dict, bool)):
        raise NnstepsError(f"expected a learning rate (a number), got {value!r}")
    return parse_number(value, what="a learning rate")


RNN_FIELDS = {
    "x": "the sequence: numbers, or one vector per step",
    "h0": "initial hidden state (a number or a vector; default 0)",
    "weights": "{w_in, w_hh, w_hy} (scalars) or {W_xh, W_hh, W_hy, b_h, b_y} (matrices)",
    "activation": "none, tanh, relu or sigmoid",
    "output": "last or every",
    "target": "the target (one per step when output is every)",
    "loss": "half_squared_error, squared_error or cross_entropy",
    "learning_rate": "η for one gradient-descent step",
    "symbolic": "closed-form gradients for the scalar RNN (default true)",
}


@register("rnn", fields=RNN_FIELDS, required=("x", "weights"))
def solve_rnn(p: Problem) -> Worked:
    """An ``rnn`` problem: forward pass, loss, BPTT and update of :func:`nnsteps.ops.rnn.rnn`.

    >>> w = solve_rnn(Problem({"id": "q6", "kind": "rnn", "x": [0.3, 0.4, 0.2], "h0": 0.5,
    ...                        "weights": {"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2}}))
    >>> w.answer["h"], w.answer["y"]
    ([Fraction(4, 25), Fraction(14, 125), Fraction(39, 625)], Fraction(39, 3125))
    """
    from nnsteps.ops.rnn import rnn

    return rnn(
        p.get("x", _raw), h0=p.get("h0", _raw, 0), weights=p.get("weights", _mapping),
        activation=p.get("activation", F.choice("none", "tanh", "relu", "sigmoid"), "none"),
        output=p.get("output", F.choice("last", "every"), "last"),
        target=p.get("target", _raw, None),
        loss=p.get("loss", F.choice("half_squared_error", "squared_error", "cross_entropy"), "half_squared_error"),
        learning_rate=p.get("learning_rate", _learning_rate, None),
        symbolic=p.get("symbolic", F.boolean, True),
    )


MLP_FIELDS = {
    "input": "the input vector",
    "layers": "list of {weights (out×in), bias, activation}",
    "target": "the target vector",
    "loss": "half_squared_error, squared_error or cross_entropy",
    "learning_rate": "η for one gradient-descent step",
}


@register("mlp", fields=MLP_FIELDS, required=("input", "layers"))
def solve_mlp(p: Problem) -> Worked:
    """An ``mlp`` problem: forward pass, every δ, every gradient and one update (:func:`nnsteps.ops.mlp.mlp`).

    >>> w = solve_mlp(Problem({"id": "m", "kind": "mlp", "input": [1, 2], "target": [2], "learning_rate": 0.5,
    ...                        "layers": [{"weights": [[1, 1]], "bias": [0], "activation": "relu"}]}))
    >>> w.answer["outputs"], w.answer["loss"], w.answer["updated"]["layers"][0]
    ([[3]], 0.5, {'weights': [[Fraction(1, 2), 0]], 'bias': [Fraction(-1, 2)]})
    """
    from nnsteps.ops.mlp import mlp

    return mlp(
        p.get("input", _raw), p.get("layers", _raw), target=p.get("target", _raw, None),
        loss=p.get("loss", F.choice("half_squared_error", "squared_error", "cross_entropy"), "half_squared_error"),
        learning_rate=p.get("learning_rate", _learning_rate, None),
    )


ATTENTION_FIELDS = {
    "x": "tokens, n × d_model (omit for the symbolic derivation)",
    "w_q": "W_Q (d_k × d_model; d_model × d_k with layout rows)",
    "w_k": "W_K", "w_v": "W_V", "w_o": "optional output projection",
    "b_q": "optional bias", "b_k": "optional bias", "b_v": "optional bias", "b_o": "optional bias",
    "layout": "columns (q_i = W_Q x_i, nn.Linear) or rows (Q = X W_Q)",
    "scale": "divide scores by sqrt(d_k) (default true)",
    "mask": "none, causal, or an n×n 0/1 matrix (1 = may attend)",
    "heads": "number of heads (must divide d_k)",
}


@register("attention", fields=ATTENTION_FIELDS)
def solve_attention(p: Problem) -> Worked:
    """An ``attention`` problem: self-attention on numbers, or its symbolic derivation without ``x``.

    >>> w = solve_attention(Problem({"id": "a", "kind": "attention", "x": "1 0; 0 1", "w_q": "0 0; 0 0",
    ...                              "w_k": "1 0; 0 1", "w_v": "1 2; 3 4"}))
    >>> w.answer["weights"], w.answer["output"]
    ([[Fraction(1, 2), Fraction(1, 2)], [Fraction(1, 2), Fraction(1, 2)]], [[Fraction(3, 2), Fraction(7, 2)], [Fraction(3, 2), Fraction(7, 2)]])
    >>> solve_attention(Problem({"id": "a", "kind": "attention"})).title
    'Self-attention for one token (symbolic)'
    """
    from nnsteps.ops.attention import self_attention

    if not p.has("x"):
        return self_attention()
    return self_attention(
        p.get("x", _raw), p.get("w_q", _raw, None), p.get("w_k", _raw, None), p.get("w_v", _raw, None),
        w_o=p.get("w_o", _raw, None), b_q=p.get("b_q", _raw, None), b_k=p.get("b_k", _raw, None),
        b_v=p.get("b_v", _raw, None), b_o=p.get("b_o", _raw, None),
        layout=p.get("layout", F.choice("columns", "rows"), "columns"),
        scale=p.get("scale", F.boolean, True), mask=p.get("mask", _raw, "none"),
        heads=p.get("heads", F.integer(1, "a number of heads"), 1),
    )
