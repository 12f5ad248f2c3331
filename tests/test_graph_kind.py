"""The graph kind: CS231n's two examples, SymPy's derivatives of the reader's form, the fan-out sum and
its named mistake, bad input."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from nnsteps.errors import NnstepsError
from nnsteps.expr import parse_assignments
from nnsteps.kinds.graph import _SHAPES
from nnsteps.ops.graph import graph
from nnsteps.problems.registry import Problem, load_kinds


def test_cs231n_sum_times():
    w = graph("q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4})
    assert w.answer == {"value": -12, "nodes": {"q": 3, "f": -12}, "grads": {"x": -4, "y": -4, "z": 3}}


def test_cs231n_sigmoid_neuron():
    w = graph("1/(1+exp(-(w0*x0+w1*x1+w2)))", {"w0": 2, "w1": -3, "w2": -3, "x0": -1, "x1": -2})
    g = {k: float(v) for k, v in w.answer["grads"].items()}
    assert [round(g[k], 2) for k in ("w0", "w1", "w2")] == [-0.2, -0.39, 0.2]
    assert [round(g[k], 2) for k in ("x0", "x1")] == [0.39, -0.59]
    assert w.answer["value"] == pytest.approx(1 / (1 + np.exp(-1.0)))


def _sympy_grads(text: str, values: dict[str, int]) -> dict[str, float]:
    defs = parse_assignments(text, values)
    env: dict[str, object] = {}
    expr = None
    for name, tree in defs.items():  # substitute earlier names: f as a function of the inputs
        expr = tree.to_sympy().subs(env)
        env[sympy.Symbol(name)] = expr
    at = {sympy.Symbol(k): v for k, v in values.items()}
    return {k: float(sympy.diff(expr, sympy.Symbol(k)).subs(at)) for k in values}


@pytest.mark.parametrize("seed", range(12))
def test_matches_sympy_on_generated_shapes(seed):
    rng = np.random.default_rng(seed)
    text, names = _SHAPES[seed % len(_SHAPES)]
    values = {n: int(rng.integers(-4, 5)) for n in names}
    if "max" in text and values["x"] == values["y"] or "relu" in text:
        values = {n: v if v != 0 else 1 for n, v in values.items()}
    if "relu" in text:  # keep off the kink, where SymPy's derivative is undefined
        values.update(w=2, x=3, b=1)
    if "max" in text and values["x"] == values["y"]:
        values["x"] += 1
    got = graph(text, values).answer["grads"]
    want = _sympy_grads(text, values)
    assert {k: float(v) for k, v in got.items()} == pytest.approx(want)


def test_fan_out_sums_and_the_named_mistake():
    raw = {"id": "g", "kind": "graph", "expression": "a = x * y; f = a + x", "values": {"x": 3, "y": 2}}
    right = load_kinds()["graph"].solve(Problem(raw)).answer["grads"]
    assert right == {"x": 3, "y": 3}  # ∂f/∂x = y + 1: two paths summed
    names = [n for n, _ in load_kinds()["graph"].likely_mistakes(raw)]
    assert names == ["fan-out gradients not summed (one path kept)"]
    wrong = graph("a = x * y; f = a + x", {"x": 3, "y": 2}, fan_out="last").answer["grads"]
    assert wrong["x"] != right["x"]
    assert load_kinds()["graph"].likely_mistakes({**raw, "expression": "q = x + y; f = q * z",
                                                   "values": {"x": 1, "y": 2, "z": 3}}) == []


def test_repeated_factor_and_powers_exact():
    w = graph("f = x * x + x^3 / 2", {"x": 3})
    assert w.answer["grads"] == {"x": Fraction(39, 2)}  # 2x + 3x²/2 at 3, exact


@pytest.mark.parametrize(("text", "values", "message"), [
    ("q = x + ; f = q * z", {"x": 1, "z": 2}, "at column 9"),
    ("f = x * w", {"x": 1}, "unknown name 'w'"),
    ("f = log(x)", {"x": -1}, "log of a number <= 0"),
])
def test_bad_input_one_line(text, values, message):
    with pytest.raises(NnstepsError) as err:
        load_kinds()["graph"].solve(Problem({"id": "g", "kind": "graph", "expression": text, "values": values}))
    assert message in str(err.value) and "\n" not in str(err.value) and "field expression" in str(err.value)


@pytest.mark.parametrize("seed", range(6))
def test_steps_are_honest(seed):
    from tests.helpers.step_honesty import check_steps

    text, names = _SHAPES[seed]
    rng = np.random.default_rng(seed)
    w = graph(text, {n: int(rng.integers(-4, 5)) for n in names})
    assert check_steps(w.walk()) >= 2


def test_graph_is_drawn_in_html_and_tabled_in_text():
    from nnsteps.render.html import worked_to_html

    w = load_kinds()["graph"].solve(Problem({"id": "g", "kind": "graph", "expression": "q = x + y; f = q * z",
                                             "values": {"x": -2, "y": 5, "z": -4}}))
    page = worked_to_html(w)
    assert page.count('<svg class="graph"') == 1 and page.count("<line") == 4 and "<script" not in page
    text = w.to_text()
    assert "Graph" in text and "grad" in text
