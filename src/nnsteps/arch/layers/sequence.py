"""Sequence layers: ``rnn``/``lstm``/``gru`` (PyTorch's two bias vectors per gate block) and ``attention``.
"""


from math import prod
from typing import Any

from nnsteps.arch import counts
from nnsteps.arch.layers.attention_bias import ATTENTION_BIAS, bias_note, projection_bias
from nnsteps.arch.layers.core import (  # noqa: F401  (MacConvention: the doctests use it)
    BIAS,
    Ctx,
    MacConvention,
    Row,
    Shape,
    _dims,
    _neurons,
    _param_steps,
)
from nnsteps.arch.layers.record import LayerType, Option, register
from nnsteps.arch.layers.torch_blocks import blocks, mha
from nnsteps.names import Op
from nnsteps.work import Step

LSTM, GRU = "lstm", "gru"
_GATES = {Op.RNN.value: 1, LSTM: 4, GRU: 3}


def recurrent(ctx: Ctx) -> Row:
    """``rnn H`` / ``lstm H`` / ``gru H`` — ``nn.RNN/LSTM/GRU(D, H, num_layers, bias, batch_first, bidirectional)``.

    Per layer and direction: ``W_ih`` (G·H × D_in), ``W_hh`` (G·H × H), ``b_ih`` and ``b_hh`` (G·H each),
    with G = 1, 4, 3 gate blocks; the output is every step's hidden state (T × H·directions).

    >>> from nnsteps.arch.parse import parse
    >>> row = recurrent(Ctx(parse("lstm 128")[0], "lstm1", Shape("sequence", (35, 300)), None, MacConvention()))
    >>> row.output_shape.text, row.weights, row.biases
    ('35×128', 219136, 1024)
    """
    ctx.need("sequence")
    (arg,) = ctx.positional(1, "the hidden size, e.g. lstm 128")
    (hid,) = _dims(ctx, arg, 1, "the hidden size, e.g. lstm 128")
    layers = ctx.opt_int("num_layers")
    if layers > 100:
        raise ctx.error(f"num_layers must be <= 100, got {layers}", ctx.opts["num_layers"])
    bidir = ctx.opt_bool("bidirectional")
    bias = ctx.opt_bool("bias")
    g = _GATES[ctx.stmt.type]
    dirs = 2 if bidir else 1
    t, din = ctx.shape.dims
    out = Shape("sequence", (t, hid * dirs))
    row = Row(ctx.name, ctx.stmt.type, ctx.stmt.text, ctx.stmt.line, ctx.shape, out,
              config={"input_size": din, "hidden": hid, "num_layers": layers, "bidirectional": bidir, "bias": bias})
    ins = [din] + [hid * dirs] * (layers - 1)
    gsym = {1: "1", 4: "4", 3: "3"}[g]
    wterms = [[("d", dirs), (gsym, g), ("H", hid), (f"D_{{{i + 1}}} + H", d_in + hid)] for i, d_in in enumerate(ins)]
    weights = sum(prod(v for _, v in term) for term in wterms)
    wstep = Step("Weights (W_ih and W_hh per layer and direction)",
                 formula=r"\#w = \sum_{l} d \cdot G \cdot H \cdot (D_l + H)",
                 substituted=" + ".join(rf"{dirs} \cdot {g} \cdot {hid} \cdot ({d_in} + {hid})" for d_in in ins),
                 result=weights,
                 note=f"G = {g} gate block(s) for {ctx.stmt.type.upper()}; d = {dirs} direction(s); "
                      f"D_l = input size of layer l ({', '.join(map(str, ins))})")
    # Keras keeps one bias vector for SimpleRNN and LSTM, two for GRU (reset_after=True); PyTorch two.
    nb = 1 if ctx.conv.params == "keras" and ctx.stmt.type != GRU else 2
    what = ("one bias vector, as Keras keeps" if nb == 1 else
            "b_ih and b_hh, as PyTorch keeps both" if ctx.conv.params != "keras" else "input and recurrent bias, "
            "as Keras's GRU with reset_after keeps both")
    bstep = counts.product(f"Biases ({what})", r"\#b",
                           [("L", layers), ("d", dirs), (str(nb), nb), ("G", g), ("H", hid)] if bias else [])
    row.weights, row.biases = weights, bstep.value or 0
    mstep = counts.macs(ctx.conv.label, [[("T", t), ("d", dirs), ("G", g), ("H", hid), ("D_l + H", d_in + hid)]
                                         for d_in in ins],
                        bias=[("T", t), ("L", layers), ("d", dirs), (str(nb), nb), ("G", g), ("H", hid)]
                        if bias and ctx.conv.count_bias else None, flops=ctx.conv.flops)
    row.macs = mstep.value or 0
    row.steps = [_neurons(out), wstep, bstep, *_param_steps(row), mstep]
    return row


def attention(ctx: Ctx) -> Row:
    """``attention heads=h`` — ``nn.MultiheadAttention(E, h, batch_first=True)`` as self-attention.

    Parameters: in-projection 3E×E (+3E unless ``qkv_bias=false``), out-projection E×E (+E unless
    ``out_bias=false``); ``bias=false`` drops both. MACs: the four projections, plus the scores QKᵀ (T·T·E
    over all heads) and the weighted sum AV (T·T·E), which torchinfo leaves out.

    >>> from nnsteps.arch.parse import parse
    >>> row = attention(Ctx(parse("attention heads=8")[0], "att", Shape("sequence", (10, 64)), None, MacConvention()))
    >>> row.output_shape.text, row.weights, row.biases, row.macs
    ('10×64', 16384, 256, 176640)
    >>> gpt2 = parse("attention heads=12 qkv_bias=false")[0]
    >>> row = attention(Ctx(gpt2, "att", Shape("sequence", (1024, 768)), None, MacConvention()))
    >>> row.weights, row.biases, row.params
    (2359296, 768, 2360064)
    """
    ctx.need("sequence")
    ctx.positional(0, "no positional arguments (write heads=h)")
    heads = ctx.opt_int("num_heads")
    qkv, out = projection_bias(ctx)
    t, e = ctx.shape.dims
    if e % heads:
        raise ctx.error(f"heads={heads} must divide the embedding size {e}", ctx.opts.get("num_heads"))
    row = Row(ctx.name, Op.ATTENTION.value, ctx.stmt.text, ctx.stmt.line, ctx.shape, ctx.shape,
              config={"embed": e, "heads": heads, "qkv_bias": qkv, "out_bias": out})
    wstep = counts.product("Weights (W_Q, W_K, W_V and W_O)", r"\#w", [("4", 4), ("E", e), ("E", e)])
    n_b = 3 * qkv + out
    bstep = counts.product("Biases", r"\#b", [("n_{b}", n_b), ("E", e)] if n_b else [])
    bstep.note = bias_note(qkv, out)
    row.weights, row.biases = wstep.value or 0, bstep.value or 0
    mstep = counts.macs(ctx.conv.label, [[("4", 4), ("T", t), ("E", e), ("E", e)],
                                         [("T", t), ("T", t), ("E", e)], [("T", t), ("T", t), ("E", e)]],
                        bias=[("n_{b}", n_b), ("T", t), ("E", e)] if n_b and ctx.conv.count_bias else None,
                        flops=ctx.conv.flops)
    mstep.note = ("projections Q, K, V, O: 4·T·E·E; scores QKᵀ: T·T·E over all heads; weighted sum AV: T·T·E "
                  f"(d_k = E/h = {e // heads})")
    row.macs = mstep.value or 0
    row.steps = [_neurons(ctx.shape), wstep, bstep, *_param_steps(row), mstep]
    return row


def _recurrent_torch(row: Row, nn: Any) -> Any:
    cls = {Op.RNN.value: nn.RNN, LSTM: nn.LSTM, GRU: nn.GRU}[row.type]
    cfg = row.config
    return blocks(nn)["Recurrent"](cls(cfg["input_size"], cfg["hidden"], num_layers=cfg["num_layers"],
                                       bias=cfg["bias"], batch_first=True, bidirectional=cfg["bidirectional"]))


def _attention_torch(row: Row, nn: Any) -> Any:
    cfg = row.config
    return blocks(nn)["SelfAttention"](mha(nn, cfg["embed"], cfg["heads"], cfg["qkv_bias"], cfg["out_bias"]))


_RNN_OPTIONS = (Option("num_layers", "integer", 1, "stacked layers (at most 100)", ("layers",)),
                Option("bidirectional", "true or false", False, "run both directions and concatenate",
                       ("bidir",)), BIAS)


def _recurrent(name: str, cls: str, aliases: tuple[str, ...] = ()) -> LayerType:
    return LayerType(name, f"{name} H", f"{cls} with hidden size H on a sequence T×D; outputs every step's "
                     f"hidden state (nn.{cls})", recurrent, aliases=aliases, options=_RNN_OPTIONS,
                     example=f"input seq 35x300\n{name} 128", to_torch=_recurrent_torch)


register(
    _recurrent(Op.RNN.value, "RNN"), _recurrent(LSTM, "LSTM"), _recurrent(GRU, "GRU"),
    LayerType(Op.ATTENTION.value, "attention heads=h", "multi-head self-attention on a sequence T×E "
              "(nn.MultiheadAttention)", attention, aliases=("mha", "multiheadattention"),
              options=(Option("num_heads", "integer", 1, "heads; must divide E", ("heads",)), *ATTENTION_BIAS),
              example="input seq 10x64\nattention heads=8", to_torch=_attention_torch),
)
