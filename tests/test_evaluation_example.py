"""examples/evaluation.yaml (ROC/AP, the hinge losses, the strict perceptron, top-k from scores): its
keys match scikit-learn, PyTorch and CS231n's formula, and `nnsteps check` grades the key full marks and a
named mistake by its name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from nnsteps.cli import app
from nnsteps.grading.compare import plain
from nnsteps.grading.mistakes import mistaken_answers
from nnsteps.problems.load import load_file
from nnsteps.problems.solve import solve_problem

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "evaluation.yaml"
PROBLEMS = {str(raw["id"]): raw for raw in load_file(EXAMPLE)["problems"]}
MISTAKES = {
    "roc": "AUC with tied scores counted as wins (not half)",
    "svm": "the hinge margin without Δ: max(0, s_j − s_y)",
    "svm_w": "j = y counted in the hinge sum (adds Δ per sample)",
    "mm": "PyTorch's and CS231n's hinge confused (the 1/C)",
    "hinge": "0/1 labels used as they are (Keras reads them as −1/1)",
    "sqh": "the 1/N of a mean reduction forgotten (summed)",
    "strict": "z = 0 fires or not the other way round (z > 0 against z ≥ 0)",
    "topk": "top-1 instead of top-k (k ignored)",
}


def _key(pid: str) -> Any:
    return plain(solve_problem(PROBLEMS[pid]).worked.answer)


def _check(tmp_path: Path, answers: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers, default=str))  # exact answers as "a/b"
    result = CliRunner().invoke(app, ["check", str(EXAMPLE), str(path), "--format", "json"])
    return result.exit_code, {p["id"]: p for p in json.loads(result.output)["problems"]}


def test_the_key_scores_full_marks_and_each_named_mistake_is_named(tmp_path: Path) -> None:
    code, report = _check(tmp_path, {pid: _key(pid) for pid in PROBLEMS})
    assert code == 0 and all(p["correct"] and p["score"] == 1 for p in report.values())
    wrong = {}
    for pid, name in MISTAKES.items():
        answers = dict(mistaken_answers(PROBLEMS[pid], _key(pid)))
        wrong[pid] = answers[name]
    code, report = _check(tmp_path, wrong)
    assert code == 1
    assert {pid: p.get("likely_mistake") for pid, p in report.items()} == MISTAKES


def test_the_keys_match_scikit_learn_torch_and_cs231n() -> None:
    sk = pytest.importorskip("sklearn.metrics")
    torch = pytest.importorskip("torch")
    roc = PROBLEMS["roc"]
    key = _key("roc")
    assert float(key["auc"]) == sk.roc_auc_score(roc["y_true"], roc["y_score"]) == 0.90625
    assert float(key["average_precision"]) == pytest.approx(sk.average_precision_score(roc["y_true"], roc["y_score"]))
    S = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    assert float(_key("svm")["loss"]) == pytest.approx((2.9 + 0 + 12.9) / 3)
    x = torch.tensor(S[:2], requires_grad=True)
    out = torch.nn.functional.multi_margin_loss(x, torch.tensor([0, 1]))
    out.backward()
    assert float(_key("mm")["loss"]) == pytest.approx(out.item())
    np.testing.assert_allclose(np.array(_key("mm")["grads"]["input"], dtype=float), x.grad.numpy())
    W, X = np.array([[0.2, -0.5, 0.1], [0.1, 0.3, -0.2]]), np.array([[1, 2], [-1, 0.5]])
    from tests.helpers.cs231n import svm_loss_vectorized

    loss, dW = svm_loss_vectorized(W, X, np.array([0, 2]), 0.1)
    assert float(_key("svm_w")["loss"]) == pytest.approx(loss)
    np.testing.assert_allclose(np.array(_key("svm_w")["grads"]["W"], dtype=float), dW)
    assert float(_key("topk")["top_k_accuracy"]) == sk.top_k_accuracy_score(
        PROBLEMS["topk"]["y_true"], np.array([[0.5, 0.2, 0.2], [0.3, 0.4, 0.2], [0.2, 0.4, 0.3], [0.7, 0.2, 0.1]]), k=2)
