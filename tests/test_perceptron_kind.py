"""The perceptron kind: AND and OR traced by hand, the update table, a run that does not converge, bad input."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.problems.registry import Problem, load_kinds
from nnsteps.problems.solve import solve_problem

GATES = "0 0; 0 1; 1 0; 1 1"


def solve(**fields):
    return load_kinds()["perceptron"].solve(Problem({"id": "p", "kind": "perceptron", "X": GATES, **fields}))


def test_and_binary_traced_by_hand():
    # Epoch 1: (0,0) z=0 -> ŷ=1, wrong: b=-1; (1,1) z=-1 -> w=(1,1), b=0.
    # Epoch 2: (0,0) b=-1; (0,1) z=0 -> w=(1,0), b=-2; (1,1) z=-1 -> w=(2,1), b=-1.
    # Epoch 3: (0,1) z=0 -> w=(2,0), b=-2; (1,0) z=0 -> w=(1,0), b=-3; (1,1) z=-2 -> w=(2,1), b=-2.
    # Epoch 4: (1,0) z=0 -> w=(1,1), b=-3; (1,1) z=-1 -> w=(2,2), b=-2.
    # Epoch 5: (0,1) z=0 -> w=(2,1), b=-3.  Epoch 6: z = -3, -2, -1, 0: no update.
    a = solve(y=[0, 0, 0, 1], labels="binary", w=[0, 0], b=0, lr=1, epochs=10).answer
    assert (a["w"], a["b"], a["epochs"], a["converged"]) == ([2, 1], -3, 6, True)
    assert len(a["updates"]) == 24
    assert a["updates"][0] == {"x": [0, 0], "y": 0, "z": 0, "y_hat": 1, "w": [0, 0], "b": -1}
    assert [u["z"] for u in a["updates"][-4:]] == [-3, -2, -1, 0]


def test_or_sign_traced_by_hand():
    # η = 1/2. Epoch 1: (0,0) z=0 -> +1, wrong: b=-1/2; (0,1) z=-1/2 -> w=(0,1/2), b=0.
    # Epoch 2: (0,0) b=-1/2; (1,0) z=-1/2 -> w=(1/2,1/2), b=0. Epoch 3: (0,0) b=-1/2. Epoch 4: clean.
    a = solve(y=[-1, 1, 1, 1], labels="sign", lr=0.5).answer
    half = Fraction(1, 2)
    assert (a["w"], a["b"], a["epochs"], a["converged"]) == ([half, half], -half, 4, True)


def test_xor_does_not_converge():
    a = solve(y=[0, 1, 1, 0], epochs=3).answer
    assert (a["epochs"], a["converged"], len(a["updates"])) == (3, False, 12)


def test_steps_are_honest():
    from tests.helpers.step_honesty import check_steps

    w = solve(y=[0, 0, 0, 1], lr=0.5, w=[0.1, -0.2], b=0.3)
    assert check_steps(w.walk()) >= 24


@pytest.mark.parametrize(("fields", "message"), [
    ({"y": [0, 1, 1]}, "field y: expected one label per row of X (4), got 3"),
    ({"y": [0, 1, 2, 1]}, "expected binary labels 0 or 1, got 2"),
    ({"y": [0, 1, 1, 1], "labels": "sign"}, "expected sign labels -1 or 1, got 0"),
    ({"y": [0, 1, 1, 1], "w": [0, 0, 0]}, "expected 2 weights"),
])
def test_bad_input(fields, message):
    with pytest.raises(NnstepsError, match="problem p") as err:
        solve(**fields)
    assert message in str(err.value)


# ---------------------------------------------------------------- the perceptron on the logic gates

TRUTH_TABLES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0]}


def _rosenblatt(X: list[list[int]], y: list[int], sign: bool, w: list[Fraction], b: Fraction, lr: Fraction,
                epochs: int) -> tuple[list[Fraction], Fraction, int, bool, list[Fraction]]:
    """Rosenblatt's rule written out plainly, as the reference: (w, b, epochs, converged, every z)."""
    zs: list[Fraction] = []
    for epoch in range(1, epochs + 1):
        updated = False
        for x, t in zip(X, y, strict=True):
            z = sum((wi * xi for wi, xi in zip(w, x, strict=True)), start=Fraction(0)) + b
            zs.append(z)
            guess = (1 if z >= 0 else -1) if sign else (1 if z >= 0 else 0)
            if guess != t:
                step = lr * t if sign else lr * (t - guess)
                w = [wi + step * xi for wi, xi in zip(w, x, strict=True)]
                b += step
                updated = True
        if not updated:
            return w, b, epoch, True, zs
    return w, b, epochs, False, zs


@settings(max_examples=25, deadline=None)
@given(gate=st.sampled_from(sorted(TRUTH_TABLES)), sign=st.booleans(), lr=st.sampled_from(["1", "0.5", "0.1", "2"]),
       w=st.lists(st.integers(-3, 3), min_size=2, max_size=2), b=st.integers(-3, 3))
def test_perceptron_on_logic_gates_matches_the_rule(gate: str, sign: bool, lr: str, w: list[int], b: int) -> None:
    X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    y = [2 * t - 1 for t in TRUTH_TABLES[gate]] if sign else TRUTH_TABLES[gate]
    a = solve_problem({"id": "p", "kind": "perceptron", "X": X, "y": y, "labels": "sign" if sign else "binary",
                       "w": w, "b": b, "lr": lr, "epochs": 200}).worked.answer
    rw, rb, epochs, converged, zs = _rosenblatt(X, y, sign, [Fraction(v) for v in w], Fraction(b), Fraction(lr), 200)
    assert (a["w"], a["b"], a["epochs"], a["converged"]) == (rw, rb, epochs, converged)
    assert converged  # the four gates are linearly separable: the perceptron theorem
    assert [u["z"] for u in a["updates"]] == zs
def test_strict_threshold_fires_only_above_zero_traced_by_hand():
    # z > 0 fires. Epoch 1: z = 0 everywhere predicts 0: only (1,1) is wrong -> w=(1,1), b=1.
    # Epoch 2: (0,0) z=1 -> b=0; (0,1) z=1 -> w=(1,0), b=-1; (1,0) z=0 -> 0, right; (1,1) z=0 -> w=(2,1), b=0.
    # Epoch 3: (0,1) z=1 -> w=(2,0), b=-1; (1,0) z=1 -> w=(1,0), b=-2; (1,1) z=-1 -> w=(2,1), b=-1.
    # Epoch 4: (1,0) z=1 -> w=(1,1), b=-2; (1,1) z=0 -> w=(2,2), b=-1. Epoch 5: (0,1) z=1 -> w=(2,1), b=-2.
    # Epoch 6: z = -2, -1, 0, 1: no update.
    a = solve(y=[0, 0, 0, 1], labels="binary", w=[0, 0], b=0, lr=1, epochs=10, strict=True).answer
    assert (a["w"], a["b"], a["epochs"], a["converged"]) == ([2, 1], -2, 6, True)
    assert a["updates"][0] == {"x": [0, 0], "y": 0, "z": 0, "y_hat": 0, "w": [0, 0], "b": 0}
    assert [u["z"] for u in a["updates"][-4:]] == [-2, -1, 0, 1]
    signed = solve(y=[-1, -1, -1, 1], labels="sign", strict=True).answer
    assert signed["updates"][0]["y_hat"] == -1 and signed["converged"]


def test_strict_threshold_mistake_is_named():
    from nnsteps.grading.check import check_problem
    from nnsteps.grading.compare import plain

    raw = {"id": "p", "kind": "perceptron", "X": GATES, "y": [0, 0, 0, 1], "strict": True}
    loose = plain(solve(y=[0, 0, 0, 1]).answer)
    assert check_problem(raw, plain(solve(y=[0, 0, 0, 1], strict=True).answer)).correct
    result = check_problem(raw, loose)
    assert not result.correct and result.likely_mistake == "z = 0 fires or not the other way round (z > 0 against z ≥ 0)"


def test_update_formulas_name_each_weight_and_keep_the_arrow():
    worked = solve(y=[0, 0, 0, 1], strict=True)
    formulas = [s.formula for s in worked.walk() if s.title.startswith("Update")]
    assert formulas[:3] == [r"w_{1} \leftarrow w_{1} + \eta (y - \hat{y}) x_{1}",
                            r"w_{2} \leftarrow w_{2} + \eta (y - \hat{y}) x_{2}", r"b \leftarrow b + \eta (y - \hat{y})"]
    signed = solve(y=[-1, -1, -1, 1], labels="sign")
    assert [s.formula for s in signed.walk() if s.title == "Update b"][0] == r"b \leftarrow b + \eta y"
