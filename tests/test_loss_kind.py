"""The ``loss`` kind against PyTorch autograd (float64): every loss and option, Hypothesis-drawn;
finite differences; exact inputs give exact values where the loss stays rational; bad input."""

from __future__ import annotations

import re
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
PARITY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
tenths = st.integers(-30, 30).map(lambda v: Fraction(v, 10))


def solve(**raw: Any) -> Any:
    return solve_problem({"id": "q", "kind": "loss", **raw}).worked


def floats(value: Any) -> np.ndarray:
    return np.array(value, dtype=object).astype(np.float64)


def torch_loss(name: str, x: Any, t: Any, reduction: str, **kw: Any) -> tuple[np.ndarray, np.ndarray]:
    xt = torch.tensor(floats(x), dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(np.array(t, dtype=object).astype(np.float64 if name != "idx" else np.int64))
    fn = {"mse": F.mse_loss, "l1": F.l1_loss, "smooth_l1": F.smooth_l1_loss, "huber": F.huber_loss,
          "binary_cross_entropy": F.binary_cross_entropy, "kl_div": F.kl_div,
          "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits}[name]
    out = fn(xt, tt, reduction=reduction, **kw)
    (out.sum() if reduction == "none" else out).backward()
    return out.detach().numpy(), xt.grad.numpy()


def assert_matches(worked: Any, value: np.ndarray, grad: np.ndarray) -> None:
    np.testing.assert_allclose(floats(worked.answer["loss"]), value, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(floats(worked.answer["grads"]["input"]), grad, rtol=1e-9, atol=1e-12)


@PARITY
@given(data=st.data())
def test_elementwise_losses_match_torch(data: Any) -> None:
    d = data.draw
    name = d(st.sampled_from(["mse", "l1", "smooth_l1", "huber", "binary_cross_entropy",
                              "binary_cross_entropy_with_logits", "kl_div"]))
    shape = d(st.sampled_from([(3,), (2, 2), (2, 3), (1, 2, 2)]))
    size = int(np.prod(shape))
    reduction = d(st.sampled_from(["mean", "sum", "none"]))
    kw: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    if name == "binary_cross_entropy":
        x = d(st.lists(st.integers(1, 9).map(lambda v: Fraction(v, 10)), min_size=size, max_size=size))
        t = d(st.lists(st.integers(0, 4).map(lambda v: Fraction(v, 4)), min_size=size, max_size=size))
    elif name == "kl_div":
        x = d(st.lists(st.integers(-30, -1).map(lambda v: Fraction(v, 10)), min_size=size, max_size=size))
        log_target = d(st.booleans())
        t = d(st.lists(st.integers(-20, -1).map(lambda v: Fraction(v, 10)) if log_target else
                       st.integers(0, 4).map(lambda v: Fraction(v, 4)), min_size=size, max_size=size))
        kw["log_target"] = raw["log_target"] = log_target
    else:
        x = d(st.lists(tenths, min_size=size, max_size=size))
        t = d(st.lists(tenths if name != "binary_cross_entropy_with_logits" else st.sampled_from([0, 1, Fraction(1, 2)]),
                       min_size=size, max_size=size))
    x = np.array(x, dtype=object).reshape(shape).tolist()
    t = np.array(t, dtype=object).reshape(shape).tolist()
    if name == "smooth_l1":
        kw["beta"] = raw["beta"] = d(st.sampled_from([0, Fraction(1, 2), 1, 2]))
    if name == "huber":
        kw["delta"] = raw["delta"] = d(st.sampled_from([Fraction(1, 2), 1, 2]))
    if name.startswith("binary") and d(st.booleans()):
        w = d(st.lists(st.integers(0, 3), min_size=shape[-1], max_size=shape[-1]))
        raw["weight"], kw["weight"] = w, torch.tensor(w, dtype=torch.float64)
    if name == "binary_cross_entropy_with_logits" and d(st.booleans()):
        pw = d(st.lists(st.integers(1, 3), min_size=shape[-1], max_size=shape[-1]))
        raw["pos_weight"], kw["pos_weight"] = pw, torch.tensor(pw, dtype=torch.float64)
    for key in ("beta", "delta"):
        if key in kw:
            kw[key] = float(kw[key])
    worked = solve(loss=name, input=x, target=t, reduction=reduction, **raw)
    assert_matches(worked, *torch_loss(name, x, t, reduction, **kw))
    check_steps(worked.walk())


@PARITY
@given(data=st.data())
def test_class_losses_match_torch(data: Any) -> None:
    d = data.draw
    name = d(st.sampled_from(["cross_entropy", "nll"]))
    n, c = d(st.integers(1, 3)), d(st.integers(2, 4))
    one_d = d(st.booleans()) and n == 1
    x = np.array(d(st.lists(tenths, min_size=n * c, max_size=n * c)), dtype=object).reshape(n, c)
    reduction = d(st.sampled_from(["mean", "sum", "none"]))
    raw: dict[str, Any] = {}
    kw: dict[str, Any] = {}
    probs = name == "cross_entropy" and d(st.booleans())
    if probs:
        rows = []
        for _ in range(n):
            k = d(st.lists(st.integers(0, 3), min_size=c, max_size=c).filter(lambda r: sum(r) > 0))
            rows.append([Fraction(v, sum(k)) for v in k])
        t: Any = np.array(rows, dtype=object)
        tt = torch.tensor(t.astype(np.float64))
    else:
        ignore = d(st.sampled_from([-100, 0, 1]))
        t = np.array(d(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), dtype=object)
        if reduction == "mean" and all(v == ignore for v in t):
            ignore = -100
        raw["ignore_index"] = kw["ignore_index"] = ignore
        tt = torch.tensor(t.astype(np.int64))
    if d(st.booleans()):
        w = d(st.lists(st.integers(1, 3), min_size=c, max_size=c))
        raw["weight"], kw["weight"] = w, torch.tensor(w, dtype=torch.float64)
    if name == "cross_entropy" and d(st.booleans()):
        eps = d(st.sampled_from([Fraction(1, 10), Fraction(1, 4), 1]))
        raw["label_smoothing"], kw["label_smoothing"] = eps, float(eps)
    if one_d:
        x, t, tt = x[0], (t[0] if probs else t[0]), tt[0]
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    fn = F.cross_entropy if name == "cross_entropy" else F.nll_loss
    out = fn(xt, tt, reduction=reduction, **kw)
    (out.sum() if reduction == "none" else out).backward()
    worked = solve(loss=name, input=x.tolist(), target=t.tolist() if hasattr(t, "tolist") else t,
                   reduction=reduction, **raw)
    assert_matches(worked, out.detach().numpy(), xt.grad.numpy())
    check_steps(worked.walk())


def test_cross_entropy_shows_softmax_minus_log_p_and_p_minus_y() -> None:
    worked = solve(loss="cross_entropy", input=[[2, 1, 0.1]], target=[0], reduction="mean", label_smoothing=0)
    titles = [s.title for s in worked.walk()]
    assert "Softmax of each row" in titles and "Negative log-probabilities" in titles
    grad = next(s for s in worked.walk() if s.title.startswith("Gradient of each sample"))
    assert grad.formula.endswith("p_c - y_c")
    p0 = float(next(s for s in worked.walk() if s.title == "Softmax of each row").result[0])
    assert float(worked.answer["grads"]["input"][0][0]) == pytest.approx(p0 - 1, abs=1e-15)
    assert str(worked.answer["loss"].exact) == "-log(exp(2)/(exp(1/10) + E + exp(2)))"


def test_rational_losses_are_exact() -> None:
    assert solve(loss="mse", input="1 2; 3 4", target="1 0; 0 4").answer == {
        "loss": Fraction(13, 4), "grads": {"input": [[0, 1], [Fraction(3, 2), 0]]}}
    nll = solve(loss="nll", input="-1 -2; -3 -4", target=[0, 1], weight=[1, 3])
    assert nll.answer == {"loss": Fraction(13, 4), "grads": {"input": [[Fraction(-1, 4), 0], [0, Fraction(-3, 4)]]}}
    assert solve(loss="binary_cross_entropy", input=[0.5, 0.25], target=[1, 0]).answer["grads"]["input"] == [
        -1, Fraction(2, 3)]
    assert solve(loss="half_squared_error", input=[1, 2], target=[0, 0]).answer["loss"] == Fraction(5, 2)


def test_binary_cross_entropy_clamps_as_torch_at_0_and_1() -> None:
    x, t = [0, 1, Fraction(1, 2)], [Fraction(1, 4), 1, 0]
    worked = solve(loss="binary_cross_entropy", input=x, target=t, reduction="sum")
    value, grad = torch_loss("binary_cross_entropy", x, t, "sum")
    assert float(worked.answer["loss"]) == pytest.approx(float(value), rel=1e-12)  # log 0 is −100
    assert worked.answer["grads"]["input"][0] == Fraction(-1, 4) * 10**12  # p(1 − p) floored at 1e-12
    np.testing.assert_allclose(floats(worked.answer["grads"]["input"]), grad, rtol=1e-7)


def test_reduction_none_takes_an_upstream_gradient() -> None:
    worked = solve(loss="mse", input=[1, 2], target=[0, 0], reduction="none", upstream=[3, -1])
    assert worked.answer == {"loss": [1, 4], "grads": {"input": [6, -4]}}


@pytest.mark.parametrize("name", ["mse", "smooth_l1", "huber", "binary_cross_entropy_with_logits",
                                  "cross_entropy", "kl_div"])
def test_gradients_match_finite_differences(name: str) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3))
    t: Any = rng.normal(size=(2, 3)) if name not in ("cross_entropy", "binary_cross_entropy_with_logits") else \
        (rng.integers(0, 3, size=2) if name == "cross_entropy" else rng.integers(0, 2, size=(2, 3)).astype(float))
    if name == "kl_div":
        t = np.abs(t)

    def value(xv: np.ndarray) -> float:
        return float(solve(loss=name, input=xv, target=t).answer["loss"])

    grad = floats(solve(loss=name, input=x, target=t).answer["grads"]["input"])
    h = 1e-6
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        assert grad[idx] == pytest.approx((value(up) - value(down)) / (2 * h), abs=1e-6)


@pytest.mark.parametrize(("raw", "message"), [
    ({"loss": "cross_entropy", "input": [[1, 2]], "target": [2]}, "class indices in [0, 1]"),
    ({"loss": "cross_entropy", "input": [[1, 2]], "target": [[0.5, 0.6]]}, "sum to 1"),
    ({"loss": "binary_cross_entropy", "input": [2], "target": [1]}, "probabilities in [0, 1]"),
    ({"loss": "mse", "input": [1, 2], "target": [1]}, "target of the input's shape"),
    ({"loss": "mse", "input": [1, 2], "target": [1, 2], "reduction": "none", "upstream": [1]}, "upstream gradient"),
    ({"loss": "mse", "input": [1, 2], "target": [1, 2], "beta": 1}, "mse takes no beta"),
    ({"loss": "nll", "input": [[-1, -2]], "target": [0], "ignore_index": 0}, "every target is ignore_index"),
])
def test_bad_input_is_one_line(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(NnstepsError, match=re.escape(message)) as err:
        solve(**raw)
    assert "problem q" in str(err.value) and "\n" not in str(err.value)
