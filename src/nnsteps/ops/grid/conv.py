"""2-D cross-correlation / convolution with PyTorch's ``F.conv2d`` semantics, worked.

``Y[n, f, i, j] = b[f] + Σ_c Σ_u Σ_v Xpad[n, g·C_g + c, i·S_h + u·D_h, j·S_w + v·D_w] · F[f, c, u, v]``
where ``g`` is the group of filter ``f``. ``flip=True`` rotates the kernel by 180° first, which
turns the cross-correlation into a true convolution.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnsteps import limits, shapes
from nnsteps.arrays import as_array, unify
from nnsteps.convargs import ConvArgs
from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.numbers import to_latex_operand
from nnsteps.ops._common import (
    MAX_FLOAT_OUTPUT,
    Detail,
    as_kind,
    cells_to_explain,
    check_work,
    ends,
    exact_sum,
    exactness,
    finish,
    joined,
    pad_array,
    prior_steps,
    product_terms,
    read_bias,
)
from nnsteps.work import Step, Worked

Padding = int | tuple[int, int] | str


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    flip: bool = False,
    detail: Detail = "auto",
) -> Worked:
    """2-D cross-correlation (``flip=True``: convolution), exactly as ``torch.nn.functional.conv2d``.

    ``x`` is H×W, C×H×W or N×C×H×W; ``weight`` K×K, C×K×K (one filter) or N_f×(C/groups)×K×K.
    ``padding`` is an int, a pair, ``"same"`` (PyTorch's split: the extra pixel goes after) or
    ``"valid"``. ``detail``: ``"auto"`` expands the first output cell term by term, ``"all"``
    every cell (a sample when there are many), ``"none"`` none, or a list of cells.

    >>> X = "1 1 1 1 0; 0 0 1 1 1; 0 0 0 0 0; 1 1 0 1 0; 1 1 0 1 1"
    >>> F = "1 4 1; 0 2 1; 2 4 2"
    >>> conv2d(X, F, stride=2).value.tolist()
    [[7, 8], [8, 8]]
    >>> conv2d(X, F, dilation=2).steps[-2].substituted  # the one cell, term by term
    '1 \\\\cdot 1 + 1 \\\\cdot 4 + 0 \\\\cdot 1 + 0 \\\\cdot 0 + 0 \\\\cdot 2 + 0 \\\\cdot 1 + 1 \\\\cdot 2 + 0 \\\\cdot 4 + 1 \\\\cdot 2'
    """
    steps = prior_steps(x)
    X = as_array(x, name="input", ndim=(2, 3, 4))
    W = as_array(weight, name="kernel", ndim=(2, 3, 4))
    x4 = X.reshape((1,) * (4 - X.ndim) + X.shape)
    w4 = W.reshape((1,) * (4 - W.ndim) + W.shape)
    n, c_in, h, w = x4.shape
    f_out, c_group, kh, kw = w4.shape
    args = ConvArgs.of(stride, padding, dilation, groups)
    groups = args.groups
    if c_in % groups or f_out % groups:
        raise NnstepsError(
            f"groups={groups} must divide both the input channels ({c_in}) and the filters ({f_out})", field="groups"
        )
    if c_group * groups != c_in:
        raise NnstepsError(
            f"each filter must span input channels / groups = {c_in}/{groups} = {c_in // groups} channels, "
            f"got filters of {c_group} channel(s) (kernel shape {list(W.shape)}, input shape {list(X.shape)})",
            field="kernel",
        )
    sh, sw = args.stride
    dh, dw = args.dilation
    pads = args.pads((kh, kw))
    b = read_bias(bias, f_out)

    exact = exactness(x4, w4, *([b] if b is not None else []))
    x4, w4 = (as_kind(a, exact) for a in (x4, w4))
    if b is not None:
        b = as_kind(b, exact)
    else:
        x4, w4 = unify(x4, w4)

    if flip:
        w4 = w4[:, :, ::-1, ::-1]
        steps.append(
            Step(
                "Rotate the kernel by 180° (true convolution flips the kernel)",
                formula=r"F^{\text{rot}}_{u,v} = F_{K_h - 1 - u,\; K_w - 1 - v}",
                result=_show(w4, W.ndim),
            )
        )

    try:
        size_h = shapes.conv_out(h, kh, pad=pads[0], stride=sh, dilation=dh, axis="H")
        size_w = shapes.conv_out(w, kw, pad=pads[1], stride=sw, dilation=dw, axis="W")
    except NnstepsError as err:
        raise err.located(field="kernel") from None
    h_out, w_out = size_h.value, size_w.value
    assert h_out is not None and w_out is not None
    macs = n * f_out * h_out * w_out * c_group * kh * kw
    limit = limits.MAX_EXACT_MACS if exact else limits.MAX_FLOAT_MACS
    if macs > limit:
        raise NnstepsError(
            f"this convolution needs {macs:,} multiply-accumulates; the {'exact' if exact else 'float'} limit is {limit:,}",
            hint="pass NumPy float arrays for the fast float path" if exact else None,
        )
    if exact:
        check_work(macs, x4, w4, what="this convolution")
    # A huge padding costs memory before any multiply: bound the padded input and the output too.
    entries = max(n * c_in * (h + sum(pads[0])) * (w + sum(pads[1])), n * f_out * h_out * w_out)
    entry_limit = limits.MAX_EXACT_OUTPUT if exact else MAX_FLOAT_OUTPUT
    if entries > entry_limit:
        raise NnstepsError(
            f"the padded input or the output would have {entries:,} entries; the "
            f"{'exact' if exact else 'float'} limit is {entry_limit:,}", field="padding",
        )

    xp = pad_array(x4, pads)
    if any(pads[0]) or any(pads[1]):
        steps.append(
            Step(
                f"Pad the input with zeros (top {pads[0][0]}, bottom {pads[0][1]}, left {pads[1][0]}, right {pads[1][1]})",
                formula=rf"X^{{\text{{pad}}}} \in \mathbb{{R}}^{{{h + sum(pads[0])} \times {w + sum(pads[1])}}}",
                result=_show(xp, X.ndim),
            )
        )
    if dh > 1 or dw > 1:
        steps.append(_dilation_step(kh, kw, dh, dw))
    size = Step("Output size", formula=r"H_{\text{out}} \times W_{\text{out}}", result=rf"{h_out} \times {w_out}",
                steps=[size_h, size_w])
    steps.append(size)

    y = _correlate(xp, w4, b, (sh, sw), (dh, dw), groups, (h_out, w_out))
    y = finish(y, exact)

    explained = [_explain_cell(cell, xp, w4, b, (sh, sw), (dh, dw), groups, pads, X.ndim, exact, y)
                 for cell in cells_to_explain(y.shape, detail, limits.MAX_EXPLAINED_CELLS)]
    steps += explained

    single = X.ndim == 2 and W.ndim == 2
    value = y[0, 0] if single else (y[0] if X.ndim < 4 else y)
    op = "*" if flip else r"\star"
    steps.append(
        Step(
            "Output",
            formula=rf"Y = X {op} F" + (" + b" if b is not None else ""),
            result=value,
        )
    )
    return Worked(Op.CONV2D.value, value=value, steps=steps, meta={"exact": exact, "pads": pads, "stride": (sh, sw),
                                                            "dilation": (dh, dw), "groups": groups},
                  size=size, cells=explained)


def _correlate(
    xp: np.ndarray,
    w4: np.ndarray,
    b: np.ndarray | None,
    s: tuple[int, int],
    d: tuple[int, int],
    groups: int,
    out: tuple[int, int],
) -> np.ndarray:
    """The whole output at once: windows as a strided view, one tensordot per group.

    Exact fractions are first scaled to integers by their common denominators (a sum of Fraction
    products costs a gcd per term; the same sum over ints is 20x faster), then divided back once.
    """
    scale = 1
    if xp.dtype == object:
        (xp, sx), (w4, sk) = _as_integers(xp), _as_integers(w4)
        scale = sx * sk
    f_out, c_group, kh, kw = w4.shape
    eff = ((kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1)
    windows = sliding_window_view(xp, eff, axis=(2, 3))[:, :, :: s[0], :: s[1], :: d[0], :: d[1]]
    windows = windows[:, :, : out[0], : out[1]]
    f_group = f_out // groups
    parts = []
    for g in range(groups):
        wg = windows[:, g * c_group : (g + 1) * c_group]
        kg = w4[g * f_group : (g + 1) * f_group]
        # (N, C, H, W, u, v) · (F, C, u, v) -> (N, H, W, F)
        parts.append(np.tensordot(wg, kg, axes=([1, 4, 5], [1, 2, 3])))
    y = np.concatenate(parts, axis=3).transpose(0, 3, 1, 2)
    if scale != 1:
        y = np.frompyfunc(lambda v: Fraction(v, scale), 1, 1)(y)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(y)


def _as_integers(a: np.ndarray) -> tuple[np.ndarray, int]:
    """``a`` times the least common multiple of its denominators, and that multiple (1: ``a`` as it is).

    >>> _as_integers(np.array([Fraction(1, 2), Fraction(1, 3), 1], dtype=object))
    (array([3, 2, 6], dtype=object), 6)
    """
    dens = {v.denominator for v in a.flat if isinstance(v, Fraction)}
    common = math.lcm(*dens) if dens else 1
    if common == 1 or common.bit_length() > 128:  # no fractions, or a multiple too large to help
        return a, 1
    return np.frompyfunc(lambda v: int(v * common), 1, 1)(a), common


def _dilation_step(kh: int, kw: int, dh: int, dw: int) -> Step[Any]:
    parts = [shapes.effective_kernel(kh, dh)]
    if (kh, dh) != (kw, dw):
        parts.append(shapes.effective_kernel(kw, dw))
    return Step(
        f"Dilation D = {dh if dh == dw else (dh, dw)}: the kernel reads every {_nth(dh)} pixel",
        steps=parts,
    )


def _nth(d: int) -> str:
    return {1: "", 2: "other", 3: "third"}.get(d, f"{d}th")


def _cell_name(cell: tuple[int, ...], ndim: int) -> str:
    n, f, i, j = cell
    if ndim == 2:
        return f"Y_{{{i},{j}}}"
    if ndim == 3:
        return f"Y_{{{f},{i},{j}}}"
    return f"Y_{{{n},{f},{i},{j}}}"


def _explain_cell(
    cell: tuple[int, ...],
    xp: np.ndarray,
    w4: np.ndarray,
    b: np.ndarray | None,
    s: tuple[int, int],
    d: tuple[int, int],
    groups: int,
    pads: tuple[tuple[int, int], tuple[int, int]],
    in_ndim: int,
    exact: bool,
    y: np.ndarray,
) -> Step[Any]:
    """One output cell as the sum of its products, from the very values the op used."""
    n, f, i, j = cell
    f_out, c_group, kh, kw = w4.shape
    g = f // (f_out // groups)
    rows = [i * s[0] + u * d[0] for u in range(kh)]
    cols = [j * s[1] + v * d[1] for v in range(kw)]
    channel_sums: list[Any] = []
    children: list[Step[Any]] = []
    all_values: list[Any] = []
    all_weights: list[Any] = []
    reads = []
    for c in range(c_group):
        ch = g * c_group + c
        window = xp[n, ch][np.ix_(rows, cols)]
        values = list(window.reshape(-1))
        weights = list(w4[f, c].reshape(-1))
        all_values += values
        all_weights += weights
        channel_sums.append(exact_sum([a * w for a, w in zip(values, weights)], exact))
        reads += [[ch, r - pads[0][0], col - pads[1][0]] for r in rows for col in cols]
        if c == 0 and c_group > 1:
            children.append(
                Step(
                    f"Channel {ch} of the window",
                    formula=rf"\sum_{{u,v}} X_{{{ch},\,{i * s[0]}+{d[0]}u,\,{j * s[1]}+{d[1]}v}} F_{{{f},{c},u,v}}",
                    substituted=product_terms(values, weights),
                    result=channel_sums[-1],
                )
            )
    name = _cell_name(cell, in_ndim)
    total = y[cell]
    bias_term = f" + {to_latex_operand(b[f])}" if b is not None else ""
    chan = r"\sum_{c} " if c_group > 1 else ""
    row_ix = f"{i * s[0]} + " + (f"{d[0]}u" if d[0] > 1 else "u") if i * s[0] else (f"{d[0]}u" if d[0] > 1 else "u")
    col_ix = f"{j * s[1]} + " + (f"{d[1]}v" if d[1] > 1 else "v") if j * s[1] else (f"{d[1]}v" if d[1] > 1 else "v")
    x_name = r"X^{\text{pad}}" if any(p for pair in pads for p in pair) else "X"  # X^pad only when padded
    formula = (
        rf"{name} = {chan}\sum_{{u=0}}^{{{kh - 1}}} \sum_{{v=0}}^{{{kw - 1}}} "
        rf"{x_name}_{{{row_ix},\, {col_ix}}} F_{{u,v}}" + (r" + b" if b is not None else "")
    )
    if len(all_values) <= 48:
        substituted = product_terms(all_values, all_weights) + bias_term
    elif len(channel_sums) <= 64:
        substituted = joined([to_latex_operand(v) for v in ends(channel_sums)], len(channel_sums)) + bias_term
    else:
        substituted = None
    if d != (1, 1):
        positions = " \\\\ ".join(
            " & ".join(f"X_{{{r - pads[0][0]},{c - pads[1][0]}}}" for c in cols) for r in rows
        )
        children.insert(
            0,
            Step(
                "Positions the dilated kernel reads",
                formula=r"\begin{bmatrix} " + positions + r" \end{bmatrix}",
                result=xp[n, g * c_group][np.ix_(rows, cols)],
            ),
        )
    return Step(
        f"Output cell Y[{', '.join(map(str, _visible_index(cell, in_ndim)))}]",
        formula=formula,
        substituted=substituted,
        result=total,
        steps=children,
        data={"cell": list(cell), "reads": reads, "weights": [str(w) for w in all_weights]},
    )


def _visible_index(cell: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    return cell[2:] if ndim == 2 else (cell[1:] if ndim == 3 else cell)


def _show(arr: np.ndarray, ndim: int) -> Any:
    """An array as the user gave it (2-D stays 2-D), for display in a step."""
    if arr.ndim == 4 and ndim <= 3:
        arr = arr[0]
    if arr.ndim == 3 and ndim == 2:
        arr = arr[0]
    if arr.size > 4096:
        return rf"\text{{{' × '.join(map(str, arr.shape))} array}}"
    return arr

