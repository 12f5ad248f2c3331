"""The RNN's forward pass and every gradient against PyTorch (autograd, float64, nn.RNN with the
weights copied in) and against central finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.ops.rnn import rnn

torch = pytest.importorskip("torch")


def torch_rnn(x, h0, P, activation, output, loss, target):
    """Reference computation with torch ops; returns outputs, loss and gradients per parameter."""
    T = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in P.items()}
    f = {"none": lambda a: a, "tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[activation]
    h = torch.tensor(h0, dtype=torch.float64)
    ys = []
    for t in range(x.shape[0]):
        a = T["W_xh"] @ torch.tensor(x[t]) + T["W_hh"] @ h + (T.get("b_h", 0))
        h = f(a)
        if output == "every" or t == x.shape[0] - 1:
            ys.append(T["W_hy"] @ h + (T.get("b_y", 0)))
    Y = torch.stack(ys)
    R = torch.tensor(target, dtype=torch.float64)
    if loss == "half_squared_error":
        ell = 0.5 * ((Y - R) ** 2).sum()
    elif loss == "squared_error":
        ell = torch.nn.functional.mse_loss(Y, R, reduction="sum")
    else:
        ell = torch.nn.functional.cross_entropy(Y, R, reduction="sum")
    ell.backward()
    return Y.detach().numpy(), float(ell.detach()), {k: v.grad.numpy() for k, v in T.items()}


def draw_problem(rng, L, D, H, O, bias, loss, output):
    P = {"W_xh": rng.normal(size=(H, D)) * 0.7, "W_hh": rng.normal(size=(H, H)) * 0.5,
         "W_hy": rng.normal(size=(O, H))}
    if bias:
        P["b_h"] = rng.normal(size=H)
        P["b_y"] = rng.normal(size=O)
    T = L if output == "every" else 1
    if loss == "cross_entropy":
        target = rng.dirichlet(np.ones(O), size=T)
    else:
        target = rng.normal(size=(T, O))
    return rng.normal(size=(L, D)), rng.normal(size=H), P, target


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), L=st.integers(1, 7), D=st.integers(1, 3), H=st.integers(1, 4),
       O=st.integers(1, 3), bias=st.booleans(), act=st.sampled_from(["none", "tanh", "relu", "sigmoid"]),
       loss=st.sampled_from(["half_squared_error", "squared_error", "cross_entropy"]),
       output=st.sampled_from(["last", "every"]))
def test_gradients_match_torch_autograd(seed, L, D, H, O, bias, act, loss, output):
    rng = np.random.default_rng(seed)
    x, h0, P, target = draw_problem(rng, L, D, H, O, bias, loss, output)
    w = rnn(x, h0=h0, weights=P, activation=act, output=output, target=target, loss=loss, learning_rate=0.1)
    Y, ell, grads = torch_rnn(x, h0, P, act, output, loss, target)
    a = w.answer
    got_y = np.array(a["y"], dtype=float).reshape(Y.shape)
    np.testing.assert_allclose(got_y, Y, rtol=1e-12, atol=1e-12)
    assert a["loss"] == pytest.approx(ell, rel=1e-12, abs=1e-12)
    for name, g in grads.items():
        np.testing.assert_allclose(np.array(a["grads"][name], dtype=float), g, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(np.array(a["updated"][name], dtype=float), P[name] - 0.1 * g, rtol=1e-10,
                                   atol=1e-12)


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_forward_matches_nn_rnn(act):
    rng = np.random.default_rng(3)
    L, D, H = 6, 3, 4
    x = rng.normal(size=(L, D))
    h0 = rng.normal(size=H)
    P = {"W_xh": rng.normal(size=(H, D)), "W_hh": rng.normal(size=(H, H)) * 0.5, "W_hy": rng.normal(size=(2, H)),
         "b_h": rng.normal(size=H)}
    net = torch.nn.RNN(D, H, nonlinearity=act, dtype=torch.float64)
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.tensor(P["W_xh"]))
        net.weight_hh_l0.copy_(torch.tensor(P["W_hh"]))
        net.bias_ih_l0.copy_(torch.tensor(P["b_h"]))
        net.bias_hh_l0.zero_()
    out, _ = net(torch.tensor(x), torch.tensor(h0).reshape(1, H))
    w = rnn(x, h0=h0, weights=P, activation=act, output="every")
    np.testing.assert_allclose(np.array(w.answer["h"], dtype=float), out.detach().numpy(), rtol=1e-12, atol=1e-13)


def test_exact_input_with_tanh_matches_torch():
    # The Q6 numbers with tanh: values carry exact SymPy forms, decimals agree with float64 autograd.
    w = rnn(["0.3", "0.4", "0.2"], h0="0.5", w_in="0.2", w_hh="0.2", w_hy="0.2", target="0.4", activation="tanh")
    P = {"W_xh": np.array([[0.2]]), "W_hh": np.array([[0.2]]), "W_hy": np.array([[0.2]])}
    _, ell, grads = torch_rnn(np.array([[0.3], [0.4], [0.2]]), np.array([0.5]), P, "tanh", "last",
                              "half_squared_error", np.array([[0.4]]))
    assert float(w.answer["loss"]) == pytest.approx(ell, rel=1e-14)
    for user, name in (("w_in", "W_xh"), ("w_hh", "W_hh"), ("w_hy", "W_hy")):
        assert float(w.answer["grads"][user]) == pytest.approx(float(grads[name][0, 0]), rel=1e-13)


@pytest.mark.parametrize("act", ["none", "tanh", "sigmoid"])
def test_gradients_match_central_finite_differences(act):
    rng = np.random.default_rng(11)
    x, h0, P, target = draw_problem(rng, 5, 2, 3, 2, True, "half_squared_error", "every")
    w = rnn(x, h0=h0, weights=P, activation=act, output="every", target=target)
    eps = 1e-6
    for name, M in P.items():
        num = np.zeros_like(M)
        for idx in np.ndindex(*M.shape):
            plus = {k: v.copy() for k, v in P.items()}
            minus = {k: v.copy() for k, v in P.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            lp = rnn(x, h0=h0, weights=plus, activation=act, output="every", target=target, symbolic=False)
            lm = rnn(x, h0=h0, weights=minus, activation=act, output="every", target=target, symbolic=False)
            num[idx] = (lp.answer["loss"] - lm.answer["loss"]) / (2 * eps)
        np.testing.assert_allclose(np.array(w.answer["grads"][name], dtype=float), num, rtol=1e-6, atol=1e-8)
