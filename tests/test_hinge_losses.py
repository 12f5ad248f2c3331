"""The hinge losses of the loss kind: CS231n's multiclass SVM against a direct NumPy formula and CS231n's
vectorised form, PyTorch's multi_margin_loss and its autograd gradient, Keras' Hinge and SquaredHinge
written in NumPy; their named mistakes and bad input."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.helpers.cs231n import svm_loss_naive, svm_loss_vectorized

from nnsteps.errors import NnstepsError
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.ops.convention import following
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
PARITY = settings(max_examples=30, deadline=None)


def _solve(raw: dict[str, Any]) -> dict[str, Any]:
    return solve_problem({"id": "h", "kind": "loss", **raw}).worked.answer  # type: ignore[no-any-return]


def _f(a: Any) -> np.ndarray:
    return np.array(plain(a), dtype=float)


tenths = st.integers(-20, 20).map(lambda v: Fraction(v, 10))
linear = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(2, 4)).flatmap(lambda s: st.tuples(
    st.lists(st.lists(tenths, min_size=s[2], max_size=s[2]), min_size=s[1], max_size=s[1]),
    st.lists(st.lists(tenths, min_size=s[1], max_size=s[1]), min_size=s[0], max_size=s[0]),
    st.lists(st.integers(0, s[2] - 1), min_size=s[0], max_size=s[0])))


def _text(rows: list[list[Fraction]]) -> str:
    return "; ".join(" ".join(str(v) for v in row) for row in rows)


@PARITY
@given(linear, st.sampled_from([0, Fraction(1, 10)]), st.sampled_from([1, Fraction(1, 2)]))
def test_svm_equals_cs231n_naive_and_vectorized(case: Any, reg: Fraction, delta: Fraction) -> None:
    W, X, y = case
    a = _solve({"loss": "svm", "W": _text(W), "X": _text(X), "target": y, "reg": str(reg), "margin": str(delta)})
    Wf, Xf, yf = np.array(W, dtype=float), np.array(X, dtype=float), np.array(y)
    for reference in (svm_loss_naive, svm_loss_vectorized):
        loss, dW = reference(Wf, Xf, yf, float(reg), float(delta))
        assert float(a["loss"]) == pytest.approx(loss, abs=1e-12)
        np.testing.assert_allclose(_f(a["grads"]["W"]), dW, atol=1e-12)


scores = st.tuples(st.integers(1, 4), st.integers(2, 5)).flatmap(lambda s: st.tuples(
    st.lists(st.lists(st.integers(-4, 4), min_size=s[1], max_size=s[1]), min_size=s[0], max_size=s[0]),
    st.lists(st.integers(0, s[1] - 1), min_size=s[0], max_size=s[0])))


@PARITY
@given(scores, st.sampled_from(["mean", "sum", "none"]), st.sampled_from([1, 2, Fraction(1, 2)]))
def test_multi_margin_equals_torch_value_and_autograd(case: Any, reduction: str, margin: Fraction) -> None:
    S, y = case
    a = _solve({"loss": "multi_margin", "input": S, "target": y, "reduction": reduction, "margin": str(margin)})
    x = torch.tensor(S, dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.multi_margin_loss(x, torch.tensor(y), margin=float(margin), reduction=reduction)
    out.sum().backward()
    np.testing.assert_allclose(_f(a["loss"]), out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(_f(a["grads"]["input"]), x.grad.numpy(), atol=1e-12)  # type: ignore[union-attr]
    # CS231n's svm is the same sum without the 1/C
    svm = _solve({"loss": "svm", "input": S, "target": y, "reduction": reduction, "margin": str(margin)})
    np.testing.assert_allclose(_f(svm["loss"]), _f(a["loss"]) * len(S[0]), atol=1e-12)


@PARITY
@given(scores, st.sampled_from(["mean", "sum", "none"]), st.sampled_from([1, Fraction(3, 2)]), st.data())
def test_multi_margin_with_p_2_and_class_weights_equals_torch_value_and_autograd(case: Any, reduction: str,
                                                                                margin: Fraction, data: Any) -> None:
    S, y = case
    weight = data.draw(st.lists(st.integers(1, 8).map(lambda k: Fraction(k, 4)), min_size=len(S[0]),
                                max_size=len(S[0])))
    a = _solve({"loss": "multi_margin", "input": S, "target": y, "reduction": reduction, "margin": str(margin), "p": 2,
                "weight": [str(w) for w in weight]})
    x = torch.tensor(S, dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.multi_margin_loss(x, torch.tensor(y), p=2, margin=float(margin), reduction=reduction,
                                                weight=torch.tensor([float(w) for w in weight], dtype=torch.float64))
    out.sum().backward()
    np.testing.assert_allclose(_f(a["loss"]), out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(_f(a["grads"]["input"]), x.grad.numpy(), atol=1e-12)  # type: ignore[union-attr]


def test_multi_margin_weights_the_squared_terms_as_torchs_kernel_not_as_its_documentation() -> None:
    # w_y·max(0, z)²: sample 1 (y = 1, w = 2) has z = 3 and 2, so 2·(9 + 4)/3 = 26/3 (the documentation's
    # max(0, w_y z)² would give 52/3); its gradient is w_y·2z/C at each wrong class, minus their sum at y.
    a = _solve({"loss": "multi_margin", "input": "3 1 2", "target": [1], "p": 2, "weight": [1, 2, 3],
                "reduction": "sum"})
    assert a == {"loss": Fraction(26, 3), "grads": {"input": [4, Fraction(-20, 3), Fraction(8, 3)]}}


def keras_hinge(y_true: np.ndarray, y_pred: np.ndarray, squared: bool) -> float:
    """Keras' Hinge / SquaredHinge with the default reduction (sum over batch size), in NumPy."""
    if np.all((y_true == 0) | (y_true == 1)):
        y_true = 2 * y_true - 1
    m = np.maximum(1 - y_true * y_pred, 0)
    return float(np.mean(np.mean(m * m if squared else m, axis=-1)))


labels_and_preds = st.tuples(st.integers(1, 3), st.integers(1, 4)).flatmap(lambda s: st.tuples(
    st.lists(st.lists(st.sampled_from([-1, 1]), min_size=s[1], max_size=s[1]), min_size=s[0], max_size=s[0]),
    st.lists(st.lists(tenths, min_size=s[1], max_size=s[1]), min_size=s[0], max_size=s[0]), st.booleans()))


@PARITY
@given(labels_and_preds, st.sampled_from(["hinge", "squared_hinge"]))
def test_binary_hinge_equals_keras_and_autograd(case: Any, name: str) -> None:
    y, pred, zero_one = case
    t = [[(v + 1) // 2 for v in row] for row in y] if zero_one else y
    a = _solve({"loss": name, "input": [[str(v) for v in row] for row in pred], "target": t})
    expected = keras_hinge(np.array(t, dtype=float), np.array(pred, dtype=float), name == "squared_hinge")
    assert float(a["loss"]) == pytest.approx(expected, abs=1e-12)
    x = torch.tensor(np.array(pred, dtype=float), requires_grad=True)
    m = torch.clamp(1 - torch.tensor(np.array(y, dtype=float)) * x, min=0)
    (m * m if name == "squared_hinge" else m).mean().backward()
    np.testing.assert_allclose(_f(a["grads"]["input"]), x.grad.numpy(), atol=1e-12)  # type: ignore[union-attr]


def test_cs231n_worked_example() -> None:
    # CS231n's notes: scores [13, -7, 11], true class 0, Δ = 10: max(0, -20 + 10) + max(0, -2 + 10) = 8
    a = _solve({"loss": "svm", "input": [13, -7, 11], "target": 0, "margin": 10})
    assert a == {"loss": 8, "grads": {"input": [-1, 0, 1]}}
    b = _solve({"loss": "multi_margin", "input": [13, -7, 11], "target": 0, "margin": 10})
    assert b == {"loss": Fraction(8, 3), "grads": {"input": [Fraction(-1, 3), 0, Fraction(1, 3)]}}


@pytest.mark.parametrize(("loss", "wrong", "conventions", "name"), [
    ("svm", {"margin": 0}, {}, "the hinge margin without Δ: max(0, s_j − s_y)"),
    ("svm", {}, {"hinge_skip_true": False}, "j = y counted in the hinge sum (adds Δ per sample)"),
    ("multi_margin", {}, {"hinge_skip_true": False}, "j = y counted in the hinge sum (adds Δ per sample)"),
    ("multi_margin", {"loss": "svm"}, {}, "PyTorch's and CS231n's hinge confused (the 1/C)"),
    ("multi_margin", {"p": 1, "base": {"p": 2}}, {}, "the hinge terms not squared (p = 2)"),
])
def test_hinge_mistakes_are_named(loss: str, wrong: dict[str, Any], conventions: dict[str, Any], name: str) -> None:
    raw = {"id": "h", "kind": "loss", "loss": loss, "input": "3.2 5.1 -1.7; 1.3 4.9 2.0", "target": [0, 1],
           **wrong.get("base", {})}  # the problem's own options; the rest of wrong is the student's slip
    with following(conventions):
        given_answer = plain(solve_problem({**raw, **{k: v for k, v in wrong.items() if k != "base"}}).worked.answer)
    assert check_problem(raw, plain(solve_problem(raw).worked.answer)).correct
    result = check_problem(raw, given_answer)
    assert not result.correct and result.likely_mistake == name


@pytest.mark.parametrize(("raw", "message"), [
    ({"loss": "svm", "input": "1 2; 3 4", "target": [0, 2]}, "field target: expected class indices in [0, 1], got 2"),
    ({"loss": "svm", "input": "1 2; 3 4", "target": [0]}, "field target: expected 2 class indices"),
    ({"loss": "svm", "W": "1 2; 3 4", "target": [0]}, "field X: expected both W"),
    ({"loss": "svm", "W": "1 2; 3 4", "X": "1 2 3", "target": [0]}, "field W: expected W with 3 rows"),
    ({"loss": "svm", "target": [0]}, "field input: expected input (the scores, N×C) or W and X"),
    ({"loss": "svm", "W": "1 2; 3 4", "X": "1 2", "target": [0], "reg": 1, "reduction": "none"},
     "field reg: reg adds λ Σ W² to one loss; expected reduction mean or sum with it, got none"),
    ({"loss": "mse", "target": [0]}, "field input: expected input"),
    ({"loss": "mse", "input": [1], "target": [0], "margin": 2}, "field margin: mse takes no margin"),
    ({"loss": "multi_margin", "input": [1, 2], "target": 0, "W": "1"}, "field W: multi_margin takes no W"),
    ({"loss": "multi_margin", "input": [1, 2], "target": 0, "p": 3}, "field p: expected p 1 or 2"),
    ({"loss": "multi_margin", "input": [1, 2], "target": 0, "weight": [1]}, "field weight: expected 2 class weights"),
    ({"loss": "svm", "input": [1, 2], "target": 0, "p": 2}, "field p: svm takes no p"),
])
def test_hinge_bad_input_is_one_line(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(NnstepsError, match=re.escape(message)) as err:
        _solve(raw)
    assert "\n" not in str(err.value) and "problem h" in str(err.value)


def test_a_huge_exact_linear_classifier_is_refused_before_any_multiply() -> None:
    with pytest.raises(NnstepsError, match="the scores X W and ∂L/∂W needs") as err:
        _solve({"loss": "svm", "W": [[1] * 200] * 200, "X": [[1] * 200] * 200, "target": [0] * 200})
    assert "field X" in str(err.value) and "\n" not in str(err.value)
