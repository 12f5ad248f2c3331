"""The backward pass of ``conv2d`` and ``conv_transpose2d`` from an upstream gradient G = ∂L/∂Y.

conv2d: ∂L/∂X is the *full* correlation of the stride-dilated upstream (S − 1 zeros between entries,
D(K − 1) zeros around) with the kernel rotated by 180°, cropped by the padding; ∂L/∂W is the
correlation of the padded input with the upstream (stride and dilation swapped roles); ∂L/∂b sums G.
conv_transpose2d is conv2d's input gradient, so its own backward is a plain conv2d of G with the same
kernel (∂L/∂X) and the correlation of G with the input (∂L/∂W). One cell of each is expanded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.convargs import ConvArgs
from nnsteps.ops._common import exactness, finish, pad_array, product_terms, read_bias
from nnsteps.ops.convention import convention
from nnsteps.ops.grid.conv import _correlate
from nnsteps.ops.upstream import read_upstream
from nnsteps.work import Stack, Step


def _four(a: np.ndarray) -> np.ndarray:
    return a.reshape((1,) * (4 - a.ndim) + a.shape)


def _unify(arrays: list[np.ndarray]) -> tuple[bool, list[np.ndarray]]:
    exact = exactness(*arrays)
    return exact, [a if exact else a.astype(np.float64) for a in arrays]


def _bias_grad(G: np.ndarray, bias: Any, steps: list[Step[Any]]) -> Any:
    """∂L/∂b: the upstream summed over each filter's outputs (over everything for one shared number)."""
    per = [G[:, f].reshape(-1) for f in range(G.shape[1])]
    db = [sum(list(p)[1:], p[0]) for p in per]
    shown = list(per[0])
    steps.append(Step("Gradient of the bias: the upstream summed over each filter's outputs",
                      formula=r"\frac{\partial L}{\partial b_f} = \sum_{n,i,j} G_{n,f,i,j}",
                      result=np.array(db, dtype=object),
                      steps=[Step("First filter", substituted=" + ".join(_num(v) for v in shown) if len(shown) <= 48
                                  else None, result=db[0])]))
    total = sum(db[1:], db[0])
    if np.ndim(bias) == 0 and not isinstance(bias, (list, tuple)):
        return total  # one number shared by every filter: every output's gradient reaches it
    if np.size(bias) == 1:
        return [total]
    return db


def _num(v: Any) -> str:
    from nnsteps.numbers import to_latex_operand

    return to_latex_operand(v)


def conv2d_backward(x: Any, kernel: Any, bias: Any, upstream: Any, *, out_shape: tuple[int, ...], stride: tuple[int, int],
                    padding: Any, dilation: tuple[int, int], groups: int, flip: bool) -> tuple[dict[str, Any], list[Step[Any]]]:
    """∂L/∂input, ∂L/∂kernel and ∂L/∂bias of a conv2d, each in its field's own shape, with their steps.

    >>> grads, _ = conv2d_backward("1 2 0; 0 1 3; 2 1 1", "1 0; -1 2", [1], "1 -1; 2 0", out_shape=(2, 2),
    ...                            stride=(1, 1), padding=0, dilation=(1, 1), groups=1, flip=False)
    >>> grads["input"], grads["kernel"], grads["bias"]
    ([[1, -1, 0], [1, 3, -2], [-2, 4, 0]], [[-1, 4], [3, 0]], [2])
    """
    X = as_array(x, name="input", ndim=(2, 3, 4))
    W = as_array(kernel, name="kernel", ndim=(2, 3, 4))
    G0 = read_upstream(upstream, out_shape)
    exact, (x4, w4, G) = _unify([_four(X), _four(W), _four(G0)])
    N, C, H, Wd = x4.shape
    F, Cg, kh, kw = w4.shape
    sh, sw = stride
    dh, dw = dilation
    (pt, pb), (pl, pr) = ConvArgs.of(stride, padding, dilation, 1).pads((kh, kw))  # the forward's own rule
    weff = w4[:, :, ::-1, ::-1] if flip else w4
    Ho, Wo = G.shape[2:]
    steps: list[Step[Any]] = []
    # --- ∂L/∂b
    grads: dict[str, Any] = {}
    if bias is not None:
        read_bias(bias, F)
        grads["bias"] = _bias_grad(finish(G, exact) if exact else G, bias, steps)
    # --- ∂L/∂W: correlate the padded input with the upstream
    xp = pad_array(x4, ((pt, pb), (pl, pr)))
    fg = F // groups
    dW = np.zeros(w4.shape, dtype=object) if exact else np.zeros(w4.shape)
    for u in range(kh):
        for v in range(kw):
            patch = xp[:, :, u * dh: u * dh + (Ho - 1) * sh + 1: sh, v * dw: v * dw + (Wo - 1) * sw + 1: sw]
            for g in range(groups):
                # (N, Cg, Ho, Wo) · (N, Fg, Ho, Wo) -> (Fg, Cg)
                dW[g * fg:(g + 1) * fg, :, u, v] = np.tensordot(G[:, g * fg:(g + 1) * fg],
                                                                patch[:, g * Cg:(g + 1) * Cg],
                                                                axes=([0, 2, 3], [0, 2, 3]))
    dW = finish(dW, exact)
    terms_x = [xp[n, 0, i * sh, j * sw] for n in range(N) for i in range(Ho) for j in range(Wo)]
    terms_g = [G[n, 0, i, j] for n in range(N) for i in range(Ho) for j in range(Wo)]
    steps.append(Step("Gradient of the kernel: the padded input correlated with the upstream",
                      formula=r"\frac{\partial L}{\partial W_{f,c,u,v}} = \sum_{n,i,j} G_{n,f,i,j} \,"
                              r" X^{\text{pad}}_{n,c,\,iS + uD,\; jS + vD}", result=_pick(dW, W.ndim),
                      stack=Stack("filter", ndim=4),
                      steps=[Step("First cell (f, c, u, v) = (0, 0, 0, 0)", substituted=product_terms(terms_g, terms_x),
                                  result=dW[0, 0, 0, 0])]))
    grads_kernel = dW[:, :, ::-1, ::-1] if flip else dW
    # --- ∂L/∂X: the full correlation of the stride-dilated upstream with the rotated kernel
    if not convention("dilate_upstream"):  # a likely mistake, re-solved by grading: the stride's zeros left out
        sh, sw = 1, 1
    Gd = np.zeros((N, F, (Ho - 1) * sh + 1, (Wo - 1) * sw + 1), dtype=G.dtype)
    Gd[:, :, ::sh, ::sw] = G
    fh, fw = dh * (kh - 1), dw * (kw - 1)
    Gp = pad_array(Gd, ((fh, fh), (fw, fw)))
    # the kernel as (C, F/groups, kh, kw), rotated: input channels become the filters
    wt = weff.reshape(groups, fg, Cg, kh, kw).transpose(0, 2, 1, 3, 4).reshape(C, fg, kh, kw)
    if convention("flip_kernel_in_dx"):  # False only for the likely mistake "kernel not flipped in ∂L/∂X"
        wt = wt[:, :, ::-1, ::-1]
    full_h, full_w = Gp.shape[2] - fh, Gp.shape[3] - fw
    full = _correlate(Gp, np.ascontiguousarray(wt), None, (1, 1), (dh, dw), groups, (full_h, full_w))
    Hp, Wp = H + pt + pb, Wd + pl + pr
    dxp = np.zeros((N, C, max(Hp, full_h), max(Wp, full_w)), dtype=object if exact else np.float64)
    dxp[:, :, :full_h, :full_w] = full
    dX = finish(np.ascontiguousarray(dxp[:, :, pt:pt + H, pl:pl + Wd]), exact)
    shown_g = Gd[0, 0] if N * F > 1 else Gd[0, 0]
    cell_terms = [(Gp[0, f, pt + u * dh, pl + v * dw], wt[0, f % fg if groups > 1 else f, u, v])
                  for f in range(fg) for u in range(kh) for v in range(kw)
                  if _structural(pt + u * dh - fh, pl + v * dw - fw, sh, sw, Ho, Wo)]
    steps.append(Step("Gradient of the input: the full correlation of the stride-dilated upstream with the kernel "
                      "rotated by 180°, cropped by the padding",
                      formula=r"\frac{\partial L}{\partial X} = \operatorname{crop}_P\left(\operatorname{pad}_{D(K-1)}"
                              r"(G^{\uparrow S}) \star \operatorname{rot}_{180}(W)\right)",
                      result=dX[0, 0] if X.ndim == 2 else (dX[0] if X.ndim == 3 else dX),
                      steps=[Step(f"Upstream dilated by the stride ({sh - 1} zero(s) between entries)" if max(sh, sw) > 1
                                  else "Upstream (stride 1: nothing to dilate)", result=shown_g),
                             Step("Kernel rotated by 180°", result=wt[0, 0] if C * fg == 1 else wt,
                                  stack=Stack("input channel", ndim=4, inner="filter")),
                             Step("First cell of ∂L/∂X", substituted=product_terms(*zip(*cell_terms)) if cell_terms else "0",
                                  result=dX[0, 0, 0, 0])]))
    grads["input"] = _shaped(dX, X.ndim)
    grads["kernel"] = _shaped(grads_kernel, W.ndim)
    return {"input": grads["input"], "kernel": grads["kernel"], **({"bias": grads["bias"]} if "bias" in grads else {})}, steps


def _structural(a: int, b: int, sh: int, sw: int, Ho: int, Wo: int) -> bool:
    """Whether a position of the dilated upstream (before the full padding) holds an upstream entry."""
    return a % sh == 0 and b % sw == 0 and 0 <= a // sh < Ho and 0 <= b // sw < Wo and a >= 0 and b >= 0


def _shaped(a: np.ndarray, ndim: int) -> Any:
    out = a[0, 0] if ndim == 2 else (a[0] if ndim == 3 else a)
    return out.tolist()


def conv_transpose2d_backward(x: Any, kernel: Any, bias: Any, upstream: Any, *, out_shape: tuple[int, ...],
                              stride: tuple[int, int], padding: tuple[int, int], dilation: tuple[int, int],
                              groups: int) -> tuple[dict[str, Any], list[Step[Any]]]:
    """∂L/∂input, ∂L/∂kernel and ∂L/∂bias of a conv_transpose2d.

    >>> grads, _ = conv_transpose2d_backward("1 2; 3 4", "1 0; 0 1", None, "1 0 2 0; 0 1 0 2; 3 0 4 0; 0 3 0 4",
    ...                                      out_shape=(4, 4), stride=(2, 2), padding=(0, 0), dilation=(1, 1), groups=1)
    >>> grads["input"], grads["kernel"]
    ([[2, 4], [6, 8]], [[30, 0], [0, 30]])
    """
    X = as_array(x, name="input", ndim=(2, 3, 4))
    W = as_array(kernel, name="kernel", ndim=(2, 3, 4))
    G0 = read_upstream(upstream, out_shape)
    w_in = W.reshape((W.shape[0], 1, *W.shape[1:])) if W.ndim == 3 else _four(W)
    exact, (x4, w4, G) = _unify([_four(X), w_in, _four(G0)])
    N, C, H, Wd = x4.shape
    og, kh, kw = w4.shape[1:]
    sh, sw = stride
    ph, pw = padding
    dh, dw = dilation
    Ho, Wo = G.shape[2:]
    steps: list[Step[Any]] = []
    grads: dict[str, Any] = {}
    if bias is not None:
        read_bias(bias, og * groups)
        grads["bias"] = _bias_grad(G, bias, steps)
    need_h, need_w = (H - 1) * sh + dh * (kh - 1) + 1, (Wd - 1) * sw + dw * (kw - 1) + 1
    Gp = pad_array(G, ((ph, max(need_h - Ho - ph, 0)), (pw, max(need_w - Wo - pw, 0))))
    cg = C // groups
    dX = _correlate(Gp, w4, None, (sh, sw), (dh, dw), groups, (H, Wd))
    dX = finish(np.ascontiguousarray(dX), exact)
    terms = [(Gp[0, o, u * dh, v * dw], w4[0, o, u, v]) for o in range(og) for u in range(kh) for v in range(kw)]
    steps.append(Step("Gradient of the input: the upstream correlated with the kernel (a transposed convolution's "
                      "backward is a convolution)",
                      formula=r"\frac{\partial L}{\partial X_{n,c,i,j}} = \sum_{o,u,v} G^{\text{pad}}_{n,o,\,iS + uD,\; jS + vD}"
                              r" \, W_{c,o,u,v}", result=_pick(dX, X.ndim),
                      steps=[Step("First cell", substituted=product_terms(*zip(*terms)), result=dX[0, 0, 0, 0])]))
    dW = np.zeros(w4.shape, dtype=object) if exact else np.zeros(w4.shape)
    for u in range(kh):
        for v in range(kw):
            patch = Gp[:, :, u * dh: u * dh + (H - 1) * sh + 1: sh, v * dw: v * dw + (Wd - 1) * sw + 1: sw]
            for g in range(groups):
                # (N, Cg, H, W) · (N, Og, H, W) -> (Cg, Og)
                dW[g * cg:(g + 1) * cg, :, u, v] = np.tensordot(x4[:, g * cg:(g + 1) * cg], patch[:, g * og:(g + 1) * og],
                                                                axes=([0, 2, 3], [0, 2, 3]))
    dW = finish(dW, exact)
    tx = [x4[n, 0, i, j] for n in range(N) for i in range(H) for j in range(Wd)]
    tg = [Gp[n, 0, i * sh, j * sw] for n in range(N) for i in range(H) for j in range(Wd)]
    steps.append(Step("Gradient of the kernel: the input correlated with the padded upstream",
                      formula=r"\frac{\partial L}{\partial W_{c,o,u,v}} = \sum_{n,i,j} X_{n,c,i,j} \,"
                              r" G^{\text{pad}}_{n,o,\,iS + uD,\; jS + vD}", result=dW,
                      stack=Stack("input channel", ndim=4, inner="output channel"),
                      steps=[Step("First cell", substituted=product_terms(tx, tg), result=dW[0, 0, 0, 0])]))
    grads["input"] = _shaped(dX, X.ndim)
    grads["kernel"] = (dW.reshape(W.shape) if W.ndim == 3 else _pick(dW, W.ndim)).tolist() if W.ndim != 4 else dW.tolist()
    return {"input": grads["input"], "kernel": grads["kernel"], **({"bias": grads["bias"]} if "bias" in grads else {})}, steps


def _pick(a: np.ndarray, ndim: int) -> np.ndarray:
    return a[0, 0] if ndim == 2 else (a[0] if ndim == 3 else a)
