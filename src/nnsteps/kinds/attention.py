"""The ``attention`` kind: self-attention on numbers (scores, softmax weights, output, heads, masks),
cross-attention when a ``memory`` gives the keys and values, or the symbolic derivation when no
numbers are given: fields, solver, likely mistakes, generator.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from nnsteps.generation import generator
from nnsteps.generation.common import chance, ints, one
from nnsteps.names import Op
from nnsteps.problems import fields as F
from nnsteps.problems.params import as_given
from nnsteps.problems.registry import Field, Params, register
from nnsteps.problems.registry import FieldType as T
from nnsteps.work import Worked

EXAMPLE = {"x": "1 0; 0 1", "w_q": "1 0; 0 1", "w_k": "1 0; 0 1", "w_v": "1 2; 3 4"}
# The arrays as given: the op reads them with their roles' names and shapes.
FIELDS = tuple(replace(f, parse=as_given) if f.type is T.ARRAY else f for f in (
    Field("x", T.ARRAY, "tokens, n × d_model: queries (and keys, values without memory); omit for the symbolic derivation", example="1 0; 0 1"),
    Field("w_q", T.ARRAY, "W_Q (d_k × d_model; d_model × d_k with layout rows)", example="1 0; 0 1"),
    Field("w_k", T.ARRAY, "W_K (its d_model is the memory's d_m with memory)", example="1 0; 0 1"),
    Field("w_v", T.ARRAY, "W_V (like W_K)", example="1 2; 3 4"),
    Field("w_o", T.ARRAY, "optional output projection"),
    *(Field(f"b_{n}", T.ARRAY, "optional bias") for n in "qkvo"),
    Field("layout", T.CHOICE, "columns (q_i = W_Q x_i, nn.Linear) or rows (Q = X W_Q)", default="columns",
          choices=("columns", "rows"), example="columns"),
    Field("scale", T.BOOLEAN, "divide scores by sqrt(d_k) (default true)", default=True, example=True),
    Field("mask", T.VALUE, "none, causal (self-attention only), or a T×S 0/1 matrix (1 = may attend; "
          "T queries, S keys: S = T without memory)", default="none", example="none"),
    Field("heads", T.INTEGER, "number of heads (must divide d_k)", default=1, example=1,
          parse=F.integer(1, "a number of heads")),
    Field("memory", T.ARRAY, "cross-attention: the sequence keys and values come from, S × d_m "
          "(W_K, W_V then take d_m inputs); queries still come from x"),
    Field("key_padding_mask", T.ARRAY, "S entries, 1 = a padding key that no query attends to "
          "(nn.MultiheadAttention's key_padding_mask)"),
))


def _mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    return [
        ("no 1/√d_k scaling", M.scale_off),
        ("weights used transposed (layout mixed up)", M.layout_toggled),
        ("mask ignored", M.set_field("mask", "none")),
        ("padding keys attended (key_padding_mask ignored)", M.set_field("key_padding_mask", None)),
        ("keys and values taken from x instead of the memory", M.set_field("memory", None)),
    ]


def _statement(p: Any) -> Any:
    """Attention's question: tokens and projections typeset; scaling, mask and heads stated."""
    from nnsteps.render.statement import Statement, build, value

    if value(p, "x") is None:
        return Statement("Derive self-attention for the first token symbolically: its query, the scores "
                         r"$e_{1j}$ against every key, the weights $\alpha_{1j}$ and the output $z_1$.")
    rows = value(p, "layout") == "rows"
    cross = value(p, "memory") is not None
    intro = ((r"Compute " + ("cross-attention of the tokens $X$ over the memory $M$" if cross else
                            "self-attention over the tokens $X$ (one token per row)"))
             + (r": $Q = X W_Q$, $K$, $V$ likewise" if rows else r": $q_i = W_Q x_i$, $k_i = W_K x_i$, $v_i = W_V x_i$")
             + r", scores $QK^\top$" + (r"$/\sqrt{d_k}$" if value(p, "scale", True) else "")
             + ", weights by a softmax over each row, output weights × $V$.")
    arrays = [("x", "Tokens", "X"), ("memory", "Memory", "M"), ("w_q", "Query weights", "W_Q"),
              ("w_k", "Key weights", "W_K"), ("w_v", "Value weights", "W_V"), ("w_o", "Output projection", "W_O"),
              *((f"b_{n}", f"Bias $b_{n.upper()}$", f"b_{n.upper()}") for n in "qkvo"),
              ("key_padding_mask", "Key padding mask (1 = padding)", "")]
    mask = value(p, "mask", "none")
    st = build(p, intro, arrays=arrays, scalars=[("heads", "heads", "h", 1)]
               + ([("mask", "mask", "", mask)] if isinstance(mask, str) else []),
               asks=["the queries $Q$, keys $K$ and values $V$", r"the scores (scaled by $1/\sqrt{d_k}$)"
                     if value(p, "scale", True) else "the scores", "the attention weights", "the output"])
    if not isinstance(mask, str):
        from nnsteps.render.statement import Given, matrix

        st.givens.insert(-1, Given("Mask (1 = may attend)", matrix(mask, "mask")))
    return st


@register(Op.ATTENTION.value, fields=FIELDS, statement=_statement, summary="self- or cross-attention: scores, softmax weights and output",
          answer=("Q", "K", "V", "scores", "weights", "output"), example=EXAMPLE, mistakes=_mistakes,
          form={"group": "backprop"}, aliases={"self_attention": "", "cross_attention": "memory: ...",
                                              "transformer": "a transformer layer's attention", "scaled_dot_product": ""})
def solve_attention(p: Params) -> Worked:
    """An ``attention`` problem: self-attention on numbers, or its symbolic derivation without ``x``.

    >>> from nnsteps.problems.registry import Problem
    >>> w = solve_attention(Problem({"id": "a", "kind": "attention", "x": "1 0; 0 1", "w_q": "0 0; 0 0",
    ...                              "w_k": "1 0; 0 1", "w_v": "1 2; 3 4"}).params)
    >>> w.answer["weights"], w.answer["output"]
    ([[Fraction(1, 2), Fraction(1, 2)], [Fraction(1, 2), Fraction(1, 2)]], [[Fraction(3, 2), Fraction(7, 2)], [Fraction(3, 2), Fraction(7, 2)]])
    >>> solve_attention(Problem({"id": "a", "kind": "attention"}).params).title
    'Self-attention for one token (symbolic)'
    >>> solve_attention(Problem({"id": "a", "kind": "attention", "x": "1 0", "w_q": "1 0", "w_k": "1 1 1",
    ...                          "w_v": "1 0 0", "memory": "2 0 1; 0 1 0", "scale": False}).params).answer["scores"]
    [[3, 1]]
    """
    from nnsteps.ops.sequence.attention import self_attention

    if not p.has("x"):
        return self_attention(memory=p.memory)  # memory without x is an error there
    return self_attention(p.x, p.w_q, p.w_k, p.w_v, w_o=p.w_o, b_q=p.b_q, b_k=p.b_k, b_v=p.b_v, b_o=p.b_o,
                          layout=p.layout, scale=p.scale, mask=p.mask, heads=p.heads, memory=p.memory,
                          key_padding_mask=p.key_padding_mask)


@generator(Op.ATTENTION.value, options=("memory",))
def attention(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """Self-attention of 3 tokens of dimension 4 with 0/1 projections to d_k = 2 (or 4, exact scaling);
    a third of the time (always with option ``memory: true``, never with ``false``) cross-attention
    to 2 to 4 memory tokens of width 3, sometimes with a padding key.

    >>> len(attention(np.random.default_rng(0), {})["x"])
    3
    >>> p = attention(np.random.default_rng(0), {"memory": True})
    >>> len(p["memory"][0]), len(p["w_k"][0]), len(p["w_q"][0])
    (3, 3, 4)
    """
    d_k = one(rng, [2, 4])
    problem = {
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
    # Drawn after the self-attention numbers: the first problem of a seed is unchanged by this variant.
    wanted = options.get("memory")
    if not (chance(rng, 1 / 3) if wanted is None else F.boolean(wanted)):  # an unknown word: one-line error
        return problem
    S = int(rng.integers(2, 5))
    problem.update(memory=ints(rng, (S, 3), 0, 2), w_k=ints(rng, (d_k, 3), 0, 1), w_v=ints(rng, (d_k, 3), -1, 1))
    if chance(rng, 1 / 2):
        problem["key_padding_mask"] = [0] * (S - 1) + [1]
    return problem
