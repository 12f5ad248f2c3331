"""The ``attention`` kind: self-attention on numbers (scores, softmax weights, output, heads, mask),
or its symbolic derivation when no numbers are given: fields, solver, likely mistakes, generator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.generation import generator
from nnsteps.generation.common import ints, one
from nnsteps.kinds._backprop import raw
from nnsteps.names import Op
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, Problem, register
from nnsteps.problems.registry import FieldType as T
from nnsteps.work import Worked

EXAMPLE = {"x": "1 0; 0 1", "w_q": "1 0; 0 1", "w_k": "1 0; 0 1", "w_v": "1 2; 3 4"}
FIELDS = (
    Field("x", T.ARRAY, "tokens, n × d_model (omit for the symbolic derivation)", example="1 0; 0 1"),
    Field("w_q", T.ARRAY, "W_Q (d_k × d_model; d_model × d_k with layout rows)", example="1 0; 0 1"),
    Field("w_k", T.ARRAY, "W_K", example="1 0; 0 1"),
    Field("w_v", T.ARRAY, "W_V", example="1 2; 3 4"),
    Field("w_o", T.ARRAY, "optional output projection"),
    *(Field(f"b_{n}", T.ARRAY, "optional bias") for n in "qkvo"),
    Field("layout", T.CHOICE, "columns (q_i = W_Q x_i, nn.Linear) or rows (Q = X W_Q)", default="columns",
          choices=("columns", "rows"), example="columns"),
    Field("scale", T.BOOLEAN, "divide scores by sqrt(d_k) (default true)", default=True, example=True),
    Field("mask", T.VALUE, "none, causal, or an n×n 0/1 matrix (1 = may attend)", default="none", example="none"),
    Field("heads", T.INTEGER, "number of heads (must divide d_k)", default=1, example=1),
)


def _mistakes(raw_problem: dict[str, Any]) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    return [
        ("no 1/√d_k scaling", M.scale_off),
        ("weights used transposed (layout mixed up)", M.layout_toggled),
        ("mask ignored", M.set_field("mask", "none")),
    ]


@register(Op.ATTENTION.value, fields=FIELDS, summary="self-attention: scores, softmax weights and output",
          answer=("Q", "K", "V", "scores", "weights", "output"), example=EXAMPLE, mistakes=_mistakes,
          form={"group": "backprop"})
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
        p.get("x", raw), p.get("w_q", raw, None), p.get("w_k", raw, None), p.get("w_v", raw, None),
        w_o=p.get("w_o", raw, None), b_q=p.get("b_q", raw, None), b_k=p.get("b_k", raw, None),
        b_v=p.get("b_v", raw, None), b_o=p.get("b_o", raw, None),
        layout=p.get("layout", F.choice("columns", "rows"), "columns"),
        scale=p.get("scale", F.boolean, True), mask=p.get("mask", raw, "none"),
        heads=p.get("heads", F.integer(1, "a number of heads"), 1),
    )


@generator(Op.ATTENTION.value)
def attention(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """Self-attention of 3 tokens of dimension 4 with 0/1 projections to d_k = 2 (or 4, exact scaling).

    >>> len(attention(np.random.default_rng(0), {})["x"])
    3
    """
    d_k = one(rng, [2, 4])
    return {
        "kind": Op.ATTENTION.value,
        "x": ints(rng, (3, 4), 0, 2),
        "w_q": ints(rng, (d_k, 4), 0, 1),
        "w_k": ints(rng, (d_k, 4), 0, 1),
        "w_v": ints(rng, (d_k, 4), -1, 1),
        "layout": "columns",
        "scale": True,
        "mask": "none",
        "heads": 1,
    }
