"""Network problem kinds: layer tables from a spec, stacked-filter comparisons, inverse size questions.

``kind: network`` answers ``{"layers": [...], "total_params", "output_shape"}``; with ``ask`` it also
answers the named cells (``Conv1.neurons``, ``Conv2.weights``, ``total_params``), and its work is the steps
of those cells alone (each once).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np

from nnsteps import shapes
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.generation import generator
from nnsteps.generation.common import chance, one
from nnsteps.names import Design
from nnsteps.problems import fields
from nnsteps.problems.registry import Field, Params, register
from nnsteps.problems.registry import FieldType as T
from nnsteps.work import Step, Worked

_CELLS = {"neurons": ("Neurons",), "weights": ("Weights",), "biases": ("Biases",), "params": ("Parameters",),
          "other": ("Other parameters",), "macs": ("MACs", "FLOPs"), "output_shape": ("Output size", "Neurons"),
          "receptive_field": ("Receptive field", "Jump", "Start")}


def _spec(value: Any) -> str:
    if isinstance(value, list):
        value = "\n".join(str(v) for v in value)
    if not isinstance(value, str) or not value.strip():
        raise NnstepsError(f"expected the network as text, one layer per line, got {type(value).__name__}")
    return value


_positive = fields.integer(1)


def _ask(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise NnstepsError("expected a list like [Conv1.neurons, Conv1.weights, total_params]")
    return items


def _network_statement(p: Any) -> Any:
    """A network's question: the spec as written (verbatim), then the asked cells, or the layer table."""
    from nnsteps.render.statement import Given, Statement, value

    ask = value(p, "ask")
    keras = value(p, "convention") == "keras"
    givens = [Given("Network (input first, one layer per line)", code=str(value(p, "spec", "")))]
    if value(p, "macs_bias") or value(p, "flops"):
        givens.append(Given("Count " + ("one MAC per bias add" if value(p, "macs_bias") else "MACs without bias adds")
                            + (", and FLOPs as 2 × MACs." if value(p, "flops") else ".")))
    intro = "For the network below" + (" (parameters counted as Keras does)" if keras else "") + ","
    if isinstance(ask, list) and ask:
        return Statement(intro + " find the quantities asked.", givens,
                         [str(a).replace("_", " ").replace(".", ": ", 1) for a in ask],
                         skip=(("layers",), ("total_params",), ("output_shape",), ("total_macs",), ("mac_convention",)))
    unasked = ("neurons", "other", "macs", "receptive_field", "memory_bytes")  # the table's other columns
    return Statement(intro + " fill in its layer table.", givens,
                     ["each layer's output shape, weights, biases and parameters",
                      "the total number of parameters", "the output shape"],
                     skip=(("mac_convention",), ("total_macs",), *(("layers", "*", c) for c in unasked)))


def _find(p: Any) -> str:
    from nnsteps.render.statement import value

    return str(value(p, "find", "padding")).replace("_", " ")


def _design_statement(intro: str, asks: list[str]) -> Any:
    def statement(p: Any) -> Any:
        """A design question: its numbers as settings."""
        from nnsteps.render.statement import build, value

        names = {"n": ("convolutions", "n"), "kernel": ("kernel", "K"), "channels": ("channels", "C"),
                 "size": ("input size", ""), "bias": ("biases", ""), "input": ("input size", "n"),
                 "output": ("wanted output size", "m"), "stride": ("stride", "s"), "padding": ("padding", "p"),
                 "dilation": ("dilation", "d")}
        return build(p, intro, scalars=[(f, *names[f], None) for f in names if value(p, f) is not None], asks=asks)

    return statement


_PROJECTION_BIAS = re.compile(r"[ \t]+(?:qkv_bias|out_bias)=\S+")


def _network_mistakes(p: Params) -> list[tuple[str, Any]]:
    """Attention biases counted on every projection when the spec sets them apart (qkv_bias, out_bias)."""
    if not _PROJECTION_BIAS.search(p.spec):
        return []
    merged = _PROJECTION_BIAS.sub("", p.spec)
    return [("attention biases counted on every projection (qkv_bias / out_bias ignored)",
             lambda raw: {**raw, "spec": merged})]


@register(
    Design.NETWORK.value, statement=_network_statement,
    summary="the layer table of a network spec: shapes, parameters, MACs, receptive fields",
    fields=(Field("spec", T.TEXT, "the network, one layer per line (the layer-spec language)", required=True,
                  example="input 32x32x3\nconv 3x3x16 p=1", parse=_spec),
            Field("ask", T.LIST, "optional cells to answer first: Layer.neurons|weights|biases|params|macs|"
                  "output_shape|receptive_field, total_params, output_shape", example=["conv1.neurons"], parse=_ask),
            Field("macs_bias", T.BOOLEAN, "count one MAC per bias add (default false)", default=False),
            Field("flops", T.BOOLEAN, "report FLOPs = 2·MACs (default false)", default=False),
            Field("convention", T.CHOICE, "parameter convention: pytorch (default) or keras (one recurrent bias "
                  "vector for SimpleRNN and LSTM; GRU reset_after two)", default="pytorch",
                  choices=("pytorch", "keras"))),
    answer=("layers", "total_params", "output_shape", "total_macs", "mac_convention", "asked"),
    example={"spec": "input 32x32x3\nconv 3x3x16 p=1", "ask": ["conv1.neurons"]},
    mistakes=_network_mistakes, form={"group": "design"},
    aliases={"transformer": "spec: a line transformer_encoder d_model=E heads=h ff=F", "parameters": "",
             "params": "", "macs": "", "flops": "flops: true", "receptive_field": "", "cnn": "", "layer_table": ""},
)
def solve_network(p: Params) -> Worked:
    """The layer table of ``spec``, each number with its steps.

    >>> from nnsteps.problems.solve import solve_problem
    >>> w = solve_problem({"id": "q", "kind": "network", "spec": "input 32x32x3\\nconv 3x3x16 p=1",
    ...                    "ask": ["conv1.neurons"]}).worked
    >>> w.answer["asked"], w.answer["total_params"]
    ({'conv1.neurons': 16384}, 448)
    """
    from nnsteps.arch.table import row_answer, summary, total_step

    try:
        table = summary(p.spec, count_bias=p.macs_bias, flops=p.flops, convention=p.convention)
    except NnstepsError as err:
        raise err.located(field="spec") from None
    worked = table.worked(title=str(p.title) if p.title else None)
    asked = p.ask or []
    if not asked:
        return worked
    answers: dict[str, Any] = {}
    first: list[Step[Any]] = []
    shown: set[int] = set()
    for item in asked:
        if item in ("total_params", "output_shape"):
            answers[item] = table.total_params if item == "total_params" else list(table.output_shape.dims)
            if item == "total_params":
                first.append(total_step(table))
            continue
        layer, _, cell = item.rpartition(".")
        if cell not in _CELLS or not layer:
            raise NnstepsError(f"expected Layer.cell with cell one of {', '.join(_CELLS)}, got '{item}'",
                               problem=p.id, field="ask", hint=did_you_mean(cell, _CELLS))
        try:
            row = table.row(layer)
        except NnstepsError as err:
            raise err.located(problem=p.id, field="ask") from None
        answers[item] = row_answer(row)[cell]
        for s in row.steps:
            if s.title.startswith(_CELLS[cell]) and id(s) not in shown:  # output_shape and neurons share a step
                shown.add(id(s))
                first.append(replace(s, title=f"{row.name}: {s.title}"))
    worked.answer = {**worked.answer, "asked": answers}
    worked.steps = first  # an ask answers exactly what it asks; the answer's table shows the rest
    return worked


@register(
    Design.STACKED_FILTERS.value,
    statement=_design_statement("Compare $n$ stacked $K \\times K$ convolutions ($C$ channels in and out) with one "
                                "convolution that has the same receptive field.",
                                ["the receptive field of the stack", "the parameters and MACs of each design",
                                 "the ratio of their parameters", "how many nonlinearities each has"]),
    summary="n stacked K×K convolutions vs one convolution with the same receptive field",
    fields=(Field("n", T.INTEGER, "how many stacked convolutions", required=True, example=2, parse=_positive),
            Field("kernel", T.INTEGER, "their kernel size K (K×K)", required=True, example=3, parse=_positive),
            Field("channels", T.INTEGER, "channels in and out of every conv", required=True, example=16,
                  parse=_positive),
            Field("size", T.INTEGER, "optional input size (default max(32, r))", example=32, parse=_positive),
            Field("bias", T.BOOLEAN, "whether the convs have biases (default true)", default=True)),
    example={"n": 2, "kernel": 3, "channels": 16},
    form={"group": "design"},
)
def solve_stacked(p: Params) -> Worked:
    """n stacked K×K convs vs one conv with the same receptive field.

    >>> from nnsteps.problems.solve import solve_problem
    >>> solve_problem({"id": "f", "kind": "stacked_filters", "n": 2, "kernel": 3, "channels": 16}
    ...               ).worked.answer["single_params"]
    6416
    """
    from nnsteps.arch.design import stacked_vs_single

    return stacked_vs_single(p.n, p.kernel, p.channels, size=p.size, bias=p.bias)


@register(
    Design.SIZE_INVERSE.value,
    statement=lambda p: _design_statement(f"Find the {_find(p)} that turns the input size into the wanted output "
                                          "size.", [f"the {_find(p)}"])(p),
    summary="which padding, stride, kernel or output_padding gives a wanted output size",
    fields=(Field("find", T.CHOICE, "padding, stride, kernel or output_padding", required=True,
                  choices=("padding", "stride", "kernel", "output_padding"), example="padding"),
            Field("input", T.INTEGER, "input size along one axis", required=True, example=32, parse=_positive),
            Field("output", T.INTEGER, "the wanted output size", required=True, example=32, parse=_positive),
            Field("kernel", T.INTEGER, "kernel size (unless finding it)", example=3, parse=_positive),
            Field("stride", T.INTEGER, "stride (default 1)", default=1, parse=_positive),
            Field("padding", T.INTEGER, "padding (default 0)", default=0),
            Field("dilation", T.INTEGER, "dilation (default 1)", default=1, parse=_positive)),
    example={"find": "padding", "input": 32, "output": 32, "kernel": 3},
    form={"group": "design"},
)
def solve_inverse(p: Params) -> Worked:
    """Which padding / stride / kernel / output_padding gives a wanted size.

    >>> from nnsteps.problems.solve import solve_problem
    >>> solve_problem({"id": "i", "kind": "size_inverse", "find": "padding", "input": 32, "output": 32,
    ...                "kernel": 3}).worked.answer
    1
    """
    from nnsteps.arch import design

    find, n, out, d = p.find, p.input, p.output, p.dilation
    if find == "kernel":
        return design.solve_kernel(n, out, padding=p.padding, stride=p.stride, dilation=d)
    k = p.need("kernel")
    if find == "padding":
        return design.solve_padding(n, k, out, stride=p.stride, dilation=d)
    if find == "stride":
        return design.solve_stride(n, k, out, padding=p.padding, dilation=d)
    return design.solve_output_padding(n, out, k, stride=p.stride, padding=p.padding, dilation=d)


@generator(Design.NETWORK.value, ("layers",))
def network(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A small CNN as a layer spec: convs and pools that always fit, then flatten and dense.

    Shapes are tracked with the size rules of ``nnsteps.shapes`` as layers are drawn; no layer
    whose output would be smaller than 1×1 is added.

    >>> print(network(np.random.default_rng(0), {"layers": 2})["spec"])
    input 64x64x3
    conv 3x3x8 p=0 s=1
    maxpool 2 s=2
    flatten
    dense 2
    """
    n_layers = options.get("layers") or int(rng.integers(2, 5))
    if isinstance(n_layers, bool) or not isinstance(n_layers, int) or not 1 <= n_layers <= 12:
        raise NnstepsError(f"expected 1 to 12 layers, got {n_layers!r}", field="--layers")
    size = one(rng, [28, 32, 64])
    channels = one(rng, [1, 3])
    lines = [f"input {size}x{size}x{channels}"]
    h = size
    while len(lines) < n_layers + 1:
        if h >= 4 and len(lines) > 1 and chance(rng, 0.35):
            h = shapes.pool_out(h, 2, stride=2).value or 1
            lines.append("maxpool 2 s=2")
            continue
        k = one(rng, [3, 3, 5])
        p = one(rng, [0, k // 2])
        s = one(rng, [1, 1, 2])
        if h + 2 * p < k:
            p = k // 2
        if h + 2 * p < k:
            break
        h_out = shapes.conv_out(h, k, pad=(p, p), stride=s).value
        if h_out is None or h_out < 1:
            break
        h = h_out
        filters = one(rng, [8, 16, 32])
        lines.append(f"conv {k}x{k}x{filters} p={p} s={s}")
    lines += ["flatten", f"dense {one(rng, [2, 10])}"]
    return {"kind": Design.NETWORK.value, "spec": "\n".join(lines)}
