"""An LSTM step backward from both ∂L/∂h_t and ∂L/∂c_t (deeplearning.ai's ``lstm_cell_backward``, CS231n's
``lstm_step_backward``) against PyTorch autograd in float64, exact where the cell stays rational; and an ``rnn``
with an upstream needing no output layer ``W_hy``."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
tenths = st.integers(-9, 9).map(lambda v: Fraction(v, 10))


def floats(value: Any) -> np.ndarray:
    return np.array(value, dtype=object).astype(np.float64)


def torch_lstm_grads(weights: dict[str, Any], x: Any, h0: Any, c0: Any, dh: Any, dc: Any) -> dict[str, np.ndarray]:
    """Gradients of L = Σ_t dh_t·h_t + dc_t·c_t through torch's LSTMCell, float64."""
    H, D = len(h0), len(x[0])
    cell = torch.nn.LSTMCell(D, H).double()
    with torch.no_grad():
        for param in cell.parameters():  # absent biases are zero in nnsteps
            param.zero_()
        for name, value in weights.items():
            getattr(cell, name).copy_(torch.tensor(floats(value)))
    xs = torch.tensor(floats(x), requires_grad=True)
    h = torch.tensor(floats(h0), requires_grad=True)
    c = torch.tensor(floats(c0), requires_grad=True)
    hh, cc, loss = h.reshape(1, -1), c.reshape(1, -1), torch.zeros((), dtype=torch.float64)
    for t in range(len(x)):
        hh, cc = cell(xs[t:t + 1], (hh, cc))
        loss = loss + (hh[0] * torch.tensor(floats(dh[t]))).sum() + (cc[0] * torch.tensor(floats(dc[t]))).sum()
    loss.backward()
    out = {name: getattr(cell, name).grad.numpy() for name in weights}
    out.update(x=xs.grad.numpy(), h0=h.grad.numpy(), c0=c.grad.numpy())
    return out


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_lstm_backward_from_dh_and_dc_matches_torch_autograd(data: Any) -> None:
    d = data.draw
    L, D, H = d(st.integers(1, 3)), d(st.integers(1, 2)), d(st.integers(1, 2))

    def mat(*shape: int) -> list[Any]:
        size = int(np.prod(shape))
        return np.array(d(st.lists(tenths, min_size=size, max_size=size)), dtype=object).reshape(shape).tolist()

    weights = {"weight_ih": mat(4 * H, D), "weight_hh": mat(4 * H, H), "bias_ih": mat(4 * H), "bias_hh": mat(4 * H)}
    x, h0, c0, dh, dc = mat(L, D), mat(H), mat(H), mat(L, H), mat(L, H)
    grads = solve_problem({"id": "l", "kind": "rnn", "cell": "lstm", "x": x, "h0": h0, "c0": c0, "weights": weights,
                           "upstream": dh, "upstream_c": dc}).worked.answer["grads"]
    want = torch_lstm_grads(weights, x, h0, c0, dh, dc)
    for name, value in want.items():
        np.testing.assert_allclose(floats(grads[name]).reshape(value.shape), value, rtol=1e-12, atol=1e-12,
                                   err_msg=name)


def test_lstm_dc_next_of_the_last_step_only_gives_dc_prev_as_cs231n_step_backward() -> None:
    # One step, as lstm_step_backward(dnext_h, dnext_c, cache): dc_prev is grads.c0, dh_prev grads.h0.
    weights = {"weight_ih": [[0.1, -0.2], [0.3, 0.1], [-0.4, 0.2], [0.2, 0.5]],
               "weight_hh": [[0.3], [-0.1], [0.2], [0.4]]}
    args = dict(x=[[0.5, -1]], h0=[0.2], c0=[-0.3], dh=[[0.7]], dc=[[-0.6]])
    grads = solve_problem({"id": "s", "kind": "rnn", "cell": "lstm", "x": args["x"], "h0": args["h0"],
                           "c0": args["c0"], "weights": weights, "upstream": [0.7],
                           "upstream_c": [-0.6]}).worked.answer["grads"]
    want = torch_lstm_grads(weights, *args.values())
    assert abs(float(grads["c0"][0]) - want["c0"][0]) < 1e-12
    assert abs(float(grads["h0"][0]) - want["h0"][0]) < 1e-12
    np.testing.assert_allclose(floats(grads["x"]), want["x"], atol=1e-12)


def test_lstm_dc_is_exact_where_the_cell_stays_rational() -> None:
    # Zero weights: every gate is σ(0) = 1/2, g = tanh(0) = 0, c stays 0: δc = dc + dh·o = 1 + 1/2.
    zero = {"weight_ih": [[0]] * 4, "weight_hh": [[0]] * 4, "bias_ih": [0] * 4, "bias_hh": [0] * 4}
    grads = solve_problem({"id": "z", "kind": "rnn", "cell": "lstm", "x": [[2]], "h0": [0], "c0": [0],
                           "weights": zero, "upstream": [1], "upstream_c": [1]}).worked.answer["grads"]
    assert grads["c0"] == [Fraction(3, 4)]  # δc · f
    assert grads["bias_ih"] == [0, 0, Fraction(3, 4), 0]  # δc · i · (1 − g²) on the g block only
    assert grads["weight_ih"] == [[0], [0], [Fraction(3, 2)], [0]]


def test_upstream_c_without_an_lstm_or_without_dh_is_a_one_line_error() -> None:
    base = {"id": "e", "kind": "rnn", "x": [[1]], "h0": [0], "upstream_c": [1]}
    with pytest.raises(NnstepsError, match="field upstream_c.*no cell state"):
        solve_problem({**base, "cell": "gru", "weights": {"weight_ih": [[0]] * 3, "weight_hh": [[0]] * 3},
                       "upstream": [1]})
    with pytest.raises(NnstepsError, match="field upstream_c.*beside it"):
        solve_problem({**base, "cell": "lstm", "weights": {"weight_ih": [[0]] * 4, "weight_hh": [[0]] * 4}})
    with pytest.raises(NnstepsError, match=r"field upstream_c.*∂L/∂c_t for every step \(2×1\)"):
        solve_problem({**base, "x": [[1], [2]], "cell": "lstm", "upstream": [1], "upstream_c": [[1, 2, 3]],
                       "weights": {"weight_ih": [[0]] * 4, "weight_hh": [[0]] * 4}})


def test_rnn_with_an_upstream_needs_no_output_weights() -> None:
    base = {"id": "u", "kind": "rnn", "x": [1, 2], "h0": 1, "upstream": 1}
    answer = solve_problem({**base, "weights": {"w_in": 2, "w_hh": 3}}).worked.answer
    assert answer["h"] == [5, 19] and "y" not in answer
    assert answer["grads"] == {"w_in": 5, "w_hh": 8, "x": [6, 2], "h0": 9}
    with_head = solve_problem({**base, "weights": {"w_in": 2, "w_hh": 3, "w_hy": 7}}).worked.answer
    assert with_head["grads"] == answer["grads"]
    matrix = {"W_xh": [[1, 0], [0, 1]], "W_hh": [[1, 1], [0, 1]], "b_h": [0, 1]}
    answer = solve_problem({"id": "m", "kind": "rnn", "x": [[1, 0], [2, 1]], "h0": [0, 0], "weights": matrix,
                            "upstream": [[1, 0], [0, 1]]}).worked.answer
    assert answer["h"] == [[1, 1], [4, 3]] and answer["grads"]["W_hh"] == [[0, 0], [1, 1]]


def test_rnn_with_a_target_still_needs_w_hy_and_b_y_needs_w_hy() -> None:
    with pytest.raises(NnstepsError, match="field weights: missing weight w_hy"):
        solve_problem({"id": "t", "kind": "rnn", "x": [1, 2], "weights": {"w_in": 2, "w_hh": 3}, "target": 1})
    with pytest.raises(NnstepsError, match="field weights.b_y: b_y needs an output matrix W_hy"):
        solve_problem({"id": "t", "kind": "rnn", "x": [[1]], "upstream": [1],
                       "weights": {"W_xh": [[1]], "W_hh": [[1]], "b_y": [1]}})


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_generated_backward_from_an_upstream_has_no_head_and_solves(cell: str) -> None:
    from nnsteps.generation.generate import draw

    for problem in draw("rnn", 5, 3, cell=cell, upstream=True):
        assert "target" not in problem and not {"W_hy", "w_hy"} & set(problem["weights"])
        assert ("upstream_c" in problem) == (cell == "lstm")
        grads = solve_problem(problem).worked.answer["grads"]
        assert "h0" in grads and ("c0" in grads) == (cell == "lstm")
