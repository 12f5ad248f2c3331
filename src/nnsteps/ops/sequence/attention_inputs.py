"""Reading and checking an attention problem's numbers: the tokens x (T × d_model), the optional memory
(S × d_m) that keys and values come from in cross-attention, the projections, biases, heads and masks
(``mask`` T × S, ``key_padding_mask`` S entries, PyTorch's shapes). Every error is one line naming the
shapes it compared.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.ops.domain import Domain


def read(x: Any, w_q: Any, w_k: Any, w_v: Any, w_o: Any, b_q: Any, b_k: Any, b_v: Any, b_o: Any,
         layout: str, mask: Any, heads: Any, memory: Any = None, key_padding_mask: Any = None) -> Any:
    """(X, Y, Ws, bs, W_O, b_O, mask rows, heads, domain): Y is the memory (or X itself without one).

    >>> X, Y, Ws, *_ , M, h, d = read([[1, 0]], [[1, 0]], [[1, 1, 1]], [[0, 1, 0]], None, None, None, None,
    ...                               None, "columns", "none", 1, memory=[[1, 2, 3], [4, 5, 6]],
    ...                               key_padding_mask=[0, 1])
    >>> Y.shape, M
    ((2, 3), [[True, False]])
    >>> read([[1, 0]], [[1, 0]], [[1, 1]], [[0, 1, 0]], None, None, None, None, None, "columns", "none", 1,
    ...      memory=[[1, 2, 3]])
    Traceback (most recent call last):
    nnsteps.errors.NnstepsError: field w_k: w_k must be d_k×d_m = d_k×3 (layout columns) to match memory (1×3), got 1×2
    """
    layout = str(layout).strip().lower()
    if layout not in ("columns", "rows"):
        raise NnstepsError(f"expected layout columns or rows, got {layout!r}", field="layout",
                           hint=did_you_mean(layout, ("columns", "rows")))
    rows = layout == "rows"
    X = _matrix(x, "x")
    n, dm = X.shape
    Y = None if memory is None else _matrix(memory, "memory")
    Ws: dict[str, np.ndarray] = {}
    for name, w in (("Q", w_q), ("K", w_k), ("V", w_v)):
        field = f"w_{name.lower()}"
        if w is None:
            raise NnstepsError(f"{field} is needed with x", field=field)
        W = as_array(w, name=field, ndim=(1, 2))
        if W.ndim == 1:
            W = W.reshape(-1, 1) if rows else W.reshape(1, -1)
        src, what, dim = (Y, "memory", "d_m") if Y is not None and name != "Q" else (X, "x", "d_model")
        d_in = src.shape[1]
        inner = W.shape[0] if rows else W.shape[1]
        if inner != d_in:
            want = (f"{dim}×d_k = {d_in}×d_k (layout rows)" if rows
                    else f"d_k×{dim} = d_k×{d_in} (layout columns)")
            raise NnstepsError(f"{field} must be {want} to match {what} ({src.shape[0]}×{d_in}), "
                               f"got {W.shape[0]}×{W.shape[1]}", field=field)
        Ws[name] = W
    dq = Ws["Q"].shape[1] if rows else Ws["Q"].shape[0]
    dkk = Ws["K"].shape[1] if rows else Ws["K"].shape[0]
    if dq != dkk:
        raise NnstepsError(f"queries and keys must have the same size d_k: w_q gives {dq}, w_k gives {dkk}",
                           field="w_k")
    dv = Ws["V"].shape[1] if rows else Ws["V"].shape[0]
    bs: dict[str, np.ndarray | None] = {}
    for name, b, size in (("Q", b_q, dq), ("K", b_k, dq), ("V", b_v, dv)):
        bs[name] = _bias(b, size, f"b_{name.lower()}")
    h = _heads(heads)
    for what, size in (("d_k", dq), ("d_v", dv)):
        if size % h:
            raise NnstepsError(f"heads = {h} must divide {what} = {size}", field="heads")
    Wo = bo = None
    if w_o is not None:
        Wo = as_array(w_o, name="w_o", ndim=(1, 2))
        if Wo.ndim == 1:
            Wo = Wo.reshape(-1, 1) if rows else Wo.reshape(1, -1)
        inner = Wo.shape[0] if rows else Wo.shape[1]
        if inner != dv:
            want = f"d_v×d_out = {dv}×d_out (layout rows)" if rows else f"d_out×d_v = d_out×{dv} (layout columns)"
            raise NnstepsError(f"w_o must be {want} to match the concatenated values (n×{dv}), "
                               f"got {Wo.shape[0]}×{Wo.shape[1]}", field="w_o")
        bo = _bias(b_o, Wo.shape[1] if rows else Wo.shape[0], "b_o")
    S = n if Y is None else Y.shape[0]
    M = mask_rows(mask, n, None if Y is None else S, key_padding_mask)
    arrays = [X, *Ws.values()] + [b for b in bs.values() if b is not None]
    arrays += [a for a in (Y, Wo, bo) if a is not None]
    d = Domain.choose(arrays, irrational=True, small=n * S * h <= 64 and max(dm, dq, dv) <= 16)
    Xd = d.array(X)
    return (Xd, d.array(Y) if Y is not None else Xd, {k: d.array(v) for k, v in Ws.items()},
            {k: (d.array(v) if v is not None else None) for k, v in bs.items()},
            d.array(Wo) if Wo is not None else None, d.array(bo) if bo is not None else None, M, h, d)


def _matrix(value: Any, field: str) -> np.ndarray:
    arr = as_array(value, name=field, ndim=(1, 2))
    return arr.reshape(1, -1) if arr.ndim == 1 else arr


def _heads(heads: Any) -> int:
    try:
        h = int(heads) if not isinstance(heads, bool) and float(heads) == int(float(heads)) else 0
    except (TypeError, ValueError):
        h = 0
    if h < 1:
        raise NnstepsError(f"expected heads an integer >= 1, got {heads!r}", field="heads")
    return h


def _bias(b: Any, size: int, field: str) -> np.ndarray | None:
    if b is None:
        return None
    arr = as_array(b, name=field, ndim=(0, 1)).reshape(-1)
    if arr.shape[0] != size:
        raise NnstepsError(f"{field} must have {size} entries, got {arr.shape[0]}", field=field)
    return arr


def _zero_one(value: Any, field: str, ndim: int) -> np.ndarray:
    """A 0/1 (or boolean) array, read without evaluating anything."""
    if isinstance(value, np.ndarray) and value.dtype == bool:
        value = value.astype(int)
    if isinstance(value, list):
        value = [[int(v) if isinstance(v, bool) else v for v in r] if isinstance(r, list)
                 else int(r) if isinstance(r, bool) else r for r in value]
    arr = as_array(value, name=field, ndim=(ndim,))
    for idx, v in np.ndenumerate(arr):
        if v not in (0, 1):
            where = f"row {idx[0] + 1}" if ndim == 2 else f"entry {idx[0] + 1}"
            meaning = "1 = may attend" if field == "mask" else "1 = a padding key, ignored"
            raise NnstepsError(f"{field} entries must be 0 or 1 ({meaning}), got {v} at {where}", field=field)
    return arr


def mask_rows(mask: Any, n: int, s: int | None = None, key_padding_mask: Any = None) -> list[list[bool]]:
    """The mask as n rows of booleans over the keys (True = may attend): ``s`` keys from a memory, or
    the n tokens themselves when ``s`` is None; a padding key (1 in ``key_padding_mask``) is never
    attended, as in nn.MultiheadAttention.

    >>> mask_rows("causal", 3)
    [[True, False, False], [True, True, False], [True, True, True]]
    >>> mask_rows("none", 2, 3, key_padding_mask=[0, 0, 1])
    [[True, True, False], [True, True, False]]
    """
    S = n if s is None else s
    shape = f"n×n = {n}×{n} to match x ({n} tokens)" if s is None else \
        f"T×S = {n}×{s} to match x ({n} queries) and memory ({s} keys)"
    text = mask.strip().lower() if isinstance(mask, str) else None
    if mask is None or text in ("none", ""):
        rows = [[True] * S for _ in range(n)]
    elif text == "causal":
        if s is not None:
            raise NnstepsError(f"a causal mask needs keys from x itself; with memory give an explicit 0/1 mask "
                               f"of shape T×S = {n}×{s}", field="mask")
        rows = [[j <= i for j in range(n)] for i in range(n)]
    elif text is not None and not any(c.isdigit() for c in text):
        want = "none, causal or an n×n 0/1 matrix" if s is None else f"none or a T×S = {n}×{s} 0/1 matrix"
        raise NnstepsError(f"expected mask {want}, got {mask!r}", field="mask",
                           hint=did_you_mean(text, ("none", "causal") if s is None else ("none",)))
    else:
        m = _zero_one(mask, "mask", 2)
        if m.shape != (n, S):
            raise NnstepsError(f"mask must be {shape}, got {m.shape[0]}×{m.shape[1]}", field="mask")
        rows = [[bool(m[i, j] == 1) for j in range(S)] for i in range(n)]
    if key_padding_mask is not None:
        pad = _zero_one(key_padding_mask, "key_padding_mask", 1)
        if pad.shape[0] != S:
            where = f"memory ({S} keys)" if s is not None else f"x ({n} tokens)"
            raise NnstepsError(f"key_padding_mask must have S = {S} entries to match {where}, got {pad.shape[0]}",
                               field="key_padding_mask")
        _check_rows(rows, "mask")
        rows = [[a and bool(pad[j] == 0) for j, a in enumerate(r)] for r in rows]
    _check_rows(rows, "mask" if key_padding_mask is None else "key_padding_mask")
    return rows


def _check_rows(rows: list[list[bool]], field: str) -> None:
    for i, r in enumerate(rows):
        if not any(r):
            why = " with the padding keys removed" if field == "key_padding_mask" else ""
            raise NnstepsError(f"mask row {i + 1} lets token {i + 1} attend to nothing{why}; softmax needs one "
                               "position", field=field)
