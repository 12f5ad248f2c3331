"""Scaled dot-product self-attention worked by hand, single- or multi-head, as PyTorch computes it.

    Q = X W_Qᵀ + b_Q,  K = X W_Kᵀ + b_K,  V = X W_Vᵀ + b_V      (layout "columns": W is d_k×d_model,
                                                                  q_i = W_Q x_i, an nn.Linear weight)
    E = Q Kᵀ / √d_head  (masked entries −∞),  A = softmax(E) row by row,  Z = A V,
    output = concat(Z_1 … Z_h) W_Oᵀ + b_O                       (when W_O is given)

With ``layout="rows"`` the weights are d_model×d_k and Q = X W_Q (tutorial style). ``heads = h``
splits the projections into h blocks of d_k/h columns, PyTorch's ``nn.MultiheadAttention`` layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.names import Op
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops.domain import Domain
from nnsteps.ops.losses import softmax_row
from nnsteps.work import Step, Worked

MASK_NOTE = ("1 = may attend. PyTorch reads boolean masks oppositely in its two APIs: "
             "scaled_dot_product_attention's attn_mask True = may attend; nn.MultiheadAttention's "
             "attn_mask True = may NOT attend")


def self_attention(
    x: Any = None, w_q: Any = None, w_k: Any = None, w_v: Any = None, *, w_o: Any = None,
    b_q: Any = None, b_k: Any = None, b_v: Any = None, b_o: Any = None,
    layout: str = "columns", scale: bool = True, mask: Any = "none", heads: int = 1,
) -> Worked:
    """Self-attention of the tokens ``x`` (n × d_model), every stage shown; with no numbers, the
    reference's Question 7 as a symbolic derivation.

    >>> w = self_attention([[1, 0], [0, 1]], [[1, 0], [0, 1]], [[1, 0], [0, 1]], [[1, 2], [3, 4]], scale=False,
    ...                    mask="causal")
    >>> w.answer["scores"]
    [[1, None], [0, 1]]
    >>> [round(v, 6) for v in w.answer["output"][1]]
    [1.731059, 3.731059]
    """
    if x is None:
        from nnsteps.ops.attention_symbolic import describe

        return describe()
    X, Ws, bs, Wo, bo, M, h, d = _read(x, w_q, w_k, w_v, w_o, b_q, b_k, b_v, b_o, layout, mask, heads)
    rows = layout == "rows"
    steps: list[Step[Any]] = []
    proj: dict[str, np.ndarray] = {}
    for name in ("Q", "K", "V"):
        P, step = _project(name, X, Ws[name], bs[name], rows, d)
        proj[name] = P
        steps.append(step)
    n = X.shape[0]
    dk, dv = proj["Q"].shape[1] // h, proj["V"].shape[1] // h
    scores_out: list[list[list[Any]]] = []
    weights_out: list[list[list[Any]]] = []
    Z = np.empty((n, dv * h), dtype=object) if d.is_exact else np.zeros((n, dv * h))
    root = d.sqrt(d.num(dk)) if scale else None
    for hh in range(h):
        tag = f" (head {hh + 1})" if h > 1 else ""
        Qh = proj["Q"][:, hh * dk:(hh + 1) * dk]
        Kh = proj["K"][:, hh * dk:(hh + 1) * dk]
        Vh = proj["V"][:, hh * dv:(hh + 1) * dv]
        S = Qh.dot(Kh.T)
        steps.append(Step(
            "Scores" + tag, formula=r"S = Q K^\top, \quad s_{ij} = q_i^\top k_j", result=d.out_array(S),
            steps=[Step("One score expanded", formula=r"s_{11} = q_1^\top k_1",
                        substituted=" + ".join(rf"{op(d.out(Qh[0][c]))} \cdot {op(d.out(Kh[0][c]))}"
                                               for c in range(dk)),
                        result=d.out(S[0][0]))],
        ))
        E = np.empty(S.shape, dtype=object)
        for i in range(n):
            for j in range(n):
                E[i, j] = (S[i, j] / root if root is not None else S[i, j]) if M[i][j] else None
        if scale:
            steps.append(Step(
                "Scaling" + tag, formula=r"e_{ij} = \frac{s_{ij}}{\sqrt{d_k}}",
                result=_out_masked(E, d),
                steps=[Step("One entry", formula=r"e_{11} = \frac{s_{11}}{\sqrt{d_k}}",
                            substituted=rf"\frac{{{op(d.out(S[0][0]))}}}{{\sqrt{{{dk}}}}}",
                            result=d.out(S[0][0] / root) if root is not None else None)],
                note=f"d_k = {dk}" + (" is the size of one head's keys (d_k/heads)" if h > 1 else ""),
            ))
        if not all(all(r) for r in M):
            steps.append(Step("Masking" + tag, formula=r"e_{ij} = -\infty \text{ where position } j \text{ is masked for } i",
                              result=_out_masked(E, d), note=MASK_NOTE))
        A = np.empty((n, n), dtype=object)
        for i in range(n):
            allowed = [j for j in range(n) if M[i][j]]
            probs = softmax_row([E[i, j] for j in allowed], d)
            for j in range(n):
                A[i, j] = d.num(0) if d.kind != "float" else 0.0
            for j, pv in zip(allowed, probs):
                A[i, j] = pv
        allowed0 = [j for j in range(n) if M[0][j]]
        e0 = [op(d.out(E[0, j])) for j in allowed0]
        row_steps = [Step(
            rf"Weight α_1{j + 1}", formula=rf"\alpha_{{1{j + 1}}} = \frac{{\exp(e_{{1{j + 1}}})}}"
                                          rf"{{\sum_m \exp(e_{{1m}})}}",
            substituted=rf"\frac{{\exp({op(d.out(E[0, j]))})}}{{{' + '.join(chr(92) + 'exp(' + e + ')' for e in e0)}}}",
            result=d.out(A[0, j])) for j in allowed0]
        steps.append(Step("Softmax, row by row" + tag,
                          formula=r"\alpha_{ij} = \frac{\exp(e_{ij})}{\sum_m \exp(e_{im})}",
                          result=d.out_array(A), steps=row_steps,
                          note="row 1 expanded; masked positions get weight 0"))
        Zh = A.dot(Vh) if d.is_exact else np.asarray(A, dtype=np.float64).dot(Vh)
        Z[:, hh * dv:(hh + 1) * dv] = Zh
        z_steps = [Step(
            f"z_1 component {c + 1}", formula=rf"z_{{1,{c + 1}}} = \sum_j \alpha_{{1j}} v_{{j,{c + 1}}}",
            substituted=" + ".join(rf"{op(d.out(A[0, j]))} \cdot {op(d.out(Vh[j][c]))}" for j in range(n)),
            result=d.out(Zh[0][c])) for c in range(dv)]
        steps.append(Step("Outputs as weighted sums of values" + tag, formula=r"z_i = \sum_j \alpha_{ij} v_j",
                          result=d.out_array(Zh), steps=z_steps))
        scores_out.append(_out_masked(E, d).tolist())
        weights_out.append(d.out_array(A).tolist())
    output = Z
    if h > 1:
        steps.append(Step("Concatenate heads", formula=r"Z = [Z_1 \; \cdots \; Z_h]", result=d.out_array(Z)))
    if Wo is not None:
        output = Z.dot(Wo) if rows else Z.dot(Wo.T)
        if bo is not None:
            output = output + bo
        steps.append(Step("Output projection", formula=(r"Y = Z W_O" if rows else r"Y = Z W_O^\top")
                          + (" + b_O" if bo is not None else ""), result=d.out_array(output)))
    note = d.note()
    if note:
        steps[0].note = note
    answer = {
        "Q": d.out_array(proj["Q"]).tolist(), "K": d.out_array(proj["K"]).tolist(),
        "V": d.out_array(proj["V"]).tolist(),
        "scores": scores_out[0] if h == 1 else scores_out,
        "weights": weights_out[0] if h == 1 else weights_out,
        "output": d.out_array(output).tolist(),
    }
    return Worked(Op.ATTENTION.value, value=answer, steps=steps, title="Self-attention", answer=answer)


def _out_masked(E: np.ndarray, d: Domain) -> np.ndarray:
    out = np.empty(E.shape, dtype=object)
    for idx, v in np.ndenumerate(E):
        out[idx] = None if v is None else d.out(v)
    return out


def _project(name: str, X: np.ndarray, W: np.ndarray, b: np.ndarray | None, rows: bool,
             d: Domain) -> tuple[np.ndarray, Step[Any]]:
    Wm = W if rows else W.T  # d_model × d_k either way
    P = X.dot(Wm)
    if b is not None:
        P = P + b
    lower = name.lower()
    formula = (rf"{name} = X W_{name}" if rows else rf"{name} = X W_{name}^\top,\ {lower}_i = W_{name} x_i")
    if b is not None:
        formula += f" + b_{name}"
    sub = " + ".join(rf"{op(d.out(X[0][j]))} \cdot {op(d.out(Wm[j][0]))}" for j in range(X.shape[1]))
    if b is not None:
        sub += f" + {op(d.out(b[0]))}"
    child = Step(f"{lower}_1, first component", formula=rf"{lower}_{{1,1}} = \sum_j x_{{1,j}} W_{{{name},1j}}",
                 substituted=sub, result=d.out(P[0][0]))
    return P, Step(f"{'Queries' if name == 'Q' else 'Keys' if name == 'K' else 'Values'} {name}", formula=formula,
                   result=d.out_array(P), steps=[child])


def _read(x: Any, w_q: Any, w_k: Any, w_v: Any, w_o: Any, b_q: Any, b_k: Any, b_v: Any, b_o: Any,
          layout: str, mask: Any, heads: Any) -> Any:
    layout = str(layout).strip().lower()
    if layout not in ("columns", "rows"):
        raise NnstepsError(f"expected layout columns or rows, got {layout!r}", field="layout",
                           hint=did_you_mean(layout, ("columns", "rows")))
    rows = layout == "rows"
    X = as_array(x, name="x", ndim=(1, 2))
    if X.ndim == 1:
        X = X.reshape(1, -1)
    n, dm = X.shape
    Ws: dict[str, np.ndarray] = {}
    for name, w in (("Q", w_q), ("K", w_k), ("V", w_v)):
        field = f"w_{name.lower()}"
        if w is None:
            raise NnstepsError(f"{field} is needed with x", field=field)
        W = as_array(w, name=field, ndim=(1, 2))
        if W.ndim == 1:
            W = W.reshape(-1, 1) if rows else W.reshape(1, -1)
        inner = W.shape[0] if rows else W.shape[1]
        if inner != dm:
            want = f"d_model×d_k = {dm}×d_k (layout rows)" if rows else f"d_k×d_model = d_k×{dm} (layout columns)"
            raise NnstepsError(f"{field} must be {want} to match x ({n}×{dm}), got {W.shape[0]}×{W.shape[1]}",
                               field=field)
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
    try:
        h = int(heads) if not isinstance(heads, bool) and float(heads) == int(float(heads)) else 0
    except (TypeError, ValueError):
        h = 0
    if h < 1:
        raise NnstepsError(f"expected heads an integer >= 1, got {heads!r}", field="heads")
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
    M = _mask(mask, n)
    arrays = [X, *Ws.values()] + [b for b in bs.values() if b is not None]
    arrays += [a for a in (Wo, bo) if a is not None]
    d = Domain.choose(arrays, irrational=True, small=n * n * h <= 64 and max(dm, dq, dv) <= 16)
    return (d.array(X), {k: d.array(v) for k, v in Ws.items()},
            {k: (d.array(v) if v is not None else None) for k, v in bs.items()},
            d.array(Wo) if Wo is not None else None, d.array(bo) if bo is not None else None, M, h, d)


def _bias(b: Any, size: int, field: str) -> np.ndarray | None:
    if b is None:
        return None
    arr = as_array(b, name=field, ndim=(0, 1)).reshape(-1)
    if arr.shape[0] != size:
        raise NnstepsError(f"{field} must have {size} entries, got {arr.shape[0]}", field=field)
    return arr


def _mask(mask: Any, n: int) -> list[list[bool]]:
    """The mask as rows of booleans, True = may attend."""
    if mask is None or isinstance(mask, str) and mask.strip().lower() in ("none", ""):
        return [[True] * n for _ in range(n)]
    if isinstance(mask, str) and mask.strip().lower() == "causal":
        return [[j <= i for j in range(n)] for i in range(n)]
    if isinstance(mask, str) and not any(c.isdigit() for c in mask):
        raise NnstepsError(f"expected mask none, causal or an n×n 0/1 matrix, got {mask!r}", field="mask",
                           hint=did_you_mean(mask.strip().lower(), ("none", "causal")))
    if isinstance(mask, np.ndarray) and mask.dtype == bool:
        mask = mask.astype(int)
    if isinstance(mask, list):
        mask = [[int(v) if isinstance(v, bool) else v for v in r] if isinstance(r, list) else r for r in mask]
    m = as_array(mask, name="mask", ndim=(2,))
    if m.shape != (n, n):
        raise NnstepsError(f"mask must be n×n = {n}×{n} to match x ({n} tokens), got {m.shape[0]}×{m.shape[1]}",
                           field="mask")
    rows = []
    for i in range(n):
        row = []
        for j in range(n):
            v = m[i, j]
            if v not in (0, 1):
                raise NnstepsError(f"mask entries must be 0 or 1 (1 = may attend), got {v} at row {i + 1}",
                                   field="mask")
            row.append(bool(v == 1))
        if not any(row):
            raise NnstepsError(f"mask row {i + 1} lets token {i + 1} attend to nothing; softmax needs one "
                               "position", field="mask")
        rows.append(row)
    return rows
