"""mlp on a mini-batch (input N×D, a target per sample, the loss's reduction, regularisation) against
PyTorch autograd and torch.optim.SGD (float64, Hypothesis)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers.step_honesty import check_steps

from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
F = torch.nn.functional
PARITY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
tenths = st.integers(-9, 9).map(lambda v: Fraction(v, 10))


def floats(value: Any) -> np.ndarray:
    return np.array(value, dtype=object).astype(np.float64)


@PARITY
@given(data=st.data())
def test_mini_batch_matches_torch(data: Any) -> None:
    d = data.draw

    def mat(*shape: int) -> np.ndarray:
        size = int(np.prod(shape))
        return np.array(d(st.lists(tenths, min_size=size, max_size=size)), dtype=object).reshape(shape)

    N, O = d(st.integers(1, 3)), d(st.integers(1, 2))
    x, W1, b1, W2, b2 = mat(N, 2), mat(2, 2), mat(2), mat(O, 2), mat(O)
    loss = d(st.sampled_from(["half_squared_error", "squared_error", "cross_entropy"]))
    reduction = d(st.sampled_from(["mean", "sum"]))
    act = d(st.sampled_from(["none", "relu", "sigmoid", "tanh"]))
    l2, wd = d(st.sampled_from([None, Fraction(1, 10)])), d(st.sampled_from([None, Fraction(1, 10)]))
    if loss == "cross_entropy":
        O = 2
        W2, b2 = mat(2, 2), mat(2)
        target: Any = d(st.lists(st.integers(0, 1), min_size=N, max_size=N))
    else:
        target = mat(N, O).tolist()
    raw: dict[str, Any] = {"id": "b", "kind": "mlp", "input": x.tolist(), "target": target, "loss": loss,
                           "reduction": reduction, "learning_rate": Fraction(1, 2),
                           "layers": [{"weights": W1.tolist(), "bias": b1.tolist(), "activation": act},
                                      {"weights": W2.tolist(), "bias": b2.tolist(), "activation": "none"}]}
    if l2 is not None:
        raw["l2"] = l2
    if wd is not None:
        raw["weight_decay"] = wd
    worked = solve_problem(raw).worked
    ps = [torch.tensor(v.astype(np.float64), requires_grad=True) for v in (W1, b1, W2, b2)]
    f = {"none": lambda v: v, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[act]
    out = F.linear(f(F.linear(torch.tensor(x.astype(np.float64)), ps[0], ps[1])), ps[2], ps[3])
    if loss == "cross_entropy":
        value = F.cross_entropy(out, torch.tensor(target), reduction=reduction)
    else:
        tt = torch.tensor(floats(target))
        value = F.mse_loss(out, tt, reduction=reduction) if loss == "squared_error" else \
            0.5 * ((out - tt) ** 2).sum() / (N if reduction == "mean" else 1)
    if l2 is not None:
        value = value + float(l2) * ((ps[0] ** 2).sum() + (ps[2] ** 2).sum())
    value.backward()
    a = worked.answer
    assert float(a["loss"]) == pytest.approx(value.item(), abs=1e-12)
    for layer, (gw, gb) in enumerate(((ps[0], ps[1]), (ps[2], ps[3]))):
        np.testing.assert_allclose(floats(a["grads"]["layers"][layer]["weights"]), gw.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(floats(a["grads"]["layers"][layer]["bias"]), gb.grad.numpy(), atol=1e-12)
    torch.optim.SGD([{"params": [ps[0], ps[2]]}, {"params": [ps[1], ps[3]], "weight_decay": 0}], lr=0.5,
                    weight_decay=float(wd or 0)).step()
    for layer, (w, b) in enumerate(((ps[0], ps[1]), (ps[2], ps[3]))):
        np.testing.assert_allclose(floats(a["updated"]["layers"][layer]["weights"]), w.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(floats(a["updated"]["layers"][layer]["bias"]), b.detach().numpy(), atol=1e-12)
    check_steps(worked.walk())


def test_a_single_number_as_the_target_of_a_batch_is_one_line() -> None:
    """Hypothesis found it: a scalar target raised IndexError instead of naming the field."""
    from nnsteps.errors import NnstepsError

    raw = {"id": "p", "kind": "mlp", "input": [[1, 2], [0, 1]], "target": 5,
           "layers": [{"weights": [[1, 1]], "bias": [0], "activation": "relu"}]}
    with pytest.raises(NnstepsError) as err:
        solve_problem(raw)
    assert str(err.value) == "problem p, field target: expected one target per sample (2), got a single number"
