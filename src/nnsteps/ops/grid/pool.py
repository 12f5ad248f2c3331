"""Max and average pooling with PyTorch's ``F.max_pool2d`` / ``F.avg_pool2d`` semantics, worked.

Padding is at most ``kernel_size // 2``; with ``ceil_mode`` the last window must start inside
the input or the left padding. The average's divisor is the window's size inside the padded
input (``count_include_pad=True``), or the count of real input cells (``False``), or
``divisor_override``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnsteps import limits, shapes
from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.numbers import normalize, to_latex_operand
from nnsteps.ops._common import (
    Detail,
    cells_to_explain,
    check_work,
    ends,
    exactness,
    finish,
    int_pair,
    joined,
    pad_array,
    prior_steps,
)
from nnsteps.work import Step, Worked

NEG_INF = float("-inf")


def max_pool2d(
    x: Any,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    ceil_mode: bool = False,
    *,
    detail: Detail = "auto",
) -> Worked:
    """Max pooling over H×W, C×H×W or N×C×H×W input, as ``torch.nn.functional.max_pool2d``.

    >>> X = "1 1 1 1 0; 0 0 1 1 1; 0 0 0 0 0; 1 1 0 1 0; 1 1 0 1 1"
    >>> max_pool2d(X, 2).value.tolist()
    [[1, 1], [1, 1]]
    >>> max_pool2d(X, 2, ceil_mode=True).value.tolist()
    [[1, 1, 1], [1, 1, 0], [1, 1, 1]]
    """
    return _pool("max", x, kernel_size, stride, padding, dilation, ceil_mode, True, None, detail)


def avg_pool2d(
    x: Any,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    *,
    detail: Detail = "auto",
) -> Worked:
    """Average pooling, as ``torch.nn.functional.avg_pool2d``; exact averages stay fractions.

    >>> avg_pool2d("0 0; 1 3; 7 9", 2, 2).value.tolist()
    [[1]]
    >>> avg_pool2d("1 2; 3 4", 2, 2, padding=1, count_include_pad=False).value.tolist()
    [[1, 2], [3, 4]]
    """
    return _pool("avg", x, kernel_size, stride, padding, (1, 1), ceil_mode, count_include_pad, divisor_override, detail)


def _pool(
    mode: str,
    x: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
    detail: Detail,
) -> Worked:
    steps = prior_steps(x)
    X = as_array(x, name="input", ndim=(2, 3, 4))
    x4 = X.reshape((1,) * (4 - X.ndim) + X.shape)
    n, c, h, w = x4.shape
    kh, kw = int_pair(kernel_size, "kernel_size", 1)
    sh, sw = int_pair(stride if stride is not None else (kh, kw), "stride", 1)
    ph, pw = int_pair(padding, "padding", 0)
    dh, dw = int_pair(dilation, "dilation", 1)
    if ph > kh // 2 or pw > kw // 2:
        raise NnstepsError(
            f"{mode}_pool2d needs padding <= kernel_size // 2 = {kh // 2 if ph > kh // 2 else kw // 2}, "
            f"got {ph if ph > kh // 2 else pw}",
            field="padding",
        )
    if divisor_override is not None:
        divisor_override = int_pair(divisor_override, "divisor_override", 1)[0]
    exact = exactness(x4)
    if not exact:
        x4 = x4.astype(np.float64)

    try:
        size_h = shapes.pool_out(h, kh, pad=ph, stride=sh, dilation=dh, ceil_mode=ceil_mode, axis="H")
        size_w = shapes.pool_out(w, kw, pad=pw, stride=sw, dilation=dw, ceil_mode=ceil_mode, axis="W")
    except NnstepsError as err:
        raise err.located(field="kernel_size") from None
    h_out, w_out = shapes.size(size_h), shapes.size(size_w)
    reads, limit = n * c * h_out * w_out * kh * kw, (limits.MAX_EXACT_MACS if exact else limits.MAX_FLOAT_MACS)
    if reads > limit:
        raise NnstepsError(f"this pooling reads {reads:,} window entries; the {'exact' if exact else 'float'} limit is "
                           f"{limit:,}", hint="use a NumPy float array" if exact else None)
    if exact:
        check_work(reads, x4, what="this pooling")
    size = Step("Output size", formula=r"H_{\text{out}} \times W_{\text{out}}", result=rf"{h_out} \times {w_out}",
                steps=[size_h, size_w])
    steps.append(size)

    fill = NEG_INF if mode == "max" else 0
    need_h = (h_out - 1) * sh + dh * (kh - 1) + 1
    need_w = (w_out - 1) * sw + dw * (kw - 1) + 1
    extra = ((ph, max(need_h - h - ph, 0)), (pw, max(need_w - w - pw, 0)))
    xp = pad_array(x4, extra, fill)
    if ph or pw:
        shown = pad_array(x4, ((ph, ph), (pw, pw)), r"-\infty" if mode == "max" and exact else fill)
        steps.append(
            Step(
                f"Pad the input with {'-∞ (never the maximum)' if mode == 'max' else 'zeros'}"
                f" (P = {ph if ph == pw else (ph, pw)})",
                result=_show(shown, X.ndim),
            )
        )
    windows = sliding_window_view(xp, ((kh - 1) * dh + 1, (kw - 1) * dw + 1), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw][:, :, :h_out, :w_out]

    divisors = None
    if mode == "max":
        y = windows.max(axis=(4, 5))
        if exact:  # a window wholly in the -inf padding gives -inf, as in PyTorch: a plain float, not np.float64
            y = np.vectorize(lambda v: float(v) if isinstance(v, np.floating) else v, otypes=[object])(y)
    else:
        divisors = _divisors(h, w, (kh, kw), (sh, sw), (ph, pw), (h_out, w_out), count_include_pad, divisor_override)
        sums = windows.sum(axis=(4, 5))
        if exact:
            y = np.empty(sums.shape, dtype=object)
            for idx in np.ndindex(sums.shape):
                y[idx] = normalize(Fraction(sums[idx]) / int(divisors[idx[2:]]))
        else:
            y = sums / divisors
    y = finish(np.ascontiguousarray(y), exact)

    explained = [_explain(mode, cell, x4, y, (kh, kw), (sh, sw), (ph, pw), (dh, dw), divisors, X.ndim)
                 for cell in cells_to_explain(y.shape, detail, limits.MAX_EXPLAINED_CELLS)]
    steps += explained

    value = y[0, 0] if X.ndim == 2 else (y[0] if X.ndim == 3 else y)
    name = r"\max" if mode == "max" else r"\operatorname{avg}"
    steps.append(Step("Output", formula=rf"Y = {name}\text{{-pool}}(X)", result=value))
    return Worked(f"{mode}_pool2d", value=value, steps=steps, size=size, cells=explained)


def _axis_divisor(n: int, k: int, s: int, p: int, out: int, include_pad: bool) -> np.ndarray:
    """Per output index along one axis: the window length PyTorch divides by (separable)."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def _divisors(
    h: int, w: int, k: tuple[int, int], s: tuple[int, int], p: tuple[int, int], out: tuple[int, int],
    include_pad: bool, override: int | None,
) -> np.ndarray:
    if override is not None:
        return np.full(out, override, dtype=np.int64)
    rows = _axis_divisor(h, k[0], s[0], p[0], out[0], include_pad)
    cols = _axis_divisor(w, k[1], s[1], p[1], out[1], include_pad)
    return np.outer(rows, cols)


def _explain(
    mode: str,
    cell: tuple[int, ...],
    x4: np.ndarray,
    y: np.ndarray,
    k: tuple[int, int],
    s: tuple[int, int],
    p: tuple[int, int],
    d: tuple[int, int],
    divisors: np.ndarray | None,
    ndim: int,
) -> Step[Any]:
    n, c, i, j = cell
    h, w = x4.shape[2:]
    rows = [i * s[0] - p[0] + u * d[0] for u in range(k[0])]
    cols = [j * s[1] - p[1] + v * d[1] for v in range(k[1])]
    inside = [(r, q) for r in rows for q in cols if 0 <= r < h and 0 <= q < w]
    values = [x4[n, c, r, q] for r, q in inside]
    index = cell[2:] if ndim == 2 else (cell[1:] if ndim == 3 else cell)
    name = "Y_{" + ",".join(map(str, index)) + "}"
    r0, q0 = rows[0], cols[0]
    region = rf"X_{{{r0}:{rows[-1] + 1},\, {q0}:{cols[-1] + 1}}}"
    outside = k[0] * k[1] - len(inside)
    note = (f"{outside} window position(s) fall in the padding" + (" and are skipped" if mode == "max" else ""))\
        if outside else None
    data = {"cell": list(cell), "reads": [[c, r, q] for r, q in inside]}
    if mode == "max":
        return Step(
            f"Output cell Y[{', '.join(map(str, index))}]: the maximum of its window",
            formula=rf"{name} = \max\left({region}\right)",
            substituted=r"\max(" + (joined([to_latex_operand(v) for v in ends(values)], len(values), ", ")
                                     or r"-\infty") + ")",
            result=y[cell], note=note, data=data,
        )
    assert divisors is not None
    divisor = int(divisors[i, j])
    data["divisor"] = divisor
    terms = joined([to_latex_operand(v) for v in ends(values)], len(values)) or "0"
    return Step(
        f"Output cell Y[{', '.join(map(str, index))}]: the average of its window (divisor {divisor})",
        formula=rf"{name} = \frac{{1}}{{{divisor}}} \sum {region}",
        substituted=rf"\frac{{{terms}}}{{{divisor}}}",
        result=y[cell], note=note, data=data,
    )


def _show(arr: np.ndarray, ndim: int) -> Any:
    if ndim == 2:
        arr = arr[0, 0]
    elif ndim == 3:
        arr = arr[0]
    return arr if arr.size <= 4096 else rf"\text{{{' × '.join(map(str, arr.shape))} array}}"
