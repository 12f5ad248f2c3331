"""Network problem kinds: layer tables from a spec, stacked-filter comparisons, inverse size questions.

``kind: network`` answers ``{"layers": [...], "total_params", "output_shape"}``; with ``ask`` it also
answers the named cells (``Conv1.neurons``, ``Conv2.weights``, ``total_params``), and its work is the steps
of those cells alone (each once).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.problems import fields
from nnsteps.problems.registry import Problem, register
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


def _ask(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise NnstepsError("expected a list like [Conv1.neurons, Conv1.weights, total_params]")
    return items


@register(
    "network",
    fields={"spec": "the network, one layer per line (the layer-spec language)",
            "ask": "optional cells to answer first: Layer.neurons|weights|biases|params|macs|output_shape|"
                   "receptive_field, total_params, output_shape",
            "macs_bias": "count one MAC per bias add (default false)",
            "flops": "report FLOPs = 2·MACs (default false)"},
    required=("spec",),
)
def solve_network(p: Problem) -> Worked:
    """The layer table of ``spec``, each number with its steps.

    >>> from nnsteps.problems.solve import solve_problem
    >>> w = solve_problem({"id": "q", "kind": "network", "spec": "input 32x32x3\\nconv 3x3x16 p=1",
    ...                    "ask": ["conv1.neurons"]}).worked
    >>> w.answer["asked"], w.answer["total_params"]
    ({'conv1.neurons': 16384}, 448)
    """
    from nnsteps.arch.table import row_answer, summary, total_step

    spec = p.get("spec", _spec)
    try:
        table = summary(spec, count_bias=p.get("macs_bias", fields.boolean, False),
                        flops=p.get("flops", fields.boolean, False))
    except NnstepsError as err:
        raise err.located(field="spec") from None
    worked = table.worked(title=str(p.title) if p.title else None)
    asked = p.get("ask", _ask, [])
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
    "stacked_filters",
    fields={"n": "how many stacked convolutions", "kernel": "their kernel size K (K×K)",
            "channels": "channels in and out of every conv", "size": "optional input size (default max(32, r))",
            "bias": "whether the convs have biases (default true)"},
    required=("n", "kernel", "channels"),
)
def solve_stacked(p: Problem) -> Worked:
    """n stacked K×K convs vs one conv with the same receptive field.

    >>> from nnsteps.problems.solve import solve_problem
    >>> solve_problem({"id": "f", "kind": "stacked_filters", "n": 2, "kernel": 3, "channels": 16}
    ...               ).worked.answer["single_params"]
    6416
    """
    from nnsteps.arch.design import stacked_vs_single

    return stacked_vs_single(p.get("n", fields.integer(1)), p.get("kernel", fields.integer(1)),
                             p.get("channels", fields.integer(1)), size=p.get("size", fields.integer(1), None),
                             bias=p.get("bias", fields.boolean, True))


@register(
    "size_inverse",
    fields={"find": "padding, stride, kernel or output_padding", "input": "input size along one axis",
            "output": "the wanted output size", "kernel": "kernel size (unless finding it)",
            "stride": "stride (default 1)", "padding": "padding (default 0)", "dilation": "dilation (default 1)"},
    required=("find", "input", "output"),
)
def solve_inverse(p: Problem) -> Worked:
    """Which padding / stride / kernel / output_padding gives a wanted size.

    >>> from nnsteps.problems.solve import solve_problem
    >>> solve_problem({"id": "i", "kind": "size_inverse", "find": "padding", "input": 32, "output": 32,
    ...                "kernel": 3}).worked.answer
    1
    """
    from nnsteps.arch import design

    find = p.get("find", fields.choice("padding", "stride", "kernel", "output_padding"))
    n, out = p.get("input", fields.integer(1)), p.get("output", fields.integer(1))
    d = p.get("dilation", fields.integer(1), 1)
    if find == "kernel":
        return design.solve_kernel(n, out, padding=p.get("padding", fields.integer(0), 0),
                                   stride=p.get("stride", fields.integer(1), 1), dilation=d)
    k = p.get("kernel", fields.integer(1))
    if find == "padding":
        return design.solve_padding(n, k, out, stride=p.get("stride", fields.integer(1), 1), dilation=d)
    if find == "stride":
        return design.solve_stride(n, k, out, padding=p.get("padding", fields.integer(0), 0), dilation=d)
    return design.solve_output_padding(n, out, k, stride=p.get("stride", fields.integer(1), 1),
                                       padding=p.get("padding", fields.integer(0), 0), dilation=d)
