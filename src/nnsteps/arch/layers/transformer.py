"""Transformer layers of the spec language: ``transformer_encoder`` and ``transformer_decoder``, counted as
PyTorch's ``nn.TransformerEncoderLayer`` / ``nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward,
batch_first=True)`` with their defaults (biases on, two or three LayerNorms with weight and bias).

Per layer, with E = d_model and F = ff: each multi-head attention has W_Q, W_K, W_V, W_O (4E² weights, 4E
biases), the feed-forward block E→F→E (2EF weights, F + E biases), each LayerNorm γ and β (2E). The encoder
has one attention and two norms; the decoder a self-attention, a cross-attention over the memory and three
norms. The output keeps the input's shape T×E. ``bias=false`` drops every bias (LayerNorm β too, as PyTorch's
``bias=False``); ``qkv_bias``/``out_bias`` set the attention projections' biases apart.
"""

from __future__ import annotations

from typing import Any

from nnsteps.arch import counts
from nnsteps.arch.layers.attention_bias import ATTENTION_BIAS, bias_note, projection_bias
from nnsteps.arch.layers.core import Ctx, Row, _neurons, _param_steps
from nnsteps.arch.layers.record import LayerType, Option, register
from nnsteps.arch.layers.torch_blocks import mha
from nnsteps.errors import NnstepsError

ENCODER, DECODER = "transformer_encoder", "transformer_decoder"


def transformer(ctx: Ctx) -> Row:
    """``transformer_encoder d_model=E heads=h ff=F`` (or ``transformer_decoder``, whose memory is ``memory=S``
    long, default T) on a sequence T×E.

    >>> from nnsteps.arch.parse import parse
    >>> from nnsteps.arch.layers.core import MacConvention, Shape
    >>> stmt = parse("transformer_encoder d_model=8 heads=2 ff=16")[0]
    >>> row = transformer(Ctx(stmt, "enc", Shape("sequence", (5, 8)), None, MacConvention()))
    >>> row.output_shape.text, row.weights, row.biases, row.other, row.params
    ('5×8', 512, 56, 32, 600)
    """
    ctx.need("sequence")
    ctx.positional(0, "no positional arguments (write d_model=E heads=h ff=F)")
    t, e = ctx.shape.dims
    d_model = ctx.opt_int("d_model", e)
    if d_model != e:
        raise ctx.error(f"d_model={d_model} must equal the sequence's feature size {e}", ctx.opts.get("d_model"))
    heads = ctx.opt_int("num_heads")
    if e % heads:
        raise ctx.error(f"heads={heads} must divide d_model {e}", ctx.opts.get("num_heads"))
    ff = ctx.opt_int("ff")
    decoder = ctx.stmt.type == DECODER
    s = ctx.opt_int("memory", t)
    bias = ctx.opt_bool("bias")
    qkv, out = projection_bias(ctx)
    n_att, n_norm = (2, 3) if decoder else (1, 2)
    row = Row(ctx.name, ctx.stmt.type, ctx.stmt.text, ctx.stmt.line, ctx.shape, ctx.shape,
              config={"d_model": e, "heads": heads, "ff": ff, "decoder": decoder, "bias": bias, "qkv_bias": qkv,
                      "out_bias": out})
    wstep = counts.total("Weights", r"\#w", [
        ("4E^2 \\cdot n_{att}", 4 * e * e * n_att), ("2EF", 2 * e * ff)])
    wstep.note = f"{n_att} attention block(s): W_Q, W_K, W_V, W_O of E×E each; feed-forward E→F and F→E"
    n_b = 3 * qkv + out
    terms = [(f"{n_b}E \\cdot n_{{att}}", n_b * e * n_att)] if n_b else []
    bstep = counts.total("Biases", r"\#b", terms + ([("F", ff), ("E", e)] if bias else []))
    bstep.note = bias_note(qkv, out) + ("; feed-forward b_1 (F) and b_2 (E)" if bias else "; feed-forward unbiased")
    norm = [("n_{norm}", n_norm), ("2", 2), ("E", e)] if bias else [("n_{norm}", n_norm), ("E", e)]
    ostep = counts.product("LayerNorm γ and β" if bias else "LayerNorm γ (bias=false: no β)", r"\#\text{norm}", norm)
    row.weights, row.biases, row.other = wstep.value or 0, bstep.value or 0, ostep.value or 0
    products = [[("4", 4), ("T", t), ("E", e), ("E", e)], [("2", 2), ("T", t), ("T", t), ("E", e)]]
    if decoder:
        products += [[("2", 2), ("T", t), ("E", e), ("E", e)], [("2", 2), ("S", s), ("E", e), ("E", e)],
                     [("2", 2), ("T", t), ("S", s), ("E", e)]]
    products.append([("2", 2), ("T", t), ("E", e), ("F", ff)])
    mstep = counts.macs(ctx.conv.label, products, flops=ctx.conv.flops)
    mstep.note = ("self-attention: projections 4·T·E², scores and weighted sum 2·T²·E; "
                  + ("cross-attention: Q, O 2·T·E², K, V from the memory 2·S·E², 2·T·S·E; " if decoder else "")
                  + "feed-forward 2·T·E·F (biases, norms and softmax not counted)")
    row.macs = mstep.value or 0
    row.steps = [_neurons(ctx.shape), wstep, bstep, ostep, *_param_steps(row), mstep]
    return row


def _encoder_torch(row: Row, nn: Any) -> Any:
    cfg = row.config
    layer = nn.TransformerEncoderLayer(cfg["d_model"], cfg["heads"], dim_feedforward=cfg["ff"], batch_first=True,
                                       bias=cfg["bias"])
    if (cfg["qkv_bias"], cfg["out_bias"]) != (cfg["bias"], cfg["bias"]):  # one switch in PyTorch: set apart
        layer.self_attn = mha(nn, cfg["d_model"], cfg["heads"], cfg["qkv_bias"], cfg["out_bias"],
                              layer.self_attn.dropout)
    return layer


def _decoder_torch(row: Row, nn: Any) -> Any:
    # A decoder layer reads a second sequence, which a Sequential cannot pass.
    raise NnstepsError("cannot export transformer_decoder: it needs a memory sequence beside its input")


_OPTIONS = (Option("d_model", "integer", "E", "the model width; must equal the sequence's feature size E"),
            Option("num_heads", "integer", 1, "attention heads; must divide d_model", ("heads",)),
            Option("ff", "integer", 2048, "width of the feed-forward block (dim_feedforward)"),
            Option("bias", "true or false", True, "biases in every Linear and LayerNorm (PyTorch's bias=)"),
            *ATTENTION_BIAS[1:])

register(
    LayerType(ENCODER, f"{ENCODER} d_model=E heads=h ff=F", "one nn.TransformerEncoderLayer (self-attention, "
              "feed-forward, two LayerNorms) on a sequence T×E", transformer, aliases=("transformerencoderlayer",),
              options=_OPTIONS, example=f"input seq 10x64\n{ENCODER} d_model=64 heads=8 ff=256",
              to_torch=_encoder_torch),
    LayerType(DECODER, f"{DECODER} d_model=E heads=h ff=F memory=S", "one nn.TransformerDecoderLayer "
              "(self-attention, cross-attention over a memory of S steps, feed-forward, three LayerNorms)",
              transformer, aliases=("transformerdecoderlayer",),
              options=(*_OPTIONS, Option("memory", "integer", "T", "length S of the memory sequence")),
              example=f"input seq 10x64\n{DECODER} d_model=64 heads=8 ff=256 memory=12", to_torch=_decoder_torch),
)
