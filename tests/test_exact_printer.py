"""Exact forms printed from their recipes without SymPy: the strings SymPy printed (a pinned corpus from the
bundled examples and the bench files, and SymPy itself in these tests only), values that read back to the
number, the cost bounds, and a JSON solve that never imports SymPy."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nnsteps.expr import parse
from nnsteps.irrational import Irrational, Real, Recipe, inv_sum_exp, lazy_apply
from nnsteps.irrational.printer import MAX_FORM_DEPTH, recipe_form, recipe_text
from nnsteps.numbers import to_exact_string
from nnsteps.problems.load import load_file
from nnsteps.problems.solve import problems_of, solve_problem

ROOT = Path(__file__).resolve().parents[1]
CORPUS = json.loads((ROOT / "tests" / "golden" / "exact_forms.json").read_text(encoding="utf-8"))


def irrationals(value: Any, path: str = "") -> dict[str, Irrational]:
    """Every irrational of an answer, by its path ("grads/layers/0/weights/1/0")."""
    if isinstance(value, Irrational):
        return {path.lstrip("/"): value}
    if isinstance(value, np.ndarray):
        value = value.tolist()
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else []
    out: dict[str, Irrational] = {}
    for key, v in items:
        out.update(irrationals(v, f"{path}/{key}"))
    return out


@pytest.mark.parametrize("path", sorted(CORPUS))
def test_every_exact_form_of_the_examples_prints_as_sympy_printed_it(path: str) -> None:
    document = load_file(ROOT / path)
    printed: dict[str, dict[str, str]] = {}
    for i, raw in enumerate(problems_of(document)[1]):
        found = irrationals(solve_problem(raw, i).worked.answer)
        if found:
            printed[str(raw["id"])] = {k: recipe_text(v.recipe) or "" for k, v in found.items()}
    assert printed == CORPUS[path]


def test_the_corpus_covers_sigmoid_tanh_softmax_roots_and_updates() -> None:
    forms = [s for problems in CORPUS.values() for answers in problems.values() for s in answers.values()]
    assert len(forms) == 280
    assert "1/(exp(-151/400) + 1)" in forms and "exp(1/10)/(exp(1/10) + E + exp(2))" in forms
    assert "-200*sqrt(24000090)/800003" in forms and any(s.startswith("tanh(") for s in forms)


F = Fraction


@pytest.mark.parametrize("build, text", [
    (lambda: lazy_apply("sigmoid", 1), "1/(exp(-1) + 1)"),
    (lambda: lazy_apply("sigmoid", F(-7, 2)), "1/(1 + exp(7/2))"),
    (lambda: lazy_apply("exp", 1), "E"),
    (lambda: Real.of(lazy_apply("sigmoid", 2)) * F(1, 2), "1/(2*(exp(-2) + 1))"),
    (lambda: Real.of(lazy_apply("tanh", F(1, 3))) * 3 + lazy_apply("tanh", F(1, 4)), "tanh(1/4) + 3*tanh(1/3)"),
    (lambda: Real.of(F(3)).apply("sqrt") / 12, "sqrt(3)/12"),
    (lambda: Real.of(F(1, 2)).apply("sqrt"), "sqrt(2)/2"),
    (lambda: Real.of(F(8)).apply("sqrt") * Real.of(F(3)).apply("sqrt"), "2*sqrt(6)"),
    (lambda: Real.of(F(1, 2)).apply("log"), "-log(2)"),
    (lambda: Real.of(F(-1, 3)).apply("tanh") * 2 - 1, "-1 - 2*tanh(1/3)"),
    (lambda: 1 - Real.of(F(1, 3)).apply("exp").apply("tanh"), "1 - tanh(exp(1/3))"),
    (lambda: (Real.of(F(1, 3)).apply("exp") * Real.of(F(1, 2)).apply("exp")), "exp(5/6)"),
    (lambda: 1 / Real.of(F(1, 3)).apply("exp"), "exp(-1/3)"),
    (lambda: (Real.of(F(1, 3)).apply("exp") + 1) * 2, "2 + 2*exp(1/3)"),
    (lambda: Real.of(F(2)).apply("exp").apply("log"), "2"),  # log(e²) = 2, carried as a float with its recipe
    (lambda: (Real.of(F(1, 3)).apply("tanh") + Real.of(F(7, 4)).apply("log") / 2 + 3).apply("exp"),
     "sqrt(7)*exp(tanh(1/3) + 3)/2"),
])
def test_known_forms_print_as_sympy_prints_them(build: Any, text: str) -> None:
    value = build()
    value = value.value() if isinstance(value, Real) else value
    assert isinstance(value, Irrational)
    assert to_exact_string(value) == text == str(value.exact)


@pytest.mark.parametrize("q", [F(72), F(1, 2), F(9, 8), F(902702001895204000997502, 9995000019990000009995),
                               F((10**150 + 7) * (10**149 + 9)), F(2 * 52579**2, 3 * 66666667**2), F(2**31 - 1)])
def test_square_roots_of_rationals_take_out_the_factors_sympy_takes_out(q: Fraction) -> None:
    value = Real.of(q).apply("sqrt").value()
    assert to_exact_string(value) == str(sympy.sqrt(sympy.Rational(q.numerator, q.denominator)))


@pytest.mark.parametrize("z", [10**299 + 1, -(10**299) - 1])
def test_sigmoid_of_a_300_digit_number_orders_its_sum_as_sympy_does_without_evaluating_it(z: int) -> None:
    value = lazy_apply("sigmoid", z)
    assert to_exact_string(value) == str(value.exact)
    assert to_exact_string(value).startswith("1/(exp(-1000" if z > 0 else "1/(1 + exp(1000")


@pytest.mark.parametrize("diffs, start", [([0, 900, 1000], "1/(1 + exp(900) + exp(1000))"),
                                          ([0, -10**299, -2 * 10**299], "1/(exp(-2000")])
def test_a_sum_whose_terms_overflow_or_underflow_alike_is_left_to_sympy(diffs: list[int], start: str) -> None:
    """e^900 and e^1000 are both inf in float64 (e^(−10^299) and e^(−2·10^299) both 0): the floats cannot
    order the terms as SymPy does, so SymPy prints that form."""
    value = inv_sum_exp([F(d) for d in diffs], 0.5)
    assert recipe_text(value.recipe) is None
    assert to_exact_string(value) == str(value.exact) and to_exact_string(value).startswith(start)


def test_a_form_given_ready_as_sympy_is_printed_by_sympy() -> None:
    x = Irrational(sympy.sqrt(2) + sympy.pi)
    assert recipe_text(x.recipe) is None and x.exact_text() == "sqrt(2) + pi"


def test_a_form_nested_past_the_depth_bound_is_left_to_sympy_and_still_right() -> None:
    r = Recipe("tanh", Recipe.rational(F(1, 3)))
    for i in range(MAX_FORM_DEPTH):
        r = Recipe("*", Recipe("+", r, Recipe.rational(F(1, 3))), Recipe("tanh", Recipe.rational(F(1, i + 2))))
    assert recipe_form(r) is None
    small = Recipe("*", Recipe("+", Recipe("tanh", Recipe.rational(F(1, 3))), Recipe.rational(1)),
                   Recipe("tanh", Recipe.rational(F(1, 2))))
    assert recipe_text(small) == "(tanh(1/3) + 1)*tanh(1/2)" == str(small.build())


def test_a_shared_subform_is_made_once_per_recipe_node() -> None:
    s = Recipe("sigmoid", Recipe.rational(F(3, 4)))
    total = Recipe("+", Recipe("*", s, s), s)
    assert recipe_text(total) == "(exp(-3/4) + 1)**(-2) + 1/(exp(-3/4) + 1)" == str(total.build())
    assert s.form is not None and recipe_form(s) is s.form


small = st.fractions(min_value=-3, max_value=3, max_denominator=12)
programs = st.recursive(
    small.map(lambda q: ("q", q)),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(["tanh", "exp", "sigmoid", "sqrt", "log", "neg"]), inner),
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), inner, inner)),
    max_leaves=7)


def run(program: Any) -> Real:
    """A program of operations on Reals, as the ops compute (roots and logs of x² + 1/4, never of a
    negative number; exponentials and divisions that would leave float64's range rejected, and e to a
    multiple of a log, which nnsteps never builds: e^(log(y)/3) is a cube root, left to SymPy)."""
    op = program[0]
    if op == "q":
        return Real.of(program[1])
    args = [run(p) for p in program[1:]]
    if op in ("sqrt", "log"):
        return (args[0] * args[0] + F(1, 4)).apply(op)
    if op == "neg":
        return -args[0]
    if op in ("tanh", "exp", "sigmoid"):
        assume(op != "exp" or (float(args[0]) < 30 and "log" not in repr(program[1])))
        return args[0].apply(op)
    assume(op != "/" or abs(float(args[1])) > 1e-6)
    return {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
            "/": lambda a, b: a / b}[op](args[0], args[1])


@settings(max_examples=120, deadline=None)
@given(programs)
def test_a_printed_form_reads_back_to_its_value_and_is_sympys_text_and_latex(program: Any) -> None:
    value = run(program).value()
    assume(isinstance(value, Irrational))
    text = recipe_text(value.recipe)
    assert text is not None
    read = parse(text).evaluate({"E": math.e})  # the safe reader, never eval
    assert float(read) == pytest.approx(float(value), rel=1e-9, abs=1e-12)
    assert text == str(value.exact)
    assert value.exact_latex() == sympy.latex(value.exact)


def test_a_json_solve_of_backprop_prints_every_exact_form_without_sympy(tmp_path: Path) -> None:
    code = ("import json, sys\nimport nnsteps.__main__, nnsteps.hot\nfrom nnsteps.jobs import solve_task\n"
            "out = json.loads(solve_task('examples/backprop.yaml', 'json', None))\n"
            "print(json.dumps([out['problems'][0]['answer_exact']['loss'], 'sympy' in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}, timeout=120)
    loss, imported = json.loads(done.stdout)
    assert loss == CORPUS["examples/backprop.yaml"]["mlp"]["loss"] and imported is False
