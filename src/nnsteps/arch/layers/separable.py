"""``separable KxKxF``: a depthwise-separable convolution (MobileNet's block, Keras's ``SeparableConv2D`` with
depth multiplier 1) as PyTorch writes it: ``nn.Conv2d(C, C, K, groups=C)`` (one K×K filter per channel),
then the pointwise ``nn.Conv2d(C, F, 1)``. ``bias=false`` drops the biases of both.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from nnsteps.arch import counts
from nnsteps.arch.layers.core import (  # noqa: F401  (MacConvention: the doctests use it)
    BIAS,
    Ctx,
    MacConvention,
    Row,
    Shape,
    _conv_size,
    _dims,
    _neurons,
    _param_steps,
    _rf_steps,
    _window_rf,
    dilation_option,
    padding_option,
    stride_option,
)
from nnsteps.arch.layers.record import LayerType, register

SEPARABLE = "separable"
_KERNEL = "a kernel K x K x filters (e.g. 3x3x64)"


def separable(ctx: Ctx) -> Row:
    """``separable KxKxF`` on a volume H×W×C: depthwise K×K (groups = C), then pointwise 1×1×F.

    Weights K·K·C + C·F, biases C + F; MACs H_out·W_out·C·K·K + H_out·W_out·C·F. The receptive field is the
    depthwise convolution's (the 1×1 adds none).

    >>> from nnsteps.arch.parse import parse
    >>> row = separable(Ctx(parse("separable 3x3x16 p=1")[0], "sep", Shape("volume", (8, 8, 4)), None,
    ...                     MacConvention()))
    >>> row.output_shape.text, row.weights, row.biases, row.macs
    ('8×8×16', 100, 20, 6400)
    """
    ctx.need("volume")
    (arg,) = ctx.positional(1, _KERNEL)
    kh, kw, n = _dims(ctx, arg, 3, _KERNEL)
    h, w, c = ctx.shape.dims
    s = ctx.opt_pair("stride")
    d = ctx.opt_pair("dilation")
    bias = ctx.opt_bool("bias")
    (ph, pw), mode = ctx.conv_padding((kh, kw), d, s)
    hs = _conv_size(ctx, h, kh, ph, s[0], d[0], "H")
    ws = _conv_size(ctx, w, kw, pw, s[1], d[1], "W")
    ho, wo = hs.value or 0, ws.value or 0
    out = Shape("volume", (ho, wo, n))
    ksyms = [("K", kh), ("K", kw)] if kh == kw else [("K_h", kh), ("K_w", kw)]
    row = Row(ctx.name, SEPARABLE, ctx.stmt.text, ctx.stmt.line, ctx.shape, out,
              config={"kernel": (kh, kw), "in_channels": c, "out_channels": n, "stride": s, "dilation": d,
                      "bias": bias, "padding": mode or (ph[0], pw[0])})
    wstep = counts.sum_of_products("Weights (depthwise K×K per channel, then pointwise 1×1)", r"\#w",
                                   [[*ksyms, ("C_{in}", c)], [("C_{in}", c), ("N", n)]])
    bstep = counts.total("Biases (one per depthwise channel, one per filter)", r"\#b",
                         [("C_{in}", c), ("N", n)] if bias else [])
    row.weights, row.biases = wstep.value or 0, bstep.value or 0
    osyms = [("H_{out}", ho), ("W_{out}", wo)]
    mstep = counts.macs(ctx.conv.label, [[*osyms, ("C_{in}", c), *ksyms], [*osyms, ("C_{in}", c), ("N", n)]],
                        bias=[*osyms, ("C_{in} + N", c + n)] if bias and ctx.conv.count_bias else None,
                        flops=ctx.conv.flops)
    mstep.note = "depthwise: each output value reads K·K values of its own channel; pointwise: C_in per output"
    row.macs = mstep.value or 0
    row.steps = [hs, ws, _neurons(out), wstep, bstep, *_param_steps(row), mstep]
    _window_rf(ctx, row, (kh, kw), d, s, (ph[0], pw[0]))
    return row


def _torch(row: Row, nn: Any) -> Any:
    cfg = row.config
    c = cfg["in_channels"]
    depthwise = nn.Conv2d(c, c, cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"],
                          dilation=cfg["dilation"], groups=c, bias=cfg["bias"])
    pointwise = nn.Conv2d(c, cfg["out_channels"], 1, bias=cfg["bias"])
    return nn.Sequential(OrderedDict([("depthwise", depthwise), ("pointwise", pointwise)]))


register(LayerType(
    SEPARABLE, "separable KxKxF", "depthwise-separable convolution: depthwise K×K (groups = C), then pointwise "
    "1×1×F (two nn.Conv2d)", separable, aliases=("separableconv2d", "separable_conv2d", "sepconv"),
    options=(stride_option(2), padding_option(2), dilation_option(2), BIAS),
    example="input 32x32x16\nseparable 3x3x32 p=1", to_torch=_torch))
