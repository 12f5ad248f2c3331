"""One GRU time step as PyTorch computes it (gates r, z, n), forward and backward, with its steps.

    r = σ(W_r x + b_ir + U_r h + b_hr),  z = σ(W_z x + b_iz + U_z h + b_hz)
    n = tanh(W_n x + b_in + r ⊙ (U_n h + b_hn)),   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}

Backward from δh = ∂L/∂h_t: δa_n = δh ⊙ (1 − z) ⊙ (1 − n²), δa_z = δh ⊙ (h_{t-1} − n) ⊙ z(1 − z),
δa_r = δa_n ⊙ (U_n h + b_hn) ⊙ r(1 − r), and U_n, b_hn see δa_n ⊙ r (r gates the hidden side).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.names import Activation
from nnsteps.ops.domain import Domain
from nnsteps.ops.rnn.gate_weights import GATES as CELL_GATES
from nnsteps.ops.rnn.gate_weights import GatedCell, GateWeights
from nnsteps.ops.rnn.lstm import activate, entry_only, pre_activation, pre_step
from nnsteps.ops.rnn.notation import dot_text, op
from nnsteps.work import Step

SIG, TANH = Activation.SIGMOID.value, Activation.TANH.value
GATES = CELL_GATES["gru"]


def forward_step(d: Domain, gw: GateWeights, x: np.ndarray, h: np.ndarray, c: Any = None,
                 variant: str = "pytorch") -> dict[str, Any]:
    """One step's values: pre-activations ``a``, gates, ``hn`` = U_n h + b_hn, ``h`` (no cell state:
    ``c`` and ``variant`` are the LSTM's, taken for one signature).

    >>> from nnsteps.ops.domain import FloatDomain
    >>> from nnsteps.ops.rnn.gate_weights import read_gate_weights
    >>> gw = read_gate_weights({"weight_ih": [[0], [0], [1]], "weight_hh": [[0], [0], [0]]}, "gru", 1)
    >>> v = forward_step(FloatDomain(), gw, np.array([0.5]), np.array([1.0]))
    >>> round(float(v["h"][0]), 6)  # ½·tanh(½) + ½·1
    0.731059
    """
    a = {g: pre_activation(d, gw, g, x, h) for g in ("r", "z")}
    gates = {g: activate(d, SIG, a[g]) for g in ("r", "z")}
    hn = gw.U["n"].dot(h)
    if gw.bh["n"] is not None:
        hn = hn + gw.bh["n"]
    xn = gw.W["n"].dot(x)
    if gw.bi["n"] is not None:
        xn = xn + gw.bi["n"]
    a["n"] = xn + gates["r"] * hn
    if not d.is_exact:
        a["n"], hn = np.asarray(a["n"], dtype=np.float64), np.asarray(hn, dtype=np.float64)
    gates["n"] = activate(d, TANH, a["n"])
    one = d.num(1)
    h_new = (one - gates["z"]) * gates["n"] + gates["z"] * h
    return {"a": a, "gates": gates, "hn": hn, "h": h_new, "x": x, "h_prev": h}


def time_step(d: Domain, gw: GateWeights, t: int, v: dict[str, Any]) -> Step[Any]:
    """The steps of one GRU time step: r, z, the candidate n (r applied to U_n h + b_hn), h_t."""
    gs, x, h = v["gates"], v["x"], v["h_prev"]
    children = [pre_step(d, gw, g, t, v, SIG) for g in ("r", "z")]
    hn_num = dot_text([d.out(w) for w in gw.U["n"][0]], [d.out(u) for u in h])
    xn_num = dot_text([d.out(w) for w in gw.W["n"][0]], [d.out(u) for u in x])
    if gw.bh["n"] is not None:
        hn_num += f" + {op(d.out(gw.bh['n'][0]))}"
    if gw.bi["n"] is not None:
        xn_num += f" + {op(d.out(gw.bi['n'][0]))}"
    pre = Step("Pre-activation of the candidate n, entry 1",
               formula=rf"a_{{n,{t}}} = W_n x_{{{t}}} + b_{{in}} + r_{{{t}}} \odot (U_n h_{{{t - 1}}} + b_{{hn}})",
               substituted=rf"{xn_num} + {op(d.out(gs['r'][0]))} \cdot ({hn_num})", result=d.out(v["a"]["n"][0]))
    children.append(Step(f"Candidate n_{t}", formula=rf"n_{{{t}}} = \tanh(a_{{n,{t}}})", result=d.out_array(gs["n"]),
                         steps=[pre]))
    h_entry = Step("Hidden state, entry 1", formula=rf"h_{{{t},1}} = (1 - z_{{{t},1}}) n_{{{t},1}} + z_{{{t},1}} h_{{{t - 1},1}}",
                   substituted=rf"(1 - {op(d.out(gs['z'][0]))}) \cdot {op(d.out(gs['n'][0]))} + "
                               rf"{op(d.out(gs['z'][0]))} \cdot {op(d.out(h[0]))}", result=d.out(v["h"][0]))
    children.append(Step(f"Hidden state h_{t}", formula=rf"h_{{{t}}} = (1 - z_{{{t}}}) \odot n_{{{t}}} + z_{{{t}}} \odot h_{{{t - 1}}}",
                         result=d.out_array(v["h"]), steps=[h_entry]))
    return Step(f"Time step {t}", formula=None, result=d.out_array(v["h"]), steps=children)


def backward_step(d: Domain, gw: GateWeights, v: dict[str, Any], dh: np.ndarray, dc_next: Any,
                  t: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray, Any, list[Step[Any]]]:
    """δ of every pre-activation on the input side and on the hidden side, δh_{t-1} and the steps."""
    gs, h, hn = v["gates"], v["h_prev"], v["hn"]
    one = d.num(1)
    da_n = dh * (one - gs["z"]) * (one - gs["n"] * gs["n"])
    da_z = dh * (h - gs["n"]) * gs["z"] * (one - gs["z"])
    da_r = da_n * hn * gs["r"] * (one - gs["r"])
    d_hn = da_n * gs["r"]
    da_in = {"r": da_r, "z": da_z, "n": da_n}
    da_hid = {"r": da_r, "z": da_z, "n": d_hn}
    dh_prev = dh * gs["z"] + gw.U["r"].T.dot(da_r) + gw.U["z"].T.dot(da_z) + gw.U["n"].T.dot(d_hn)
    o = lambda arr: op(d.out(arr[0]))  # noqa: E731  (entry 1 of a vector, as an operand)
    steps = [
        Step(f"δa_n at step {t}", formula=rf"\delta a_{{n,{t}}} = \delta h_{{{t}}} \odot (1 - z_{{{t}}}) \odot (1 - n_{{{t}}}^2)",
             substituted=rf"{o(dh)} \cdot (1 - {o(gs['z'])}) \cdot (1 - {o(gs['n'])} \cdot {o(gs['n'])})",
             result=d.out_array(da_n)),
        Step(f"δa_z at step {t}", formula=rf"\delta a_{{z,{t}}} = \delta h_{{{t}}} \odot (h_{{{t - 1}}} - n_{{{t}}}) \odot z_{{{t}}} (1 - z_{{{t}}})",
             substituted=rf"{o(dh)} \cdot ({o(h)} - {o(gs['n'])}) \cdot {o(gs['z'])} \cdot (1 - {o(gs['z'])})",
             result=d.out_array(da_z)),
        Step(f"δa_r at step {t}", formula=rf"\delta a_{{r,{t}}} = \delta a_{{n,{t}}} \odot (U_n h_{{{t - 1}}} + b_{{hn}}) \odot r_{{{t}}} (1 - r_{{{t}}})",
             substituted=rf"{o(da_n)} \cdot {o(hn)} \cdot {o(gs['r'])} \cdot (1 - {o(gs['r'])})",
             result=d.out_array(da_r)),
        Step(f"δ of U_n h + b_hn at step {t}", formula=rf"\delta a^h_{{n,{t}}} = \delta a_{{n,{t}}} \odot r_{{{t}}}",
             substituted=rf"{o(da_n)} \cdot {o(gs['r'])}", result=d.out_array(d_hn)),
        Step(f"δh_{t - 1} (through the gates)",
             formula=rf"\delta h_{{{t - 1}}} \mathrel{{+}}= \delta h_{{{t}}} \odot z_{{{t}}} + U_r^T \delta a_{{r,{t}}} + U_z^T \delta a_{{z,{t}}} + U_n^T \delta a^h_{{n,{t}}}",
             result=d.out_array(dh_prev)),
    ]
    entry_only(d, gw.H, steps[:-1])
    return da_in, da_hid, dh_prev, None, steps


GRU = GatedCell("gru", GATES, cell_state=False, variants=("pytorch",), forward_step=forward_step, time_step=time_step,
                backward_step=backward_step)
"""PyTorch's GRU: h only, gates r, z, n."""
