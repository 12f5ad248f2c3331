"""`rnn` with `upstream` (∂L/∂h_t per step, or for the last step) instead of a target: gradients of the
weights, of every x_t and of h0 against PyTorch autograd (float64, Hypothesis); exact; bad input."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tests.helpers.step_honesty import check_steps

from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
PARITY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
tenths = st.integers(-9, 9).map(lambda v: Fraction(v, 10))


def floats(value: Any) -> np.ndarray:
    return np.array(value, dtype=object).astype(np.float64)


@PARITY
@given(data=st.data())
def test_rnn_from_an_upstream_matches_torch(data: Any) -> None:
    d = data.draw
    L, D, H = d(st.integers(1, 4)), d(st.integers(1, 2)), d(st.integers(1, 2))
    activation = d(st.sampled_from(["none", "tanh", "relu", "sigmoid"]))

    def mat(*shape: int) -> np.ndarray:
        size = int(np.prod(shape))
        return np.array(d(st.lists(tenths, min_size=size, max_size=size)), dtype=object).reshape(shape)

    x, h0, Wxh, Whh, Why, bh = mat(L, D), mat(H), mat(H, D), mat(H, H), mat(1, H), mat(H)
    last = d(st.booleans())
    up = mat(H) if last else mat(L, H)
    raw = {"id": "r", "kind": "rnn", "x": x.tolist(), "h0": h0.tolist(), "activation": activation,
           "weights": {"W_xh": Wxh.tolist(), "W_hh": Whh.tolist(), "W_hy": Why.tolist(), "b_h": bh.tolist()},
           "upstream": up.tolist()}
    if activation == "relu":
        # On ReLU's kink (a pre-activation exactly 0) the exact answer takes PyTorch's derivative 0, while
        # float64 rounding can land torch on either side: no comparison there.
        h_exact = h0
        for step in range(L):
            z = Wxh.dot(x[step]) + Whh.dot(h_exact) + bh
            assume(all(v != 0 for v in z))
            h_exact = np.array([max(v, 0) for v in z], dtype=object)
    worked = solve_problem(raw).worked
    t = {k: torch.tensor(v.astype(np.float64), requires_grad=True)
         for k, v in {"x": x, "h0": h0, "Wxh": Wxh, "Whh": Whh, "bh": bh}.items()}
    f = {"none": lambda v: v, "tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[activation]
    h = t["h0"]
    hs = []
    for step in range(L):
        h = f(t["Wxh"] @ t["x"][step] + t["Whh"] @ h + t["bh"])
        hs.append(h)
    g = torch.tensor(up.astype(np.float64))
    loss = (hs[-1] * g).sum() if last else sum((hs[s] * g[s]).sum() for s in range(L))
    loss.backward()
    grads = worked.answer["grads"]
    for key, ref in (("W_xh", "Wxh"), ("W_hh", "Whh"), ("b_h", "bh"), ("x", "x"), ("h0", "h0")):
        np.testing.assert_allclose(floats(grads[key]).reshape(t[ref].shape), t[ref].grad.numpy(), atol=1e-9, rtol=1e-9)
    check_steps(worked.walk())


def test_scalar_rnn_from_the_last_step_is_exact() -> None:
    worked = solve_problem({"id": "r", "kind": "rnn", "x": [1, 2], "h0": 1, "upstream": 1, "learning_rate": 0.5,
                            "weights": {"w_in": 2, "w_hh": 3, "w_hy": 1}}).worked
    assert worked.answer["grads"] == {"w_in": 5, "w_hh": 8, "x": [6, 2], "h0": 9}
    assert worked.answer["updated"] == {"w_in": Fraction(-1, 2), "w_hh": -1}


@pytest.mark.parametrize(("extra", "message"), [
    ({"upstream": [1, 2, 3]}, "for every step (2×1) or for the last step (1)"),
    ({"upstream": 1, "target": 1}, "either a target or an upstream"),
])
def test_bad_upstream_is_one_line(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(NnstepsError, match=re.escape(message)):
        solve_problem({"id": "r", "kind": "rnn", "x": [1, 2], "weights": {"w_in": 2, "w_hh": 3, "w_hy": 1}, **extra})  # noqa: E501
