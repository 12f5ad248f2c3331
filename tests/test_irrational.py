"""Irrational values: float64 first, exact SymPy forms built lazily and equal to the eager ones; softmax and
attention stable for any size of score."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import example, given, reject, settings
from hypothesis import strategies as st

from nnsteps.irrational import Irrational, Real, Recipe, lazy_apply
from nnsteps.numbers import to_exact_string, to_latex, to_text

rationals = st.fractions(min_value=-50, max_value=50, max_denominator=1000).filter(lambda q: q != 0)
SYMPY = {"tanh": sympy.tanh, "exp": sympy.exp, "sigmoid": lambda e: 1 / (1 + sympy.exp(-e))}


@settings(max_examples=150, deadline=None)
@given(q=rationals, name=st.sampled_from(["tanh", "exp", "sigmoid"]))
def test_short_forms_print_as_sympy_does(q, name):
    x = lazy_apply(name, q)
    eager = SYMPY[name](sympy.Rational(q.numerator, q.denominator))
    assert x.short_exact() == str(eager)
    assert x.short_exact(latex=True) == sympy.latex(eager)
    assert str(x.exact) == str(eager) and float(x) == pytest.approx(float(eager), rel=1e-14)


def _eager(q):
    return sympy.Rational(q.numerator, q.denominator)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["+", "-", "*", "/", "tanh", "sigmoid", "exp"]), rationals),
                min_size=1, max_size=8))
@example([("*", Fraction(1909, 126)), ("exp", Fraction(1909, 126)), ("exp", Fraction(1)), ("+", Fraction(50)),
          ("exp", Fraction(46, 19)), ("sigmoid", Fraction(44)), ("exp", Fraction(250, 13)), ("-", Fraction(1909, 126))])
def test_lazy_forms_equal_the_eager_sympy_forms(program):
    """A chain of operations on Reals builds, when asked, exactly the form SymPy built eagerly."""
    lazy, eager = Real.of(Fraction(1, 2)), _eager(Fraction(1, 2))
    for op, q in program:
        if op in SYMPY:
            try:
                eager_next = SYMPY[op](eager)
            except OverflowError:  # SymPy's own eager evaluation of an exp tower overflows: no reference
                reject()
            lazy, eager = lazy.apply(op), eager_next
        else:
            fn = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
                  "/": lambda a, b: a / b}[op]
            lazy, eager = fn(lazy, q), fn(eager, _eager(q))
    out = lazy.value()
    if isinstance(out, Irrational):
        assert str(out.exact) == str(eager)
        assert float(out) == pytest.approx(float(eager), rel=1e-9, abs=1e-12)
    elif not isinstance(out, float):  # past the depth bound a value is a plain float
        assert sympy.Rational(out.numerator, out.denominator) == eager


def test_rational_results_stay_exact():
    assert lazy_apply("tanh", 0) == 0 and lazy_apply("sigmoid", 0) == Fraction(1, 2)
    assert lazy_apply("sqrt", Fraction(9, 4)) == Fraction(3, 2) and lazy_apply("log", 1) == 0
    x = Real.of(Fraction(1, 3)).apply("tanh")
    assert (x * 0).q == 0 and (x - x).q == 0 and (x / x).q == 1


def test_equality_and_display_need_no_sympy_form():
    a, b = lazy_apply("tanh", Fraction(1, 3)), lazy_apply("tanh", Fraction(1, 4))
    deep = (Real.of(a) * 3 + Real.of(b)).value()
    assert a != b and Real.of(a) != Real.of(b)
    assert to_text(deep) == f"{float(deep):.10g}" and to_latex(deep) == f"{float(deep):.10g}"
    assert to_text(a) == "tanh(1/3) (≈ 0.3215127375)"
    assert not a.recipe.built and not deep.recipe.built  # nothing asked for the exact forms
    assert to_exact_string(deep) == "tanh(1/4) + 3*tanh(1/3)"


def test_pickling_keeps_the_recipe_unbuilt():
    x = (Real.of(lazy_apply("sigmoid", 2)) * Fraction(1, 2)).value()
    y = pickle.loads(pickle.dumps(x))
    assert float(y) == float(x) and not y.recipe.built
    assert str(y.exact) == str(x.exact) == "1/(2*(exp(-2) + 1))"


def test_recipe_builds_iteratively_past_the_recursion_limit():
    r = Recipe.rational(0)
    for _ in range(3 * sys.getrecursionlimit()):
        r = Recipe("+", r, Recipe.rational(1))
    assert r.build() == 3 * sys.getrecursionlimit()


@pytest.mark.parametrize("path", ["examples/backprop.yaml", "bench/rnn_dlai_10.yaml", "bench/rnn_step_target.yaml"])
def test_solving_with_text_or_markdown_never_imports_sympy(path):
    code = ("import sys\nfrom nnsteps.problems.solve import solve_file\nfrom nnsteps.render.markdown import "
            "solved_file_to_markdown\nfrom nnsteps.render.text import solved_file_to_text\n"
            f"s = solve_file({path!r})\nitems = [(str(i), x.worked) for i, x in enumerate(s.solved)]\n"
            "solved_file_to_markdown(s.title, items)\nsolved_file_to_text(s.title, items)\n"
            "assert 'sympy' not in sys.modules, 'sympy imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_attention_with_scores_of_900_matches_torch():
    torch = pytest.importorskip("torch")
    from nnsteps.ops.sequence.attention import self_attention

    X = [[30, 0], [0, 30], [1, 1]]
    W = [[1, 0], [0, 1]]
    V = [[1, 2], [3, 4]]
    w = self_attention(X, W, W, V, scale=False)
    assert w.answer["scores"][0][0] == 900
    Xt = torch.tensor(X, dtype=torch.float64)
    Wt, Vt = torch.tensor(W, dtype=torch.float64), torch.tensor(V, dtype=torch.float64)
    Q, K, Vv = Xt @ Wt.T, Xt @ Wt.T, Xt @ Vt.T
    A = torch.softmax(Q @ K.T, dim=-1)
    np.testing.assert_allclose(np.array(w.answer["weights"], dtype=float), A.numpy(), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(np.array(w.answer["output"], dtype=float), (A @ Vv).numpy(), rtol=1e-13)
    exact = w.answer["weights"][0][0]
    assert isinstance(exact, Irrational) and str(exact.exact) == "exp(900)/(1 + exp(30) + exp(900))"
    assert math.isfinite(float(exact))


def test_cross_entropy_with_large_logits_matches_torch():
    torch = pytest.importorskip("torch")
    from nnsteps.ops.mlp.network import mlp

    w = mlp([1], [{"weights": [[800], [0]], "bias": [0, 0], "activation": "none"}], target=[0, 1],
            loss="cross_entropy")
    z = torch.tensor([800.0, 0.0], dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(z.unsqueeze(0), torch.tensor([[0.0, 1.0]], dtype=torch.float64),
                                             reduction="sum")
    loss.backward()
    assert float(w.answer["loss"]) == pytest.approx(loss.item(), rel=1e-13)
    grads = np.array(w.answer["grads"]["layers"][0]["bias"], dtype=float)
    np.testing.assert_allclose(grads, z.grad.numpy(), rtol=1e-13)
