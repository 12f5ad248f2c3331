"""Reading and writing numbers and arrays: exact by default, floats only when given floats."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.arrays import as_array, is_exact_array, unify
from nnsteps.errors import NnstepsError
from nnsteps.numbers import (
    Irrational,
    exact_decimal,
    parse_number,
    to_exact_string,
    to_json,
    to_latex,
    to_latex_operand,
    to_text,
)
from nnsteps.ops.grid.conv import conv2d
from nnsteps.problems.load import loads
from nnsteps.render.values import exact_value, json_value, latex_matrix, text_matrix

# ------------------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0.3", Fraction(3, 10)), ("1/3", Fraction(1, 3)), ("-2", -2), (" +7 ", 7), ("−2", -2),  # U+2212 minus
        (".5", Fraction(1, 2)), ("2.", 2), ("1e-3", Fraction(1, 1000)), ("2.5E2", 250), ("-4/6", Fraction(-2, 3)),
        (r"\frac{1}{4}", Fraction(1, 4)), (r"-\frac{3}{6}", Fraction(-1, 2)), (r"\dfrac{-1}{3}", Fraction(-1, 3)),
        (0.3, Fraction(3, 10)), (0.1 + 0.2, Fraction("0.30000000000000004")), (Fraction(14, 2), 7), (5, 5),
        (np.int64(4), 4),
    ],
)
def test_parse_number(text: object, expected: object) -> None:
    value = parse_number(text)
    assert value == expected
    assert type(value) is type(expected)  # 7, not Fraction(7, 1); Fractions stay Fractions


def test_python_floats_are_read_from_their_repr_and_numpy_floats_stay_float() -> None:
    assert parse_number(0.1) == Fraction(1, 10) != Fraction(0.1)  # what was typed, not the binary value
    value = parse_number(np.float64(0.1))
    assert type(value) is float and value == 0.1
    irrational = Irrational(sympy.sqrt(2))
    assert parse_number(irrational) is irrational
    with pytest.raises(NnstepsError, match="expected a finite number"):
        parse_number(np.float64("inf"))


def test_a_numpy_float_bias_is_read_not_crashed_on() -> None:
    # np.float64 is a Python float whose repr is 'np.float64(0.5)': it used to reach Fraction(repr(x))
    out = conv2d(np.ones((2, 2)), np.ones((1, 1)), bias=np.float64(0.5))
    assert out.value.dtype == np.float64 and out.value.tolist() == [[1.5, 1.5], [1.5, 1.5]]


@pytest.mark.parametrize(
    "bad, message",
    [("abc", "expected a number, got 'abc'"), ("1/0", "division by zero"), ("inf", "expected a number, got 'inf'"),
     (float("nan"), "expected a finite number, got nan"), (True, "expected a number, got True"),
     ("1" * 301 + ".5", "at most 300 digits"), ("1e999999999", "at most 300 digits")],
)
def test_parse_number_rejects(bad: object, message: str) -> None:
    with pytest.raises(NnstepsError, match=message.replace("(", r"\(")):
        parse_number(bad)


@settings(max_examples=60, deadline=None)
@given(st.fractions(max_denominator=10**6))
def test_fraction_text_round_trips(x: Fraction) -> None:
    assert parse_number(f"{x.numerator}/{x.denominator}") == x
    assert Fraction(to_exact_string(x)) == x
    if x.denominator in (1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 100) and len(exact_decimal(x)) <= 24:
        # terminating decimals of readable length print as decimals that read back exactly
        assert parse_number(to_text(x)) == x


def test_yaml_and_json_decimals_are_exact() -> None:
    assert loads("a: 0.1\nb: [1, -2.5, 1.0e-3]") == {"a": Fraction(1, 10), "b": [1, Fraction(-5, 2), Fraction(1, 1000)]}
    # YAML 1.1 reads 1e-3 (no dot) as text; the array reader still makes it exactly 1/1000
    assert as_array(loads("[1e-3, 2]")).tolist() == [Fraction(1, 1000), 2]
    assert loads('{"a": 0.1, "b": 2}') == {"a": Fraction(1, 10), "b": 2}


# ------------------------------------------------------------------------------------------- arrays


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1 2; 3 4", [[1, 2], [3, 4]]),
        ("1 2\n3 4\n", [[1, 2], [3, 4]]),
        ("1, 2; 3, 4", [[1, 2], [3, 4]]),
        ("1 2 3", [1, 2, 3]),  # one row without a separator is a vector
        ("1 2 3;", [[1, 2, 3]]),
        ("0.5 1/3; -2 −1", [[Fraction(1, 2), Fraction(1, 3)], [-2, -1]]),
        (r"\begin{bmatrix} 1 & -2 \\ 0.5 & 1/3 \end{bmatrix}", [[1, -2], [Fraction(1, 2), Fraction(1, 3)]]),
        (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \\ \end{pmatrix}", [[1, 2], [3, 4]]),
        (r"\begin{bmatrix} -1 & \frac{1}{2} \end{bmatrix}", [[-1, Fraction(1, 2)]]),
        (r"$$X = \begin{bmatrix} 1 & 0 \\ \hline 0 & 1 \end{bmatrix}$$", [[1, 0], [0, 1]]),
        ([[1, 2], [3, 4]], [[1, 2], [3, 4]]),
        ([[0.1, "1/4"]], [[Fraction(1, 10), Fraction(1, 4)]]),
        (np.array([[1, 2]], dtype=np.int32), [[1, 2]]),
    ],
)
def test_as_array_reads_exactly(value: object, expected: list) -> None:
    arr = as_array(value)
    assert arr.dtype == object and is_exact_array(arr)
    assert arr.tolist() == expected
    assert all(type(v) in (int, Fraction) for v in arr.flat)
    assert not any(isinstance(v, Fraction) and v.denominator == 1 for v in arr.flat)


def test_numpy_float_arrays_stay_float() -> None:
    arr = as_array(np.array([[0.1, 0.2]]))
    assert arr.dtype == np.float64 and arr.tolist() == [[0.1, 0.2]]
    assert as_array(np.array([1.5], dtype=np.float32)).dtype == np.float64
    assert [a.dtype for a in unify(as_array("1 2"), np.ones(2))] == [np.float64, np.float64]
    assert all(a.dtype == object for a in unify(as_array("1 2"), as_array("3 4")))


@pytest.mark.parametrize(
    "value, message",
    [
        ([[1, 2], [3]], "field x: rows must all have the same length: row 0 has 2 entries, row 1 has 1 entry"),
        ("1 2; 3", "field x: rows must all have the same length: row 0 has 2 entries, row 1 has 1"),
        ([[1, 2], [3, [4]]], "field x: rows must all have the same length: entry [1][0] has a number, "
                             "entry [1][1] has 1 entry"),
        ("1 2; 3 x", "field x: expected a number, got 'x'"),
        ("[[1, 2], [3, 4]]", "field x: expected rows separated by ';' or newlines, got bracketed text"),
        ("", "field x: expected numbers, got empty text"),
        ([[]], "field x: expected numbers, got an empty list at [0]"),
        (np.array([1.0, np.nan]), "field x: expected finite numbers, got nan or inf"),
        (np.ones(40_001, dtype=np.int64), "field x: exact arrays are limited to 40,000 entries, got 40,001"),
    ],
)
def test_as_array_errors_name_the_field_and_the_rule(value: object, message: str) -> None:
    with pytest.raises(NnstepsError) as info:
        as_array(value, name="x")
    assert str(info.value).startswith(message)


def test_as_array_checks_dimensions() -> None:
    # a list is taken as written; a one-row *string* reads as a 1×W grid (issue 10, test_readable.py)
    with pytest.raises(NnstepsError, match=r"field kernel: expected a 2-D or 3-D array, got shape 3"):
        as_array([1, 2, 3], name="kernel", ndim=(2, 3))
    with pytest.raises(NnstepsError, match=r"field kernel: expected a 2-D or 3-D array, got shape 1×1×1×3"):
        as_array([[[["1", 2, 3]]]], name="kernel", ndim=(2, 3))


# --------------------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    "x, text, latex, operand",
    [
        (7, "7", "7", "7"),
        (-2, "-2", "-2", "(-2)"),
        (Fraction(3, 10), "0.3", "0.3", "0.3"),
        (Fraction(-2829, 125000), "-0.022632", "-0.022632", "(-0.022632)"),
        (Fraction(1, 3), "1/3 (≈ 0.3333333333)", r"\frac{1}{3} \approx 0.3333333333", r"\frac{1}{3}"),
        (Fraction(-2, 7), "-2/7 (≈ -0.2857142857)", r"-\frac{2}{7} \approx -0.2857142857", r"(-\frac{2}{7})"),
        (0.1 + 0.2, "0.3", "0.3", "0.3"),  # one number style: operands to the same significant digits
        (2.0, "2", "2", "2"),
        (1.5e-20, "1.5e-20", r"1.5 \cdot 10^{-20}", r"1.5 \cdot 10^{-20}"),
    ],
)
def test_number_formats(x: object, text: str, latex: str, operand: str) -> None:
    assert to_text(x) == text
    assert to_latex(x) == latex
    assert to_latex_operand(x) == operand


def test_irrational_formats_carry_the_exact_form() -> None:
    x = Irrational(1 / (1 + sympy.exp(-3)))
    assert to_text(x) == "1/(exp(-3) + 1) (≈ 0.9525741268)"
    assert to_latex(x).endswith(r"\approx 0.9525741268")
    assert to_exact_string(x) == "1/(exp(-3) + 1)"
    assert to_json(x) == pytest.approx(0.9525741268224334, rel=1e-15)


@pytest.mark.parametrize(
    "x, json_number, exact",
    [
        (7, 7, "7"), (Fraction(8, 2), 4, "4"), (Fraction(1, 4), 0.25, "1/4"),
        (Fraction(-2829, 125000), -0.022632, "-2829/125000"), (0.5, 0.5, "0.5"),
        (np.int64(3), 3, "3"), (np.float64(0.5), 0.5, "0.5"),
    ],
)
def test_json_numbers_and_exact_strings(x: object, json_number: object, exact: str) -> None:
    assert to_json(x) == json_number and type(to_json(x)) is type(json_number)
    assert to_exact_string(x) == exact


def test_float_answers_have_plain_exact_strings() -> None:
    """answer_exact of a float op is the float's repr, never NumPy's 'np.float64(...)'."""
    out = conv2d(np.full((3, 3), 0.5), np.ones((2, 2))).to_json()
    assert out["answer"] == [[2.0, 2.0], [2.0, 2.0]]
    assert out["answer_exact"] == [["2.0", "2.0"], ["2.0", "2.0"]]
    json.dumps(out)  # and all of it serialises


def test_array_values_render() -> None:
    arr = as_array("1 -20; 1/3 0.5")
    # one form per matrix: 1/3 is a fraction, so 0.5 reads 1/2 beside it
    assert latex_matrix(arr) == r"\begin{bmatrix} 1 & -20 \\ \frac{1}{3} & \frac{1}{2} \end{bmatrix}"
    assert text_matrix(arr) == "[   1  -20 ]\n[ 1/3  1/2 ]"
    assert json_value(arr) == [[1, -20], [pytest.approx(1 / 3, rel=1e-15), 0.5]]
    assert exact_value(arr) == [["1", "-20"], ["1/3", "1/2"]]
    channels = as_array([[[1]], [[2]]])
    assert latex_matrix(channels) == (r"\text{channel}_{0}: \begin{bmatrix} 1 \end{bmatrix},\quad "
                                      r"\text{channel}_{1}: \begin{bmatrix} 2 \end{bmatrix}")
    assert text_matrix(channels) == "channel 0:\n[ 1 ]\nchannel 1:\n[ 2 ]"


def test_integer_valued_fractions_print_as_integers() -> None:
    big = Fraction(-10**23)
    assert to_text(big) == to_latex(big) == "-100000000000000000000000"
    assert to_latex_operand(big) == "(-100000000000000000000000)"
