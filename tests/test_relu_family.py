"""leaky_relu, elu, gelu, silu, softplus, hardtanh, prelu: forward and gradient against PyTorch autograd
(float64, Hypothesis), finite differences, exactness, step honesty, bad upstream."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers.step_honesty import check_steps

from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
F = torch.nn.functional
PARITY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
values = st.integers(-30, 30).map(lambda v: Fraction(v, 10))
NAMES = ["leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh", "prelu"]


def floats(value: Any) -> np.ndarray:
    return np.array(value, dtype=object).astype(np.float64)


def solve(**raw: Any) -> Any:
    return solve_problem({"id": "q", **raw}).worked


@PARITY
@given(data=st.data())
def test_activations_match_torch_autograd(data: Any) -> None:
    d = data.draw
    name = d(st.sampled_from(NAMES))
    shape = d(st.sampled_from([(3,), (2, 3), (2, 2, 2)]))
    size = int(np.prod(shape))
    x = np.array(d(st.lists(values, min_size=size, max_size=size)), dtype=object).reshape(shape)
    g = np.array(d(st.lists(st.integers(-3, 3), min_size=size, max_size=size)), dtype=object).reshape(shape)
    raw: dict[str, Any] = {}
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    extra = None
    if name == "leaky_relu":
        raw["negative_slope"] = s = d(st.sampled_from([Fraction(1, 100), Fraction(1, 5), 2]))
        out = F.leaky_relu(xt, float(s))
    elif name == "elu":
        raw["alpha"] = a = d(st.sampled_from([1, Fraction(1, 2), 2]))
        out = F.elu(xt, float(a))
    elif name == "gelu":
        raw["approximate"] = a = d(st.sampled_from(["none", "tanh"]))
        out = F.gelu(xt, approximate=a)
    elif name == "silu":
        out = F.silu(xt)
    elif name == "softplus":
        raw["beta"] = b = d(st.sampled_from([1, 2, Fraction(1, 2)]))
        raw["threshold"] = th = d(st.sampled_from([20, 1, 0]))
        out = F.softplus(xt, float(b), float(th))
    elif name == "hardtanh":
        lo, hi = d(st.sampled_from([(-1, 1), (Fraction(-1, 2), 2), (0, Fraction(3, 10))]))
        raw["min_val"], raw["max_val"] = lo, hi
        out = F.hardtanh(xt, float(lo), float(hi))
    else:
        channels = shape[1] if len(shape) > 1 else 1
        n = d(st.sampled_from([1, channels]))
        w = d(st.lists(st.integers(-5, 5).map(lambda v: Fraction(v, 10)), min_size=n, max_size=n))
        raw["weight"] = w
        extra = torch.tensor(floats(w), requires_grad=True)
        out = F.prelu(xt, extra)
    out.backward(torch.tensor(g.astype(np.float64)))
    worked = solve(kind=name, input=x.tolist(), upstream=g.tolist(), **raw)
    np.testing.assert_allclose(floats(worked.answer["output"]), out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(floats(worked.answer["grads"]["input"]), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    if extra is not None:
        np.testing.assert_allclose(floats(worked.answer["grads"]["weight"]), extra.grad.numpy(), rtol=1e-12,
                                   atol=1e-12)
    without = solve(kind=name, input=x.tolist(), **raw)
    np.testing.assert_allclose(floats(without.answer), out.detach().numpy(), rtol=1e-12, atol=1e-12)
    check_steps(worked.walk())


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_match_finite_differences(name: str) -> None:
    x = np.array([-2.3, -0.7, 0.4, 1.9])

    def f(v: np.ndarray) -> np.ndarray:
        return floats(solve(kind=name, input=v).answer)

    grad = floats(solve(kind=name, input=x, upstream=np.ones(4)).answer["grads"]["input"])
    h = 1e-6
    np.testing.assert_allclose(grad, (f(x + h) - f(x - h)) / (2 * h), atol=1e-6)


def test_exact_where_rational_and_torch_kinks() -> None:
    leaky = solve(kind="leaky_relu", input="-2 0 3", negative_slope=0.1, upstream="1 1 1")
    assert leaky.answer == {"output": [Fraction(-1, 5), 0, 3], "grads": {"input": [Fraction(1, 10), Fraction(1, 10), 1]}}
    hard = solve(kind="hardtanh", input="-1 0.5 1", upstream="2 2 2")
    assert hard.answer["grads"]["input"] == [0, 2, 0]  # 0 at both ends, as torch
    prelu = solve(kind="prelu", input=[[-2, 1], [3, -1]], weight=[0.25, 0.5], upstream="1 2; -1 1")
    assert prelu.answer["grads"] == {"input": [[Fraction(1, 4), 2], [-1, Fraction(1, 2)]], "weight": [-2, -1]}
    assert str(solve(kind="silu", input=[1]).answer[0].exact) == "1/(exp(-1) + 1)"


def test_upstream_of_the_wrong_shape_names_both() -> None:
    with pytest.raises(NnstepsError, match=r"problem q, field upstream: expected the output's shape \(3,\) .*got shape \(2,\)"):
        solve(kind="elu", input="1 2 3", upstream="1 2")
