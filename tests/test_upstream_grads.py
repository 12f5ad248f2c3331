"""`upstream` on conv2d, conv_transpose2d, max_pool2d, avg_pool2d, linear, relu, sigmoid, tanh and softmax:
the answer {output, grads} against PyTorch autograd (float64, Hypothesis: batches, channels, stride,
padding, dilation, groups), the tie rule of max pooling, exactness, step honesty; without upstream
the answer is as before."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers.step_honesty import check_steps

from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
F = torch.nn.functional
PARITY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
small = st.integers(-3, 3)


def floats(value: Any) -> np.ndarray:
    return np.array(value, dtype=object).astype(np.float64)


def solve(**raw: Any) -> Any:
    return solve_problem({"id": "q", **raw}).worked


def grid(draw: Any, shape: tuple[int, ...], elements: Any = small) -> np.ndarray:
    size = int(np.prod(shape))
    return np.array(draw(st.lists(elements, min_size=size, max_size=size)), dtype=object).reshape(shape)


def t(a: np.ndarray, grad: bool = True) -> Any:
    return torch.tensor(a.astype(np.float64), requires_grad=grad)


def close(a: Any, b: Any) -> None:
    np.testing.assert_allclose(floats(a), b.detach().numpy() if hasattr(b, "detach") else b, rtol=1e-9, atol=1e-9)


@PARITY
@given(data=st.data())
def test_conv2d_gradients_match_torch(data: Any) -> None:
    d = data.draw
    groups = d(st.integers(1, 2))
    c, f = groups * d(st.integers(1, 2)), groups * d(st.integers(1, 2))
    kh, kw = d(st.integers(1, 3)), d(st.integers(1, 3))
    dil = (d(st.integers(1, 2)), d(st.integers(1, 2)))
    padding: Any = d(st.sampled_from([0, 1, (0, 1), "same"]))
    stride = (1, 1) if padding == "same" else (d(st.integers(1, 3)), d(st.integers(1, 2)))
    h, w = dil[0] * (kh - 1) + 1 + d(st.integers(0, 3)), dil[1] * (kw - 1) + 1 + d(st.integers(0, 3))
    n = d(st.integers(1, 2))
    x, k = grid(d, (n, c, h, w)), grid(d, (f, c // groups, kh, kw))
    b = grid(d, (f,))
    flip = d(st.booleans())
    xt, kt, bt = t(x), t(k), t(b)
    y = F.conv2d(xt, kt.flip(2, 3) if flip else kt, bt, stride=stride,
                 padding=padding if isinstance(padding, str) else padding, dilation=dil, groups=groups)
    g = grid(d, tuple(y.shape))
    y.backward(t(g, False))
    worked = solve(kind="conv2d", input=x.tolist(), kernel=k.tolist(), bias=b.tolist(), stride=list(stride),
                   padding=list(padding) if isinstance(padding, tuple) else padding, dilation=list(dil), groups=groups,
                   flip=flip, upstream=g.tolist())
    close(worked.answer["output"], y)
    close(worked.answer["grads"]["input"], xt.grad)
    close(worked.answer["grads"]["kernel"], kt.grad)
    close(worked.answer["grads"]["bias"], bt.grad)
    check_steps(worked.walk())


@PARITY
@given(data=st.data())
def test_conv_transpose2d_gradients_match_torch(data: Any) -> None:
    d = data.draw
    groups = d(st.integers(1, 2))
    c, o = groups * d(st.integers(1, 2)), d(st.integers(1, 2))
    k, s, dil = d(st.integers(1, 3)), d(st.integers(1, 3)), d(st.integers(1, 2))
    out_pad = d(st.integers(0, max(s, dil) - 1))
    h, w = d(st.integers(1, 3)), d(st.integers(1, 3))
    pad = d(st.integers(0, 1)) if (min(h, w) - 1) * s - 2 + dil * (k - 1) + out_pad + 1 >= 1 else 0
    x, wt = grid(d, (d(st.integers(1, 2)), c, h, w)), grid(d, (c, o, k, k))
    b = grid(d, (o * groups,))
    xt, kt, bt = t(x), t(wt), t(b)
    y = F.conv_transpose2d(xt, kt, bt, stride=s, padding=pad, output_padding=out_pad, groups=groups, dilation=dil)
    g = grid(d, tuple(y.shape))
    y.backward(t(g, False))
    worked = solve(kind="conv_transpose2d", input=x.tolist(), kernel=wt.tolist(), bias=b.tolist(), stride=s,
                   padding=pad, output_padding=out_pad, dilation=dil, groups=groups, upstream=g.tolist())
    close(worked.answer["output"], y)
    close(worked.answer["grads"]["input"], xt.grad)
    close(worked.answer["grads"]["kernel"], kt.grad)
    close(worked.answer["grads"]["bias"], bt.grad)
    check_steps(worked.walk())


@PARITY
@given(data=st.data())
def test_pooling_gradients_match_torch_ties_included(data: Any) -> None:
    d = data.draw
    k = (d(st.integers(1, 3)), d(st.integers(1, 3)))
    pad = (d(st.integers(0, k[0] // 2)), d(st.integers(0, k[1] // 2)))
    stride = d(st.one_of(st.none(), st.integers(1, 3)))
    ceil = d(st.booleans())
    n, c = d(st.integers(1, 2)), d(st.integers(1, 2))
    x = grid(d, (n, c, d(st.integers(k[0], 5)), d(st.integers(k[1], 5))), st.integers(0, 2))  # many ties
    xt = t(x)
    if d(st.booleans()):
        dil = (d(st.integers(1, 2)), 1) if x.shape[2] >= 2 * (k[0] - 1) + 1 else (1, 1)
        y = F.max_pool2d(xt, k, stride, pad, dilation=dil, ceil_mode=ceil)
        raw: dict[str, Any] = {"kind": "max_pool2d", "dilation": list(dil)}
    else:
        include, override = d(st.booleans()), d(st.one_of(st.none(), st.integers(1, 5)))
        y = F.avg_pool2d(xt, k, stride, pad, ceil_mode=ceil, count_include_pad=include, divisor_override=override)
        raw = {"kind": "avg_pool2d", "count_include_pad": include, "divisor_override": override}
    g = grid(d, tuple(y.shape))
    y.backward(t(g, False))
    worked = solve(**raw, input=x.tolist(), kernel_size=list(k), stride=stride, padding=list(pad), ceil_mode=ceil,
                   upstream=g.tolist())
    close(worked.answer["output"], y)
    close(worked.answer["grads"]["input"], xt.grad)
    check_steps(worked.walk())


@PARITY
@given(data=st.data())
def test_activation_softmax_and_linear_gradients_match_torch(data: Any) -> None:
    d = data.draw
    name = d(st.sampled_from(["relu", "sigmoid", "tanh", "softmax"]))
    shape = d(st.sampled_from([(3,), (2, 3)]))
    x, g = grid(d, shape), grid(d, shape)
    xt = t(x)
    axis = d(st.sampled_from([-1, 0])) if name == "softmax" else None
    y = torch.softmax(xt, dim=axis) if name == "softmax" else getattr(torch, name)(xt)
    y.backward(t(g, False))
    raw = {"axis": axis} if axis is not None else {}
    worked = solve(kind=name, input=x.tolist(), upstream=g.tolist(), **raw)
    close(worked.answer["output"], y)
    close(worked.answer["grads"]["input"], xt.grad)
    check_steps(worked.walk())
    n_in, n_out = d(st.integers(1, 4)), d(st.integers(1, 3))
    h, W, b, gl = grid(d, (n_in,)), grid(d, (n_out, n_in)), grid(d, (n_out,)), grid(d, (n_out,))
    ht, Wt, bt = t(h), t(W), t(b)
    z = F.linear(ht, Wt, bt)
    z.backward(t(gl, False))
    lin = solve(kind="linear", input=h.tolist(), weights=W.tolist(), bias=b.tolist(), upstream=gl.tolist())
    close(lin.answer["output"], z)
    for key, ref in (("input", ht), ("weights", Wt), ("bias", bt)):
        close(lin.answer["grads"][key], ref.grad)
    check_steps(lin.walk())


def test_contract_dconv_exact() -> None:
    worked = solve(kind="conv2d", input="1 2 0; 0 1 3; 2 1 1", kernel="1 0; -1 2", bias=[1], upstream="1 -1; 2 0")
    assert worked.answer == {"output": [[4, 8], [1, 3]], "grads": {
        "input": [[1, -1, 0], [1, 3, -2], [-2, 4, 0]], "kernel": [[-1, 4], [3, 0]], "bias": [2]}}
    titles = [s.title for s in worked.walk()]
    assert any("full correlation of the stride-dilated upstream" in t for t in titles)
    assert "Kernel rotated by 180°" in titles


def test_max_pool_tie_goes_to_the_first_maximum_in_row_major_order() -> None:
    worked = solve(kind="max_pool2d", input="2 2; 2 2", kernel_size=2, upstream=[[7]])
    assert worked.answer["grads"]["input"] == [[7, 0], [0, 0]]
    xt = torch.tensor([[[[2.0, 2], [2, 2]]]], requires_grad=True)
    F.max_pool2d(xt, 2).backward(torch.tensor([[[[7.0]]]]))
    assert xt.grad.tolist() == [[[[7.0, 0.0], [0.0, 0.0]]]]


def test_avg_pool_spreads_over_its_divisor_exactly() -> None:
    worked = solve(kind="avg_pool2d", input="1 2 3; 4 5 6; 7 8 9", kernel_size=2, stride=1, upstream="1 1; 1 3")
    assert worked.answer["grads"]["input"] == [[Fraction(1, 4), Fraction(1, 2), Fraction(1, 4)],
                                               [Fraction(1, 2), Fraction(3, 2), 1], [Fraction(1, 4), 1, Fraction(3, 4)]]


def test_without_upstream_the_answer_is_as_before() -> None:
    assert solve(kind="conv2d", input="1 2; 3 4", kernel="1 0; 0 1").answer.tolist() == [[5]]
    assert solve(kind="relu", input="-1 2").answer.tolist() == [0, 2]


def test_an_upstream_of_the_wrong_shape_names_both_shapes() -> None:
    with pytest.raises(NnstepsError, match=r"problem q, field upstream: expected the output's shape \(2, 2\) "
                                           r"\(∂L/∂Y\), got shape \(3, 3\)"):
        solve(kind="conv2d", input="1 2 0; 0 1 3; 2 1 1", kernel="1 0; -1 2", upstream="1 2 3; 4 5 6; 7 8 9")


def test_a_four_d_kernel_gradient_reads_filter_then_channel() -> None:
    """F × C × kH × kW: the answer labels the leading axis as filters, not samples (and a 3-D one as channels)."""
    from nnsteps.render.answer import answer_view
    from nnsteps.render.answer_text import answer_text

    def answer(x: Any, k: Any, up: Any) -> str:
        return answer_text(answer_view(solve_problem({"id": "c", "kind": "conv2d", "input": x, "kernel": k,
                                                      "upstream": up}).worked))

    x = [[[[1, 2, 0], [0, 1, 3], [2, 1, 1]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]]]
    k = [[[[1, 0], [-1, 2]], [[0, 1], [1, 0]]], [[[1, 1], [0, 0]], [[0, 0], [1, 1]]]]
    kernel = answer(x, k, [[[[1, -1], [2, 0]], [[0, 1], [1, 0]]]]).split("Kernel", 1)[1]
    assert "filter 0:" in kernel and "filter 1:" in kernel and "sample" not in kernel
    kernel = answer(x[0], k[0], [[[1, -1], [2, 0]]]).split("Kernel", 1)[1]
    assert "filter" not in kernel and "channel 1:" in kernel


def test_the_rotated_kernel_step_reads_input_channel_then_filter() -> None:
    """The ∂L/∂X step's rotated kernel is C × F × kH × kW: each input channel's block lists the filters."""
    from nnsteps.render.text import worked_to_text

    x = [[[[1, 2, 0], [0, 1, 3], [2, 1, 1]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]]]
    k = [[[[1, 0], [-1, 2]], [[0, 1], [1, 0]]], [[[1, 1], [0, 0]], [[0, 0], [1, 1]]]]
    worked = solve_problem({"id": "c", "kind": "conv2d", "input": x, "kernel": k,
                            "upstream": [[[[1, -1], [2, 0]], [[0, 1], [1, 0]]]]}).worked
    text = worked_to_text(worked)
    rotated = text.split("Kernel rotated by 180°", 1)[1].split("First cell", 1)[0]
    assert [line.strip() for line in rotated.splitlines() if line.strip().endswith(":")] == [
        "input channel 0:", "filter 0:", "filter 1:", "input channel 1:", "filter 0:", "filter 1:"]
    assert "[  2  -1 ]" in rotated.split("filter 1:")[0]  # F_0,0 = [[1, 0], [-1, 2]] turned by 180°
    transposed = solve_problem({"id": "t", "kind": "conv_transpose2d", "input": x, "kernel": k,
                                "upstream": np.zeros((1, 2, 4, 4), dtype=int).tolist()}).worked
    from nnsteps.render.answer import answer_view
    from nnsteps.render.answer_text import answer_text

    kernel = answer_text(answer_view(transposed)).split("Kernel", 1)[1]
    assert "input channel 0:" in kernel and "output channel 1:" in kernel and "sample" not in kernel
