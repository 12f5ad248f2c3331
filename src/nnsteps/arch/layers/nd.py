"""1-d and 3-d grid layers: ``conv1d``, ``maxpool1d``, ``avgpool1d`` on a sequence T×C (``input seq TxC`` or
``input 1d LxC``) and ``conv3d``, ``maxpool3d``, ``avgpool3d`` on a volume D×H×W×C — PyTorch's
``nn.Conv1d``/``nn.Conv3d``, ``nn.MaxPool1d``/``3d`` and ``nn.AvgPool1d``/``3d``, rule for rule.

A sequence's receptive field (size and jump along time) starts at its first 1-d convolution or pooling:
recurrent and attention layers see the whole sequence, so they end it.
"""

from __future__ import annotations

from typing import Any

from nnsteps.arch import counts
from nnsteps.arch.layers.core import (  # noqa: F401  (MacConvention: the doctests use it)
    RF,
    Ctx,
    MacConvention,
    Row,
    Shape,
    _conv_size,
    _dims,
    _neurons,
    _param_steps,
    _pool_size,
    _rf_steps,
    _sizes,
    conv_options,
    pool_options,
)
from nnsteps.arch.layers.record import LayerType, register
from nnsteps.arch.layers.torch_blocks import blocks

_KIND = {1: "sequence", 3: "volume3d"}
_AXES = {1: ("T",), 3: ("D", "H", "W")}
_KERNEL = {1: "a kernel K x filters (e.g. 3x64)", 3: "a kernel K x K x K x filters (e.g. 3x3x3x32)"}
_WINDOW = {1: "a window size K", 3: "a window size K or KxKxK"}


def _start_rf(ctx: Ctx, ndim: int) -> RF:
    """The incoming field; a sequence's begins here (one time step, jump 1) when nothing before set one."""
    return ctx.rf if ctx.rf is not None else RF.identity(ndim)


def _ksyms(k: tuple[int, ...]) -> list[tuple[str, int]]:
    if len(k) == 1:
        return [("K", k[0])]
    if len(set(k)) == 1:
        return [("K", x) for x in k]
    return [(f"K_{a.lower()}", x) for a, x in zip(_AXES[len(k)], k)]


def conv_nd(ctx: Ctx) -> Row:
    """``conv1d KxF`` on a sequence T×C — ``nn.Conv1d(C, F, K, stride, padding, dilation, groups, bias)`` —
    and ``conv3d KxKxKxF`` on a volume D×H×W×C — ``nn.Conv3d``.

    >>> from nnsteps.arch.parse import parse
    >>> row = conv_nd(Ctx(parse("conv1d 3x8 p=1")[0], "c", Shape("sequence", (20, 4)), None, MacConvention()))
    >>> row.output_shape.text, row.weights, row.biases, row.macs, row.rf.size
    ('20×8', 96, 8, 1920, (3,))
    >>> row = conv_nd(Ctx(parse("conv3d 3x3x3x16")[0], "c", Shape("volume3d", (8, 16, 16, 3)), None,
    ...                   MacConvention()))
    >>> row.output_shape.text, row.weights
    ('6×14×14×16', 1296)
    """
    ndim = 1 if ctx.stmt.type == CONV1D else 3
    ctx.need(_KIND[ndim])
    (arg,) = ctx.positional(1, _KERNEL[ndim])
    *k, n = _dims(ctx, arg, ndim + 1, _KERNEL[ndim])
    kernel = tuple(k)
    *spatial, c = ctx.shape.dims
    s = ctx.opt_sizes("stride", ndim)
    d = ctx.opt_sizes("dilation", ndim)
    g = ctx.opt_int("groups")
    bias = ctx.opt_bool("bias")
    if c % g or n % g:
        raise ctx.error(f"groups={g} must divide both the input channels {c} and the filters {n}", ctx.opts["groups"])
    pads, mode = ctx.conv_padding(kernel, d, s)
    sizes = [_conv_size(ctx, spatial[i], kernel[i], pads[i], s[i], d[i], ax) for i, ax in enumerate(_AXES[ndim])]
    outs = [st.value or 0 for st in sizes]
    out = Shape(_KIND[ndim], (*outs, n))
    ksyms = _ksyms(kernel)
    cin = ("C_{in}", c) if g == 1 else (r"\frac{C_{in}}{g}", c // g)
    osyms = [(f"{ax}_{{out}}", v) for ax, v in zip(_AXES[ndim], outs)]
    row = Row(ctx.name, ctx.stmt.type, ctx.stmt.text, ctx.stmt.line, ctx.shape, out,
              config={"kernel": kernel, "out_channels": n, "in_channels": c, "stride": s, "dilation": d, "groups": g,
                      "bias": bias, "padding": mode or tuple(p[0] for p in pads)})
    wstep = counts.product("Weights", r"\#w", [*ksyms, cin, ("N", n)])
    bstep = counts.product("Biases", r"\#b", [("N", n)] if bias else [])
    row.weights, row.biases = wstep.value or 0, bstep.value or 0
    mstep = counts.macs(ctx.conv.label, [[*osyms, ("N", n), *ksyms, cin]],
                        bias=[*osyms, ("N", n)] if bias and ctx.conv.count_bias else None, flops=ctx.conv.flops)
    row.macs = mstep.value or 0
    if mode == "same":
        sizes[0].note = "padding=same: PyTorch pads " + ", ".join(
            f"{b} before and {a} after along {ax}" for ax, (b, a) in zip(_AXES[ndim], pads))
    row.steps = [*sizes, _neurons(out), wstep, bstep, *_param_steps(row), mstep]
    keff = tuple(di * (ki - 1) + 1 for ki, di in zip(kernel, d))
    row.rf, rsteps = _rf_steps(_start_rf(ctx, ndim), keff, s, tuple(p[0] for p in pads))
    row.steps += rsteps
    return row


def pool_nd(ctx: Ctx) -> Row:
    """``maxpool1d K`` / ``avgpool1d K`` on a sequence and ``maxpool3d K`` / ``avgpool3d KxKxK`` on a 3-d volume
    (``nn.MaxPool1d``, ``nn.AvgPool3d``, ...); the stride defaults to the window.

    >>> from nnsteps.arch.parse import parse
    >>> row = pool_nd(Ctx(parse("maxpool1d 2")[0], "p", Shape("sequence", (9, 4)), None, MacConvention()))
    >>> row.output_shape.text, row.rf.size, row.rf.jump
    ('4×4', (2,), (2,))
    """
    lt = ctx.record
    ndim = 1 if lt.name in (MAXPOOL1D, AVGPOOL1D) else 3
    ctx.need(_KIND[ndim])
    (arg,) = ctx.positional(1, _WINDOW[ndim])
    k = _sizes(ctx, arg, "the window size", ndim)
    *spatial, c = ctx.shape.dims
    s = ctx.opt_sizes("stride", ndim, k)
    p = ctx.opt_sizes("padding", ndim, minimum=0)
    d = ctx.opt_sizes("dilation", ndim) if lt.option("dilation") else (1,) * ndim
    ceil = ctx.opt_bool("ceil_mode")
    cip = ctx.opt_bool("count_include_pad") if lt.option("count_include_pad") else True
    for i in range(ndim):
        if p[i] > k[i] // 2:
            raise ctx.error(f"padding must be <= kernel_size // 2 = {k[i] // 2} (PyTorch's rule), got {p[i]}",
                            ctx.opts["padding"])
    steps = [_pool_size(ctx, spatial[i], k[i], p[i], s[i], d[i], ceil, ax) for i, ax in enumerate(_AXES[ndim])]
    out = Shape(_KIND[ndim], (*(st.value or 0 for st in steps), c))
    row = Row(ctx.name, lt.name, ctx.stmt.text, ctx.stmt.line, ctx.shape, out,
              config={"kernel": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": ceil,
                      "count_include_pad": cip})
    row.steps = [*steps, _neurons(out), counts.product("Parameters", r"\#\text{params}", [],
                                                      note="pooling has no trainable parameters")]
    keff = tuple(di * (ki - 1) + 1 for ki, di in zip(k, d))
    row.rf, rsteps = _rf_steps(_start_rf(ctx, ndim), keff, s, p)
    row.steps += rsteps
    return row


CONV1D, CONV3D = "conv1d", "conv3d"
MAXPOOL1D, AVGPOOL1D, MAXPOOL3D, AVGPOOL3D = "maxpool1d", "avgpool1d", "maxpool3d", "avgpool3d"


def _conv_torch(row: Row, nn: Any) -> Any:
    cfg = row.config
    cls = nn.Conv1d if len(cfg["kernel"]) == 1 else nn.Conv3d
    module = cls(cfg["in_channels"], cfg["out_channels"], cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"],
                 dilation=cfg["dilation"], groups=cfg["groups"], bias=cfg["bias"])
    return blocks(nn)["TimeFirst"](module) if len(cfg["kernel"]) == 1 else module


def _pool_torch(row: Row, nn: Any) -> Any:
    cfg = row.config
    ndim = len(cfg["kernel"])
    if row.type in (MAXPOOL1D, MAXPOOL3D):
        module = (nn.MaxPool1d if ndim == 1 else nn.MaxPool3d)(
            cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
            ceil_mode=cfg["ceil_mode"])
    else:
        module = (nn.AvgPool1d if ndim == 1 else nn.AvgPool3d)(
            cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"], ceil_mode=cfg["ceil_mode"],
            count_include_pad=cfg["count_include_pad"])
    return blocks(nn)["TimeFirst"](module) if ndim == 1 else module


def _pool(name: str, ndim: int, maximum: bool, usage: str, example: str) -> LayerType:
    what, cls = ("max", "Max") if maximum else ("average", "Avg")
    on = "over time on a sequence T×C" if ndim == 1 else "on a volume D×H×W×C"
    return LayerType(name, usage, f"{what} pooling {on} (nn.{cls}Pool{ndim}d); stride defaults to K", pool_nd,
                     aliases=(f"{cls.lower()}_pool{ndim}d",), options=pool_options(ndim, maximum), example=example,
                     to_torch=_pool_torch)


register(
    LayerType(CONV1D, "conv1d KxF", "1-d convolution over time of a sequence T×C with F filters (nn.Conv1d)",
              conv_nd, aliases=("convolution1d",), options=conv_options(1),
              example="input seq 100x2\nconv1d 3x16 p=1", to_torch=_conv_torch),
    _pool(MAXPOOL1D, 1, True, "maxpool1d K", "input seq 100x16\nmaxpool1d 2"),
    _pool(AVGPOOL1D, 1, False, "avgpool1d K", "input seq 100x16\navgpool1d 4 s=2"),
    LayerType(CONV3D, "conv3d KxKxKxF", "3-d convolution of a volume D×H×W×C with F filters (nn.Conv3d)",
              conv_nd, aliases=("convolution3d",), options=conv_options(3),
              example="input 16x112x112x3\nconv3d 3x3x3x64 p=1", to_torch=_conv_torch),
    _pool(MAXPOOL3D, 3, True, "maxpool3d K", "input 16x56x56x64\nmaxpool3d 2"),
    _pool(AVGPOOL3D, 3, False, "avgpool3d K", "input 16x56x56x64\navgpool3d 2x2x2"),
)
