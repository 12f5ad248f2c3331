"""The ``graph`` kind: a scalar computational graph (CS231n's ``q = x + y; f = q * z``), forward and
backward, read by the safe expression reader: fields, solver, likely mistakes and generator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import one
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType, Params, register
from nnsteps.work import Worked

T = FieldType
NAME = "graph"
EXAMPLE = {"expression": "q = x + y; f = q * z", "values": {"x": -2, "y": 5, "z": -4}}
FAN_OUT = ("sum", "last")
def _values(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise NnstepsError(f"expected a mapping of input names to numbers, got {value!r}")
    out = {}
    for k, v in value.items():
        try:
            out[str(k)] = F.number(v)
        except NnstepsError as err:
            raise NnstepsError(f"{k}: {err.message}") from None
    return out


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise NnstepsError(f"expected text, got {value!r}")
    return value


FIELDS = (
    Field("expression", T.TEXT, "assignments 'q = x + y; f = q * z' or one expression; + - * / ^, exp, log, sqrt, "
          "sigmoid, tanh, relu, max, min, abs", required=True, example=EXAMPLE["expression"], parse=_text),
    Field("values", T.MAPPING, "each input's value", required=True, example=EXAMPLE["values"], parse=_values),
    Field("output", T.TEXT, "which assigned name is f (default: the last)", example="f", parse=_text),
    Field("fan_out", T.CHOICE, "how a value used more than once gathers its gradient: sum (the chain rule); "
          "last keeps one path (the named mistake, for checking)", default="sum", choices=FAN_OUT, example="sum"),
)


def _fans_out(p: Params) -> bool:
    """Whether some value feeds two operations (or one twice), so the sum matters."""
    from nnsteps.ops.graph import graph

    if p.expression is None or p.values is None:
        return False
    try:
        w = graph(p.expression, p.values, p.output)
    except NnstepsError:
        return False
    uses: dict[str, int] = {}
    for node in w.meta["nodes_drawn"]["nodes"]:
        for a in node["args"]:
            uses[a] = uses.get(a, 0) + 1
    return any(n > 1 for n in uses.values())


def _mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    if p.fan_out == "sum" and _fans_out(p):
        return [("fan-out gradients not summed (one path kept)", M.set_field("fan_out", "last"))]
    return []


def _statement(p: Any) -> Any:
    """A graph's question: its equations verbatim, the input values."""
    from nnsteps.render.statement import Given, Statement, named, value

    text = value(p, "expression", "")
    text = "\n".join(text) if isinstance(text, list) else str(text)
    return Statement("Evaluate the computational graph below forward, then backpropagate to every input.",
                     [Given("Graph", code=text.replace("; ", "\n")), Given("Inputs", named(value(p, "values", {})))],
                     ["the output and every node's value", "the gradient of the output with respect to each input"])


@register(NAME, fields=FIELDS, statement=_statement, summary="a computational graph: every node forward, local derivatives, "
          "backpropagation to each input", answer=("value", "nodes", "grads"), example=EXAMPLE,
          mistakes=_mistakes, form={"group": "backprop"},
          aliases={"computational_graph": "", "autograd": "", "chain_rule": ""})
def solve_graph(p: Params) -> Worked:
    """A ``graph`` problem (:mod:`nnsteps.ops.graph`).

    >>> from nnsteps.problems.registry import Problem
    >>> solve_graph(Problem({"id": "g", "kind": NAME, **EXAMPLE}).params).answer["grads"]
    {'x': -4, 'y': -4, 'z': 3}
    """
    from nnsteps.ops.graph import graph

    try:
        return graph(p.expression, p.values, p.output, fan_out=p.fan_out, kind=NAME)
    except NnstepsError as err:
        raise err.located(problem=p.id, field=err.field or "expression") from None


_SHAPES = (
    ("q = x + y; f = q * z", ("x", "y", "z")),
    ("a = x * y; f = a + x", ("x", "y")),
    ("s = w0 * x0 + w1 * x1 + b; f = sigmoid(s)", ("w0", "x0", "w1", "x1", "b")),
    ("h = relu(w * x + b); f = (h - y)^2", ("w", "x", "b", "y")),
    ("a = x * y; b = max(x, y); f = a + b", ("x", "y")),
    ("f = (x + y) * (x - z)", ("x", "y", "z")),
)


@generator(NAME)
def graph_problem(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A small graph in one of a few course shapes, with small integer inputs.

    >>> sorted(graph_problem(np.random.default_rng(0), {}))
    ['expression', 'kind', 'values']
    """
    text, names = one(rng, list(_SHAPES))
    return {"kind": NAME, "expression": text, "values": {n: int(rng.integers(-4, 5)) for n in names}}
