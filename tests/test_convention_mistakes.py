"""Likely mistakes inside an op's own computation (nnsteps.ops.convention): a student answer computed the
wrong way by hand or with PyTorch gets the mistake's name; the conventions are no problem field."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from nnsteps.errors import NnstepsError
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.ops.convention import convention, following
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
F = torch.nn.functional


def t64(value: Any) -> Any:
    return torch.tensor(np.array(value, dtype=object).astype(np.float64), dtype=torch.float64)


def key_of(raw: dict[str, Any]) -> Any:
    return plain(solve_problem(raw).worked.answer)


def named(raw: dict[str, Any], given: Any) -> str | None:
    result = check_problem(raw, given)
    assert not result.correct
    return result.likely_mistake


DCONV = {"id": "q", "kind": "conv2d", "input": "1 2 0; 0 1 3; 2 1 1", "kernel": "1 0; -1 2", "bias": [1],
         "upstream": "1 -1; 2 0"}


def test_kernel_not_flipped_in_dx_is_named() -> None:
    given = key_of(DCONV)
    G, W = t64([[[[1, -1], [2, 0]]]]), t64([[[[1, 0], [-1, 2]]]])
    # the student's ∂L/∂X: the full correlation of the upstream with W itself (not rotated)
    given["grads"]["input"] = F.conv2d(F.pad(G, (1, 1, 1, 1)), W)[0, 0].numpy().astype(int).tolist()
    assert given["grads"]["input"] == [[2, -3, 1], [4, -1, -1], [0, 2, 0]]
    assert named(DCONV, given).startswith("kernel not flipped in ∂L/∂X")


def test_upstream_not_dilated_by_the_stride_is_named() -> None:
    raw = {"id": "q", "kind": "conv2d", "input": [[(i * 5 + j) % 4 for j in range(5)] for i in range(5)],
           "kernel": "1 2; -1 1", "stride": 2, "upstream": "1 2; -1 3"}
    given = key_of(raw)
    G, W = t64([[[[1, 2], [-1, 3]]]]), t64([[[[1, 2], [-1, 1]]]])
    # the student's: the full correlation of the *undilated* upstream with rot180(W) (= a stride-1 transposed
    # convolution), 3×3, in the top-left of the 5×5 gradient
    small = F.conv_transpose2d(G, W)[0, 0].numpy().astype(int)
    wrong = np.zeros((5, 5), dtype=int)
    wrong[:3, :3] = small
    given["grads"]["input"] = wrong.tolist()
    assert named(raw, given) == "upstream not dilated by the stride in ∂L/∂X"
    assert not any(n.startswith("upstream not dilated") for n, _ in _mistakes({**raw, "stride": 1}))


def _mistakes(raw: dict[str, Any]) -> list[tuple[str, Any]]:
    from nnsteps.grading.mistakes import candidates

    return list(candidates(raw))


@pytest.mark.parametrize(("routed", "name"), [
    ([[0, 0], [5, 0]], "gradient routed to the last of tied maxima"),
    ([[0, 5], [5, 0]], "gradient routed to every tied maximum"),
])
def test_gradient_routed_to_the_wrong_maximum_is_named(routed: list[list[int]], name: str) -> None:
    raw = {"id": "q", "kind": "max_pool2d", "input": "1 3; 3 2", "kernel_size": 2, "upstream": [[5]]}
    key = key_of(raw)
    x = t64([[[[1, 3], [3, 2]]]]).requires_grad_()
    F.max_pool2d(x, 2).backward(t64([[[[5]]]]))
    assert key["grads"]["input"] == x.grad[0, 0].numpy().astype(int).tolist() == [[0, 5], [0, 0]]  # the first
    assert named(raw, {**key, "grads": {"input": routed}}).startswith(name)


BN = {"id": "q", "kind": "batch_norm", "input": [[1, 2], [3, 6], [5, 1]], "eps": 0, "running_var": [1, 1],
      "momentum": Fraction(1, 2)}


def test_sample_variance_for_normalising_is_named() -> None:
    x = t64(BN["input"])
    var = x.var(dim=0, unbiased=True)  # the student's σ²: ÷ (n − 1)
    out = (x - x.mean(dim=0)) / var.sqrt()
    ref = (x - x.mean(dim=0)) / x.var(dim=0, unbiased=False).sqrt()  # PyTorch's normalisation, eps = 0
    assert not np.allclose(out.numpy(), ref.numpy())
    key = key_of(BN)
    given = {**key, "output": out.numpy().tolist(), "var": [4, 7]}  # running statistics as PyTorch's
    assert named(BN, given).startswith("sample variance (÷ n − 1) used to normalise")


def test_population_variance_in_the_running_estimate_is_named() -> None:
    key = key_of(BN)
    running = torch.ones(2, dtype=torch.float64)
    F.batch_norm(t64(BN["input"]), torch.zeros(2, dtype=torch.float64), running, training=True, momentum=0.5,
                 eps=1e-5)  # PyTorch wants eps > 0 when training; the running statistics do not use it
    assert np.allclose(np.array(key["running_var"], dtype=float), running.numpy())
    biased = t64(BN["input"]).var(dim=0, unbiased=False)
    given = {**key, "running_var": (0.5 * 1 + 0.5 * biased).numpy().tolist()}
    assert named(BN, given).startswith("population variance (÷ n) in the running variance")


def test_the_sign_of_p_minus_y_is_named_for_the_loss_kind_mlp_and_a_pipeline() -> None:
    raw = {"id": "q", "kind": "loss", "loss": "cross_entropy", "input": [[2, 1, 0]], "target": [0]}
    z = t64([[2, 1, 0]]).requires_grad_()
    F.cross_entropy(z, torch.tensor([0])).backward()
    given = {**key_of(raw), "grads": {"input": (-z.grad).numpy().tolist()}}  # y − p
    assert named(raw, given) == "the sign of p − y (y − p)"

    mlp = {"id": "m", "kind": "mlp", "input": [1, 2], "target": 1, "loss": "cross_entropy", "learning_rate": 1,
           "layers": [{"weights": [[1, 0], [0, 1], [1, 1]], "bias": [0, 0, 0]}]}
    W = t64([[1, 0], [0, 1], [1, 1]]).requires_grad_()
    b = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    F.cross_entropy((W @ t64([1, 2]) + b).unsqueeze(0), torch.tensor([1])).backward()
    key = key_of(mlp)
    wrong_grads = {"weights": (-W.grad).numpy().tolist(), "bias": (-b.grad).numpy().tolist()}
    wrong_update = {"weights": (W + W.grad).detach().numpy().tolist(), "bias": (b + b.grad).detach().numpy().tolist()}
    given = {**key, "grads": {"layers": [wrong_grads]}, "updated": {"layers": [wrong_update]}}
    assert named(mlp, given) == "the sign of p − y (y − p)"


def test_the_conventions_are_no_problem_field_and_default_to_pytorch() -> None:
    with pytest.raises(NnstepsError, match="unknown field '_convention'"):
        solve_problem({**DCONV, "_convention": {"flip_kernel_in_dx": False}})
    with pytest.raises(NnstepsError, match="unknown convention"), following({"flip": False}):
        pass
    with following({"max_tie": "all"}):
        assert convention("max_tie") == "all"
    assert convention("max_tie") == "first" and convention("p_minus_y") is True
