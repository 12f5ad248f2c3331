"""The layer table's data (Shape, Row, receptive field, MAC convention), the context a builder
reads its options from (checked against its layer type's record), the options several types share, and
the pieces of explanation the builders share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod
from typing import Any

from nnsteps import limits, shapes
from nnsteps.arch import counts
from nnsteps.arch.layers.record import Option, layer_type
from nnsteps.arch.syntax import Arg, LayerStmt
from nnsteps.convargs import DILATION_HELP, PADDING_HELP, STRIDE_HELP, PaddingMode
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.numbers import Exact
from nnsteps.work import Step


@dataclass(frozen=True)
class Shape:
    """A tensor shape without the batch axis: ``volume`` (H, W, C), ``volume3d`` (D, H, W, C),
    ``sequence`` (T, D), ``tokens`` (T,) or ``vector`` (N,).

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
    """Receptive field per spatial axis (T of a sequence; H, W of a volume; D, H, W of a 3-d volume): size,
    jump between outputs, centre of the first output's window."""

    size: tuple[Exact, ...]
    jump: tuple[Exact, ...]
    start: tuple[Exact, ...]

    @staticmethod
    def identity(ndim: int) -> RF:
        """The field of the input itself: one value, jump 1, centred on the first value (index 0).

        >>> RF.identity(1)
        RF(size=(1,), jump=(1,), start=(0,))
        """
        return RF((1,) * ndim, (1,) * ndim, (0,) * ndim)


@dataclass
class MacConvention:
    """How the MAC column counts: bias adds included or not; FLOPs (= 2·MACs) instead of MACs.

    >>> MacConvention(flops=True).describe()
    'FLOPs = 2 × multiply-accumulates of conv, dense, recurrent and attention layers; bias adds not counted'
    """

    count_bias: bool = False
    flops: bool = False
    params: str = "pytorch"
    """Parameter convention: ``pytorch`` (b_ih and b_hh in recurrent layers) or ``keras`` (one bias
    vector for SimpleRNN and LSTM; GRU with reset_after keeps two)."""

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


_SIZES = {1: "integer", 2: "integer or HxW", 3: "integer or DxHxW"}


def stride_option(ndim: int = 2, default: Any = 1) -> Option:
    """``stride``/``s``: the step between windows, one integer or one per axis."""
    return Option("stride", _SIZES[ndim], default, STRIDE_HELP, ("s",))


def padding_option(ndim: int = 2, modes: bool = True) -> Option:
    """``padding``/``p``: zeros added on both sides of each axis (``same``/``valid`` for convolutions)."""
    kind = _SIZES[ndim] + (", same or valid" if modes else "")
    return Option("padding", kind, 0, PADDING_HELP, ("p",))


def dilation_option(ndim: int = 2) -> Option:
    """``dilation``/``d``: the spacing between kernel taps."""
    return Option("dilation", _SIZES[ndim], 1, DILATION_HELP, ("d",))


GROUPS = Option("groups", "integer", 1, "channel groups: each filter sees C_in/g channels", ("g",))
BIAS = Option("bias", "true or false", True, "whether the layer adds a bias per output channel")
CEIL_MODE = Option("ceil_mode", "true or false", False, "round the window count up (PyTorch's rule)", ("ceil",))
COUNT_INCLUDE_PAD = Option("count_include_pad", "true or false", True,
                           "average over the padded zeros too", ("cip",))


def conv_options(ndim: int) -> tuple[Option, ...]:
    """The options of an ``nn.ConvNd``: stride, padding (with ``same``/``valid``), dilation, groups, bias."""
    return (stride_option(ndim), padding_option(ndim), dilation_option(ndim), GROUPS, BIAS)


def pool_options(ndim: int, maximum: bool) -> tuple[Option, ...]:
    """The options of ``nn.MaxPoolNd`` (dilation) or ``nn.AvgPoolNd`` (count_include_pad); the stride
    defaults to the window."""
    last = dilation_option(ndim) if maximum else COUNT_INCLUDE_PAD
    return (stride_option(ndim, "the window"), padding_option(ndim, modes=False), last, CEIL_MODE)


_MISSING: Any = object()


@dataclass
class Ctx:
    """What a builder gets: the statement, the incoming shape and receptive field, the convention.
    Its options are checked against the layer type's record and read with the record's defaults."""

    stmt: LayerStmt
    name: str
    shape: Shape
    rf: RF | None
    conv: MacConvention
    opts: dict[str, Arg] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.record = layer_type(self.stmt.type)
        allowed = {o.name for o in self.record.options}
        for key, arg in self.stmt.options.items():
            option = self.record.option(key)
            if option is None:
                what = f"options: {', '.join(sorted(allowed))}" if allowed else "no options"
                words = sorted(allowed | {a for o in self.record.options for a in o.aliases})
                raise NnstepsError(f"unknown option '{key}' for {self.stmt.type} (it takes {what})",
                                   line=arg.line, column=arg.column, hint=did_you_mean(key, words))
            self.opts[option.name] = arg

    def default(self, key: str) -> Any:
        option = self.record.option(key)
        assert option is not None, f"{self.stmt.type} has no option {key}"  # a builder reads its own options
        return option.default

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
            wanted = " or ".join(_KIND_TEXT[k] for k in kinds)
            hint = ""
            if self.shape.kind in ("volume", "volume3d") and "vector" in kinds:
                hint = " (add 'flatten' before it: PyTorch's Linear acts on the last axis only)"
            elif self.shape.kind == "tokens":
                hint = " (add 'embedding VxD' first)"
            raise self.error(f"{self.stmt.type} needs {wanted} as input, got {self.shape.kind} {self.shape.text}{hint}")

    def opt_int(self, key: str, default: int = _MISSING, minimum: int = 1) -> int:
        arg = self.opts.get(key)
        if arg is None:
            return self.default(key) if default is _MISSING else default
        return _int(self, arg, key, minimum)

    def opt_sizes(self, key: str, ndim: int, default: tuple[int, ...] = _MISSING,
                  minimum: int = 1) -> tuple[int, ...]:
        """An option written as one integer (every axis) or one per axis (``HxW``, ``DxHxW``)."""
        arg = self.opts.get(key)
        if arg is None:
            return (self.default(key),) * ndim if default is _MISSING else default
        return _sizes(self, arg, key, ndim, minimum)

    def opt_pair(self, key: str, default: tuple[int, int] = _MISSING, minimum: int = 1) -> tuple[int, int]:
        return self.opt_sizes(key, 2, default, minimum)  # type: ignore[return-value]

    def opt_bool(self, key: str, default: bool = _MISSING) -> bool:
        arg = self.opts.get(key)
        if arg is None:
            return bool(self.default(key)) if default is _MISSING else default
        word = str(arg.value).lower()
        if word not in ("true", "false", "yes", "no", "1", "0") or not isinstance(arg.value, (str, tuple)):
            raise self.error(f"{key} must be true or false, got '{arg.text.split('=')[-1]}'", arg)
        if isinstance(arg.value, tuple):
            return arg.value == (1,)
        return word in ("true", "yes")

    def conv_padding(self, kernel: tuple[int, ...], dilation: tuple[int, ...],
                     stride: tuple[int, ...]) -> tuple[list[tuple[int, int]], str | None]:
        """A convolution's padding option: the (before, after) pads per axis and the mode (``same``,
        ``valid``) when one was named; PyTorch's rules (``same`` needs stride 1, the extra pad after)."""
        arg = self.opts.get("padding")
        if arg is not None and isinstance(arg.value, str):
            if arg.value.lower() not in tuple(PaddingMode):
                forms = {1: "an integer", 2: "an integer, HxW", 3: "an integer, DxHxW"}[len(kernel)]
                raise self.error(f"padding must be {forms}, same or valid, got '{arg.value}'", arg)
            mode = PaddingMode(arg.value.lower())
            if mode is PaddingMode.SAME and any(x != 1 for x in stride):
                raise self.error("padding=same needs stride 1 (PyTorch's rule)", arg)
            if mode is PaddingMode.VALID:
                return [(0, 0)] * len(kernel), mode.value
            return [shapes.same_padding(k, d) for k, d in zip(kernel, dilation)], mode.value
        p = self.opt_sizes("padding", len(kernel), minimum=0)
        return [(x, x) for x in p], None


_KIND_TEXT = {"volume": "a volume H×W×C", "volume3d": "a volume D×H×W×C", "sequence": "a sequence T×D",
              "tokens": "token ids", "vector": "a vector"}


def _int(ctx: Ctx, arg: Arg, what: str, minimum: int = 1) -> int:
    v = arg.value
    if not isinstance(v, tuple) or len(v) != 1:
        raise ctx.error(f"{what} must be one integer >= {minimum}, got '{arg.text.split('=')[-1]}'", arg)
    if not minimum <= v[0] <= limits.MAX_DIM:
        raise ctx.error(f"{what} must be {minimum}..{limits.MAX_DIM:,}, got {v[0]}", arg)
    return v[0]


def _sizes(ctx: Ctx, arg: Arg, what: str, ndim: int, minimum: int = 1) -> tuple[int, ...]:
    v = arg.value
    if not isinstance(v, tuple) or len(v) not in (1, ndim):
        raise ctx.error(f"{what} must be an {_SIZES[ndim]}, got '{arg.text.split('=')[-1]}'", arg)
    for x in v:
        if not minimum <= x <= limits.MAX_DIM:
            raise ctx.error(f"{what} must be {minimum}..{limits.MAX_DIM:,}, got {x}", arg)
    return v * ndim if len(v) == 1 else v


def _pair(ctx: Ctx, arg: Arg, what: str, minimum: int = 1) -> tuple[int, int]:
    return _sizes(ctx, arg, what, 2, minimum)  # type: ignore[return-value]


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
    syms = {"volume": ["H_{out}", "W_{out}", "C_{out}"], "volume3d": ["D_{out}", "H_{out}", "W_{out}", "C_{out}"],
            "sequence": ["T", "D_{out}"], "vector": ["N"], "tokens": ["T"]}[shape.kind]
    return counts.product("Neurons (output values)", r"\#\text{neurons}", list(zip(syms, shape.dims)))


def _param_steps(row: Row) -> list[Step[Any]]:
    terms = [(r"\#w", row.weights), (r"\#b", row.biases)] + ([(r"\#\gamma\beta", row.other)] if row.other else [])
    return [counts.total("Parameters", r"\#\text{params}", terms)]


def _window_rf(ctx: Ctx, row: Row, k: tuple[int, int], d: tuple[int, int], s: tuple[int, int],
               pads: tuple[int, int]) -> None:
    """A 2-d window layer's receptive-field steps, appended to its row: the kernel's dilated extent
    d·(k − 1) + 1 along each axis, then the usual rule (no-op when the network has no receptive field)."""
    if ctx.rf is None:
        return
    keff = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    row.rf, rsteps = _rf_steps(ctx.rf, keff, s, pads)
    row.steps += rsteps


_RF_AXES = {1: ("",), 2: (" (H)", " (W)"), 3: (" (D)", " (H)", " (W)")}


def _rf_steps(rf: RF, k: tuple[int, ...], s: tuple[int, ...], p: tuple[int, ...],
              transposed: bool = False) -> tuple[RF, list[Step[Any]]]:
    """Receptive-field steps for a window layer; one set when every axis agrees, else one per axis."""
    n = len(k)
    same = all(len(set(v)) == 1 for v in (k, s, p, rf.size, rf.jump, rf.start))
    axes = [("", 0)] if same else list(zip(_RF_AXES[n], range(n)))
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
        sizes, jumps, starts = sizes * n, jumps * n, starts * n
    return RF(tuple(sizes), tuple(jumps), tuple(starts)), steps


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
