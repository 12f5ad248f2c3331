"""Generated gradient exercises: variants with an upstream (grid kinds) answering output and gradients, mlp
with every loss, the small CNN pipeline (checked cell by cell, its likely mistakes named), and ``embedding``
as a pipeline stage (indices in, rows out, the gradient scattered into rows)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from tests.helpers.step_honesty import check_steps

from nnsteps.api_check import check, generate
from nnsteps.errors import NnstepsError
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
F = torch.nn.functional
GRID = ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "linear", "relu", "sigmoid", "tanh", "softmax"]
LOSSES = ["mse", "l1", "smooth_l1", "huber", "cross_entropy", "nll", "binary_cross_entropy",
          "binary_cross_entropy_with_logits", "kl_div", "half_squared_error", "svm", "multi_margin", "hinge",
          "squared_hinge"]


@pytest.mark.parametrize("kind", GRID)
def test_grid_kinds_generate_upstream_variants_answering_output_and_grads(kind: str) -> None:
    exercises = generate(kind, seed=3, count=4, upstream=True)
    assert all("upstream" in p for p in exercises.problems)
    assert all(set(a) == {"output", "grads"} for a in exercises.answers.values())
    assert check(exercises.document(), exercises.answers).score == 4
    for problem in exercises.problems:
        check_steps(solve_problem(problem).worked.steps)


@pytest.mark.parametrize("loss", LOSSES)
def test_mlp_generates_every_loss_and_its_key_scores_full_marks(loss: str) -> None:
    exercises = generate("mlp", seed=4, count=3, loss=loss)
    assert all(p["loss"] == loss for p in exercises.problems)
    assert check(exercises.document(), exercises.answers).score == 3
    with pytest.raises(NnstepsError, match="--loss"):
        generate("mlp", seed=4, count=1, loss="hinge_loss")


def test_small_cnn_names_the_sign_of_p_minus_y() -> None:
    exercises = generate("pipeline", seed=5, count=1, learn=True)
    raw = exercises.problems[0]
    key = plain(solve_problem(raw).worked.answer)
    lr = float(raw["learning_rate"])
    stages, updated = [], []
    for grads, new in zip(key["grads"]["stages"], key["updated"]["stages"]):
        stages.append({k: (-np.asarray(v, dtype=float)).tolist() for k, v in grads.items()})
        # the student's update with y − p: w − η(−g) = w + ηg, i.e. the key's update moved by 2ηg
        updated.append({k: (np.asarray(v, dtype=float) + 2 * lr * np.asarray(grads[k], dtype=float)).tolist()
                        for k, v in new.items()})
    given = {**key, "grads": {"input": stages[0]["input"], "stages": stages}, "updated": {"stages": updated}}
    result = check_problem(raw, given)
    assert not result.correct and result.likely_mistake == "the sign of p − y (y − p)"


def test_a_pipeline_names_a_stage_mistake_inside_its_backward_pass() -> None:
    raw = {"id": "c", "kind": "pipeline", "input": "1 3; 3 2", "steps": [{"max_pool2d": {"kernel_size": 2}}],
           "upstream": [[5]]}
    key = plain(solve_problem(raw).worked.answer)
    assert key["grads"]["input"] == [[0, 5], [0, 0]]
    given = {**key, "grads": {"input": [[0, 0], [5, 0]], "stages": [{"input": [[0, 0], [5, 0]]}]}}
    assert check_problem(raw, given).likely_mistake.startswith("stage 1 (max_pool2d): gradient routed to the last")


def test_embedding_is_a_pipeline_stage_whose_gradient_is_scattered_into_rows() -> None:
    raw = {"id": "e", "kind": "pipeline", "input": [2, 0, 2],
           "steps": [{"embedding": {"weight": "1 2; 3 -4; 5 6"}}, "relu", "flatten",
                     {"linear": {"weights": [[1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]], "bias": [0, 0]}}],
           "target": [1, -1], "loss": "mse", "learning_rate": "0.5"}
    worked = solve_problem(raw).worked
    W = torch.tensor([[1., 2], [3, -4], [5, 6]], dtype=torch.float64, requires_grad=True)
    L = torch.tensor([[1., 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]], dtype=torch.float64)
    y = L @ torch.relu(F.embedding(torch.tensor([2, 0, 2]), W)).reshape(-1)
    F.mse_loss(y, torch.tensor([1., -1], dtype=torch.float64)).backward()
    grads = worked.answer["grads"]["stages"][0]
    assert set(grads) == {"weight"} and "input" not in worked.answer["grads"]  # indices have no gradient
    assert grads["weight"] == W.grad.numpy().astype(int).tolist() == [[10, 15], [0, 0], [20, 30]]  # row 2 twice
    # y = (11, 14), ∂L/∂y = (10, 15); w − ½ g
    assert worked.answer["updated"]["stages"][0]["weight"] == [[-4, Fraction(-11, 2)], [3, -4], [-5, -9]]
    check_steps(worked.steps)
    assert check(worked_document(raw), {"e": plain(worked.answer)}).score == 1
    with pytest.raises(NnstepsError, match=r"steps\[1\].*embedding takes indices.*first stage"):
        solve_problem({**raw, "steps": ["relu", {"embedding": {"weight": "1 2; 3 -4; 5 6"}}], "target": [[1, 1]] * 3})
    with pytest.raises(NnstepsError, match="indices are its input"):
        solve_problem({**raw, "steps": [{"embedding": {"weight": "1 2", "indices": [0]}}]})


def worked_document(raw: dict[str, Any]) -> dict[str, Any]:
    return {"problems": [raw]}
