"""Differential tests: nnsteps' grid ops against ``torch.nn.functional`` in float64.

Integer inputs must give EXACTLY torch's numbers (nnsteps computes with ints and Fractions; torch's
float64 is exact on small integers). Averages are checked as exact rationals: torch gives the window
sums exactly (``divisor_override=1``), and nnsteps' Fraction must be that sum over the divisor torch
used. Float inputs agree to ``rtol=1e-12``. Configurations PyTorch rejects, nnsteps rejects too.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.ops.activations import elementwise as activation
from nnsteps.ops.grid import pool, transpose
from nnsteps.ops.grid.conv import conv2d
from nnsteps.ops.layers import dense

torch = pytest.importorskip("torch")
F = torch.nn.functional

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
small_int = st.integers(-4, 4)


def ints(draw: Any, shape: tuple[int, ...]) -> np.ndarray:
    """An int64 array of the given shape, drawn element by element (so Hypothesis can shrink it)."""
    size = int(np.prod(shape))
    return np.array(draw(st.lists(small_int, min_size=size, max_size=size)), dtype=np.int64).reshape(shape)


def floats(draw: Any, shape: tuple[int, ...]) -> np.ndarray:
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).normal(size=shape)


def t(a: np.ndarray) -> Any:
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64)


def assert_exact_equal(ours: np.ndarray, theirs: Any) -> None:
    """Every entry of ours is an exact Python int equal to torch's (integral) float64 entry."""
    expected = theirs.numpy()
    assert ours.shape == expected.shape, (ours.shape, expected.shape)
    assert ours.dtype == object
    assert np.array_equal(expected, np.round(expected)), "torch result not integral: test inputs too large"
    for a, b in zip(ours.reshape(-1), expected.reshape(-1)):
        if b == -np.inf:  # a max-pool window wholly in the padding: PyTorch gives -inf, so must we
            assert type(a) is float and a == -np.inf, f"{a!r} is not float('-inf')"
            continue
        assert type(a) is int, f"{a!r} is not an exact int"
        assert a == int(b)


def assert_float_close(ours: np.ndarray, theirs: Any) -> None:
    expected = theirs.numpy()
    assert ours.shape == expected.shape, (ours.shape, expected.shape)
    assert ours.dtype == np.float64
    assert np.allclose(ours, expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------- conv2d


@st.composite
def conv_cases(draw: Any) -> dict[str, Any]:
    groups = draw(st.integers(1, 3))
    c = groups * draw(st.integers(1, 2))
    f = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    mode = draw(st.sampled_from(["int", "pair", "same", "valid"]))
    stride: Any = 1 if mode == "same" else draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3),
                                                                                          st.integers(1, 3))))
    padding: Any = {"int": draw(st.integers(0, 2)), "pair": (draw(st.integers(0, 2)), draw(st.integers(0, 2))),
                    "same": "same", "valid": "valid"}[mode]
    pads = (padding, padding) if isinstance(padding, int) else (padding if isinstance(padding, tuple) else (0, 0))
    eff_h, eff_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    h = max(1, eff_h - 2 * pads[0]) + draw(st.integers(0, 3))
    w = max(1, eff_w - 2 * pads[1]) + draw(st.integers(0, 3))
    n = draw(st.integers(1, 2))
    return {
        "n": n, "c": c, "h": h, "w": w, "f": f, "kh": kh, "kw": kw, "groups": groups,
        "stride": stride, "padding": padding, "dilation": (dh, dw),
        "bias": draw(st.booleans()), "flip": draw(st.booleans()),
    }


def _conv_arrays(draw: Any, case: dict[str, Any], gen: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    x = gen(draw, (case["n"], case["c"], case["h"], case["w"]))
    wt = gen(draw, (case["f"], case["c"] // case["groups"], case["kh"], case["kw"]))
    b = gen(draw, (case["f"],)) if case["bias"] else None
    return x, wt, b


def _torch_conv(x: np.ndarray, wt: np.ndarray, b: np.ndarray | None, case: dict[str, Any]) -> Any:
    weight = t(wt[:, :, ::-1, ::-1].copy() if case["flip"] else wt)
    return F.conv2d(t(x), weight, None if b is None else t(b), stride=case["stride"], padding=case["padding"],
                    dilation=case["dilation"], groups=case["groups"])


@SETTINGS
@given(case=conv_cases(), data=st.data())
def test_conv2d_integers_match_torch_exactly(case: dict[str, Any], data: Any) -> None:
    x, wt, b = _conv_arrays(data.draw, case, ints)
    ours = conv2d(x.tolist(), wt.tolist(), None if b is None else b.tolist(), stride=case["stride"],
                  padding=case["padding"], dilation=case["dilation"], groups=case["groups"], flip=case["flip"],
                  detail="none")
    assert_exact_equal(ours.value, _torch_conv(x, wt, b, case))


@SETTINGS
@given(case=conv_cases(), data=st.data())
def test_conv2d_floats_match_torch(case: dict[str, Any], data: Any) -> None:
    x, wt, b = _conv_arrays(data.draw, case, floats)
    ours = conv2d(x, wt, b, stride=case["stride"], padding=case["padding"], dilation=case["dilation"],
                  groups=case["groups"], flip=case["flip"], detail="none")
    assert_float_close(ours.value, _torch_conv(x, wt, b, case))


def test_conv2d_same_with_even_kernel_pads_after_like_torch() -> None:
    x = np.arange(1, 26).reshape(1, 1, 5, 5)
    wt = np.array([[[[1, 2], [3, 4]]]])
    ours = conv2d(x.tolist(), wt.tolist(), padding="same")
    assert ours.value.shape == (1, 1, 5, 5)
    assert_exact_equal(ours.value, F.conv2d(t(x), t(wt), padding="same"))
    assert ours.meta["pads"] == ((0, 1), (0, 1))


# ----------------------------------------------------------------------------------- conv_transpose2d


@st.composite
def convt_cases(draw: Any) -> dict[str, Any]:
    groups = draw(st.integers(1, 2))
    c = groups * draw(st.integers(1, 2))
    og = draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    # PyTorch: output_padding must be smaller than the stride or the dilation.
    oph = draw(st.integers(0, max(sh, dh) - 1))
    opw = draw(st.integers(0, max(sw, dw) - 1))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    # keep the output non-empty (torch rejects an empty output)
    while (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1 < 1:
        ph -= 1
    while (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1 < 1:
        pw -= 1
    return {"n": draw(st.integers(1, 2)), "c": c, "h": h, "w": w, "og": og, "kh": kh, "kw": kw, "groups": groups,
            "stride": (sh, sw), "padding": (ph, pw), "output_padding": (oph, opw), "dilation": (dh, dw),
            "bias": draw(st.booleans())}


def _convt_run(case: dict[str, Any], x: Any, wt: Any, b: Any, as_lists: bool) -> tuple[Any, Any]:
    conv = (lambda a: a.tolist()) if as_lists else (lambda a: a)
    ours = transpose.conv_transpose2d(
        conv(x), conv(wt), None if b is None else conv(b), stride=case["stride"], padding=case["padding"],
        output_padding=case["output_padding"], dilation=case["dilation"], groups=case["groups"], detail="none")
    theirs = F.conv_transpose2d(t(x), t(wt), None if b is None else t(b), stride=case["stride"],
                                padding=case["padding"], output_padding=case["output_padding"],
                                groups=case["groups"], dilation=case["dilation"])
    return ours, theirs


@SETTINGS
@given(case=convt_cases(), data=st.data())
def test_conv_transpose2d_integers_match_torch_exactly(case: dict[str, Any], data: Any) -> None:
    x = ints(data.draw, (case["n"], case["c"], case["h"], case["w"]))
    wt = ints(data.draw, (case["c"], case["og"], case["kh"], case["kw"]))
    b = ints(data.draw, (case["og"] * case["groups"],)) if case["bias"] else None
    ours, theirs = _convt_run(case, x, wt, b, as_lists=True)
    assert_exact_equal(ours.value, theirs)


@SETTINGS
@given(case=convt_cases(), data=st.data())
def test_conv_transpose2d_floats_match_torch(case: dict[str, Any], data: Any) -> None:
    x = floats(data.draw, (case["n"], case["c"], case["h"], case["w"]))
    wt = floats(data.draw, (case["c"], case["og"], case["kh"], case["kw"]))
    b = floats(data.draw, (case["og"] * case["groups"],)) if case["bias"] else None
    ours, theirs = _convt_run(case, x, wt, b, as_lists=False)
    assert_float_close(ours.value, theirs)


# ------------------------------------------------------------------------------------------- pooling


@st.composite
def pool_cases(draw: Any, with_dilation: bool) -> dict[str, Any]:
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    dh, dw = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if with_dilation else (1, 1)
    h = max(1, dh * (kh - 1) + 1 - 2 * ph) + draw(st.integers(0, 4))
    w = max(1, dw * (kw - 1) + 1 - 2 * pw) + draw(st.integers(0, 4))
    return {"shape": (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w), "kernel_size": (kh, kw),
            "stride": stride, "padding": (ph, pw), "dilation": (dh, dw), "ceil_mode": draw(st.booleans()),
            "count_include_pad": draw(st.booleans()),
            "divisor_override": draw(st.one_of(st.none(), st.integers(1, 7)))}


def _max(case: dict[str, Any], x: Any) -> Any:
    return pool.max_pool2d(x, case["kernel_size"], case["stride"], case["padding"], case["dilation"],
                           case["ceil_mode"], detail="none")


def _torch_max(case: dict[str, Any], x: np.ndarray) -> Any:
    return F.max_pool2d(t(x), case["kernel_size"], case["stride"] or case["kernel_size"], case["padding"],
                        case["dilation"], ceil_mode=case["ceil_mode"])


@SETTINGS
@given(case=pool_cases(with_dilation=True), data=st.data())
def test_max_pool2d_integers_match_torch_exactly(case: dict[str, Any], data: Any) -> None:
    x = ints(data.draw, case["shape"])
    assert_exact_equal(_max(case, x.tolist()).value, _torch_max(case, x))


@SETTINGS
@given(case=pool_cases(with_dilation=True), data=st.data())
def test_max_pool2d_floats_match_torch(case: dict[str, Any], data: Any) -> None:
    x = floats(data.draw, case["shape"])
    assert_float_close(_max(case, x).value, _torch_max(case, x))


def _avg(case: dict[str, Any], x: Any) -> Any:
    return pool.avg_pool2d(x, case["kernel_size"], case["stride"], case["padding"], case["ceil_mode"],
                           case["count_include_pad"], case["divisor_override"], detail="none")


def _torch_avg(case: dict[str, Any], x: np.ndarray, divisor_override: Any = "case") -> Any:
    override = case["divisor_override"] if divisor_override == "case" else divisor_override
    return F.avg_pool2d(t(x), case["kernel_size"], case["stride"] or case["kernel_size"], case["padding"],
                        ceil_mode=case["ceil_mode"], count_include_pad=case["count_include_pad"],
                        divisor_override=override)


@SETTINGS
@given(case=pool_cases(with_dilation=False), data=st.data())
def test_avg_pool2d_integers_are_the_exact_rational_torch_averages(case: dict[str, Any], data: Any) -> None:
    x = ints(data.draw, case["shape"])
    ours = _avg(case, x.tolist()).value
    averages = _torch_avg(case, x).numpy()
    sums = _torch_avg(case, x, divisor_override=1).numpy()  # exact integer window sums
    assert ours.shape == averages.shape
    for r, avg, s in zip(ours.reshape(-1), averages.reshape(-1), sums.reshape(-1)):
        assert isinstance(r, (int, Fraction)) and not isinstance(r, bool)
        assert s == round(s)
        if s == 0:
            assert r == 0
            continue
        divisor = round(s / avg)  # the divisor torch used, recovered exactly from small integers
        assert r == Fraction(int(s), divisor)
        assert abs(float(r) - avg) <= 1e-12 * max(1.0, abs(avg))


@SETTINGS
@given(case=pool_cases(with_dilation=False), data=st.data())
def test_avg_pool2d_floats_match_torch(case: dict[str, Any], data: Any) -> None:
    x = floats(data.draw, case["shape"])
    assert_float_close(_avg(case, x).value, _torch_avg(case, x))


# ------------------------------------------------------------------------------ activations and dense


@st.composite
def small_shapes(draw: Any) -> tuple[int, ...]:
    return tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))


@SETTINGS
@given(shape=small_shapes(), data=st.data())
def test_relu_integers_exact(shape: tuple[int, ...], data: Any) -> None:
    x = ints(data.draw, shape)
    assert_exact_equal(activation.relu(x.tolist()).value, F.relu(t(x)))


@SETTINGS
@given(shape=small_shapes(), data=st.data())
def test_relu_floats(shape: tuple[int, ...], data: Any) -> None:
    x = floats(data.draw, shape)
    assert_float_close(activation.relu(x).value, F.relu(t(x)))


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
@SETTINGS
@given(data=st.data())
def test_sigmoid_tanh_match_torch(name: str, data: Any) -> None:
    op = getattr(activation, name)
    theirs_fn = getattr(torch, name)
    x_int = ints(data.draw, data.draw(st.tuples(st.integers(1, 2), st.integers(1, 3))))
    exact = op(x_int.tolist()).value
    assert np.allclose(exact.astype(np.float64), theirs_fn(t(x_int)).numpy(), rtol=1e-12, atol=1e-15)
    x = floats(data.draw, (2, 3))
    assert_float_close(op(x).value, theirs_fn(t(x)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # exact softmax is SymPy
@given(data=st.data())
def test_softmax_matches_torch(data: Any) -> None:
    rows, cols = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))
    x_int = ints(data.draw, (rows, cols))
    ours = activation.softmax(x_int.tolist()).value
    assert np.allclose(np.asarray(ours, dtype=np.float64), F.softmax(t(x_int), dim=-1).numpy(), rtol=1e-12)
    x = floats(data.draw, (rows, 4))
    assert_float_close(np.asarray(activation.softmax(x).value), F.softmax(t(x), dim=-1))
    axis = data.draw(st.sampled_from([0, 1]))
    assert_float_close(np.asarray(activation.softmax(x, axis=axis).value), F.softmax(t(x), dim=axis))


def test_exact_softmax_of_equal_scores_is_exactly_uniform() -> None:
    assert activation.softmax([2, 2, 2, 2]).value.tolist() == [Fraction(1, 4)] * 4


@SETTINGS
@given(data=st.data())
def test_linear_matches_torch(data: Any) -> None:
    n_in, n_out = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4))
    h, W, b = ints(data.draw, (n_in,)), ints(data.draw, (n_out, n_in)), ints(data.draw, (n_out,))
    assert_exact_equal(dense.linear(h.tolist(), W.tolist(), b.tolist()).value, F.linear(t(h), t(W), t(b)))
    assert_exact_equal(dense.linear(h.tolist(), W.tolist()).value, F.linear(t(h), t(W)))
    hf, Wf, bf = floats(data.draw, (n_in,)), floats(data.draw, (n_out, n_in)), floats(data.draw, (n_out,))
    assert_float_close(dense.linear(hf, Wf, bf).value, F.linear(t(hf), t(Wf), t(bf)))


def test_linear_with_decimal_weights_is_exact() -> None:
    ours = dense.linear([1, 2], [["0.1", "0.2"]], ["0.3"]).value
    assert ours.tolist() == [Fraction(4, 5)]  # 0.1 + 0.4 + 0.3, with no binary rounding


# ---------------------------------------------------------------- what PyTorch rejects, nnsteps rejects


def _both_reject(ours: Any, theirs: Any, fragment: str) -> None:
    with pytest.raises(RuntimeError):
        theirs()
    with pytest.raises(NnstepsError, match=fragment):
        ours()


@pytest.mark.parametrize("k, p", [(2, 2), (3, 2), (4, 3), (1, 1)])
def test_pool_padding_over_half_the_kernel_is_rejected(k: int, p: int) -> None:
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    _both_reject(lambda: pool.max_pool2d(x, k, padding=p), lambda: F.max_pool2d(t(x), k, padding=p),
                 rf"padding <= kernel_size // 2 = {k // 2}, got {p}")
    _both_reject(lambda: pool.avg_pool2d(x, k, padding=p), lambda: F.avg_pool2d(t(x), k, padding=p),
                 rf"padding <= kernel_size // 2 = {k // 2}, got {p}")


def test_pool_padding_over_half_the_kernel_width_is_rejected() -> None:
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    _both_reject(lambda: pool.max_pool2d(x, (4, 2), padding=(2, 2)),
                 lambda: F.max_pool2d(t(x), (4, 2), padding=(2, 2)), r"kernel_size // 2 = 1, got 2")


def test_same_padding_with_stride_is_rejected() -> None:
    x, wt = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    for stride in (2, (1, 2)):
        with pytest.raises(RuntimeError, match="not supported for strided convolutions"):
            F.conv2d(t(x), t(wt), stride=stride, padding="same")
        with pytest.raises(NnstepsError, match=r"padding='same' needs stride 1"):
            conv2d(x, wt, stride=stride, padding="same")


def test_channels_not_divisible_by_groups_is_rejected() -> None:
    x, wt = np.ones((1, 3, 4, 4)), np.ones((2, 1, 3, 3))
    _both_reject(lambda: conv2d(x, wt, groups=2), lambda: F.conv2d(t(x), t(wt), groups=2),
                 r"groups=2 must divide both the input channels \(3\)")
    wt4 = np.ones((3, 1, 3, 3))
    _both_reject(lambda: conv2d(np.ones((1, 4, 4, 4)), wt4, groups=2),
                 lambda: F.conv2d(t(np.ones((1, 4, 4, 4))), t(wt4), groups=2),
                 r"the filters \(3\)")
    _both_reject(lambda: transpose.conv_transpose2d(x, np.ones((3, 1, 2, 2)), groups=2),
                 lambda: F.conv_transpose2d(t(x), t(np.ones((3, 1, 2, 2))), groups=2),
                 r"groups=2 must divide the input channels \(3\)")


def test_kernel_larger_than_padded_input_is_rejected() -> None:
    x, wt = np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))
    _both_reject(lambda: conv2d(x, wt), lambda: F.conv2d(t(x), t(wt)), r"larger than the padded input 2 along H")
    _both_reject(lambda: pool.max_pool2d(x, 3, padding=1, dilation=2),
                 lambda: F.max_pool2d(t(x), 3, padding=1, dilation=2), r"larger than the padded input 4")


def test_output_padding_not_below_stride_or_dilation_is_rejected() -> None:
    x, wt = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    _both_reject(lambda: transpose.conv_transpose2d(x, wt, stride=2, output_padding=2),
                 lambda: F.conv_transpose2d(t(x), t(wt), stride=2, output_padding=2),
                 r"output_padding must be smaller than the stride or the dilation")


@pytest.mark.parametrize("stride", [0, -1])
def test_zero_or_negative_stride_is_rejected(stride: int) -> None:
    x, wt = np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2))
    _both_reject(lambda: conv2d(x, wt, stride=stride), lambda: F.conv2d(t(x), t(wt), stride=stride),
                 rf"expected an integer >= 1, got {stride}")
    _both_reject(lambda: pool.max_pool2d(x, 2, stride=stride), lambda: F.max_pool2d(t(x), 2, stride=stride),
                 rf"expected an integer >= 1, got {stride}")


def test_max_pool2d_window_wholly_in_padding_is_minus_infinity_like_torch() -> None:
    # 1×1 input, kernel 2 dilated by 2 and padding 1: the window reads rows -1 and 1, both padding.
    ours = pool.max_pool2d([[[[0]]]], (2, 1), (1, 1), (1, 0), (2, 1))
    theirs = F.max_pool2d(t(np.zeros((1, 1, 1, 1))), (2, 1), (1, 1), (1, 0), (2, 1))
    assert theirs.item() == -np.inf
    value = ours.value[0, 0, 0, 0]
    assert type(value) is float and value == -np.inf
    assert ours.to_json()["answer_exact"] == [[[["-inf"]]]]


decimals = st.sampled_from(["0.1", "-0.25", "1/3", "-2/7", "1.5", "0", "3"])


@SETTINGS
@given(case=conv_cases(), data=st.data())
def test_conv2d_exact_fractions_match_torch(case: dict[str, Any], data: Any) -> None:
    """Decimals and fractions typed by a user stay exact; their float value agrees with torch's float64."""
    def draw_grid(draw: Any, shape: tuple[int, ...]) -> np.ndarray:
        size = int(np.prod(shape))
        return np.array(draw(st.lists(decimals, min_size=size, max_size=size)), dtype=object).reshape(shape)

    x, wt, b = _conv_arrays(data.draw, case, draw_grid)
    ours = conv2d(x.tolist(), wt.tolist(), None if b is None else b.tolist(), stride=case["stride"],
                  padding=case["padding"], dilation=case["dilation"], groups=case["groups"], flip=case["flip"],
                  detail="none").value
    assert all(type(v) in (int, Fraction) for v in ours.flat)

    def as_float(a: np.ndarray) -> np.ndarray:
        return np.vectorize(lambda s: float(Fraction(s)), otypes=[np.float64])(a)

    theirs = _torch_conv(as_float(x), as_float(wt), None if b is None else as_float(b), case).numpy()
    assert ours.shape == theirs.shape
    assert np.allclose(ours.astype(np.float64), theirs, rtol=1e-12, atol=1e-12)


def test_unbatched_and_2d_inputs_keep_their_rank_like_torch() -> None:
    rng = np.random.default_rng(1)
    x2, k2 = rng.integers(-3, 4, (5, 4)), rng.integers(-3, 4, (2, 3))
    ours = conv2d(x2.tolist(), k2.tolist(), padding=(1, 0)).value  # H×W in, H×W out
    assert_exact_equal(ours, F.conv2d(t(x2)[None, None], t(k2)[None, None], padding=(1, 0))[0, 0])
    x3, k3 = rng.integers(-3, 4, (2, 5, 4)), rng.integers(-3, 4, (2, 2, 2))
    ours = conv2d(x3.tolist(), k3.tolist(), stride=2).value  # C×H×W with one C×K×K filter: 1×H×W, unbatched
    assert_exact_equal(ours, F.conv2d(t(x3), t(k3)[None], stride=2))
    ours = transpose.conv_transpose2d(x2.tolist(), k2.tolist(), stride=2).value
    assert_exact_equal(ours, F.conv_transpose2d(t(x2)[None, None], t(k2)[None, None], stride=2)[0, 0])
    assert_exact_equal(pool.max_pool2d(x3.tolist(), 2, ceil_mode=True).value,
                       F.max_pool2d(t(x3), 2, ceil_mode=True))
    assert_exact_equal(pool.max_pool2d(x2.tolist(), (2, 3), 1, (1, 1)).value,
                       F.max_pool2d(t(x2)[None], (2, 3), 1, (1, 1))[0])


@pytest.mark.parametrize("axis", [2, -3])
def test_softmax_axis_out_of_range_is_rejected(axis: int) -> None:
    x = np.ones((2, 3))
    with pytest.raises(IndexError):
        F.softmax(t(x), dim=axis)
    with pytest.raises(NnstepsError, match=rf"field axis: expected an axis in \[-2, 1\] for a 2-D input .*got {axis}"):
        activation.softmax(x, axis=axis)


def test_huge_padding_is_refused_before_it_is_allocated() -> None:
    # 1×1 input, 1×1 kernel, padding 20000: 1.6e9 MACs pass the float MAC limit, but the padded
    # input alone would be 12.8 GB of float64.
    with pytest.raises(NnstepsError, match=r"field padding: the padded input or the output would have 1,600,080,001"):
        conv2d(np.ones((1, 1)), np.ones((1, 1)), padding=20000)
    with pytest.raises(NnstepsError, match=r"field stride: the output would have 400,040,001 entries"):
        transpose.conv_transpose2d(np.ones((3, 3)), np.ones((1, 1)), stride=10000)
