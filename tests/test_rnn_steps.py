"""Step honesty of the backprop ops: every arithmetic substitution of rnn, mlp and self_attention
evaluates to its result (the evaluator is the project's, from test_step_honesty.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.ops.mlp.network import mlp
from nnsteps.ops.rnn import rnn
from nnsteps.ops.sequence.attention import self_attention

_spec = importlib.util.spec_from_file_location("_honesty", Path(__file__).with_name("test_step_honesty.py"))
assert _spec and _spec.loader
_honesty = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_honesty)
check_steps = _honesty.check_steps

small = st.fractions(-2, 2, max_denominator=8)


def test_q6_every_step_is_honest():
    w = rnn(["0.3", "0.4", "0.2"], h0="0.5", w_in="0.2", w_hh="0.2", w_hy="0.2", target="0.4", learning_rate="0.15")
    assert check_steps(w.walk()) >= 15  # h_1..h_3, y, loss, ∂ℓ/∂y, δ_1..δ_3, 3 gradients, 3 updates, 3 closed forms


@settings(max_examples=20, deadline=None)
@given(data=st.data(), H=st.integers(1, 3), D=st.integers(1, 2), L=st.integers(1, 4),
       act=st.sampled_from(["none", "relu"]), output=st.sampled_from(["last", "every"]),
       loss=st.sampled_from(["half_squared_error", "squared_error"]))
def test_matrix_rnn_steps_are_honest(data, H, D, L, act, output, loss):
    def m(r, c):
        return [[data.draw(small) for _ in range(c)] for _ in range(r)]

    T = L if output == "every" else 1
    w = rnn(m(L, D), h0=m(1, H)[0], weights={"W_xh": m(H, D), "W_hh": m(H, H), "W_hy": m(2, H), "b_h": m(1, H)[0],
                                              "b_y": m(1, 2)[0]},
            activation=act, output=output, target=m(T, 2), loss=loss, learning_rate="0.1")
    assert check_steps(w.walk()) > 0


def test_float_rnn_steps_are_honest():
    rng = np.random.default_rng(0)
    w = rnn(rng.normal(size=(5, 2)), h0=rng.normal(size=3),
            weights={"W_xh": rng.normal(size=(3, 2)), "W_hh": rng.normal(size=(3, 3)), "W_hy": rng.normal(size=(1, 3))},
            activation="tanh", target=np.array([0.5]), learning_rate=0.1)
    assert check_steps(w.walk()) > 10


def test_mlp_steps_are_honest():
    w = mlp([1, "0.5"], [{"weights": [[1, -2], ["0.5", 1]], "bias": [0, 1], "activation": "relu"},
                          {"weights": [[1, 1]], "bias": [1], "activation": "none"}],
            target=[2], learning_rate="0.1")
    assert check_steps(w.walk()) > 10


def test_attention_steps_are_honest():
    w = self_attention([[1, 0, 1, 0], [0, 2, 0, 2], [1, 1, 1, 1]], [[1, 0, 1, 0], [0, 1, 0, 1]],
                       [[0, 0, 1, 1], [1, 1, 0, 0]], [[1, 0, 0, 0], [0, 1, 0, 1]], scale=False)
    assert check_steps(w.walk()) >= 4
