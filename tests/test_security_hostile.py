"""Found by a hostile pass over every field of every kind (issue 9): values that used to end in a
traceback now end in one line naming the problem and the field, or in an answer."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_document
from nnsteps.render.document import render_solved

BN = {"kind": "batch_norm", "input": "1 2; 3 6; 5 1"}
LN = {"kind": "layer_norm", "input": "1 2 3", "normalized_shape": [3]}


def one_line(problem: dict[str, Any]) -> str:
    with pytest.raises(NnstepsError) as info:
        solved = solve_document([{"id": "p", **problem}])
        for fmt in ("json", "markdown", "text"):
            render_solved(solved, fmt)
    message = str(info.value)
    assert "\n" not in message and "problem p" in message
    return message


@pytest.mark.parametrize("problem", [
    {**BN, "eps": -10}, {**BN, "eps": "−10"}, {**BN, "eps": -(10**38)},
    {**BN, "training": False, "running_mean": "0 0", "running_var": "-1 1"},
    {**LN, "eps": -1}, {**LN, "eps": -(2**63)},
], ids=["bn-eps", "bn-eps-minus-sign", "bn-eps-huge", "bn-negative-running-var", "ln-eps", "ln-eps-huge"])
def test_a_negative_variance_plus_eps_is_one_line(problem: dict[str, Any]) -> None:
    assert "σ² + ε" in one_line(problem)


def test_a_negative_eps_that_keeps_variance_positive_still_solves() -> None:
    solved = solve_document([{"id": "p", **BN, "eps": -1}])  # σ² = 8/3, 14/3: σ² + ε > 0, as torch computes it
    assert solved.solved[0].worked.answer["var"] == [Fraction(8, 3), Fraction(14, 3)]


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_of_huge_numbers_saturates_as_the_float_formula_does(approximate: str) -> None:
    big = 10**300
    w = solve_document([{"id": "p", "kind": "gelu", "input": [-big, big, -11, 11], "upstream": [1, 1, 1, 1],
                         "approximate": approximate}])
    out = w.solved[0].worked.answer
    assert out["output"] == [0.0, 1e300, pytest.approx(0.0, abs=1e-20), 11.0]
    assert out["grads"]["input"][1] == 1.0 and out["grads"]["input"][0] == 0.0


MLP = {"kind": "mlp", "input": [1, 2], "target": [2], "learning_rate": 0.5,
       "layers": [{"weights": [[1, 1]], "bias": [0], "activation": "relu"}]}


@pytest.mark.parametrize("override", [{"l1": 1e308}, {"l2": -1e308}, {"target": [1e308]},
                                      {"target": [-(10**299)]}], ids=["l1", "l2", "target", "target-neg"])
def test_floats_past_the_digit_limit_are_one_line(override: dict[str, Any]) -> None:
    assert "digits" in one_line({**MLP, **override})


def test_half_squared_error_of_ints_stays_exact() -> None:
    w = solve_document([{"id": "p", **MLP, "learning_rate": "1/2"}])
    assert w.solved[0].worked.answer["loss"] == Fraction(1, 2)
    assert isinstance(w.solved[0].worked.answer["loss"], Fraction)


@pytest.mark.parametrize("how", ["fifo", "link-to-fifo"])
def test_an_output_path_that_is_a_device_or_fifo_is_refused_and_left_alone(tmp_path: Path, how: str) -> None:
    """``-o /dev/null`` used to rename a regular file over the device (as root: /dev/null became a file).
    A FIFO stands in for a device here; os.replace treats both alike."""
    import stat

    from nnsteps.files import write_atomic

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    target = fifo
    if how == "link-to-fifo":
        target = tmp_path / "out.md"
        target.symlink_to(fifo)
    with pytest.raises(NnstepsError, match="expected a regular file to write, got a FIFO") as info:
        write_atomic(target, "7\n", field="--output")
    assert "\n" not in str(info.value)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and os.path.lexists(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"pipe", target.name})


def test_softmax_of_one_number_with_an_upstream_has_a_zero_gradient() -> None:
    """Found by test_fuzz_inputs (input 2**63, upstream 0): an AxisError traceback for a 0-d input."""
    w = solve_document([{"id": "p", "kind": "softmax", "input": 3, "upstream": 5}])
    assert w.solved[0].worked.answer["grads"]["input"] == 0
