"""Grid layers: ``conv``, ``convT``, ``maxpool``/``avgpool`` and adaptive/global average pooling.
"""



from nnsteps import shapes
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
from nnsteps.convargs import PaddingMode, mode_pads
from nnsteps.work import Step

# ---------------------------------------------------------------------------------------------
# One builder per layer type.

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
    s = ctx.opt_pair("stride", (1, 1))
    d = ctx.opt_pair("dilation", (1, 1))
    g = ctx.opt_int("groups", 1)
    bias = ctx.opt_bool("bias", True)
    if c % g or n % g:
        raise ctx.error(f"groups={g} must divide both the input channels {c} and the filters {n}", ctx.opts["groups"])
    pad_arg = ctx.opts.get("padding")
    mode: str | None = None
    if pad_arg is not None and isinstance(pad_arg.value, str):
        if pad_arg.value.lower() not in tuple(PaddingMode):
            raise ctx.error(f"padding must be an integer, HxW, same or valid, got '{pad_arg.value}'", pad_arg)
        padding_mode = PaddingMode(pad_arg.value.lower())
        if padding_mode is PaddingMode.SAME and s != (1, 1):
            raise ctx.error("padding=same needs stride 1 (PyTorch's rule)", pad_arg)
        mode = padding_mode.value
        ph, pw = mode_pads(padding_mode, (kh, kw), d)
    else:
        p = ctx.opt_pair("padding", (0, 0), minimum=0)
        ph, pw = (p[0], p[0]), (p[1], p[1])
    hs = _conv_size(ctx, h, kh, ph, s[0], d[0], "H")
    ws = _conv_size(ctx, w, kw, pw, s[1], d[1], "W")
    out = Shape("volume", (hs.value, ws.value, n))  # type: ignore[arg-type]
    square = kh == kw
    ksyms = [("K", kh), ("K", kw)] if square else [("K_h", kh), ("K_w", kw)]
    cin = ("C_{in}", c) if g == 1 else (r"\frac{C_{in}}{g}", c // g)
    row = Row(ctx.name, "conv", ctx.stmt.text, ctx.stmt.line, ctx.shape, out,
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
    if ctx.rf is not None:
        keff = (d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1)
        row.rf, rsteps = _rf_steps(ctx.rf, keff, s, (ph[0], pw[0]))
        row.steps += rsteps
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
    p = ctx.opt_pair("padding", (0, 0), minimum=0)
    op = ctx.opt_pair("output_padding", (0, 0), minimum=0)
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
    row = Row(ctx.name, "convT", ctx.stmt.text, ctx.stmt.line, ctx.shape, out,
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
    p = ctx.opt_pair("padding", (0, 0), minimum=0)
    d = ctx.opt_pair("dilation", (1, 1)) if ctx.stmt.type == "maxpool" else (1, 1)
    ceil = ctx.opt_bool("ceil_mode", False)
    cip = ctx.opt_bool("count_include_pad", True)
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
    if ctx.stmt.type == "globalavgpool":
        ctx.positional(0, "no arguments")
        out = Shape("vector", (c,))
        row = Row(ctx.name, "globalavgpool", ctx.stmt.text, ctx.stmt.line, ctx.shape, out, config={"size": (1, 1)})
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
    row = Row(ctx.name, "adaptiveavgpool", ctx.stmt.text, ctx.stmt.line, ctx.shape, out, config={"size": size})
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
