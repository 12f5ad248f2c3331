"""Backpropagation through time for the gated cells (LSTM, GRU): δh_t from the output (or the given
upstream) plus the recurrent path, every gate's δ per step (in ``lstm``/``gru``), and each weight's
gradient as its sum over steps:

    ∂L/∂W_k = Σ_t δa_{k,t} x_tᵀ,   ∂L/∂U_k = Σ_t δa^h_{k,t} h_{t-1}ᵀ,   ∂L/∂b_ik = Σ_t δa_{k,t},   ∂L/∂b_hk = Σ_t δa^h_{k,t}

(δa^h = δa except for the GRU's candidate, where r gates the hidden side).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.ops.domain import Domain
from nnsteps.ops.rnn.gate_weights import GatedCell, GateWeights
from nnsteps.ops.rnn.notation import op
from nnsteps.work import Step

SHOWN = 3
"""Time steps whose δs are written out from the end backwards (longer sequences: the values are in the answer)."""


def backward(d: Domain, cell: GatedCell, gw: GateWeights, cache: list[dict[str, Any]], dh_out: np.ndarray,
             dc_out: np.ndarray | None = None) -> tuple[dict[str, Any], dict[str, np.ndarray], list[Step[Any]]]:
    """Gradients of every gate's W, U, b_i, b_h (per gate), of x, h0 (and c0), from ∂L/∂h_t (L×H) and, for an
    LSTM, a given ∂L/∂c_t (L×H: deeplearning.ai's and CS231n's dc_next), added to the path through c_(t+1).

    Returns (per-gate gradient dicts ``W``, ``U``, ``bi``, ``bh``; the input gradients; the steps).
    """
    L, H = len(cache), gw.H
    zero = d.zeros((H,))
    dh_next, dc_next = zero, zero
    das: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] = [({}, {})] * L
    dx = []
    steps: list[Step[Any]] = []
    for t in range(L, 0, -1):
        v = cache[t - 1]
        dh = dh_out[t - 1] + dh_next
        if dc_out is not None:
            dc_next = dc_out[t - 1] + dc_next
        da_in, da_hid, dh_prev, dc_prev, s = cell.backward_step(d, gw, v, dh, dc_next, t)
        das[t - 1] = (da_in, da_hid)
        dx.append(sum((gw.W[g].T.dot(da_in[g]) for g in cell.gates[1:]), gw.W[cell.gates[0]].T.dot(da_in[cell.gates[0]])))
        if t > L - SHOWN or t <= 1:
            head = Step(f"δh_{t}", formula=rf"\delta h_{{{t}}} = \frac{{\partial L}}{{\partial h_{{{t}}}}} + \delta h_{{{t}}}^{{\text{{rec}}}}",
                        substituted=rf"{op(d.out(dh_out[t - 1][0]))} + {op(d.out(dh_next[0]))}" if H == 1 else None,
                        result=d.out(dh[0]) if H == 1 else d.out_array(dh))
            steps.append(Step(f"BPTT at step {t}", result=None, steps=[head, *s]))
        dh_next = dh_prev
        dc_next = dc_prev if dc_prev is not None else zero
    dx.reverse()
    grads: dict[str, dict[str, np.ndarray]] = {"W": {}, "U": {}, "bi": {}, "bh": {}}
    sums: list[Step[Any]] = []
    for g in cell.gates:
        grads["W"][g] = sum((np.outer(das[t][0][g], cache[t]["x"]) for t in range(1, L)), np.outer(das[0][0][g], cache[0]["x"]))
        grads["U"][g] = sum((np.outer(das[t][1][g], cache[t]["h_prev"]) for t in range(1, L)),
                            np.outer(das[0][1][g], cache[0]["h_prev"]))
        grads["bi"][g] = sum((das[t][0][g] for t in range(1, L)), das[0][0][g])
        grads["bh"][g] = sum((das[t][1][g] for t in range(1, L)), das[0][1][g])
        for key, m, src in (("W", grads["W"][g], "x"), ("U", grads["U"][g], "h_prev")):
            terms = [(das[t][0 if key == "W" else 1][g][0], cache[t][src][0]) for t in range(L)]
            entry = Step(f"∂L/∂{key}_{g}[1,1] as a sum over steps",
                         formula=rf"\frac{{\partial L}}{{\partial {key}_{{{g},11}}}} = \sum_t \delta a_{{{g},t,1}} "
                                 + (r"x_{t,1}" if key == "W" else r"h_{t-1,1}"),
                         substituted=" + ".join(rf"{op(d.out(a))} \cdot {op(d.out(b))}" for a, b in terms),
                         result=d.out(m[0][0]), data={"terms": [d.out(a * b) for a, b in terms]})
            sums.append(Step(f"Gradient of {key}_{g}", formula=rf"\frac{{\partial L}}{{\partial {key}_{g}}} = \sum_t "
                                                             + (rf"\delta a_{{{g},t}} x_t^T" if key == "W" else rf"\delta a^h_{{{g},t}} h_{{t-1}}^T"),
                             result=d.out_array(m), steps=[entry]))
    inputs = {"x": np.array(dx), "h0": dh_next}
    if cell.cell_state:
        inputs["c0"] = dc_next
    all_steps: list[Step[Any]] = [Step("Backpropagation through time", formula=None, result=None, steps=steps,
                      note=f"steps {2} to {L - SHOWN} follow the same rule; their values give the sums" if L > SHOWN + 1 else None),
                 Step("Gradients (sums over time steps)", result=None, steps=sums)]
    return grads, inputs, all_steps


def update(d: Domain, params: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: Any,
           ) -> tuple[dict[str, np.ndarray], Step[Any]]:
    """θ − η ∂L/∂θ for every parameter (by the user's names), entry [1] (or [1,1]) expanded."""
    eta = d.rate(lr)
    updated: dict[str, np.ndarray] = {}
    children: list[Step[Any]] = []
    for name, gm in grads.items():
        new = params[name] - eta * gm
        updated[name] = new
        first = tuple(0 for _ in gm.shape)
        children.append(Step(f"Update {name}", formula=r"\theta^{\text{new}} = \theta - \eta \frac{\partial L}{\partial \theta}",
                             substituted=rf"{op(d.out(params[name][first]))} - {op(lr)} \cdot {op(d.out(gm[first]))}",
                             result=d.out(new[first]), note="entry 1 shown; the whole matrix is in the answer"))
    return updated, Step("Gradient-descent update", result=None, steps=children, data={"learning_rate": lr})
