"""Design questions: stacked small filters vs one large, and inverse size questions checked by brute force."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps import shapes
from nnsteps.arch import design
from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_problem


@pytest.mark.parametrize(("n", "k", "c"), [(2, 3, 16), (3, 3, 64), (2, 5, 8), (1, 3, 4)])
def test_stacked_vs_single_closed_forms(n: int, k: int, c: int) -> None:
    v = design.stacked_vs_single(n, k, c).value
    r = n * (k - 1) + 1
    assert v["receptive_field"] == r
    assert v["stacked_params"] == n * (k * k * c * c + c)
    assert v["single_params"] == r * r * c * c + c
    assert v["nonlinearities"] == {"stacked": n, "single": 1}


def test_question_3f_numbers_and_note() -> None:
    w = design.stacked_vs_single(2, 3, 16)
    assert (w.value["stacked_params"], w.value["single_params"]) == (4640, 6416)
    assert "2 non-linearities" in (w.steps[-1].note or "")
    no_bias = design.stacked_vs_single(3, 3, 10, bias=False).value
    assert (no_bias["stacked_params"], no_bias["single_params"]) == (27 * 100, 49 * 100)


def test_stacked_errors() -> None:
    with pytest.raises(NnstepsError, match="at least the receptive field 7"):
        design.stacked_vs_single(3, 3, 4, size=5)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(1, 7), out=st.integers(1, 40), s=st.integers(1, 3), d=st.integers(1, 2))
def test_inverse_answers_agree_with_brute_force(n: int, k: int, out: int, s: int, d: int) -> None:
    def fits(kk: int, p: int, ss: int) -> bool:
        span = n + 2 * p - d * (kk - 1) - 1
        return span >= 0 and span // ss + 1 == out

    pads = [p for p in range(0, 60) if fits(k, p, s)]
    if pads:
        assert design.solve_padding(n, k, out, stride=s, dilation=d).value == pads[0]
    else:
        with pytest.raises(NnstepsError):
            design.solve_padding(n, k, out, stride=s, dilation=d)
    kernels = [kk for kk in range(1, 100) if fits(kk, 0, s)]
    if kernels:
        assert design.solve_kernel(n, out, stride=s, dilation=d).value == kernels
    strides = [ss for ss in range(1, 100) if fits(k, 0, ss)]
    if strides and out > 1:
        assert design.solve_stride(n, k, out, dilation=d).value == strides


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 20), k=st.integers(1, 5), s=st.integers(1, 3), p=st.integers(0, 2), op=st.integers(0, 2))
def test_output_padding_restores_the_size(n: int, k: int, s: int, p: int, op: int) -> None:
    try:
        target = shapes.conv_transpose_out(n, k, pad=p, stride=s, output_padding=op).value
    except NnstepsError:
        return
    if op < s:
        assert design.solve_output_padding(n, target, k, stride=s, padding=p).value == op


def test_output_padding_that_pytorch_refuses() -> None:
    with pytest.raises(NnstepsError, match="max\\(stride, dilation\\) = 2"):
        design.solve_output_padding(16, 40, 3, stride=2, padding=1)


def test_problem_kinds() -> None:
    w = solve_problem({"id": "a", "kind": "size_inverse", "find": "output_padding", "input": 16, "output": 32,
                       "kernel": 3, "stride": 2, "padding": 1}).worked
    assert w.answer == 1 and w.steps[-1].value == 32
    w = solve_problem({"id": "b", "kind": "size_inverse", "find": "stride", "input": 224, "output": 112,
                       "kernel": 7, "padding": 3}).worked
    assert w.answer == [2]
    w = solve_problem({"id": "c", "kind": "stacked_filters", "n": 3, "kernel": 3, "channels": 64}).worked
    assert w.answer["receptive_field"] == 7
    with pytest.raises(NnstepsError, match="problem d, field find"):
        solve_problem({"id": "d", "kind": "size_inverse", "find": "padd", "input": 4, "output": 4, "kernel": 3})


def test_network_kind_ask_errors() -> None:
    base = {"id": "q", "kind": "network", "spec": "input 8x8x3\nconv 3x3x4"}
    with pytest.raises(NnstepsError, match="no layer named 'conv9'"):
        solve_problem({**base, "ask": ["conv9.weights"]})
    with pytest.raises(NnstepsError, match="cell one of"):
        solve_problem({**base, "ask": ["conv1.wieghts"]})
    with pytest.raises(NnstepsError) as err:
        solve_problem({**base, "spec": "input 8x8x3\nconv 3x3x4 q=1"})
    assert "problem q" in str(err.value) and "field spec" in str(err.value) and "line 2" in str(err.value)
