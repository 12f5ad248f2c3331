"""The safe expression reader: what it reads, what it refuses (one line with the column), and that its
SymPy objects and exact values are the ones the text means."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from nnsteps import limits
from nnsteps.errors import NnstepsError
from nnsteps.expr import EvaluationError, parse, parse_assignments, same_value
from nnsteps.ops.rnn.symbolic import rnn_closed_form

X, Y = sympy.symbols("x y")


@pytest.mark.parametrize(("text", "expected"), [
    ("-x^2", -(X**2)),
    ("-x**2", -(X**2)),
    ("2^3^2", sympy.Integer(512)),
    ("x^-1", 1 / X),
    ("(x + y)*(x - y)", (X + Y) * (X - Y)),
    ("x/y/2", X / Y / 2),
    ("x - y - 1", X - Y - 1),
    ("0.3*x", sympy.Rational(3, 10) * X),
    ("1e-3 + x", X + sympy.Rational(1, 1000)),
    ("sigmoid(x)", 1 / (1 + sympy.exp(-X))),
    ("relu(x) + Max(x, y, 1) + min(x, y) + abs(x)", sympy.Max(0, X) + sympy.Max(X, Y, 1) + sympy.Min(X, Y)
     + sympy.Abs(X)),
    ("ln(x) + log(y) + sqrt(x) + exp(y) + tanh(x)", sympy.log(X) + sympy.log(Y) + sympy.sqrt(X) + sympy.exp(Y)
     + sympy.tanh(X)),
    ("x − y · 2 × x", X - 2 * Y * X),
])
def test_reads_maths_as_written(text, expected):
    assert parse(text, ["x", "y"]).to_sympy() == expected


@pytest.mark.parametrize(("text", "values", "value"), [
    ("0.3 + 0.6", {}, Fraction(9, 10)),
    ("x/3", {"x": 1}, Fraction(1, 3)),
    ("sqrt(9/4) + x^(1/2)", {"x": Fraction(4, 9)}, Fraction(13, 6)),
    ("-x^2", {"x": 3}, -9),
    ("2^-2", {}, Fraction(1, 4)),
    ("sigmoid(0) + tanh(0) + exp(0) + log(1) + heaviside(0)", {}, 2),
    ("relu(x) + max(x, 1, 2) + min(x, 0) + abs(x)", {"x": -3}, 2),
])
def test_evaluates_exactly_while_rational(text, values, value):
    got = parse(text, values.keys()).evaluate(values)
    assert got == value and not isinstance(got, float)


def test_leaves_the_rationals_as_floats():
    assert parse("exp(1)").evaluate({}) == pytest.approx(2.718281828459045, rel=1e-15)
    assert isinstance(parse("sqrt(2)").evaluate({}), float)
    assert parse("sigmoid(-1000) + tanh(1000)").evaluate({}) == 1.0


def test_keys_written_by_sympy_read_back_to_the_same_expression():
    for activation in ("none", "tanh", "sigmoid", "relu"):
        cf = rnn_closed_form(3, activation=activation, biases=("b_h", "b_y"))
        for expr in [cf.h_L, cf.y, *cf.grads.values()]:
            assert parse(str(expr)).to_sympy() == expr


@pytest.mark.parametrize(("text", "message"), [
    ("x +", "at column 4: the expression ends too soon"),
    ("(x + y))", "at column 8: unexpected ')'"),
    ("(x + y", "at column 7: expected ')' to close the '(' at column 1"),
    ("2x", "at column 2: expected an operator before 'x' (write * for a product)"),
    ("x y", "at column 3: expected an operator before 'y'"),
    ("z + 1", "at column 1: unknown name 'z'; the names are x, y"),
    ("x.__class__", "at column 2: unexpected character '.'"),
    ("__import__('os')", "at column 1: names may not start with '_', got '__import__'"),
    ("lambda: x", "at column 1: unknown name 'lambda'"),
    ("open(x)", "at column 1: 'open' is not a known function"),
    ("tanh", "at column 1: the function 'tanh' needs its argument in parentheses"),
    ("tanh(x, y)", "at column 1: tanh takes 1 argument, got 2"),
    ("x / (y - y + 0) + 1/0", "at column 20: division by zero"),
    ("3**(3*10**7)", "at column 2: the exponent 30000000 is over the limit of 1000"),
    ("x^(10^10)", "at column 2: the exponent 10000000000 is over the limit of 1000"),
    ("(2^1000)^1000", "at column 3: the value is over 300 digits"),
    ("1e999999999", "at column 1: expected a number of at most 300 digits"),
    ("x\x00", "at column 2: unexpected character U+0000"),
    ("", "expected an expression, got empty text"),
])
def test_refusals_are_one_line_with_the_column(text, message):
    with pytest.raises(NnstepsError) as info:
        parse(text, ["x", "y"])
    assert message in str(info.value) and "\n" not in str(info.value)


def test_size_and_depth_are_bounded():
    deep = "(" * (limits.MAX_EXPR_DEPTH + 1) + "x" + ")" * (limits.MAX_EXPR_DEPTH + 1)
    with pytest.raises(NnstepsError, match=f"nested more than {limits.MAX_EXPR_DEPTH} levels deep"):
        parse(deep, ["x"])
    with pytest.raises(NnstepsError, match="nested more than"):
        parse("-" * 1000 + "x", ["x"])
    with pytest.raises(NnstepsError, match="nested more than"):
        parse("x" + "^x" * 1000, ["x"])
    with pytest.raises(NnstepsError, match=r"over the limit of 5,000"):
        parse("x+" * 3000 + "x", ["x"])
    long_sum = parse("+".join(["x"] * 2000), ["x"])  # a flat node: no recursion per term
    assert long_sum.evaluate({"x": Fraction(1, 2)}) == 1000
    assert long_sum.to_sympy() == 2000 * X


def test_evaluation_refuses_what_has_no_finite_value():
    for text, values, message in [("1/(x - 1)", {"x": 1}, "division by zero"),
                                  ("log(x)", {"x": -1}, "log of a number <= 0"),
                                  ("sqrt(x)", {"x": -4}, "sqrt of a negative number"),
                                  ("exp(x)", {"x": 10**5}, "exp overflows"),
                                  ("x^1000", {"x": 10**5}, "over 300 digits"),
                                  ("x^x", {"x": 999}, "exponent 999 is over|over 300 digits")]:
        with pytest.raises(EvaluationError, match=message):
            parse(text, ["x"]).evaluate(values)


def test_assignments_define_each_name_once_in_order():
    prog = parse_assignments("q = x + y\nf = q * z; g = f - q", ["x", "y", "z"])
    assert list(prog) == ["q", "f", "g"]
    values: dict = {"x": -2, "y": 5, "z": -4}
    for name, expr in prog.items():
        values[name] = expr.evaluate(values)
    assert (values["q"], values["f"], values["g"]) == (3, -12, -15)
    for text, message in [("q = x; q = 2", "at column 8: 'q' is defined twice"),
                          ("x = 1", "at column 1: 'x' is defined twice"),
                          ("f = q * x; q = 1", "at column 5: unknown name 'q'"),
                          ("f x + 1", "at column 1: expected 'name = expression'"),
                          ("exp = x", "'exp' cannot be assigned"),
                          ("q = ", "at column 5: expected an expression, got empty text"),
                          ("", "got empty text")]:
        with pytest.raises(NnstepsError) as info:
            parse_assignments(text, ["x"])
        assert message in str(info.value)


def test_identity_test_decides_by_value_never_by_simplify():
    names = ["x", "y"]
    assert same_value(parse("(x + y)^3", names), parse("x^3 + 3*x^2*y + 3*x*y^2 + y^3", names)).verdict == "equal"
    assert same_value(parse("sigmoid(x)", names), parse("exp(x)/(1 + exp(x))", names)).verdict == "equal"
    different = same_value(parse("x^2", names), parse("x^2 + 10^-12", names))
    assert different.verdict == "different" and different.point is not None
    assert same_value(parse("x^2 - 1", names), parse("x^2 - 1 + y - y", names)).verdict == "equal"
    # never defined at the same point: neither confirmed nor refuted
    unknown = same_value(parse("log(x)", names), parse("log(-x)", names))
    assert unknown.verdict == "unknown" and "log of a number <= 0" in (unknown.reason or "")
    # the work budget ends the test, whatever the expressions
    spent = same_value(parse("+".join(["x"] * 2000), names), parse("2000*x", names), work=5_000)
    assert spent.verdict == "unknown" and "work budget" in (spent.reason or "")
    # deterministic for a seed
    a, b = parse("x*y", names), parse("x + y", names)
    assert same_value(a, b, seed=3).point == same_value(a, b, seed=3).point
