"""Shape-keeping and dense layers: ``flatten``, activations and ``dropout``, normalisation, ``dense``, ``embedding``.
"""


from fractions import Fraction
from typing import Any

from nnsteps.arch import counts
from nnsteps.arch.layers.core import (  # noqa: F401
    _ALIASES,
    _OPTIONS,
    RF,
    Ctx,
    MacConvention,
    Row,
    Shape,
    _conv_size,
    _dims,
    _int,
    _neurons,
    _pair,
    _param_steps,
    _pool_size,
    _rf_steps,
    _size_step,
)
from nnsteps.names import Op
from nnsteps.work import Step


def flatten(ctx: Ctx) -> Row:
    """``flatten`` — ``nn.Flatten()``: a volume or sequence becomes one vector.

    >>> from nnsteps.arch.parse import parse
    >>> flatten(Ctx(parse("flatten")[0], "flat", Shape("volume", (4, 4, 8)), None, MacConvention())).output_shape
    Shape(kind='vector', dims=(128,))
    """
    ctx.positional(0, "no arguments")
    ctx.need("volume", "sequence", "vector")
    out = Shape("vector", (ctx.shape.size,))
    syms = {"volume": ["H", "W", "C"], "sequence": ["T", "D"], "vector": ["N"]}[ctx.shape.kind]
    row = Row(ctx.name, "flatten", ctx.stmt.text, ctx.stmt.line, ctx.shape, out)
    row.steps = [counts.product("Flattened length", "N", list(zip(syms, ctx.shape.dims)))]
    return row


def same_shape(ctx: Ctx) -> Row:
    """Activations and dropout: the shape passes through, no parameters.

    >>> from nnsteps.arch.parse import parse
    >>> row = same_shape(Ctx(parse("dropout 0.25")[0], "drop", Shape("vector", (10,)), None, MacConvention()))
    >>> row.output_shape.text, row.config["p"], row.params
    ('10', Fraction(1, 4), 0)
    """
    config: dict[str, Any] = {}
    if ctx.stmt.type == Op.DROPOUT.value:
        args = ctx.stmt.args
        if len(args) > 1:
            raise ctx.error("dropout takes one probability, e.g. dropout 0.5", args[1])
        pr: Fraction = Fraction(1, 2)
        if args:
            v = args[0].value
            pr = Fraction(v[0]) if isinstance(v, tuple) and len(v) == 1 else v  # type: ignore[assignment]
            if not isinstance(pr, Fraction) or not 0 <= pr <= 1:
                raise ctx.error(f"dropout probability must be between 0 and 1, got '{args[0].text}'", args[0])
        config["p"] = pr
    else:
        ctx.positional(0, "no arguments")
    if ctx.shape.kind == "tokens":
        ctx.need("volume", "sequence", "vector")
    row = Row(ctx.name, ctx.stmt.type, ctx.stmt.text, ctx.stmt.line, ctx.shape, ctx.shape, rf=ctx.rf, config=config)
    row.steps = [Step("Output shape", formula=r"\text{same as the input}", result=ctx.shape.latex)]
    return row


def norm(ctx: Ctx) -> Row:
    """``batchnorm`` (γ, β per channel) and ``layernorm`` (γ, β per normalised value).

    >>> from nnsteps.arch.parse import parse
    >>> def other(spec, shape): return norm(Ctx(parse(spec)[0], "n", shape, None, MacConvention())).other
    >>> other("batchnorm", Shape("volume", (8, 8, 16))), other("layernorm", Shape("sequence", (5, 64)))
    (32, 128)
    """
    ctx.positional(0, "no arguments")
    if ctx.stmt.type == "batchnorm":
        ctx.need("volume", "vector")
        c = ctx.shape.dims[-1]
        other = counts.product("Other parameters (γ and β per channel)", r"\#\gamma\beta", [("2", 2), ("C", c)],
                               note="running mean and variance are buffers, not trainable parameters")
        config: dict[str, Any] = {"features": c}
    else:
        ctx.need("volume", "sequence", "vector")
        normalized = ctx.shape.dims if ctx.shape.kind == "volume" else ctx.shape.dims[-1:]
        syms = ["H", "W", "C"] if ctx.shape.kind == "volume" else ["D"]
        other = counts.product("Other parameters (γ and β per normalised value)", r"\#\gamma\beta",
                               [("2", 2), *zip(syms, normalized)])
        config = {"normalized": normalized}
    row = Row(ctx.name, ctx.stmt.type, ctx.stmt.text, ctx.stmt.line, ctx.shape, ctx.shape, rf=ctx.rf, config=config)
    row.other = other.value or 0
    row.steps = [other, *_param_steps(row)]
    return row


def dense(ctx: Ctx) -> Row:
    """``dense N`` — ``nn.Linear(D, N)`` on the last axis (per time step on a sequence).

    >>> from nnsteps.arch.parse import parse
    >>> row = dense(Ctx(parse("dense 10")[0], "fc", Shape("vector", (128,)), None, MacConvention()))
    >>> row.output_shape.text, row.weights, row.biases, row.macs
    ('10', 1280, 10, 1280)
    """
    ctx.need("vector", "sequence")
    (arg,) = ctx.positional(1, "the number of units, e.g. dense 10")
    (n,) = _dims(ctx, arg, 1, "the number of units, e.g. dense 10")
    bias = ctx.opt_bool("bias", True)
    din = ctx.shape.dims[-1]
    seq = ctx.shape.kind == "sequence"
    out = Shape("sequence", (ctx.shape.dims[0], n)) if seq else Shape("vector", (n,))
    row = Row(ctx.name, "dense", ctx.stmt.text, ctx.stmt.line, ctx.shape, out,
              config={"in_features": din, "out_features": n, "bias": bias})
    wstep = counts.product("Weights", r"\#w", [("N_{in}", din), ("N", n)])
    bstep = counts.product("Biases", r"\#b", [("N", n)] if bias else [])
    row.weights, row.biases = wstep.value or 0, bstep.value or 0
    t = [("T", ctx.shape.dims[0])] if seq else []
    mstep = counts.macs(ctx.conv.label, [[*t, ("N_{in}", din), ("N", n)]],
                        bias=[*t, ("N", n)] if bias and ctx.conv.count_bias else None, flops=ctx.conv.flops)
    row.macs = mstep.value or 0
    row.steps = [_neurons(out), wstep, bstep, *_param_steps(row), mstep]
    return row


def embedding(ctx: Ctx) -> Row:
    """``embedding VxD`` — ``nn.Embedding(V, D)`` on token ids: a table of V rows of D.

    >>> from nnsteps.arch.parse import parse
    >>> row = embedding(Ctx(parse("embedding 1000x64")[0], "emb", Shape("tokens", (35,)), None, MacConvention()))
    >>> row.output_shape.text, row.weights
    ('35×64', 64000)
    """
    ctx.need("tokens")
    (arg,) = ctx.positional(1, "vocabulary x dimension, e.g. embedding 10000x512")
    v, dim = _dims(ctx, arg, 2, "vocabulary x dimension, e.g. embedding 10000x512")
    out = Shape("sequence", (ctx.shape.dims[0], dim))
    row = Row(ctx.name, Op.EMBEDDING.value, ctx.stmt.text, ctx.stmt.line, ctx.shape, out,
              config={"num_embeddings": v, "dim": dim})
    wstep = counts.product("Weights (the embedding table)", r"\#w", [("V", v), ("D", dim)])
    row.weights = wstep.value or 0
    row.steps = [_neurons(out), wstep, *_param_steps(row)]
    return row
