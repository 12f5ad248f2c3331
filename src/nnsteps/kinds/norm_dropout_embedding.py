"""The layer kinds ``batch_norm``, ``layer_norm``, ``dropout`` (also pipeline stages) and ``embedding``:
forward, and with ``upstream`` the gradients: fields, solvers, likely mistakes and generators.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np  # noqa: F401  (the doctests draw with it)

from nnsteps.generation import generator
from nnsteps.generation.common import chance, ints, one, tenths
from nnsteps.kinds._grid import INPUT, Rng, grid_statement
from nnsteps.names import Op
from nnsteps.problems import fields as F
from nnsteps.problems.params import as_given
from nnsteps.problems.registry import Field, FieldType, Params, register, register_stage
from nnsteps.work import Worked

T = FieldType


def _shape(value: Any) -> list[int]:
    items = value if isinstance(value, list) else [value]
    return [F.integer(1, "a size")(v) for v in items]


UPSTREAM = Field("upstream", T.ARRAY, "∂L/∂Y, the output's shape: then the answer has grads", example="1 0; 0 1; 1 1",
                 parse=as_given)
EPS = Field("eps", T.NUMBER, "ε added to the variance", default=Fraction(1, 100000), example=0.00001)
BN_FIELDS = (
    Field("input", T.ARRAY, "N×C or N×C×H×W", required=True, example=[[1, 2], [3, 6], [5, 1]]),
    Field("weight", T.ARRAY, "γ, one per channel (default 1)", example=[1, 1], parse=as_given),
    Field("bias", T.ARRAY, "β, one per channel (default 0)", example=[0, 0], parse=as_given),
    EPS,
    Field("training", T.BOOLEAN, "batch statistics (true) or the running ones (false)", default=True, example=True),
    Field("running_mean", T.ARRAY, "per channel (default 0)", example=[0, 0], parse=as_given),
    Field("running_var", T.ARRAY, "per channel (default 1)", example=[1, 1], parse=as_given),
    Field("momentum", T.NUMBER, "m of the running-statistics update", default=Fraction(1, 10), example=0.1),
    UPSTREAM,
)
LN_FIELDS = (
    Field("input", T.ARRAY, "the input", required=True, example=[[1, 2, 3], [0, 0, 4]]),
    Field("normalized_shape", T.VALUE, "the last axes normalised over (default: the last)", example=[3],
          parse=_shape),
    Field("weight", T.ARRAY, "γ, normalized_shape (default 1)", example=[1, 1, 1], parse=as_given),
    Field("bias", T.ARRAY, "β, normalized_shape (default 0)", example=[0, 0, 0], parse=as_given),
    EPS,
    UPSTREAM,
)
DROPOUT_FIELDS = (
    INPUT,
    Field("p", T.NUMBER, "the drop probability, in [0, 1)", default=Fraction(1, 2), example=0.5),
    Field("mask", T.ARRAY, "the keep mask: 1 keeps, 0 drops (the input's shape)", example="1 0; 1 1", parse=as_given),
    Field("training", T.BOOLEAN, "false: the identity", default=True, example=True),
    UPSTREAM,
)
EMBEDDING_FIELDS = (
    Field("weight", T.ARRAY, "the table, one row per index (V×D)", required=True, example="1 2; 3 4; 5 6",
          parse=as_given),
    Field("indices", T.VALUE, "the indices looked up", required=True, example=[2, 0, 2]),
    UPSTREAM,
)


def _batch_norm(x: Any, p: Params) -> Worked:
    from nnsteps.ops.layers.norm import batch_norm

    return batch_norm(x, weight=p.weight, bias=p.bias, running_mean=p.running_mean, running_var=p.running_var,
                      training=p.training, momentum=p.momentum, eps=p.eps, upstream=p.upstream)


def _layer_norm(x: Any, p: Params) -> Worked:
    from nnsteps.ops.layers.norm import layer_norm

    return layer_norm(x, p.normalized_shape, weight=p.weight, bias=p.bias, eps=p.eps, upstream=p.upstream)


def _dropout(x: Any, p: Params) -> Worked:
    from nnsteps.ops.layers.dropout_embedding import dropout

    return dropout(x, p.p, mask=p.mask, training=p.training, upstream=p.upstream)


def _bn_mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    out = [("eval and training statistics mixed up", M.set_field("training", not p.training))]
    if p.training:
        out += [("sample variance (÷ n − 1) used to normalise (PyTorch: the population variance, ÷ n)",
                 M.convention(needs=(), normalise_variance="unbiased")),
                ("population variance (÷ n) in the running variance (PyTorch: the sample variance, ÷ n − 1)",
                 M.convention(needs=(), running_variance="biased"))]
    return out


def _bn_statement(p: Any) -> Any:
    """Batch norm's question: the mode, ε and momentum stated (PyTorch's defaults when absent)."""
    from nnsteps.render.statement import value

    training = value(p, "training", True) is not False
    intro = (r"Apply batch normalisation to $X$ (rows are samples, columns channels) in training mode: normalise "
             r"each channel by the batch mean and variance, $y = \gamma\,(x - \mu)/\sqrt{\sigma^2 + \epsilon} + "
             r"\beta$, and update the running statistics." if training else
             r"Apply batch normalisation to $X$ in evaluation mode, with the running mean and variance.")
    return grid_statement(p, intro, arrays=(("input", "Input", "X"), ("weight", r"Scale $\gamma$", r"\gamma"),
                                            ("bias", r"Shift $\beta$", r"\beta"),
                                            ("running_mean", "Running mean", ""), ("running_var", "Running variance", "")),
                          scalars=(("eps", "", r"\epsilon", Fraction(1, 100000)),
                                   ("momentum", "momentum", "", Fraction(1, 10))),
                          extra=(r"the mean $\mu$ and variance $\sigma^2$ of each channel",
                                 "the updated running mean and running variance"))


def _ln_statement(p: Any) -> Any:
    """Layer norm's question."""
    return grid_statement(p, r"Apply layer normalisation to $X$ over its last axes: $y = \gamma\,(x - \mu)/"
                             r"\sqrt{\sigma^2 + \epsilon} + \beta$.",
                          arrays=(("input", "Input", "X"), ("weight", r"Scale $\gamma$", r"\gamma"),
                                  ("bias", r"Shift $\beta$", r"\beta")),
                          scalars=(("normalized_shape", "normalised shape", "", None),
                                   ("eps", "", r"\epsilon", Fraction(1, 100000))),
                          extra=(r"the mean $\mu$ and variance $\sigma^2$ of each normalised group",))


def _dropout_statement(p: Any) -> Any:
    """Dropout's question: the keep mask given, p stated."""
    return grid_statement(p, "Apply inverted dropout to $X$ with the given keep mask $M$: kept entries are scaled "
                             "by $1/(1 - p)$.", arrays=(("input", "Input", "X"), ("mask", "Keep mask", "M")),
                          scalars=(("p", "drop probability", "p", Fraction(1, 2)), ("training", "training", "", None)))


def _embedding_statement(p: Any) -> Any:
    """An embedding's question."""
    from nnsteps.render.statement import scalar, value

    st = grid_statement(p, "Look up the rows of the embedding table $E$ at the given indices.",
                        arrays=(("weight", "Embedding table", "E"),))
    indices = value(p, "indices")
    if indices is not None:
        st.givens.insert(1, type(st.givens[0])(f"Indices: ${scalar(indices)}$ (rows of $E$, from 0)"))
    return st


register_stage(Op.BATCH_NORM.value, _batch_norm, BN_FIELDS, order=30, summary="batch normalisation per channel "
               "(training: batch statistics and running updates; eval: running statistics)",
               answer=("output", "mean", "var", "running_mean", "running_var", "grads"),
               example={"input": [[1, 2], [3, 6], [5, 1]], "weight": [1, 1], "bias": [0, 0], "training": True,
                        "running_mean": [0, 0], "running_var": [1, 1], "momentum": 0.1, "upstream": "1 0; 0 1; 1 1"},
               mistakes=_bn_mistakes, form={"group": "layers"}, statement=_bn_statement,
               aliases={"batchnorm": "", "bn": ""})
register_stage(Op.LAYER_NORM.value, _layer_norm, LN_FIELDS, order=31, summary="layer normalisation over the last axes",
               answer=("output", "mean", "var", "grads"),
               example={"input": [[1, 2, 3], [0, 0, 4]], "normalized_shape": [3], "upstream": "1 0 0; 0 1 0"},
               form={"group": "layers"}, statement=_ln_statement,
               aliases={"layernorm": "", "ln": ""})
register_stage(Op.DROPOUT.value, _dropout, DROPOUT_FIELDS, order=32, summary="inverted dropout with an explicit keep mask",
               answer=("output", "grads"),
               example={"input": "2 4; 6 8", "p": 0.5, "mask": "1 0; 1 1", "upstream": "1 1; 1 1"},
               form={"group": "layers"}, statement=_dropout_statement)


def _embedding_stage(x: Any, p: Params) -> Worked:
    """``embedding`` as a pipeline stage: its input is the indices (``stage_input``), its option the table
    ``weight``."""
    from nnsteps.ops.layers.dropout_embedding import embedding
    from nnsteps.ops.upstream import plain_input

    return embedding(p.weight, plain_input(x), upstream=p.upstream)


@register(Op.EMBEDDING.value, fields=EMBEDDING_FIELDS, summary="embedding lookup; its gradient scattered into rows",
          stage=_embedding_stage, stage_order=33, stage_input="indices", answer=("output", "grads"), example={"weight": "1 2; 3 4; 5 6", "indices": [2, 0, 2],
                                               "upstream": "1 1; 2 0; 1 -1"}, form={"group": "layers"},
          statement=_embedding_statement)
def solve_embedding(p: Params) -> Worked:
    """An ``embedding`` problem (:func:`nnsteps.ops.layers.dropout_embedding.embedding`).

    >>> from nnsteps.problems.registry import Problem
    >>> solve_embedding(Problem({"id": "e", "kind": "embedding", "weight": "1 2; 3 4", "indices": [1]}).params).value.tolist()
    [[3, 4]]
    """
    from nnsteps.ops.layers.dropout_embedding import embedding

    return embedding(p.weight, p.indices, upstream=p.upstream)


@generator(Op.BATCH_NORM.value)
def batch_norm(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """Batch norm of a 3..4 × 2 batch of small integers, training or eval, usually with an upstream gradient.

    >>> batch_norm(np.random.default_rng(1), {})["kind"]
    'batch_norm'
    """
    n, c = int(rng.integers(3, 5)), 2
    problem: dict[str, Any] = {"kind": Op.BATCH_NORM.value, "input": ints(rng, (n, c), -3, 3),
                               "weight": ints(rng, (c,), 1, 2), "bias": ints(rng, (c,), -1, 1), "eps": 0,
                               "training": chance(rng, 0.8), "momentum": Fraction(1, 10)}
    if not problem["training"]:
        problem["running_mean"] = ints(rng, (c,), -1, 1)
        problem["running_var"] = one(rng, [[1, 4], [4, 1], [1, 1]])
    if any(len({row[k] for row in problem["input"]}) == 1 for k in range(c)):
        problem["input"][0] = [v + 1 for v in problem["input"][0]]  # no channel of zero variance with eps 0
    if chance(rng, 0.7):
        problem["upstream"] = ints(rng, (n, c), -2, 2)
    return problem


@generator(Op.LAYER_NORM.value)
def layer_norm(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """Layer norm of two rows of three small integers.

    >>> layer_norm(np.random.default_rng(0), {})["normalized_shape"]
    [3]
    """
    x = ints(rng, (2, 3), -3, 3)
    for row in x:
        if len(set(row)) == 1:
            row[0] += 1
    problem: dict[str, Any] = {"kind": Op.LAYER_NORM.value, "input": x, "normalized_shape": [3], "eps": 0}
    if chance(rng, 0.7):
        problem["upstream"] = ints(rng, (2, 3), -2, 2)
    return problem


@generator(Op.DROPOUT.value)
def dropout(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """Dropout of a small integer matrix with a keep mask and p of ½, ¼ or 0.2.

    >>> dropout(np.random.default_rng(0), {})["kind"]
    'dropout'
    """
    shape = (2, int(rng.integers(2, 4)))
    problem: dict[str, Any] = {"kind": Op.DROPOUT.value, "input": ints(rng, shape, -4, 4),
                               "p": one(rng, [Fraction(1, 2), Fraction(1, 4), Fraction(1, 5)]),
                               "mask": ints(rng, shape, 0, 1)}
    if chance(rng, 0.6):
        problem["upstream"] = ints(rng, shape, -2, 2)
    return problem


@generator(Op.EMBEDDING.value)
def embedding(rng: Rng, options: dict[str, Any]) -> dict[str, Any]:
    """An embedding table of one-decimal numbers and a few indices, one of them repeated.

    >>> len(embedding(np.random.default_rng(0), {})["indices"])
    3
    """
    v, dim = int(rng.integers(3, 5)), 2
    first = int(rng.integers(0, v))
    indices = [first, int(rng.integers(0, v)), first]
    return {"kind": Op.EMBEDDING.value, "weight": tenths(rng, (v, dim), -9, 9), "indices": indices,
            "upstream": ints(rng, (3, dim), -2, 2)}
