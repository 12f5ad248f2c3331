"""Steps are honest: wherever a step's ``substituted`` is arithmetic, it evaluates to its ``result``, for the
reference set and for Hypothesis draws of every grid op. The evaluator and ``check_steps`` are shared by
many test files: tests/helpers/step_honesty.py.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers.step_honesty import NotArithmetic, check_steps, evaluate

from nnsteps.ops.grid import pool, transpose
from nnsteps.ops.grid.conv import conv2d
from nnsteps.ops.layers import dense
from nnsteps.problems.solve import solve_file, solve_problem
from nnsteps.work import Step

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "assignment3.yaml"


def test_evaluator_reads_what_the_ops_write() -> None:
    assert evaluate(r"1 \cdot 1 + 1 \cdot 4 + (-2) \cdot 0.5") == 4
    assert evaluate(r"\frac{0 + 0 + 1 + 3}{4}") == 1
    assert evaluate(r"\left\lceil \frac{5 + 2 \cdot 1 - 1 \cdot (2 - 1) - 1}{2} \right\rceil + 1") == 4
    assert evaluate(r"\max(0, (-3), \frac{1}{3})") == Fraction(1, 3)
    assert evaluate(r"(-\frac{1}{3}) \times 3") == -1
    assert evaluate(r"1.5 \cdot 10^{-3}") == Fraction(3, 2000)
    for not_arithmetic in (r"\frac{1}{1 + e^{-2}}", r"\tanh(1)", r"3 \ge 2", r"\max(-\infty)", "2P"):
        with pytest.raises(NotArithmetic):
            evaluate(not_arithmetic)
    with pytest.raises(SyntaxError):
        evaluate(r"1 + \cdot 2")


def test_check_steps_catches_a_dishonest_step() -> None:
    with pytest.raises(AssertionError, match="but result is 8"):
        check_steps([Step("bad", substituted=r"3 \cdot 2 + 1", result=8)])
    assert check_steps([Step("good", substituted=r"3 \cdot 2 + 1", result=7)]) == 1


def test_every_arithmetic_step_of_the_reference_set_is_honest() -> None:
    solved = solve_file(EXAMPLE)
    checked = {s.problem.id: check_steps(s.worked.walk()) for s in solved.solved}
    # q1a: 2 sizes + 1 cell; q1d: 2 sizes + 4 windows (detail all); q1e: K_eff + 2 sizes + 1 cell;
    # q5: conv (2 sizes + 6 cells), pool (2 sizes + 1 average).
    assert checked["q1a"] == 3 and checked["q1b"] == 3 and checked["q1c"] == 3
    assert checked["q1d"] == 6 and checked["q1e"] == 4 and checked["q5"] == 11
    assert sum(checked.values()) >= 30


# ------------------------------------------------------------------------------ the Hypothesis sweep

SWEEP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
exact_numbers = st.one_of(st.integers(-5, 5), st.sampled_from(["0.5", "-1.25", "1/3", "-2/7", "0.1"]))


def grid(draw: Any, shape: tuple[int, ...]) -> list[Any]:
    size = int(np.prod(shape))
    flat = draw(st.lists(exact_numbers, min_size=size, max_size=size))
    return np.array(flat, dtype=object).reshape(shape).tolist()


@SWEEP
@given(data=st.data())
def test_conv2d_steps_are_honest(data: Any) -> None:
    d = data.draw
    groups = d(st.integers(1, 2))
    c, f = groups * d(st.integers(1, 2)), groups * d(st.integers(1, 2))
    kh, kw, dil = d(st.integers(1, 3)), d(st.integers(1, 3)), (d(st.integers(1, 2)), d(st.integers(1, 2)))
    padding: Any = d(st.sampled_from([0, 1, (0, 1), "same", "valid"]))
    stride = 1 if padding == "same" else (d(st.integers(1, 2)), d(st.integers(1, 2)))
    h = dil[0] * (kh - 1) + 1 + d(st.integers(0, 2))
    w = dil[1] * (kw - 1) + 1 + d(st.integers(0, 2))
    ndim = d(st.sampled_from([2, 3, 4])) if c == 1 and f == 1 else 4
    x_shape = {2: (h, w), 3: (1, h, w), 4: (d(st.integers(1, 2)), c, h, w)}[ndim]
    k_shape = {2: (kh, kw), 3: (1, kh, kw), 4: (f, c // groups, kh, kw)}[ndim]
    bias = grid(d, (f,)) if d(st.booleans()) else None
    worked = conv2d(grid(d, x_shape), grid(d, k_shape), bias, stride=stride, padding=padding, dilation=dil,
                    groups=groups, flip=d(st.booleans()), detail="all")
    cells = [s for s in worked.walk() if s.title.startswith("Output cell")]
    assert cells and check_steps(worked.walk()) >= 2 + len(cells)


@SWEEP
@given(data=st.data())
def test_conv_transpose2d_steps_are_honest(data: Any) -> None:
    d = data.draw
    s, dil = d(st.integers(1, 3)), d(st.integers(1, 2))
    k = d(st.integers(1, 3))
    x = grid(d, (1, d(st.integers(1, 2)), d(st.integers(1, 3)), d(st.integers(1, 3))))
    wt = grid(d, (len(x[0]), d(st.integers(1, 2)), k, k))
    bias = grid(d, (len(wt[0]),)) if d(st.booleans()) else None
    out_pad = d(st.integers(0, max(s, dil) - 1))
    smallest = min(len(x[0][0]), len(x[0][0][0]))
    pad = d(st.integers(0, 1)) if (smallest - 1) * s - 2 + dil * (k - 1) + out_pad + 1 >= 1 else 0
    worked = transpose.conv_transpose2d(x, wt, bias, stride=s, dilation=dil, padding=pad, output_padding=out_pad,
                                        detail="all")
    cells = [st_ for st_ in worked.walk() if st_.title.startswith("Output cell")]
    assert cells and check_steps(worked.walk()) >= 2 + len(cells)


@SWEEP
@given(data=st.data())
def test_pool_steps_are_honest(data: Any) -> None:
    d = data.draw
    k = (d(st.integers(1, 3)), d(st.integers(1, 3)))
    pad = (d(st.integers(0, k[0] // 2)), d(st.integers(0, k[1] // 2)))
    stride = d(st.one_of(st.none(), st.integers(1, 3)))
    ceil = d(st.booleans())
    x = grid(d, (d(st.integers(k[0], 5)), d(st.integers(k[1], 5))))
    if d(st.booleans()):
        worked = pool.max_pool2d(x, k, stride, pad, (1, 1), ceil, detail="all")
    else:
        worked = pool.avg_pool2d(x, k, stride, pad, ceil, d(st.booleans()), d(st.one_of(st.none(), st.integers(1, 5))),
                                 detail="all")
    cells = [s for s in worked.walk() if s.title.startswith("Output cell")]
    assert cells and check_steps(worked.walk()) >= 2 + len(cells)


@SWEEP
@given(data=st.data())
def test_dense_steps_are_honest(data: Any) -> None:
    d = data.draw
    n_in, n_out = d(st.integers(1, 4)), d(st.integers(1, 3))
    h = grid(d, (n_in,))
    worked = dense.linear(h, grid(d, (n_out, n_in)), grid(d, (n_out,)) if d(st.booleans()) else None)
    assert check_steps(worked.walk()) == n_out
    logistic = dense.logistic(h, grid(d, (n_in,)), d(exact_numbers))
    assert check_steps(logistic.walk()) == 1  # the score z; σ(z) holds e^{…} and is not arithmetic


def test_float_pipeline_steps_are_honest_to_float_precision() -> None:
    rng = np.random.default_rng(0)
    raw = {"id": "f", "kind": "pipeline", "input": rng.normal(size=(5, 5)).tolist(),
           "steps": [{"conv2d": {"kernel": rng.normal(size=(3, 3)).tolist(), "padding": 1, "detail": "all"}},
                     "relu", {"avg_pool2d": {"kernel_size": 2, "ceil_mode": True, "detail": "all"}}]}
    # nested lists of Python floats are read exactly from their repr, so this is the exact path too
    assert check_steps(solve_problem(raw).worked.walk()) >= 25 + 9 + 4
    x, k = rng.normal(size=(1, 1, 5, 5)), rng.normal(size=(1, 1, 3, 3))
    worked = conv2d(x, k, padding=1, detail="all")
    assert check_steps(worked.walk()) == 2 + 25


def test_many_channels_expand_as_a_sum_of_channel_sums_that_adds_up() -> None:
    """Past 48 products a cell is written as its per-channel sums (+ bias); that line must add up too."""
    rng = np.random.default_rng(0)
    worked = conv2d(rng.integers(-3, 4, (1, 6, 4, 4)).tolist(), rng.integers(-3, 4, (2, 6, 3, 3)).tolist(), [1, -2],
                    detail="all")
    cells = [s for s in worked.walk() if s.title.startswith("Output cell")]
    assert len(cells) == 8 and all(s.substituted.count(" + ") == 6 for s in cells)  # 6 channel sums + bias
    assert check_steps(worked.walk()) == 2 + 8 + 8  # sizes, cells, and each cell's channel-0 expansion


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cell_steps_are_honest(cell: str) -> None:
    """LSTM/GRU (``rnn`` with ``cell``): exact where rational; float64 past the exact bound (L·H > 24)."""
    from nnsteps.ops.rnn import rnn

    G = 4 if cell == "lstm" else 3
    exact = rnn([[0], [0]], cell=cell, weights={"weight_ih": [[1]] * G, "weight_hh": [[0]] * G}, target=0,
                learning_rate="0.5")
    rng = np.random.default_rng(1)
    H, D, L = 5, 2, 6
    big = rnn(rng.normal(size=(L, D)).tolist(), cell=cell, output="every", target=rng.normal(size=(L, H)).tolist(),
              weights={"weight_ih": rng.normal(size=(G * H, D)).tolist(), "weight_hh": rng.normal(size=(G * H, H)).tolist(),
                       "bias_ih": rng.normal(size=G * H).tolist()}, learning_rate=0.1)
    assert check_steps(exact.walk()) >= 7 * G  # every gate's pre-activation, c/h entries, δs, sums, updates
    assert check_steps(big.walk()) >= 2 * L * G
