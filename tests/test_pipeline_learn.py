"""A pipeline that learns: the small CNN (conv → ReLU → max pool → flatten → linear → cross-entropy) with
every gradient and the update, against PyTorch autograd and torch.optim.SGD (float64, Hypothesis);
checking it cell by cell and generating variants."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnsteps.api_check import check, generate
from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
F = torch.nn.functional
PARITY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def floats(value: Any) -> np.ndarray:
    return np.array(value, dtype=object).astype(np.float64)


def close(a: Any, b: Any) -> None:
    np.testing.assert_allclose(floats(a), b.detach().numpy() if hasattr(b, "detach") else b, rtol=1e-9, atol=1e-9)


def cnn(x: list[Any], k: list[Any], w: list[Any], b: list[Any], target: int, **extra: Any) -> dict[str, Any]:
    return {"id": "cnn", "kind": "pipeline", "input": x, "steps": [
        {"conv2d": {"kernel": k, "bias": [0]}}, "relu", {"max_pool2d": {"kernel_size": 2}}, "flatten",
        {"linear": {"weights": w, "bias": b}}], "target": target, "loss": "cross_entropy", **extra}


@PARITY
@given(data=st.data())
def test_small_cnn_matches_torch_autograd_and_sgd(data: Any) -> None:
    d = data.draw
    n = d(st.integers(3, 5))
    ints = st.integers(-2, 3)
    x = [[d(ints) for _ in range(n)] for _ in range(n)]
    k = [[d(ints) for _ in range(2)] for _ in range(2)]
    pooled = ((n - 1) // 2) ** 2
    classes = d(st.integers(2, 3))
    w = [[Fraction(d(st.integers(-9, 9)), 10) for _ in range(pooled)] for _ in range(classes)]
    b = [Fraction(d(st.integers(-5, 5)), 10) for _ in range(classes)]
    target = d(st.integers(0, classes - 1))
    lr = Fraction(1, 10)
    worked = solve_problem(cnn(x, k, w, b, target, learning_rate=lr)).worked
    a = worked.answer
    xt = torch.tensor(floats(x)[None, None], requires_grad=True)
    kt = torch.tensor(floats(k)[None, None], requires_grad=True)
    kb = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(floats(w), requires_grad=True)
    bt = torch.tensor(floats(b), requires_grad=True)
    z = F.linear(F.max_pool2d(F.relu(F.conv2d(xt, kt, kb)), 2).flatten(), wt, bt)
    loss = F.cross_entropy(z, torch.tensor(target))
    loss.backward()
    close(a["output"], z)
    close(a["loss"], loss)
    close(a["grads"]["input"], xt.grad[0, 0])
    stages = a["grads"]["stages"]
    close(stages[0]["kernel"], kt.grad[0, 0])
    close(stages[0]["bias"], kb.grad)
    close(stages[4]["weights"], wt.grad)
    close(stages[4]["bias"], bt.grad)
    assert set(stages[1]) == {"input"} and set(stages[3]) == {"input"}
    sgd = torch.optim.SGD([kt, kb, wt, bt], lr=float(lr))
    sgd.step()
    up = a["updated"]["stages"]
    close(up[0]["kernel"], kt[0, 0])
    close(up[0]["bias"], kb)
    close(up[4]["weights"], wt)
    close(up[4]["bias"], bt)
    assert up[1] == up[2] == up[3] == {}


def test_contract_cnn_shows_every_stage_backward_and_the_update() -> None:
    raw = cnn([[1, 0, 2, 1, 0], [0, 1, 1, 0, 2], [2, 1, 0, 1, 1], [1, 0, 1, 2, 0], [0, 2, 1, 1, 1]], [[1, -1], [0, 1]],
              [[Fraction(1, 2), -1, 0, 1], [0, 1, Fraction(-1, 2), 1]], [0, Fraction(1, 10)], 1, learning_rate=0.1)
    worked = solve_problem(raw).worked
    titles = [s.title for s in worked.steps]
    assert [t for t in titles if t.startswith("Backward")] == [
        "Backward through stage 5: linear", "Backward through stage 4: flatten (reshape the gradient to (2, 2))",
        "Backward through stage 3: max_pool2d", "Backward through stage 2: relu", "Backward through stage 1: conv2d"]
    assert titles[-1] == "Update every parameter" and any(t.startswith("Loss: cross_entropy") for t in titles)
    assert set(worked.answer) == {"output", "loss", "grads", "updated"}
    # past the softmax the gradients are decimals all the way back (never the exact fractions of their digits)
    assert isinstance(worked.answer["grads"]["stages"][0]["kernel"][0][0], float)


def test_upstream_instead_of_a_target_is_exact() -> None:
    worked = solve_problem({"id": "u", "kind": "pipeline", "input": "1 -2; 3 4", "upstream": [[1]],
                            "steps": ["relu", {"avg_pool2d": {"kernel_size": 2}}]}).worked
    assert worked.answer["grads"]["input"] == [[Fraction(1, 4), 0], [Fraction(1, 4), Fraction(1, 4)]]


def test_a_stage_without_a_backward_pass_is_named() -> None:
    with pytest.raises(NnstepsError, match=r"steps\[0\].*logistic has no backward pass"):
        solve_problem({"id": "u", "kind": "pipeline", "input": [1, 2], "upstream": 1,
                       "steps": [{"logistic": {"weights": [1, 1]}}]})


def test_the_cnn_checks_cell_by_cell_and_generates_variants() -> None:
    exercises = generate("pipeline", seed=5, count=20, learn=True)
    report = check(exercises.document(), exercises.answers)
    assert report.score == report.max_score == 20
    problem = exercises.problems[0]
    assert problem["loss"] == "cross_entropy" and problem["steps"][3] == "flatten"
    key = exercises.answers[problem["id"]]
    wrong = {**key, "grads": {**key["grads"], "stages": [dict(s) for s in key["grads"]["stages"]]}}
    kernel = [list(r) for r in wrong["grads"]["stages"][0]["kernel"]]
    kernel[0][0] = float(kernel[0][0]) + 1
    wrong["grads"]["stages"][0]["kernel"] = kernel
    bad = check(exercises.document(), {problem["id"]: wrong})
    cells = [c for p in bad.problems if p.id == problem["id"] for c in p.cells if not c.credit]
    assert [c.path for c in cells] == [("grads", "stages", 0, "kernel", 0, 0)]
