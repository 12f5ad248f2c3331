"""The RNN of the reference's Question 6, exactly; closed forms against the reference's; errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction as F

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.ops.rnn import rnn
from nnsteps.ops.rnn.symbolic import rnn_closed_form
from nnsteps.problems.solve import solve_problem

Q6 = dict(h0="0.5", w_in="0.2", w_hh="0.2", w_hy="0.2", target="0.4", learning_rate="0.15")


def q6() -> dict:
    return rnn(["0.3", "0.4", "0.2"], **Q6).answer


def test_q6_forward_exact():
    a = q6()
    assert a["h"] == [F("0.16"), F("0.112"), F("0.0624")]
    assert a["y"] == F("0.01248")
    assert a["loss"] == F(1, 2) * (F("0.01248") - F("0.4")) ** 2


def test_q6_gradients_and_update_exact():
    a = q6()
    assert a["grads"] == {"w_in": F("-0.022631168"), "w_hh": F("-0.012710656"), "w_hy": F("-0.024181248")}
    assert a["updated"] == {
        "w_in": F("0.2") + F("0.15") * F("0.022631168"),
        "w_hh": F("0.2") + F("0.15") * F("0.012710656"),
        "w_hy": F("0.2") + F("0.15") * F("0.024181248"),
    }
    assert round(float(a["updated"]["w_in"]), 7) == 0.2033947
    assert round(float(a["updated"]["w_hh"]), 7) == 0.2019066
    assert round(float(a["updated"]["w_hy"]), 7) == 0.2036272


def test_q6_problem_file_contract():
    raw = {"id": "q6", "kind": "rnn", "x": [0.3, 0.4, 0.2], "h0": 0.5,
           "weights": {"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2}, "activation": "none", "output": "last",
           "target": 0.4, "loss": "half_squared_error", "learning_rate": 0.15}
    worked = solve_problem(raw).worked
    out = worked.to_json()
    assert out["answer"]["h"] == [0.16, 0.112, 0.0624]
    assert out["answer_exact"]["grads"]["w_in"] == str(F("-0.022631168"))
    assert out["answer"]["updated"]["w_hy"] == pytest.approx(0.2036271872, abs=0)


def _reference(L: int = 3):
    x1, x2, x3, h0, w_in, w_hh, w_hy, y_r = sympy.symbols("x_1 x_2 x_3 h_0 w_in w_hh w_hy y_r")
    h3 = h0 * w_hh**3 + w_in * w_hh**2 * x1 + w_in * w_hh * x2 + w_in * x3
    y = w_hy * h3
    return {
        "h_L": h3, "y": y,
        "w_in": (y - y_r) * w_hy * (w_hh**2 * x1 + w_hh * x2 + x3),
        "w_hh": (y - y_r) * w_hy * (3 * h0 * w_hh**2 + 2 * w_hh * w_in * x1 + w_in * x2),
        "w_hy": (y - y_r) * (h0 * w_hh**3 + w_in * w_hh**2 * x1 + w_in * w_hh * x2 + w_in * x3),
    }


def test_closed_forms_equal_the_reference():
    sym = q6()["symbolic"]
    ref = _reference()
    assert sympy.simplify(sympy.sympify(sym["h_L"]) - ref["h_L"]) == 0
    assert sympy.simplify(sympy.sympify(sym["y"]) - ref["y"]) == 0
    for name in ("w_in", "w_hh", "w_hy"):
        assert sympy.simplify(sympy.sympify(sym["grads"][name]) - ref[name]) == 0


def test_closed_forms_are_the_derivatives_of_the_loss():
    cf = rnn_closed_form(4)
    for name in ("w_in", "w_hh", "w_hy"):
        assert sympy.expand(cf.grads[name] - sympy.diff(cf.loss, cf.symbols[name])) == 0


@settings(max_examples=15, deadline=None)
@given(
    xs=st.lists(st.fractions(-2, 2, max_denominator=10), min_size=1, max_size=6),
    ws=st.tuples(*[st.fractions(-1, 1, max_denominator=10)] * 5),
)
def test_closed_form_numbers_agree_with_bptt(xs, ws):
    w_in, w_hh, w_hy, h0, tgt = ws
    w = rnn(xs, h0=h0, w_in=w_in, w_hh=w_hh, w_hy=w_hy, target=tgt)
    closed = {s.title.split("∂ℓ/∂")[1].split(" ")[0]: s.result for s in w.steps[-1].steps if "∂ℓ/∂" in s.title}
    assert closed == w.answer["grads"]
    cf = rnn_closed_form(len(xs))
    subs = {cf.symbols["w_in"]: w_in, cf.symbols["w_hh"]: w_hh, cf.symbols["w_hy"]: w_hy,
            cf.symbols["h_0"]: h0, cf.symbols["y_r"]: tgt}
    subs.update({cf.symbols[f"x_{t + 1}"]: v for t, v in enumerate(xs)})
    for name, g in w.answer["grads"].items():
        assert sympy.Rational(g.numerator, g.denominator) == sympy.sympify(w.answer["symbolic"]["grads"][name]).subs(
            {sympy.Symbol(str(k)): sympy.Rational(v.numerator, v.denominator) for k, v in subs.items()})


def test_markdown_reads_like_the_reference():
    md = rnn(["0.3", "0.4", "0.2"], **Q6).to_markdown()
    assert r"h_{1} = w_{\text{in}} x_{1} + w_{\text{hh}} h_{0} = 0.2 \cdot 0.3 + 0.2 \cdot 0.5 = 0.16" in md
    assert r"\delta_{3} = \frac{\partial \ell}{\partial h_{3}} = w_{\text{hy}} \frac{\partial \ell}{\partial y}" in md
    assert r"\delta_{2} = \frac{\partial \ell}{\partial h_{2}} = w_{\text{hh}} \delta_{3} = 0.2 \cdot (-0.077504) = -0.0155008" in md
    assert r"(-0.00310016) \cdot 0.3 + (-0.0155008) \cdot 0.4 + (-0.077504) \cdot 0.2 = -0.022631168" in md
    assert r"0.2 - 0.15 \cdot (-0.022631168) = 0.2033946752" in md
    assert r"h_{3} = h_0 w_{\text{hh}}^{3} + w_{\text{in}} w_{\text{hh}}^{2} x_{1}" in md


def test_tanh_keeps_exact_forms():
    a = rnn(["0.3", "0.4", "0.2"], activation="tanh", **Q6).answer
    assert str(a["h"][0].exact) == "tanh(4/25)"
    assert float(a["h"][0]) == pytest.approx(0.15864850429749888, rel=1e-15)
    assert float(sympy.sympify(a["grads"]["w_in"].exact)) == pytest.approx(float(a["grads"]["w_in"]), rel=1e-13)


def test_long_sequences_give_numbers_only():
    w = rnn([F(1, 10)] * 1000, h0=0, w_in="0.5", w_hh="0.5", w_hy=1, target=1, activation="tanh")
    assert len(w.answer["h"]) == 1000
    assert "numbers only" in (w.steps[-1].note or "")
    assert "symbolic" not in w.answer
    fixed = w.answer["h"][-1]  # h* = tanh(0.05 + 0.5 h*) after many steps
    assert fixed == pytest.approx(math.tanh(0.05 + 0.5 * fixed), abs=1e-15)


def test_every_step_output_with_one_target_per_step():
    a = rnn(["1", "2"], w_in=1, w_hh=1, w_hy=1, output="every", target=[0, 0]).answer
    assert a["y"] == [1, 3]
    assert a["loss"] == F(1, 2) * (1 + 9)
    # δ_2 = 3, δ_1 = 1 + δ_2 = 4: ∂ℓ/∂w_in = δ_1 x_1 + δ_2 x_2 = 4 + 6
    assert a["grads"] == {"w_in": 10, "w_hh": 3, "w_hy": 1 * 1 + 3 * 3}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(x=[], w_in=1, w_hh=1, w_hy=1), "the sequence x is empty"),
        (dict(x=[[1, 2]], weights={"W_xh": [[1, 2]], "W_hh": [[1, 0], [0, 1]], "W_hy": [[1]]}),
         "W_hh must be H×H = 1×1 to match W_xh (1×2), got 2×2"),
        (dict(x=[[1, 2]], weights={"W_xh": [[1, 2, 3]], "W_hh": [[1]], "W_hy": [[1]]}),
         "W_xh must be H×D = 1×2 to match x (1×2), got 1×3"),
        (dict(x=[1], weights={"W_xh": [[1]], "W_hh": [[1]], "W_hy": [[1, 1]]}),
         "W_hy must be O×H with H = 1 to match W_hh (1×1), got 1×2"),
        (dict(x=[1], w_in=1, w_hh=1, w_hy=1, target=1, learning_rate="fast"), "expected a learning rate, got 'fast'"),
        (dict(x=[1], w_in=1, w_hh=1, w_hy=1, activation="tahn"), "expected activation one of none, tanh"),
        (dict(x=[1, 2], w_in=1, w_hh=1, w_hy=1, output="every", target=[1, 2, 3]),
         "expected one target per step: a 2×1 target, got 3"),
        (dict(x=[1], w_in=1, w_hh=1), "missing weight w_hy"),
        (dict(x=[1] * 1001, w_in=1, w_hh=1, w_hy=1), "sequences are limited to 1,000 steps, got 1,001"),
    ],
)
def test_bad_input_errors(kwargs, message):
    with pytest.raises(NnstepsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        rnn(**kwargs)


def test_cli_bad_learning_rate_is_one_line_exit_2(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(json.dumps({"problems": [{"id": "q6", "kind": "rnn", "x": [0.3], "target": 0.4,
                                              "weights": {"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2},
                                              "learning_rate": "abc"}]}))
    proc = subprocess.run([sys.executable, "-m", "nnsteps.cli", "solve", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "problem q6, field learning_rate: expected a learning rate, got 'abc'" in proc.stderr
