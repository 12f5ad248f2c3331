"""Grid layers: ``conv``, ``convT``, ``maxpool``/``avgpool`` and adaptive/global average pooling.
"""



from typing import Any

from nnsteps import shapes
from nnsteps.arch import counts
from nnsteps.arch.layers.core import (
    BIAS,
    GROUPS,
    RF,
    Ctx,
    MacConvention,  # noqa: F401  (the doctests use it)
    Row,
    Shape,
    _conv_size,
    _dims,
    _neurons,
    _pair,
    _param_steps,
    _pool_size,
    _rf_steps,
    _size_step,
    _window_rf,
    conv_options,
    dilation_option,
    padding_option,
    pool_options,
    stride_option,
)
from nnsteps.arch.layers.record import LayerType, Option, register
from nnsteps.names import Op
from nnsteps.work import Step

CONV, CONVT, ADAPTIVE, GLOBAL = "conv", "convT", "adaptiveavgpool", "globalavgpool"


def conv(ctx: Ctx) -> Row:
    """``conv KxKxN`` — ``nn.Conv2d(C, N, K, stride, padding, dilation, groups, bias)``.

    >>> from nnsteps.arch.parse import parse
    >>> row = conv(Ctx(parse("conv 3x3x16 p=1")[0], "conv1", Shape("volume", (32, 32, 3)), None, MacConvention()))
    >>> row.output_shape.text, row.weights, row.biases, row.macs
    ('32×32×16', 432, 16, 442368)
    """
    ctx.need("volume")
    (arg,) = ctx.positional(1, "a kernel K x K x filters (e.g. 3x3x32)")
    kh, kw, n = _dims(ctx, arg, 3, "a kernel K x K x filters (e.g. 3x3x32)")
    h, w, c = ctx.shape.dims
    s = ctx.opt_pair("stride")
    d = ctx.opt_pair("dilation")
    g = ctx.opt_int("groups")
    bias = ctx.opt_bool("bias")
    if c % g or n % g:
        raise ctx.error(f"groups={g} must divide both the input channels {c} and the filters {n}", ctx.opts["groups"])
    pads, mode = ctx.conv_padding((kh, kw), d, s)
    ph, pw = pads
    hs = _conv_size(ctx, h, kh, ph, s[0], d[0], "H")
    ws = _conv_size(ctx, w, kw, pw, s[1], d[1], "W")
    out = Shape("volume", (hs.value, ws.value, n))  # type: ignore[arg-type]
    square = kh == kw
    ksyms = [("K", kh), ("K", kw)] if square else [("K_h", kh), ("K_w", kw)]
    cin = ("C_{in}", c) if g == 1 else (r"\frac{C_{in}}{g}", c // g)
    row = Row(ctx.name, CONV, ctx.stmt.text, ctx.stmt.line, ctx.shape, out,
              config={"kernel": (kh, kw), "out_channels": n, "in_channels": c, "stride": s, "dilation": d,
                      "groups": g, "bias": bias, "padding": mode or (ph[0], pw[0])})
    wstep = counts.product("Weights", r"\#w", [*ksyms, cin, ("N", n)])
    bstep = counts.product("Biases", r"\#b", [("N", n)] if bias else [])
    row.weights, row.biases = wstep.value or 0, bstep.value or 0
    mstep = counts.macs(ctx.conv.label, [[("H_{out}", out.dims[0]), ("W_{out}", out.dims[1]), ("N", n), *ksyms, cin]],
                        bias=[("H_{out}", out.dims[0]), ("W_{out}", out.dims[1]), ("N", n)]
                        if bias and ctx.conv.count_bias else None, flops=ctx.conv.flops)
    row.macs = mstep.value or 0
    if mode == "same":
        hs.note = f"padding=same: PyTorch pads {ph[0]} before and {ph[1]} after along H, {pw[0]}/{pw[1]} along W"
    row.steps = [hs, ws, _neurons(out), wstep, bstep, *_param_steps(row), mstep]
    _window_rf(ctx, row, (kh, kw), d, s, (ph[0], pw[0]))
    return row


def conv_transpose(ctx: Ctx) -> Row:
    """``convT KxKxN`` — ``nn.ConvTranspose2d(C, N, K, stride, padding, output_padding, groups, bias, dilation)``.

    >>> from nnsteps.arch.parse import parse
    >>> stmt = parse("convT 4x4x8 s=2 p=1")[0]
    >>> row = conv_transpose(Ctx(stmt, "up1", Shape("volume", (16, 16, 32)), None, MacConvention()))
    >>> row.output_shape.text, row.weights, row.biases
    ('32×32×8', 4096, 8)
    """
    ctx.need("volume")
    (arg,) = ctx.positional(1, "a kernel K x K x filters (e.g. 4x4x64)")
    kh, kw, n = _dims(ctx, arg, 3, "a kernel K x K x filters (e.g. 4x4x64)")
    h, w, c = ctx.shape.dims
    s = ctx.opt_pair("stride", (1, 1))
    d = ctx.opt_pair("dilation", (1, 1))
    p = ctx.opt_pair("padding", minimum=0)
    op = ctx.opt_pair("output_padding", minimum=0)
    g = ctx.opt_int("groups", 1)
    bias = ctx.opt_bool("bias", True)
    if c % g or n % g:
        raise ctx.error(f"groups={g} must divide both the input channels {c} and the filters {n}", ctx.opts["groups"])
    for i in range(2):
        if op[i] >= max(s[i], d[i]):
            raise ctx.error(f"output_padding must be smaller than stride or dilation (PyTorch's rule), "
                            f"got output_padding={op[i]}, stride={s[i]}, dilation={d[i]}", ctx.opts["output_padding"])
    hs = _size_step(ctx, lambda: shapes.conv_transpose_out(h, kh, pad=p[0], stride=s[0], dilation=d[0],
                                                          output_padding=op[0], axis="H"))
    ws = _size_step(ctx, lambda: shapes.conv_transpose_out(w, kw, pad=p[1], stride=s[1], dilation=d[1],
                                                          output_padding=op[1], axis="W"))
    out = Shape("volume", (hs.value, ws.value, n))  # type: ignore[arg-type]
    ksyms = [("K", kh), ("K", kw)] if kh == kw else [("K_h", kh), ("K_w", kw)]
    nsym = ("N", n) if g == 1 else (r"\frac{N}{g}", n // g)
    row = Row(ctx.name, CONVT, ctx.stmt.text, ctx.stmt.line, ctx.shape, out,
              config={"kernel": (kh, kw), "out_channels": n, "in_channels": c, "stride": s, "dilation": d,
                      "groups": g, "bias": bias, "padding": p, "output_padding": op})
    wstep = counts.product("Weights", r"\#w", [("C_{in}", c), nsym, *ksyms])
    bstep = counts.product("Biases", r"\#b", [("N", n)] if bias else [])
    row.weights, row.biases = wstep.value or 0, bstep.value or 0
    mstep = counts.macs(ctx.conv.label, [[("H_{in}", h), ("W_{in}", w), ("C_{in}", c), nsym, *ksyms]],
                        bias=[("H_{out}", out.dims[0]), ("W_{out}", out.dims[1]), ("N", n)]
                        if bias and ctx.conv.count_bias else None, flops=ctx.conv.flops)
    mstep.note = "every input value is multiplied by every kernel tap of its group once"
    row.macs = mstep.value or 0
    row.steps = [hs, ws, _neurons(out), wstep, bstep, *_param_steps(row), mstep]
    if ctx.rf is not None:
        keff = (d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1)
        rf, rsteps = _rf_steps(ctx.rf, keff, s, p, transposed=True)
        row.rf = rf
        row.steps += rsteps
    return row


def pool(ctx: Ctx) -> Row:
    """``maxpool K`` / ``avgpool KxK`` — ``nn.MaxPool2d`` / ``nn.AvgPool2d``; the stride defaults to the kernel.

    >>> from nnsteps.arch.parse import parse
    >>> row = pool(Ctx(parse("maxpool 2")[0], "pool1", Shape("volume", (32, 32, 16)), None, MacConvention()))
    >>> row.output_shape.text, row.config["stride"], row.params
    ('16×16×16', (2, 2), 0)
    """
    ctx.need("volume")
    (arg,) = ctx.positional(1, "a window size K or KxK")
    k = _pair(ctx, arg, "the window size")
    h, w, c = ctx.shape.dims
    s = ctx.opt_pair("stride", k)
    p = ctx.opt_pair("padding", minimum=0)
    d = ctx.opt_pair("dilation") if ctx.record.option("dilation") else (1, 1)
    ceil = ctx.opt_bool("ceil_mode")
    cip = ctx.opt_bool("count_include_pad") if ctx.record.option("count_include_pad") else True
    for i in range(2):
        if p[i] > k[i] // 2:
            raise ctx.error(f"padding must be <= kernel_size // 2 = {k[i] // 2} (PyTorch's rule), got {p[i]}",
                            ctx.opts["padding"])
    steps = [_pool_size(ctx, n, k[i], p[i], s[i], d[i], ceil, ax) for i, (n, ax) in enumerate(((h, "H"), (w, "W")))]
    ho, wo = (shapes.size(st) for st in steps)
    out = Shape("volume", (ho, wo, c))
    row = Row(ctx.name, ctx.stmt.type, ctx.stmt.text, ctx.stmt.line, ctx.shape, out,
              config={"kernel": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": ceil,
                      "count_include_pad": cip})
    row.steps = [*steps, _neurons(out), counts.product("Parameters", r"\#\text{params}", [],
                                                      note="pooling has no trainable parameters")]
    if ctx.rf is not None:
        keff = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
        row.rf, rsteps = _rf_steps(ctx.rf, keff, s, p)
        row.steps += rsteps
    return row


def adaptive_pool(ctx: Ctx) -> Row:
    """``adaptiveavgpool HxW`` — ``nn.AdaptiveAvgPool2d((H, W))``; ``globalavgpool`` = size 1, then flatten.

    >>> from nnsteps.arch.parse import parse
    >>> def out(spec): return adaptive_pool(Ctx(parse(spec)[0], "gap", Shape("volume", (7, 7, 512)), None,
    ...                                          MacConvention())).output_shape
    >>> out("adaptiveavgpool 2x2").text, out("globalavgpool")
    ('2×2×512', Shape(kind='vector', dims=(512,)))
    """
    ctx.need("volume")
    h, w, c = ctx.shape.dims
    if ctx.stmt.type == GLOBAL:
        ctx.positional(0, "no arguments")
        out = Shape("vector", (c,))
        row = Row(ctx.name, GLOBAL, ctx.stmt.text, ctx.stmt.line, ctx.shape, out, config={"size": (1, 1)})
        row.steps = [Step("Global average pooling", formula=r"y_c = \frac{1}{H W} \sum_{i,j} x_{c,i,j}",
                          substituted=None, result=out.latex,
                          note=f"averages each of the {c} channels over {h}×{w}; output is a vector of {c}"),
                     _neurons(out)]
        if ctx.rf is not None:
            row.rf = RF((ctx.rf.size[0] + (h - 1) * ctx.rf.jump[0], ctx.rf.size[1] + (w - 1) * ctx.rf.jump[1]),
                        ctx.rf.jump, ctx.rf.start)
            row.steps.append(counts.rf_size(ctx.rf.size[0], h, ctx.rf.jump[0]))
        return row
    (arg,) = ctx.positional(1, "an output size HxW")
    size = _pair(ctx, arg, "the output size")
    out = Shape("volume", (size[0], size[1], c))
    row = Row(ctx.name, ADAPTIVE, ctx.stmt.text, ctx.stmt.line, ctx.shape, out, config={"size": size})
    row.steps = [Step("Adaptive average pooling",
                      formula=r"\text{window } i = \left[\left\lfloor \frac{i H}{H_{out}} \right\rfloor, "
                              r"\left\lceil \frac{(i+1) H}{H_{out}} \right\rceil\right)",
                      result=out.latex, note="the output size is given; PyTorch picks the windows"),
                 _neurons(out)]
    if ctx.rf is not None and h % size[0] == 0 and w % size[1] == 0:
        k = (h // size[0], w // size[1])
        row.rf, rsteps = _rf_steps(ctx.rf, k, k, (0, 0))
        row.steps += rsteps
    return row


def _conv_torch(row: Row, nn: Any) -> Any:
    cfg = row.config
    return nn.Conv2d(cfg["in_channels"], cfg["out_channels"], cfg["kernel"], stride=cfg["stride"],
                     padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"], bias=cfg["bias"])


def _conv_t_torch(row: Row, nn: Any) -> Any:
    cfg = row.config
    return nn.ConvTranspose2d(cfg["in_channels"], cfg["out_channels"], cfg["kernel"], stride=cfg["stride"],
                              padding=cfg["padding"], output_padding=cfg["output_padding"],
                              groups=cfg["groups"], bias=cfg["bias"], dilation=cfg["dilation"])


def _maxpool_torch(row: Row, nn: Any) -> Any:
    cfg = row.config
    return nn.MaxPool2d(cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                        ceil_mode=cfg["ceil_mode"])


def _avgpool_torch(row: Row, nn: Any) -> Any:
    cfg = row.config
    return nn.AvgPool2d(cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"], ceil_mode=cfg["ceil_mode"],
                        count_include_pad=cfg["count_include_pad"])


register(
    LayerType(CONV, "conv KxKxF", "2-d convolution of a volume H×W×C with F filters (nn.Conv2d)", conv,
              aliases=(Op.CONV2D.value, "convolution"), options=conv_options(2),
              example="input 32x32x3\nconv 3x3x16 p=1 s=1", to_torch=_conv_torch),
    LayerType(CONVT, "convT KxKxF", "transposed 2-d convolution (nn.ConvTranspose2d)", conv_transpose,
              aliases=("convtranspose", "convtranspose2d", "deconv"),
              options=(stride_option(2), padding_option(2, modes=False), dilation_option(2), GROUPS, BIAS,
                       Option("output_padding", "integer or HxW", 0, "extra rows/columns added after (< stride)",
                              ("op",))),
              example="input 16x16x32\nconvT 4x4x8 s=2 p=1", to_torch=_conv_t_torch),
    LayerType("maxpool", "maxpool K", "2-d max pooling of a volume (nn.MaxPool2d); stride defaults to K", pool,
              aliases=("maxpool2d", "max_pool"), labels=("max pooling",), options=pool_options(2, maximum=True),
              example="input 32x32x16\nmaxpool 2", to_torch=_maxpool_torch),
    LayerType("avgpool", "avgpool K", "2-d average pooling of a volume (nn.AvgPool2d); stride defaults to K", pool,
              aliases=("avgpool2d", "avg_pool", "averagepool"), labels=("average pooling",),
              options=pool_options(2, maximum=False), example="input 32x32x16\navgpool 2x2 s=2",
              to_torch=_avgpool_torch),
    LayerType(ADAPTIVE, "adaptiveavgpool HxW", "average pooling to a given output size (nn.AdaptiveAvgPool2d)",
              adaptive_pool, aliases=("adaptiveavgpool2d",), example="input 7x7x512\nadaptiveavgpool 1x1",
              to_torch=lambda row, nn: nn.AdaptiveAvgPool2d(row.config["size"])),
    LayerType(GLOBAL, "globalavgpool", "average of each channel, then flatten: a vector of C", adaptive_pool,
              aliases=("gap",), example="input 7x7x512\nglobalavgpool",
              to_torch=lambda row, nn: nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())),
)
