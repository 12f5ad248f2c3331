"""One LSTM time step as PyTorch computes it (gates i, f, g, o), forward and backward, with its steps.

    i = σ(W_i x + b_ii + U_i h + b_hi),  f = σ(…),  g = tanh(…),  o = σ(…)
    c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)

Backward, from δh = ∂L/∂h_t and the cell gradient δc_{t+1}·f_{t+1} coming from the next step:
δo = δh ⊙ tanh(c_t), δc = δc_next + δh ⊙ o ⊙ (1 − tanh²c_t), δi = δc ⊙ g, δg = δc ⊙ i, δf = δc ⊙ c_{t-1},
each pre-activation's δ = δgate ⊙ σ' (tanh' for g), δc_{t-1} = δc ⊙ f.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.names import Activation
from nnsteps.ops.domain import Domain
from nnsteps.ops.rnn.gate_weights import GATES as CELL_GATES
from nnsteps.ops.rnn.gate_weights import GatedCell, GateWeights
from nnsteps.ops.rnn.notation import dot_text, op
from nnsteps.render.values import latex_matrix
from nnsteps.work import Step

SIG, TANH = Activation.SIGMOID.value, Activation.TANH.value
GATES = CELL_GATES["lstm"]
ACT = {"i": SIG, "f": SIG, "g": TANH, "o": SIG}


def _vec(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def pre_activation(d: Domain, gw: GateWeights, g: str, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """W_g x + b_ig + U_g h + b_hg (the biases that were given)."""
    a = gw.W[g].dot(x) + gw.U[g].dot(h)
    for b in (gw.bi[g], gw.bh[g]):
        if b is not None:
            a = a + b
    return a if d.is_exact else np.asarray(a, dtype=np.float64)


def activate(d: Domain, name: str, a: np.ndarray) -> np.ndarray:
    vals = [d.apply(name, v) for v in a]
    return _vec(vals) if d.is_exact else np.asarray(vals, dtype=np.float64)


VARIANTS = ("pytorch", "no_tanh_c", "ungated_c")
"""The LSTM's equations (``pytorch``) and two slips students make, worked so a checker can name them:
h = o ⊙ c (tanh of c forgotten), c = c_{t-1} + i ⊙ g (the old cell state not gated by f)."""


def forward_step(d: Domain, gw: GateWeights, x: np.ndarray, h: np.ndarray, c: np.ndarray,
                 variant: str = "pytorch") -> dict[str, Any]:
    """One step's values: pre-activations ``a``, gates, ``c``, ``tc`` = tanh(c), ``h``.

    >>> from nnsteps.ops.domain import FloatDomain
    >>> from fractions import Fraction as F
    >>> from nnsteps.ops.rnn.gate_weights import read_gate_weights
    >>> d = FloatDomain()
    >>> gw = read_gate_weights({"weight_ih": [[0.0], [0.0], [1.0], [0.0]], "weight_hh": [[0.0]] * 4}, "lstm", 1)
    >>> v = forward_step(d, gw, np.array([0.5]), np.array([0.0]), np.array([0.0]))
    >>> round(float(v["c"][0]), 6)  # σ(0)·tanh(0.5)
    0.231059
    """
    a = {g: pre_activation(d, gw, g, x, h) for g in GATES}
    gates = {g: activate(d, ACT[g], a[g]) for g in GATES}
    c_new = (c if variant == "ungated_c" else gates["f"] * c) + gates["i"] * gates["g"]
    tc = c_new if variant == "no_tanh_c" else activate(d, TANH, c_new)
    return {"a": a, "gates": gates, "c": c_new, "tc": tc, "h": gates["o"] * tc, "x": x, "h_prev": h, "c_prev": c,
            "variant": variant}


def pre_step(d: Domain, gw: GateWeights, g: str, t: int, v: dict[str, Any], act: str) -> Step[Any]:
    """A gate: its pre-activation with the first entry expanded, then its activation."""
    x, h = v["x"], v["h_prev"]
    terms = dot_text([d.out(w) for w in gw.W[g][0]], [d.out(u) for u in x]) + " + " + dot_text(
        [d.out(w) for w in gw.U[g][0]], [d.out(u) for u in h])
    sym = rf"W_{{{g}}} x_{{{t}}} + U_{{{g}}} h_{{{t - 1}}}"
    for tag, b in (("i", gw.bi[g]), ("h", gw.bh[g])):
        if b is not None:
            terms += f" + {op(d.out(b[0]))}"
            sym += rf" + b_{{{tag}{g}}}"
    fn = r"\sigma" if act == SIG else r"\tanh"
    pre = Step(f"Pre-activation of gate {g}, entry 1", formula=rf"a_{{{g},{t}}} = {sym}", substituted=terms,
               result=d.out(v["a"][g][0]))
    return Step(f"Gate {g} at step {t}", formula=rf"{g}_{{{t}}} = {fn}(a_{{{g},{t}}})",
                substituted=rf"{fn}\left({latex_matrix(d.out_array(v['a'][g]))}\right)",
                result=d.out_array(v["gates"][g]), steps=[pre])


def time_step(d: Domain, gw: GateWeights, t: int, v: dict[str, Any]) -> Step[Any]:
    """The steps of one LSTM time step: every gate, c_t and h_t (entry 1 expanded)."""
    gs = v["gates"]
    children = [pre_step(d, gw, g, t, v, ACT[g]) for g in GATES]
    c_entry = Step("Cell state, entry 1", formula=rf"c_{{{t},1}} = f_{{{t},1}} c_{{{t - 1},1}} + i_{{{t},1}} g_{{{t},1}}",
                   substituted=rf"{op(d.out(gs['f'][0]))} \cdot {op(d.out(v['c_prev'][0]))} + "
                               rf"{op(d.out(gs['i'][0]))} \cdot {op(d.out(gs['g'][0]))}",
                   result=d.out(v["c"][0]))
    children.append(Step(f"Cell state c_{t}", formula=rf"c_{{{t}}} = f_{{{t}}} \odot c_{{{t - 1}}} + i_{{{t}}} \odot g_{{{t}}}",
                         result=d.out_array(v["c"]), steps=[c_entry]))
    h_entry = Step("Hidden state, entry 1", formula=rf"h_{{{t},1}} = o_{{{t},1}} \tanh(c_{{{t},1}})",
                   substituted=rf"{op(d.out(gs['o'][0]))} \cdot {op(d.out(v['tc'][0]))}", result=d.out(v["h"][0]))
    children.append(Step(f"Hidden state h_{t}", formula=rf"h_{{{t}}} = o_{{{t}}} \odot \tanh(c_{{{t}}})",
                         result=d.out_array(v["h"]), steps=[h_entry]))
    return Step(f"Time step {t}", formula=None, result=d.out_array(v["h"]), steps=children)


def backward_step(d: Domain, gw: GateWeights, v: dict[str, Any], dh: np.ndarray, dc_next: np.ndarray,
                  t: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray, np.ndarray, list[Step[Any]]]:
    """δ of every pre-activation (input side, hidden side: the same for an LSTM), δh_{t-1}, δc_{t-1}, steps."""
    gs, tc = v["gates"], v["tc"]
    one = d.num(1)
    variant = v.get("variant", "pytorch")
    do = dh * tc
    dc = dc_next + dh * gs["o"] * (one if variant == "no_tanh_c" else one - tc * tc)
    dgate = {"i": dc * gs["g"], "f": dc * v["c_prev"] * (0 if variant == "ungated_c" else 1), "g": dc * gs["i"], "o": do}
    da = {g: dgate[g] * (one - gs[g] * gs[g]) if g == "g" else dgate[g] * gs[g] * (one - gs[g]) for g in GATES}
    dh_prev = sum((gw.U[g].T.dot(da[g]) for g in GATES[1:]), gw.U["i"].T.dot(da["i"]))
    dc_prev = dc if variant == "ungated_c" else dc * gs["f"]
    o = lambda arr: op(d.out(arr[0]))  # noqa: E731  (entry 1 of a vector, as an operand)
    steps = [
        Step(f"δc_{t}", formula=rf"\delta c_{{{t}}} = \delta c_{{{t + 1}}} \odot f_{{{t + 1}}} + \delta h_{{{t}}} \odot o_{{{t}}} \odot (1 - \tanh^2 c_{{{t}}})",
             substituted=rf"{o(dc_next)} + {o(dh)} \cdot {o(gs['o'])} \cdot (1 - {o(tc)} \cdot {o(tc)})",
             result=d.out_array(dc)),
        Step(f"δa_o at step {t}", formula=rf"\delta a_{{o,{t}}} = \delta h_{{{t}}} \odot \tanh c_{{{t}}} \odot o_{{{t}}} (1 - o_{{{t}}})",
             substituted=rf"{o(dh)} \cdot {o(tc)} \cdot {o(gs['o'])} \cdot (1 - {o(gs['o'])})", result=d.out_array(da["o"])),
        Step(f"δa_i at step {t}", formula=rf"\delta a_{{i,{t}}} = \delta c_{{{t}}} \odot g_{{{t}}} \odot i_{{{t}}} (1 - i_{{{t}}})",
             substituted=rf"{o(dc)} \cdot {o(gs['g'])} \cdot {o(gs['i'])} \cdot (1 - {o(gs['i'])})", result=d.out_array(da["i"])),
        Step(f"δa_f at step {t}", formula=rf"\delta a_{{f,{t}}} = \delta c_{{{t}}} \odot c_{{{t - 1}}} \odot f_{{{t}}} (1 - f_{{{t}}})",
             substituted=rf"{o(dc)} \cdot {o(v['c_prev'])} \cdot {o(gs['f'])} \cdot (1 - {o(gs['f'])})", result=d.out_array(da["f"])),
        Step(f"δa_g at step {t}", formula=rf"\delta a_{{g,{t}}} = \delta c_{{{t}}} \odot i_{{{t}}} \odot (1 - g_{{{t}}}^2)",
             substituted=rf"{o(dc)} \cdot {o(gs['i'])} \cdot (1 - {o(gs['g'])} \cdot {o(gs['g'])})", result=d.out_array(da["g"])),
        Step(f"δh_{t - 1} (through the gates)", formula=rf"\delta h_{{{t - 1}}} \mathrel{{+}}= \sum_{{k \in \{{i,f,g,o\}}}} U_k^T \delta a_{{k,{t}}}",
             result=d.out_array(dh_prev)),
    ]
    entry_only(d, gw.H, steps[:-1])
    return da, dict(da), dh_prev, dc_prev, steps


def entry_only(d: Domain, H: int, steps: list[Step[Any]]) -> None:
    """The δ substitutions expand entry 1: with one unit the result is that entry; with more, the
    vector result stands alone (the substitution would describe only its first entry)."""
    for s in steps:
        if H == 1:
            s.result = np.asarray(s.result, dtype=object).reshape(-1)[0]
        else:
            s.substituted = None


LSTM = GatedCell("lstm", GATES, cell_state=True, variants=VARIANTS, forward_step=forward_step, time_step=time_step,
                 backward_step=backward_step)
"""PyTorch's LSTM: h and c, gates i, f, g, o."""
