"""What each layer type accepts and what it does to a shape: one builder per type, returning the
layer's row (output shape, neurons, weights, biases, MACs, receptive field) with its steps.

Shapes follow the course's reading order in the table (H×W×C) while the semantics are PyTorch's
(``nn.Conv2d``, ``nn.MaxPool2d``, ``nn.Linear`` on the last axis, ``nn.LSTM`` with two bias vectors
per gate block, ``nn.MultiheadAttention`` with in- and out-projections).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from math import prod
from typing import Any

from nnsteps import limits, shapes
from nnsteps.arch import counts
from nnsteps.arch.parse import Arg, LayerStmt
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.names import Op
from nnsteps.numbers import Exact
from nnsteps.work import Step


@dataclass(frozen=True)
class Shape:
    """A tensor shape without the batch axis: ``volume`` (H, W, C), ``sequence`` (T, D),
    ``tokens`` (T,) or ``vector`` (N,).

    >>> Shape("volume", (64, 64, 3)).text, Shape("vector", (10,)).size
    ('64×64×3', 10)
    """

    kind: str
    dims: tuple[int, ...]

    @property
    def size(self) -> int:
        return prod(self.dims)

    @property
    def text(self) -> str:
        return "×".join(str(d) for d in self.dims)

    @property
    def latex(self) -> str:
        return r" \times ".join(str(d) for d in self.dims)


@dataclass(frozen=True)
class RF:
    """Receptive field per spatial axis (H, W): size, jump between outputs, centre of the first."""

    size: tuple[Exact, Exact]
    jump: tuple[Exact, Exact]
    start: tuple[Exact, Exact]


@dataclass
class MacConvention:
    """How the MAC column counts: bias adds included or not; FLOPs (= 2·MACs) instead of MACs.

    >>> MacConvention(flops=True).describe()
    'FLOPs = 2 × multiply-accumulates of conv, dense, recurrent and attention layers; bias adds not counted'
    """

    count_bias: bool = False
    flops: bool = False

    @property
    def label(self) -> str:
        return "FLOPs" if self.flops else "MACs"

    def describe(self) -> str:
        head = "FLOPs = 2 × multiply-accumulates" if self.flops else "MACs = multiply-accumulates"
        bias = "bias adds counted as one MAC each" if self.count_bias else "bias adds not counted"
        return f"{head} of conv, dense, recurrent and attention layers; {bias}"


@dataclass
class Row:
    """One layer of the table, with the steps that derived every number in it."""

    name: str
    type: str
    text: str
    line: int
    input_shape: Shape
    output_shape: Shape
    weights: int = 0
    biases: int = 0
    other: int = 0
    macs: int = 0
    rf: RF | None = None
    steps: list[Step[Any]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    """The layer's settings, normalised (what :mod:`nnsteps.arch.export` builds from)."""

    @property
    def neurons(self) -> int:
        return self.output_shape.size

    @property
    def params(self) -> int:
        return self.weights + self.biases + self.other

    @property
    def memory_bytes(self) -> int:
        """Activation memory of the output in float32 (4 bytes per value), for one sample."""
        return 4 * self.neurons


_ALIASES = {"p": "padding", "s": "stride", "d": "dilation", "g": "groups", "op": "output_padding",
            "ceil": "ceil_mode", "cip": "count_include_pad", "layers": "num_layers", "heads": "num_heads",
            "bidir": "bidirectional"}

_OPTIONS = {
    "conv": {"padding", "stride", "dilation", "groups", "bias"},
    "convT": {"padding", "stride", "dilation", "groups", "bias", "output_padding"},
    "maxpool": {"padding", "stride", "dilation", "ceil_mode"},
    "avgpool": {"padding", "stride", "ceil_mode", "count_include_pad"},
    "dense": {"bias"},
    Op.RNN.value: {"num_layers", "bidirectional", "bias"},
    "lstm": {"num_layers", "bidirectional", "bias"},
    "gru": {"num_layers", "bidirectional", "bias"},
    Op.ATTENTION.value: {"num_heads", "bias"},
}


@dataclass
class Ctx:
    """What a builder gets: the statement, the incoming shape and receptive field, the convention."""

    stmt: LayerStmt
    name: str
    shape: Shape
    rf: RF | None
    conv: MacConvention
    opts: dict[str, Arg] = field(default_factory=dict)

    def __post_init__(self) -> None:
        allowed = _OPTIONS.get(self.stmt.type, set())
        for key, arg in self.stmt.options.items():
            canon = _ALIASES.get(key, key)
            if canon not in allowed:
                what = f"options: {', '.join(sorted(allowed))}" if allowed else "no options"
                raise NnstepsError(f"unknown option '{key}' for {self.stmt.type} (it takes {what})",
                                   line=arg.line, column=arg.column,
                                   hint=did_you_mean(key, sorted(allowed | set(_ALIASES))))
            self.opts[canon] = arg

    def error(self, message: str, arg: Arg | None = None) -> NnstepsError:
        where = arg or self.stmt
        return NnstepsError(f"layer {self.name}: {message}", line=where.line, column=where.column)

    def positional(self, count: int, what: str) -> list[Arg]:
        if len(self.stmt.args) != count:
            extra = self.stmt.args[count] if len(self.stmt.args) > count else None
            got = ", ".join(a.text for a in self.stmt.args) or "nothing"
            raise self.error(f"{self.stmt.type} takes {what}, got {got}", extra)
        return self.stmt.args

    def need(self, *kinds: str) -> None:
        if self.shape.kind not in kinds:
            wanted = " or ".join({"volume": "a volume H×W×C", "sequence": "a sequence T×D", "tokens": "token ids",
                                  "vector": "a vector"}[k] for k in kinds)
            hint = ""
            if self.shape.kind == "volume" and "vector" in kinds:
                hint = " (add 'flatten' before it: PyTorch's Linear acts on the last axis only)"
            elif self.shape.kind == "tokens":
                hint = " (add 'embedding VxD' first)"
            raise self.error(f"{self.stmt.type} needs {wanted} as input, got {self.shape.kind} {self.shape.text}{hint}")

    def opt_int(self, key: str, default: int, minimum: int = 1) -> int:
        arg = self.opts.get(key)
        return default if arg is None else _int(self, arg, key, minimum)

    def opt_pair(self, key: str, default: tuple[int, int], minimum: int = 1) -> tuple[int, int]:
        arg = self.opts.get(key)
        return default if arg is None else _pair(self, arg, key, minimum)

    def opt_bool(self, key: str, default: bool) -> bool:
        arg = self.opts.get(key)
        if arg is None:
            return default
        word = str(arg.value).lower()
        if word not in ("true", "false", "yes", "no", "1", "0") or not isinstance(arg.value, (str, tuple)):
            raise self.error(f"{key} must be true or false, got '{arg.text.split('=')[-1]}'", arg)
        if isinstance(arg.value, tuple):
            return arg.value == (1,)
        return word in ("true", "yes")


def _int(ctx: Ctx, arg: Arg, what: str, minimum: int = 1) -> int:
    v = arg.value
    if not isinstance(v, tuple) or len(v) != 1:
        raise ctx.error(f"{what} must be one integer >= {minimum}, got '{arg.text.split('=')[-1]}'", arg)
    if not minimum <= v[0] <= limits.MAX_DIM:
        raise ctx.error(f"{what} must be {minimum}..{limits.MAX_DIM:,}, got {v[0]}", arg)
    return v[0]


def _pair(ctx: Ctx, arg: Arg, what: str, minimum: int = 1) -> tuple[int, int]:
    v = arg.value
    if not isinstance(v, tuple) or len(v) not in (1, 2):
        raise ctx.error(f"{what} must be an integer or HxW, got '{arg.text.split('=')[-1]}'", arg)
    for x in v:
        if not minimum <= x <= limits.MAX_DIM:
            raise ctx.error(f"{what} must be {minimum}..{limits.MAX_DIM:,}, got {x}", arg)
    return (v[0], v[-1])


def _dims(ctx: Ctx, arg: Arg, count: int, what: str) -> tuple[int, ...]:
    v = arg.value
    if not isinstance(v, tuple) or len(v) != count:
        raise ctx.error(f"{ctx.stmt.type} takes {what}, got '{arg.text}'", arg)
    for x in v:
        if not 1 <= x <= limits.MAX_DIM:
            raise ctx.error(f"every size must be 1..{limits.MAX_DIM:,}, got {x}", arg)
    return v


# ---------------------------------------------------------------------------------------------
# Shared pieces of explanation.

def _neurons(shape: Shape) -> Step[int]:
    syms = {"volume": ["H_{out}", "W_{out}", "C_{out}"], "sequence": ["T", "D_{out}"], "vector": ["N"],
            "tokens": ["T"]}[shape.kind]
    return counts.product("Neurons (output values)", r"\#\text{neurons}", list(zip(syms, shape.dims)))


def _param_steps(row: Row) -> list[Step[Any]]:
    terms = [(r"\#w", row.weights), (r"\#b", row.biases)] + ([(r"\#\gamma\beta", row.other)] if row.other else [])
    return [counts.total("Parameters", r"\#\text{params}", terms)]


def _rf_steps(rf: RF, k: tuple[int, int], s: tuple[int, int], p: tuple[int, int],
              transposed: bool = False) -> tuple[RF, list[Step[Any]]]:
    """Receptive-field steps for a window layer; one set when both axes agree, else one per axis."""
    same = k[0] == k[1] and s[0] == s[1] and p[0] == p[1] and rf.size[0] == rf.size[1] and rf.jump[0] == rf.jump[1] \
        and rf.start[0] == rf.start[1]
    axes = [("", 0)] if same else [(" (H)", 0), (" (W)", 1)]
    sizes: list[Any] = []
    jumps: list[Any] = []
    starts: list[Any] = []
    steps: list[Step[Any]] = []
    for suffix, i in axes:
        span = -(-k[i] // s[i]) if transposed else k[i]  # input positions one output reads
        r = counts.rf_size(rf.size[i], span, rf.jump[i], suffix)
        j = counts.rf_jump(rf.jump[i], s[i], suffix, transposed=transposed)
        st = counts.rf_start(rf.start[i], k[i], p[i], rf.jump[i], suffix) if not transposed else None
        steps += [r, j]
        if st is not None:
            steps.append(st)
        sizes.append(r.value)
        jumps.append(j.value)
        starts.append(st.value if st else rf.start[i])
    if same:
        sizes, jumps, starts = sizes * 2, jumps * 2, starts * 2
    return RF(tuple(sizes), tuple(jumps), tuple(starts)), steps  # type: ignore[arg-type]


def _size_step(ctx: Ctx, make: Callable[[], Step[int]]) -> Step[int]:
    """Run an output-size rule; a window that does not fit names the layer and its line."""
    try:
        return make()
    except NnstepsError as err:
        raise ctx.error(f"output would be smaller than 1: {err.message}") from None


def _pool_size(ctx: Ctx, n: int, k: int, p: int, s: int, d: int, ceil: bool, axis: str) -> Step[int]:
    return _size_step(ctx, lambda: shapes.pool_out(n, k, pad=p, stride=s, dilation=d, ceil_mode=ceil, axis=axis))


def _conv_size(ctx: Ctx, n: int, k: int, pad: tuple[int, int], s: int, d: int, axis: str) -> Step[int]:
    span = n + pad[0] + pad[1] - d * (k - 1) - 1
    if span < 0:
        raise ctx.error(
            f"output would be smaller than 1: {axis}_out = ⌊({n} + {pad[0] + pad[1]} − {d}·({k}−1) − 1)/{s}⌋ + 1"
            f" = {span // s + 1}"
        )
    return shapes.conv_out(n, k, pad=pad, stride=s, dilation=d, axis=axis)


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
        mode = pad_arg.value.lower()
        if mode not in ("same", "valid"):
            raise ctx.error(f"padding must be an integer, HxW, same or valid, got '{pad_arg.value}'", pad_arg)
        if mode == "same" and s != (1, 1):
            raise ctx.error("padding=same needs stride 1 (PyTorch's rule)", pad_arg)
        ph, pw = (shapes.same_padding(kh, d[0]), shapes.same_padding(kw, d[1])) if mode == "same" else ((0, 0), (0, 0))
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
    ho, wo = (st.data["value"] for st in steps)  # type: ignore[index]
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


_GATES = {Op.RNN.value: 1, "lstm": 4, "gru": 3}


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
    layers = ctx.opt_int("num_layers", 1)
    if layers > 100:
        raise ctx.error(f"num_layers must be <= 100, got {layers}", ctx.opts["num_layers"])
    bidir = ctx.opt_bool("bidirectional", False)
    bias = ctx.opt_bool("bias", True)
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
    bstep = counts.product("Biases (b_ih and b_hh, as PyTorch keeps both)", r"\#b",
                           [("L", layers), ("d", dirs), ("2", 2), ("G", g), ("H", hid)] if bias else [])
    row.weights, row.biases = weights, bstep.value or 0
    mstep = counts.macs(ctx.conv.label, [[("T", t), ("d", dirs), ("G", g), ("H", hid), ("D_l + H", d_in + hid)]
                                         for d_in in ins],
                        bias=[("T", t), ("L", layers), ("d", dirs), ("2", 2), ("G", g), ("H", hid)]
                        if bias and ctx.conv.count_bias else None, flops=ctx.conv.flops)
    row.macs = mstep.value or 0
    row.steps = [_neurons(out), wstep, bstep, *_param_steps(row), mstep]
    return row


def attention(ctx: Ctx) -> Row:
    """``attention heads=h`` — ``nn.MultiheadAttention(E, h, batch_first=True)`` as self-attention.

    Parameters: in-projection 3E×E (+3E), out-projection E×E (+E). MACs: the four projections, plus
    the scores QKᵀ (T·T·E over all heads) and the weighted sum AV (T·T·E), which torchinfo leaves out.

    >>> from nnsteps.arch.parse import parse
    >>> row = attention(Ctx(parse("attention heads=8")[0], "att", Shape("sequence", (10, 64)), None, MacConvention()))
    >>> row.output_shape.text, row.weights, row.biases, row.macs
    ('10×64', 16384, 256, 176640)
    """
    ctx.need("sequence")
    ctx.positional(0, "no positional arguments (write heads=h)")
    heads = ctx.opt_int("num_heads", 1)
    bias = ctx.opt_bool("bias", True)
    t, e = ctx.shape.dims
    if e % heads:
        raise ctx.error(f"heads={heads} must divide the embedding size {e}", ctx.opts.get("num_heads"))
    row = Row(ctx.name, Op.ATTENTION.value, ctx.stmt.text, ctx.stmt.line, ctx.shape, ctx.shape,
              config={"embed": e, "heads": heads, "bias": bias})
    wstep = counts.product("Weights (W_Q, W_K, W_V and W_O)", r"\#w", [("4", 4), ("E", e), ("E", e)])
    bstep = counts.product("Biases", r"\#b", [("4", 4), ("E", e)] if bias else [])
    row.weights, row.biases = wstep.value or 0, bstep.value or 0
    mstep = counts.macs(ctx.conv.label, [[("4", 4), ("T", t), ("E", e), ("E", e)],
                                         [("T", t), ("T", t), ("E", e)], [("T", t), ("T", t), ("E", e)]],
                        bias=[("4", 4), ("T", t), ("E", e)] if bias and ctx.conv.count_bias else None,
                        flops=ctx.conv.flops)
    mstep.note = ("projections Q, K, V, O: 4·T·E·E; scores QKᵀ: T·T·E over all heads; weighted sum AV: T·T·E "
                  f"(d_k = E/h = {e // heads})")
    row.macs = mstep.value or 0
    row.steps = [_neurons(ctx.shape), wstep, bstep, *_param_steps(row), mstep]
    return row


BUILDERS: dict[str, Callable[[Ctx], Row]] = {
    "conv": conv, "convT": conv_transpose, "maxpool": pool, "avgpool": pool,
    "adaptiveavgpool": adaptive_pool, "globalavgpool": adaptive_pool, "flatten": flatten,
    Op.DROPOUT.value: same_shape, Op.RELU.value: same_shape, Op.SIGMOID.value: same_shape, Op.TANH.value: same_shape, Op.SOFTMAX.value: same_shape,
    "batchnorm": norm, "layernorm": norm, "dense": dense, Op.EMBEDDING.value: embedding,
    Op.RNN.value: recurrent, "lstm": recurrent, "gru": recurrent, Op.ATTENTION.value: attention,
}


def input_shape(stmt: LayerStmt) -> Shape:
    """The shape an ``input`` line declares.

    >>> from nnsteps.arch.parse import parse
    >>> input_shape(parse("input 64x64x3")[0]), input_shape(parse("input seq 35x300")[0]).kind
    (Shape(kind='volume', dims=(64, 64, 3)), 'sequence')
    """
    args = list(stmt.args)
    kind = None
    if args and isinstance(args[0].value, str):
        word = args[0].value.lower()
        kinds = {"seq": "sequence", "sequence": "sequence", "tokens": "tokens", "vector": "vector",
                 "image": "volume", "volume": "volume"}
        if word not in kinds:
            raise NnstepsError(f"expected 'seq', 'tokens', 'vector' or sizes after 'input', got '{args[0].text}'",
                               line=args[0].line, column=args[0].column, hint=did_you_mean(word, kinds))
        kind = kinds[word]
        args = args[1:]
    if len(args) != 1 or not isinstance(args[0].value, tuple):
        where = args[1] if len(args) > 1 else stmt
        raise NnstepsError("expected 'input HxWxC', 'input seq TxD', 'input tokens T' or 'input vector N'",
                           line=where.line, column=where.column)
    dims = args[0].value
    wanted = {"volume": 3, "sequence": 2, "tokens": 1, "vector": 1}
    if kind is None:
        kind = {3: "volume", 1: "vector"}.get(len(dims))
        if kind is None:
            raise NnstepsError(f"input {args[0].text}: expected H x W x C (a grey image is HxWx1), "
                               "or 'input seq TxD' for a sequence", line=args[0].line, column=args[0].column)
    if len(dims) != wanted[kind]:
        raise NnstepsError(f"input {kind} takes {wanted[kind]} size(s), got '{args[0].text}'", line=args[0].line,
                           column=args[0].column)
    for d in dims:
        if not 1 <= d <= limits.MAX_DIM:
            raise NnstepsError(f"every input size must be 1..{limits.MAX_DIM:,}, got {d}", line=args[0].line,
                               column=args[0].column)
    return Shape(kind, dims)
