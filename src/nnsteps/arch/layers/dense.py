"""Shape-keeping and dense layers: ``flatten``, activations and ``dropout``, normalisation, ``dense``, ``embedding``.
"""


from fractions import Fraction
from typing import Any

from nnsteps.arch import counts
from nnsteps.arch.layers.core import BIAS, Ctx, MacConvention, Row, Shape, _dims, _neurons, _param_steps  # noqa: F401
from nnsteps.arch.layers.record import LayerType, register
from nnsteps.names import Op
from nnsteps.work import Step

FLATTEN, BATCHNORM, LAYERNORM, DENSE = "flatten", "batchnorm", "layernorm", "dense"


def flatten(ctx: Ctx) -> Row:
    """``flatten`` — ``nn.Flatten()``: a volume or sequence becomes one vector.

    >>> from nnsteps.arch.parse import parse
    >>> flatten(Ctx(parse("flatten")[0], "flat", Shape("volume", (4, 4, 8)), None, MacConvention())).output_shape
    Shape(kind='vector', dims=(128,))
    """
    ctx.positional(0, "no arguments")
    ctx.need("volume", "volume3d", "sequence", "vector")
    out = Shape("vector", (ctx.shape.size,))
    syms = {"volume": ["H", "W", "C"], "volume3d": ["D", "H", "W", "C"], "sequence": ["T", "D"],
            "vector": ["N"]}[ctx.shape.kind]
    row = Row(ctx.name, FLATTEN, ctx.stmt.text, ctx.stmt.line, ctx.shape, out)
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
        ctx.need("volume", "volume3d", "sequence", "vector")
    row = Row(ctx.name, ctx.stmt.type, ctx.stmt.text, ctx.stmt.line, ctx.shape, ctx.shape, rf=ctx.rf, config=config)
    row.steps = [Step("Output shape", formula=r"\text{same as the input}", result=ctx.shape.latex)]
    return row


def norm(ctx: Ctx) -> Row:
    """``batchnorm`` (γ, β per channel: the last axis of a volume or 3-d volume) and ``layernorm`` (γ, β per
    normalised value).

    >>> from nnsteps.arch.parse import parse
    >>> def other(spec, shape): return norm(Ctx(parse(spec)[0], "n", shape, None, MacConvention())).other
    >>> other("batchnorm", Shape("volume", (8, 8, 16))), other("layernorm", Shape("sequence", (5, 64)))
    (32, 128)
    """
    ctx.positional(0, "no arguments")
    if ctx.stmt.type == BATCHNORM:
        ctx.need("volume", "volume3d", "vector")
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
    bias = ctx.opt_bool("bias")
    din = ctx.shape.dims[-1]
    seq = ctx.shape.kind == "sequence"
    out = Shape("sequence", (ctx.shape.dims[0], n)) if seq else Shape("vector", (n,))
    # Per time step on a sequence, so a temporal receptive field passes through.
    row = Row(ctx.name, DENSE, ctx.stmt.text, ctx.stmt.line, ctx.shape, out, rf=ctx.rf if seq else None,
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


def _softmax_torch(row: Row, nn: Any) -> Any:
    # Over channels for a volume (B, C, H, W) and a vector; over features for a sequence (B, T, D).
    return nn.Softmax(dim=-1 if row.input_shape.kind == "sequence" else 1)


def _batchnorm_torch(row: Row, nn: Any) -> Any:
    cls = {"volume": nn.BatchNorm2d, "volume3d": nn.BatchNorm3d}.get(row.input_shape.kind, nn.BatchNorm1d)
    return cls(row.config["features"])


def _layernorm_torch(row: Row, nn: Any) -> Any:
    dims = row.config["normalized"]
    return nn.LayerNorm([dims[2], dims[0], dims[1]] if len(dims) == 3 else list(dims))


def _activation(op: Op, cls: str) -> LayerType:
    return LayerType(op.value, op.value, f"{op.value} elementwise; the shape passes through (nn.{cls})", same_shape,
                     example=f"input 4x4x2\n{op.value}", to_torch=lambda row, nn: getattr(nn, cls)())


register(
    LayerType(FLATTEN, "flatten", "a volume or sequence becomes one vector (nn.Flatten)", flatten,
              example="input 4x4x8\nflatten", to_torch=lambda row, nn: nn.Flatten()),
    LayerType(Op.DROPOUT.value, "dropout P", "zeroes values with probability P in training (nn.Dropout); "
              "P defaults to 0.5", same_shape, example="input vector 10\ndropout 0.25",
              to_torch=lambda row, nn: nn.Dropout(float(row.config["p"]))),
    _activation(Op.RELU, "ReLU"), _activation(Op.SIGMOID, "Sigmoid"), _activation(Op.TANH, "Tanh"),
    LayerType(Op.SOFTMAX.value, Op.SOFTMAX.value, "softmax over channels (a sequence: over features)", same_shape,
              example="input vector 10\nsoftmax", to_torch=_softmax_torch),
    LayerType(BATCHNORM, "batchnorm", "batch normalisation per channel: γ and β (nn.BatchNorm1d/2d/3d)", norm,
              aliases=("batchnorm2d", "batchnorm1d", "batchnorm3d", "bn"), example="input 8x8x16\nbatchnorm",
              to_torch=_batchnorm_torch),
    LayerType(LAYERNORM, "layernorm", "layer normalisation over each sample (a sequence: per step over features)",
              norm, aliases=("ln",), example="input seq 5x64\nlayernorm", to_torch=_layernorm_torch),
    LayerType(DENSE, "dense N", "fully connected layer of N units on the last axis (nn.Linear)", dense,
              aliases=(Op.LINEAR.value, "fc"), labels=("fully connected", "output"), options=(BIAS,),
              example="input vector 128\ndense 10",
              to_torch=lambda row, nn: nn.Linear(row.config["in_features"], row.config["out_features"],
                                                 bias=row.config["bias"])),
    LayerType(Op.EMBEDDING.value, "embedding VxD", "a table of V rows of D for token ids (nn.Embedding)", embedding,
              example="input tokens 35\nembedding 1000x64",
              to_torch=lambda row, nn: nn.Embedding(row.config["num_embeddings"], row.config["dim"])),
)
