"""The layer table's data (Shape, Row, receptive field, MAC convention), the context a builder
reads its options from, and the pieces of explanation the builders share; ``input`` lines.
"""


from collections.abc import Callable
from dataclasses import dataclass, field
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
    "transformer_encoder": {"d_model", "num_heads", "ff"},
    "transformer_decoder": {"d_model", "num_heads", "ff", "memory"},
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
