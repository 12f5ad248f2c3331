"""A gated recurrent cell (``cell: lstm | gru`` of the ``rnn`` kind) worked by hand: the forward pass
gate by gate, an optional output head and loss (or an upstream ∂L/∂h_t), BPTT through every gate and
one gradient-descent step, with PyTorch's equations and gate order (LSTM i, f, g, o; GRU r, z, n).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.ops._common import read_learning_rate
from nnsteps.ops.domain import Domain
from nnsteps.ops.rnn import gated_bptt
from nnsteps.ops.rnn.gate_weights import GatedCell, read_gate_weights, to_user
from nnsteps.ops.rnn.gru import GRU
from nnsteps.ops.rnn.inputs import LOSSES, MAX_STEPS, OUTPUTS, _target, _word
from nnsteps.ops.rnn.lstm import LSTM, VARIANTS
from nnsteps.work import Step, Worked

CELLS: dict[str, GatedCell] = {c.name: c for c in (LSTM, GRU)}
"""The gated cells by their ``cell`` name."""

SYMBOLIC_CELLS = 24
"""Exact forms are kept (lazily) while L·H stays this small; larger problems go the float path."""


def _state(value: Any, name: str, H: int) -> np.ndarray:
    v = as_array(value if value is not None else 0, name=name, ndim=(0, 1)).reshape(-1)
    if v.shape[0] == 1 and H > 1:
        v = np.repeat(v, H)
    if v.shape[0] != H:
        raise NnstepsError(f"{name} must have H = {H} entries, got {v.shape[0]}", field=name)
    return v


def gated_rnn(x: Any, *, cell: str, weights: Any, h0: Any = 0, c0: Any = 0, output: str = "last",
              target: Any = None, loss: str = "half_squared_error", upstream: Any = None,
              learning_rate: Any = None, variant: str = "pytorch", upstream_c: Any = None) -> Worked:
    """Forward pass, loss, BPTT and update of an LSTM or GRU (``upstream`` ∂L/∂h_t and, LSTM only,
    ``upstream_c`` ∂L/∂c_t: then the gradients include ``x``, ``h0`` and ``c0``).

    >>> w = gated_rnn([[1]], cell="lstm", weights={"weight_ih": [[0], [0], [1], [0]], "weight_hh": [[0]] * 4})
    >>> w.answer["gates"][0]["i"], round(float(w.answer["c"][0]), 12)   # σ(0) = 1/2, c = ½·tanh(1)
    (Fraction(1, 2), 0.380797077978)
    """
    rec = CELLS[_word(cell, tuple(CELLS), "cell")]
    cell = rec.name
    variant = _word(variant, VARIANTS, "variant")
    if variant not in rec.variants:
        raise NnstepsError(f"variant {variant} is an LSTM slip; a {cell.upper()} has no cell state", field="variant")
    output = _word(output, OUTPUTS, "output")
    loss = _word(loss, LOSSES, Op.LOSS.value)
    if isinstance(x, (list, tuple)) and len(x) == 0:
        raise NnstepsError("the sequence x is empty; expected at least one step", field="x")
    xs = as_array(x, name="x", ndim=(1, 2))
    if xs.ndim == 1:
        xs = xs.reshape(-1, 1)
    if xs.shape[0] > MAX_STEPS:
        raise NnstepsError(f"sequences are limited to {MAX_STEPS:,} steps, got {xs.shape[0]:,}", field="x")
    L, D = xs.shape
    gw = read_gate_weights(weights, cell, D)
    H = gw.H
    h = _state(h0, "h0", H)
    c = _state(c0, "c0", H) if rec.cell_state else None
    head = gw.head
    O = head["W_hy"].shape[0] if "W_hy" in head else H
    T = L if output == "every" else 1
    tgt = _target(target, T, O, loss) if target is not None else None
    if target is not None and upstream is not None:
        raise NnstepsError("give either a target or an upstream gradient ∂L/∂h_t, not both", field="upstream")
    if upstream_c is not None and (not rec.cell_state or upstream is None):
        raise NnstepsError("upstream_c (∂L/∂c_t) needs cell lstm and the upstream ∂L/∂h_t beside it"
                           if rec.cell_state else f"upstream_c is an LSTM's ∂L/∂c_t; a {cell.upper()} has no cell state",
                           field="upstream_c")
    lr = read_learning_rate(learning_rate)
    mats = [m for g in gw.W for m in (gw.W[g], gw.U[g], gw.bi[g], gw.bh[g]) if m is not None]
    arrays = [xs, h, *mats, *head.values()] + [a for a in (c, tgt) if a is not None]
    d = Domain.choose(arrays, irrational=True, small=L * H <= SYMBOLIC_CELLS)
    conv = d.array
    for g in gw.W:
        gw.W[g], gw.U[g] = conv(gw.W[g]), conv(gw.U[g])
        bi, bh = gw.bi[g], gw.bh[g]
        gw.bi[g] = conv(bi) if bi is not None else None
        gw.bh[g] = conv(bh) if bh is not None else None
    head = {k: conv(v) for k, v in head.items()}
    if lr is not None and not d.is_exact:
        lr = float(lr)
    xd, hd = conv(xs), conv(h)
    cd = conv(c) if c is not None else None
    cache, fsteps = [], []
    for t in range(1, L + 1):
        v = rec.forward_step(d, gw, xd[t - 1], hd, cd, variant)
        cache.append(v)
        hd, cd = v["h"], v.get("c")
        if t <= 3 or t > L - 3:
            fsteps.append(rec.time_step(d, gw, t, v))
    out_steps = list(range(1, L + 1)) if output == "every" else [L]
    hs = [cache[t - 1]["h"] for t in out_steps]
    y = np.array([head["W_hy"].dot(hh) + head.get("b_y", 0) if "W_hy" in head else hh for hh in hs],
                 dtype=object if d.is_exact else np.float64)

    def per_step(rows: list[np.ndarray]) -> list[Any]:
        return [d.out(r[0]) if len(r) == 1 else list(d.out_array(r)) for r in rows]

    ys = per_step(list(y))
    answer: dict[str, Any] = {"h": per_step([v["h"] for v in cache])}
    if rec.cell_state:
        answer["c"] = per_step([v["c"] for v in cache])
    answer["gates"] = [{g: (d.out(v["gates"][g][0]) if H == 1 else list(d.out_array(v["gates"][g])))
                        for g in rec.gates} for v in cache]
    answer["y"] = ys if output == "every" else ys[-1]
    steps: list[Step[Any]] = [Step(f"Forward pass ({cell.upper()}, gates {', '.join(rec.gates)})", result=None,
                                   steps=fsteps, note=(f"time steps 4 to {L - 3} follow the same rule; their values "
                                                       "are in the answer") if L > 6 else None)]
    dh_out, dc_out = None, None
    if tgt is not None:
        from nnsteps.ops.losses import backprop as losses

        labels = [[(f"y_{{{t},{k + 1}}}", f"y_{{r,{t},{k + 1}}}") for k in range(O)] for t in out_steps]
        res = losses.loss(loss, y, conv(tgt), d, labels=labels, steps_of=out_steps)
        steps.append(res.step)
        answer[Op.LOSS.value] = res.value
        dh_out = d.zeros((L, H))
        for row, t in enumerate(out_steps):
            dh_out[t - 1] = head["W_hy"].T.dot(res.grad[row]) if "W_hy" in head else res.grad[row]
    elif upstream is not None:
        from nnsteps.ops.rnn.inputs import RnnNet
        from nnsteps.ops.rnn.upstream import read_hidden_upstream

        probe = RnnNet(scalar=False, x=xd, h0=conv(h), params={}, activation="none", output=output, loss=loss,
                       target=None, learning_rate=None, domain=d)
        dh_out = read_hidden_upstream(probe, upstream)
        if upstream_c is not None:
            dc_out = read_hidden_upstream(probe, upstream_c, "upstream_c")
    if dh_out is not None:
        gr, inputs, back = gated_bptt.backward(d, rec, gw, cache, dh_out, dc_out)
        steps.extend(back)
        user_grads = to_user(gw, gr["W"], gr["U"], gr["bi"], gr["bh"])
        user_params = to_user(gw, gw.W, gw.U, gw.bi, gw.bh)
        if tgt is not None and "W_hy" in head:
            user_grads["W_hy"] = sum((np.outer(res.grad[r], cache[t - 1]["h"]) for r, t in enumerate(out_steps)),
                                     d.zeros(head["W_hy"].shape))
            user_params["W_hy"] = head["W_hy"]
            if "b_y" in head:
                user_grads["b_y"] = sum((res.grad[r] for r in range(len(out_steps))), d.zeros((O,)))
                user_params["b_y"] = head["b_y"]
        grads: dict[str, Any] = {k: d.out_array(v).tolist() for k, v in user_grads.items()}
        if upstream is not None:
            grads.update({k: d.out_array(v).tolist() for k, v in inputs.items()})
        answer["grads"] = grads
        if lr is not None:
            new, ustep = gated_bptt.update(d, user_params, user_grads, lr)
            steps.append(ustep)
            answer["updated"] = {k: d.out_array(v).tolist() for k, v in new.items()}
    note = d.note()
    if note:
        steps[0].note = (steps[0].note + "; " if steps[0].note else "") + note
    if variant != "pytorch":
        steps[0].note = (steps[0].note + "; " if steps[0].note else "") + (
            "worked with h = o ⊙ c (tanh of c left out), not PyTorch's LSTM" if variant == "no_tanh_c"
            else "worked with c = c_(t-1) + i ⊙ g (old cell state not gated by f), not PyTorch's LSTM")
    title = f"{cell.upper()}: forward pass" + (", BPTT" if dh_out is not None else "") + (
        " and update" if "updated" in answer else "")
    return Worked(Op.RNN.value, value=answer, steps=steps, title=title, answer=answer)
