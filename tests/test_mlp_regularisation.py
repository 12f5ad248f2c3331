"""mlp regularisation in both conventions (l2, l1 in the loss; weight_decay in the update, as
torch.optim.SGD), biases excluded unless regularize_bias: against PyTorch autograd (float64, Hypothesis)."""

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
PARITY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
tenths = st.integers(-9, 9).map(lambda v: Fraction(v, 10))


def floats(value: Any) -> np.ndarray:
    return np.array(value, dtype=object).astype(np.float64)


@PARITY
@given(data=st.data())
def test_regularised_mlp_matches_torch(data: Any) -> None:
    d = data.draw

    def mat(*shape: int) -> np.ndarray:
        size = int(np.prod(shape))
        return np.array(d(st.lists(tenths, min_size=size, max_size=size)), dtype=object).reshape(shape)

    x, W1, b1, W2, b2, t = mat(2), mat(2, 2), mat(2), mat(1, 2), mat(1), mat(1)
    act = d(st.sampled_from(["none", "relu", "sigmoid"]))
    l2 = d(st.sampled_from([None, Fraction(1, 10), Fraction(1, 2)]))
    l1 = d(st.sampled_from([None, Fraction(1, 10)]))
    wd = d(st.sampled_from([None, Fraction(1, 10)]))
    bias = d(st.booleans())
    lr = Fraction(1, 2)
    raw: dict[str, Any] = {"id": "m", "kind": "mlp", "input": x.tolist(), "target": t.tolist(), "learning_rate": lr,
                           "layers": [{"weights": W1.tolist(), "bias": b1.tolist(), "activation": act},
                                      {"weights": W2.tolist(), "bias": b2.tolist(), "activation": "none"}],
                           "regularize_bias": bias}
    for key, value in (("l2", l2), ("l1", l1), ("weight_decay", wd)):
        if value is not None:
            raw[key] = value
    worked = solve_problem(raw).worked
    ps = [torch.tensor(v.astype(np.float64), requires_grad=True) for v in (W1, b1, W2, b2)]
    f = {"none": lambda v: v, "relu": torch.relu, "sigmoid": torch.sigmoid}[act]
    out = ps[2] @ f(ps[0] @ torch.tensor(x.astype(np.float64)) + ps[1]) + ps[3]
    loss = 0.5 * ((out - torch.tensor(t.astype(np.float64))) ** 2).sum()
    reg = ps if bias else [ps[0], ps[2]]
    if l2 is not None:
        loss = loss + float(l2) * sum((p ** 2).sum() for p in reg)
    if l1 is not None:
        loss = loss + float(l1) * sum(p.abs().sum() for p in reg)
    loss.backward()
    a = worked.answer
    assert float(a["loss"]) == pytest.approx(loss.item(), abs=1e-12)
    for layer, (gw, gb) in enumerate(((ps[0], ps[1]), (ps[2], ps[3]))):
        np.testing.assert_allclose(floats(a["grads"]["layers"][layer]["weights"]), gw.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(floats(a["grads"]["layers"][layer]["bias"]), gb.grad.numpy(), atol=1e-12)
    groups = [{"params": [ps[0], ps[2]]}, {"params": [ps[1], ps[3]], "weight_decay": float(wd or 0) if bias else 0}]
    torch.optim.SGD(groups, lr=float(lr), weight_decay=float(wd or 0)).step()
    for layer, (w, b) in enumerate(((ps[0], ps[1]), (ps[2], ps[3]))):
        np.testing.assert_allclose(floats(a["updated"]["layers"][layer]["weights"]), w.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(floats(a["updated"]["layers"][layer]["bias"]), b.detach().numpy(), atol=1e-12)
    check_steps(worked.walk())


def test_l2_is_exact_and_named() -> None:
    worked = solve_problem({"id": "m", "kind": "mlp", "input": [1, 2], "target": [2], "l2": 0.5,
                            "layers": [{"weights": [[1, 1]], "bias": [0], "activation": "relu"}]}).worked
    assert worked.answer["loss"] == Fraction(1, 2) + Fraction(1, 2) * 2  # ½(3 − 2)² + 0.5·(1 + 1)
    assert worked.answer["grads"]["layers"][0] == {"weights": [[2, 3]], "bias": [1]}  # δh + 2λw; bias unregularised
