"""Scaled dot-product self- or cross-attention worked by hand, single- or multi-head, as PyTorch computes it.

    Q = X W_Qᵀ + b_Q,  K = X W_Kᵀ + b_K,  V = X W_Vᵀ + b_V      (layout "columns": W is d_k×d_model,
                                                                  q_i = W_Q x_i, an nn.Linear weight)
    with ``memory`` M (S × d_m): K = M W_Kᵀ + b_K, V = M W_Vᵀ + b_V (cross-attention; scores T × S)
    E = Q Kᵀ / √d_head  (masked entries −∞),  A = softmax(E) row by row,  Z = A V,
    output = concat(Z_1 … Z_h) W_Oᵀ + b_O                       (when W_O is given)

With ``layout="rows"`` the weights are d_model×d_k and Q = X W_Q (tutorial style). ``heads = h``
splits the projections into h blocks of d_k/h columns, PyTorch's ``nn.MultiheadAttention`` layout.
Masks have PyTorch's shapes: ``mask`` is T × S like attn_mask (here 1 = may attend), and
``key_padding_mask`` has S entries (1 = a padding key, ignored, as nn.MultiheadAttention reads it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops.domain import Domain
from nnsteps.ops.losses.backprop import softmax_row
from nnsteps.ops.sequence.attention_inputs import read
from nnsteps.work import Stack, Step, Worked

MASK_NOTE = ("1 = may attend. PyTorch reads boolean masks oppositely in its two APIs: "
             "scaled_dot_product_attention's attn_mask True = may attend; nn.MultiheadAttention's "
             "attn_mask True = may NOT attend")


def self_attention(
    x: Any = None, w_q: Any = None, w_k: Any = None, w_v: Any = None, *, w_o: Any = None,
    b_q: Any = None, b_k: Any = None, b_v: Any = None, b_o: Any = None,
    layout: str = "columns", scale: bool = True, mask: Any = "none", heads: int = 1,
    memory: Any = None, key_padding_mask: Any = None,
) -> Worked:
    """Self-attention of the tokens ``x`` (n × d_model), every stage shown; with ``memory`` (S × d_m)
    cross-attention: queries from ``x``, keys and values from ``memory``. With no numbers, the
    reference's Question 7 as a symbolic derivation.

    >>> w = self_attention([[1, 0], [0, 1]], [[1, 0], [0, 1]], [[1, 0], [0, 1]], [[1, 2], [3, 4]], scale=False,
    ...                    mask="causal")
    >>> w.answer["scores"]
    [[1, None], [0, 1]]
    >>> [round(v, 6) for v in w.answer["output"][1]]
    [1.731059, 3.731059]
    >>> c = self_attention([[1, 0]], [[1, 0], [0, 1]], [[1, 0, 0], [0, 1, 0]], [[1, 1, 1]], scale=False,
    ...                    memory=[[2, 0, 5], [0, 1, 5]])   # one query, two memory tokens of width 3
    >>> c.title, c.answer["scores"], [s.title for s in c.steps[:3]]
    ('Cross-attention', [[2, 0]], ['Queries Q (from x)', 'Keys K (from memory)', 'Values V (from memory)'])
    """
    if x is None:
        if memory is not None:
            raise NnstepsError("memory needs x: the queries come from x", field="x")
        from nnsteps.ops.sequence.attention_symbolic import describe

        return describe()
    X, Y, Ws, bs, Wo, bo, M, h, d = read(x, w_q, w_k, w_v, w_o, b_q, b_k, b_v, b_o, layout, mask, heads,
                                          memory, key_padding_mask)
    cross = memory is not None
    rows = str(layout).strip().lower() == "rows"
    steps: list[Step[Any]] = []
    proj: dict[str, np.ndarray] = {}
    for name in ("Q", "K", "V"):
        from_memory = cross and name != "Q"
        P, step = _project(name, Y if from_memory else X, Ws[name], bs[name], rows, d, "M" if from_memory else "X")
        proj[name] = P
        steps.append(step)
    n, S = X.shape[0], Y.shape[0]
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
        Sc = Qh.dot(Kh.T)
        steps.append(Step(
            # one vocabulary: "Scores" is what the answer calls scores (scaled when scaling), the rest is raw
            ("Raw scores" if scale else "Scores") + tag, formula=r"S = Q K^\top, \quad s_{ij} = q_i^\top k_j",
            result=d.out_array(Sc),
            steps=[Step("One score expanded", formula=r"s_{11} = q_1^\top k_1",
                        substituted=" + ".join(rf"{op(d.out(Qh[0][c]))} \cdot {op(d.out(Kh[0][c]))}"
                                               for c in range(dk)),
                        result=d.out(Sc[0][0]))],
            note=f"{n}×{S}: query i from x against key j from memory" if cross else None,
        ))
        E = np.empty(Sc.shape, dtype=object)
        for i in range(n):
            for j in range(S):
                E[i, j] = (Sc[i, j] / root if root is not None else Sc[i, j]) if M[i][j] else None
        if scale:
            steps.append(Step(
                "Scores, scaled" + tag, formula=r"e_{ij} = \frac{s_{ij}}{\sqrt{d_k}}",
                result=_out_masked(E, d),
                steps=[Step("One entry", formula=r"e_{11} = \frac{s_{11}}{\sqrt{d_k}}",
                            substituted=rf"\frac{{{op(d.out(Sc[0][0]))}}}{{\sqrt{{{dk}}}}}",
                            result=d.out(Sc[0][0] / root) if root is not None else None)],
                note=f"d_k = {dk}" + (" is the size of one head's keys (d_k/heads)" if h > 1 else ""),
            ))
        if not all(all(r) for r in M):
            steps.append(Step("Masking" + tag, formula=r"e_{ij} = -\infty \text{ where position } j \text{ is masked for } i",
                              result=_out_masked(E, d), note=MASK_NOTE + (
                                  "; key_padding_mask: 1 = a padding key, masked for every query (as in "
                                  "nn.MultiheadAttention)" if key_padding_mask is not None else "")))
        A = np.empty((n, S), dtype=object)
        for i in range(n):
            allowed = [j for j in range(S) if M[i][j]]
            probs = softmax_row([E[i, j] for j in allowed], d)
            for j in range(S):
                A[i, j] = d.num(0)
            for j, pv in zip(allowed, probs):
                A[i, j] = pv
        allowed0 = [j for j in range(S) if M[0][j]]
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
            substituted=" + ".join(rf"{op(d.out(A[0, j]))} \cdot {op(d.out(Vh[j][c]))}" for j in range(S)),
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
    # With several heads, scores and weights stack one T×S matrix per head, numbered as the steps number them.
    stacks = {} if h == 1 else {"scores": Stack("head", first=1), "weights": Stack("head", first=1)}
    return Worked(Op.ATTENTION.value, value=answer, steps=steps, title="Cross-attention" if cross else "Self-attention",
                  answer=answer, stacks=stacks)


def _out_masked(E: np.ndarray, d: Domain) -> np.ndarray:
    out = np.empty(E.shape, dtype=object)
    for idx, v in np.ndenumerate(E):
        out[idx] = None if v is None else d.out(v)
    return out


def _project(name: str, X: np.ndarray, W: np.ndarray, b: np.ndarray | None, rows: bool,
             d: Domain, source: str = "X") -> tuple[np.ndarray, Step[Any]]:
    """One projection of the sequence ``X`` (``source`` "X" = the tokens x, "M" = the memory)."""
    Wm = W if rows else W.T  # d_in × d_k either way
    P = X.dot(Wm)
    if b is not None:
        P = P + b
    lower, tok = name.lower(), source.lower()
    at = "j" if source == "M" else "i"  # memory tokens are the keys' positions j
    formula = (rf"{name} = {source} W_{name}" if rows
               else rf"{name} = {source} W_{name}^\top,\ {lower}_{at} = W_{name} {tok}_{at}")
    if b is not None:
        formula += f" + b_{name}"
    sub = " + ".join(rf"{op(d.out(X[0][j]))} \cdot {op(d.out(Wm[j][0]))}" for j in range(X.shape[1]))
    if b is not None:
        sub += f" + {op(d.out(b[0]))}"
    child = Step(f"{lower}_1, first component", formula=rf"{lower}_{{1,1}} = \sum_j {tok}_{{1,j}} W_{{{name},1j}}",
                 substituted=sub, result=d.out(P[0][0]))
    title = f"{'Queries' if name == 'Q' else 'Keys' if name == 'K' else 'Values'} {name}"
    return P, Step(f"{title} (from {'memory' if source == 'M' else 'x'})", formula=formula,
                   result=d.out_array(P), steps=[child])
