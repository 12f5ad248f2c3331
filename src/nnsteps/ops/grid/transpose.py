"""Transposed 2-D convolution with PyTorch's ``F.conv_transpose2d`` semantics, worked.

Each input cell scatters a copy of the kernel scaled by its value; the copies overlap and add:
``Y[n, g·O_g + o, iS - P + uD, jS - P + vD] += X[n, g·C_g + c, i, j] · W[g·C_g + c, o, u, v]``.
The weight is C_in × (C_out / groups) × K × K, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps import limits, shapes
from nnsteps.arrays import as_array, unify
from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.numbers import to_latex_operand
from nnsteps.ops._common import (
    MAX_FLOAT_OUTPUT,
    Detail,
    as_kind,
    cells_to_explain,
    check_work,
    exactness,
    finish,
    int_pair,
    prior_steps,
    product_terms,
    read_bias,
)
from nnsteps.work import Step, Worked


def conv_transpose2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    detail: Detail = "auto",
) -> Worked:
    """Transposed convolution, exactly as ``torch.nn.functional.conv_transpose2d``.

    ``x`` is H×W, C×H×W or N×C×H×W; ``weight`` K×K, or C_in×(C_out/groups)×K×K.

    >>> conv_transpose2d("1 2; 3 4", "1 0; 0 1", stride=2).value.tolist()
    [[1, 0, 2, 0], [0, 1, 0, 2], [3, 0, 4, 0], [0, 3, 0, 4]]
    """
    steps = prior_steps(x)
    X = as_array(x, name="input", ndim=(2, 3, 4))
    W = as_array(weight, name="kernel", ndim=(2, 3, 4))
    x4 = X.reshape((1,) * (4 - X.ndim) + X.shape)
    w4 = W.reshape((1,) * (4 - W.ndim) + W.shape) if W.ndim != 3 else W.reshape((W.shape[0], 1, *W.shape[1:]))
    n, c_in, h, w = x4.shape
    groups = int_pair(groups, "groups", 1)[0]
    if w4.shape[0] != c_in:
        raise NnstepsError(
            f"the weight's first axis must equal the input channels ({c_in}), got weight shape {list(W.shape)}",
            field="kernel",
        )
    if c_in % groups:
        raise NnstepsError(f"groups={groups} must divide the input channels ({c_in})", field="groups")
    o_group, kh, kw = w4.shape[1:]
    c_out = o_group * groups
    sh, sw = int_pair(stride, "stride", 1)
    ph, pw = int_pair(padding, "padding", 0)
    oh, ow = int_pair(output_padding, "output_padding", 0)
    dh, dw = int_pair(dilation, "dilation", 1)
    for o, s, d, axis in ((oh, sh, dh, "H"), (ow, sw, dw, "W")):
        if o >= s and o >= d:
            raise NnstepsError(
                f"output_padding must be smaller than the stride or the dilation, got {o} with stride {s} "
                f"and dilation {d} along {axis}", field="output_padding",
            )
    b = read_bias(bias, c_out)
    exact = exactness(x4, w4, *([b] if b is not None else []))
    x4, w4 = unify(as_kind(x4, exact), as_kind(w4, exact))
    if b is not None:
        b = as_kind(b, exact)

    try:
        size_h = shapes.conv_transpose_out(h, kh, pad=ph, stride=sh, dilation=dh, output_padding=oh, axis="H")
        size_w = shapes.conv_transpose_out(w, kw, pad=pw, stride=sw, dilation=dw, output_padding=ow, axis="W")
    except NnstepsError as err:
        raise err.located(field="padding") from None
    h_out, w_out = int(size_h.value or 0), int(size_w.value or 0)
    macs = n * c_in * h * w * o_group * kh * kw
    if macs > (limits.MAX_EXACT_MACS if exact else limits.MAX_FLOAT_MACS):
        raise NnstepsError(f"this transposed convolution needs {macs:,} multiply-accumulates, over the limit")
    if exact:
        check_work(macs, x4, w4, what="this transposed convolution")
    # A large stride makes a huge, mostly empty output from a few multiply-accumulates: bound it too.
    cells = n * c_out * h_out * w_out
    cell_limit = limits.MAX_EXACT_OUTPUT if exact else MAX_FLOAT_OUTPUT
    if cells > cell_limit:
        raise NnstepsError(
            f"the output would have {cells:,} entries ({n}×{c_out}×{h_out}×{w_out}); the "
            f"{'exact' if exact else 'float'} limit is {cell_limit:,}", field="stride" if max(sh, sw) > 1 else None,
        )
    size = Step("Output size", formula=r"H_{\text{out}} \times W_{\text{out}}",
                result=rf"{h_out} \times {w_out}", steps=[size_h, size_w])
    steps.append(size)
    steps.append(Step(
        "Each input cell scatters a copy of the kernel scaled by its value; overlapping copies add",
        formula=r"Y_{iS - P + uD,\; jS - P + vD} \mathrel{+}= X_{i,j} \, W_{u,v}",
    ))

    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + oh
    full_w = (w - 1) * sw + dw * (kw - 1) + 1 + ow
    # Crop needs room for the padding on both sides; output_padding extends only the end.
    full = np.zeros((n, c_out, max(full_h, ph + h_out), max(full_w, pw + w_out)), dtype=x4.dtype)
    c_group = c_in // groups
    for g in range(groups):
        xg = x4[:, g * c_group : (g + 1) * c_group]
        for u in range(kh):
            for v in range(kw):
                contrib = np.tensordot(xg, w4[g * c_group : (g + 1) * c_group, :, u, v], axes=([1], [0]))
                full[:, g * o_group : (g + 1) * o_group,
                     u * dh : u * dh + (h - 1) * sh + 1 : sh,
                     v * dw : v * dw + (w - 1) * sw + 1 : sw] += contrib.transpose(0, 3, 1, 2)
    y = full[:, :, ph : ph + h_out, pw : pw + w_out]
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    y = finish(np.ascontiguousarray(y), exact)

    explained = [_explain(cell, x4, w4, b, (sh, sw), (ph, pw), (dh, dw), groups, y, X.ndim)
                 for cell in cells_to_explain(y.shape, detail, limits.MAX_EXPLAINED_CELLS)]
    steps += explained
    single = X.ndim == 2 and W.ndim == 2
    value = y[0, 0] if single else (y[0] if X.ndim < 4 else y)
    steps.append(Step("Output", formula=r"Y = X \circledast^{\top} W", result=value))
    return Worked(Op.CONV_TRANSPOSE2D.value, value=value, steps=steps, size=size, cells=explained)


def _explain(
    cell: tuple[int, ...], x4: np.ndarray, w4: np.ndarray, b: np.ndarray | None, s: tuple[int, int],
    p: tuple[int, int], d: tuple[int, int], groups: int, y: np.ndarray, ndim: int,
) -> Step[Any]:
    n, o_full, oi, oj = cell
    c_in, o_group, kh, kw = w4.shape
    g, o = divmod(o_full, o_group)
    c_group = c_in // groups
    values, weights, reads, names = [], [], [], []
    for c in range(g * c_group, (g + 1) * c_group):
        for u in range(kh):
            i, r = divmod(oi + p[0] - u * d[0], s[0])
            if r or not 0 <= i < x4.shape[2]:
                continue
            for v in range(kw):
                j, r2 = divmod(oj + p[1] - v * d[1], s[1])
                if r2 or not 0 <= j < x4.shape[3]:
                    continue
                values.append(x4[n, c, i, j])
                weights.append(w4[c, o, u, v])
                reads.append([c, i, j])
                names.append(f"X_{{{i},{j}}} W_{{{u},{v}}}")
    index = cell[2:] if ndim == 2 else (cell[1:] if ndim == 3 else cell)
    bias = f" + {to_latex_operand(b[o_full])}" if b is not None else ""
    substituted = (product_terms(values, weights) if values else "0") + bias
    return Step(
        f"Output cell Y[{', '.join(map(str, index))}]: the kernel copies that land on it",
        formula=f"Y_{{{','.join(map(str, index))}}} = " + (" + ".join(names[:48]) if names else "0")
        + (" + b" if b is not None else ""),
        substituted=substituted if len(values) <= 48 else None,
        result=y[cell],
        data={"cell": list(cell), "reads": reads},
    )
