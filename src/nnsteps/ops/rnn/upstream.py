"""Backpropagation through time from an upstream gradient on the hidden states (∂L/∂h_t for every step,
or for the last step only) instead of a target: every δ_t, the gradients of W_xh, W_hh, b_h, and of
the inputs x_t and the initial state h_0.

    δ_t = ∂L/∂h_t (given) + W_hhᵀ ε_{t+1},   ε_t = δ_t ⊙ f'(a_t),
    ∂L/∂x_t = W_xhᵀ ε_t,   ∂L/∂h_0 = W_hhᵀ ε_1,   ∂L/∂W_xh = Σ_t ε_t x_tᵀ, …

The output weights get no gradient: L is a function of the hidden states alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.ops.activations import derivatives as act
from nnsteps.ops.rnn.notation import Notation, op
from nnsteps.work import Step

if TYPE_CHECKING:
    from nnsteps.ops.rnn.forward_pass import Forward
    from nnsteps.ops.rnn.inputs import RnnNet


def read_hidden_upstream(net: RnnNet, upstream: Any, field: str = "upstream") -> np.ndarray:
    """∂L/∂h_t (or, ``field`` upstream_c, an LSTM's ∂L/∂c_t) as an L×H array of domain numbers: one row per
    step, or one row for the last step only."""
    L, H, d = net.L, net.H, net.domain
    g = as_array(upstream, name=field)
    if g.size == L * H and (g.ndim == 2 or H == 1 and g.ndim == 1 and L > 1):
        rows = g.reshape(L, H)
    elif g.size == H and g.ndim <= 1:
        rows = np.concatenate([np.zeros((L - 1, H), dtype=g.dtype), g.reshape(1, H)]) if L > 1 else g.reshape(1, H)
    else:
        what = "∂L/∂c_t" if field == "upstream_c" else "∂L/∂h_t"
        raise NnstepsError(f"expected {what} for every step ({L}×{H}) or for the last step ({H}), got shape {g.shape}",
                           field=field)
    return d.array(rows.astype(object) if rows.dtype == object else rows)


def backward_from_upstream(net: RnnNet, n: Notation, fwd: Forward, upstream: Any) -> tuple[list[Step[Any]], dict[str, Any],
                                                                                              dict[str, Any] | None]:
    """Steps, gradients (the weights' by the user's names, plus ``x`` and ``h0``) and the update, if any.

    >>> from nnsteps.ops.rnn.forward_pass import forward
    >>> from nnsteps.ops.rnn.inputs import read_rnn
    >>> net = read_rnn([1, 2], h0=1, weights=None, kw={"w_in": 2, "w_hh": 3, "w_hy": 1}, activation="none",
    ...                output="last", target=None, loss="half_squared_error", learning_rate=None)
    >>> _, grads, _ = backward_from_upstream(net, Notation(scalar=True, H=1, D=1, O=1, every=False), forward(net), 1)
    >>> grads["w_in"], grads["w_hh"], grads["x"], grads["h0"]
    (5, 8, [6, 2], 9)
    """
    from nnsteps.ops.rnn.bptt import _update, _user

    d, p = net.domain, net.params
    L, H, D = net.L, net.H, net.x.shape[1]
    G = read_hidden_upstream(net, upstream)
    exact = d.is_exact
    eps = np.empty((L + 2, H), dtype=object) if exact else np.zeros((L + 2, H))
    linear = net.activation == "none"
    delta_steps: list[Step[Any]] = []
    for t in range(L, 0, -1):
        for i in range(H):
            total = G[t - 1][i]
            num = [op(d.out(total))]
            if t < L:
                for k in range(H):
                    total = total + p["W_hh"][k][i] * eps[t + 1][k]
                    num.append(rf"{op(d.out(p['W_hh'][k][i]))} \cdot {op(d.out(eps[t + 1][k]))}")
            a, h = fwd.a[t - 1][i], fwd.h[t][i]
            eps[t][i] = total if linear else total * act.derivative(net.activation, d, a, h)
            if net.scalar or i < 16:
                delta_steps.append(Step(f"δ at step {t}" + (f", unit {i + 1}" if H > 1 else ""),
                                        formula=rf"{n.delta(t, i)} = \frac{{\partial L}}{{\partial {n.h(t, i)}}} + "
                                                + (rf"{n.w('W_hh', i, i)} \varepsilon_{{{t + 1}}}" if t < L else "0"),
                                        substituted=" + ".join(num), result=d.out(total)))
                if not linear:
                    delta_steps.append(Step(f"ε at step {t}" + (f", unit {i + 1}" if H > 1 else ""),
                                            formula=rf"{n.eps(t, i)} = {n.delta(t, i)} "
                                            + act.deriv_tex(net.activation, n.h(t, i), n.a(t, i)),
                                            substituted=rf"{op(d.out(total))} \cdot "
                                            + act.deriv_sub(net.activation, d, d.out(a), d.out(h)),
                                            result=d.out(eps[t][i])))
    grads: dict[str, np.ndarray] = {}
    for name, other in (("W_xh", lambda t, j: net.x[t - 1][j]), ("W_hh", lambda t, j: fwd.h[t - 1][j]),
                        ("b_h", lambda t, j: 1)):
        if name not in p:
            continue
        shape = p[name].shape
        out = np.empty(shape, dtype=object) if exact else np.zeros(shape)
        for idx in np.ndindex(*shape):
            i, j = (idx[0], idx[1]) if len(idx) == 2 else (idx[0], 0)
            vals = [eps[t][i] * other(t, j) for t in range(1, L + 1)]
            out[idx] = sum(vals[1:], vals[0])
        grads[name] = out
    dx = np.empty((L, D), dtype=object) if exact else np.zeros((L, D))
    for t in range(1, L + 1):
        for j in range(D):
            vals = [p["W_xh"][i][j] * eps[t][i] for i in range(H)]
            dx[t - 1][j] = sum(vals[1:], vals[0])
    dh0 = np.empty(H, dtype=object) if exact else np.zeros(H)
    for j in range(H):
        vals = [p["W_hh"][i][j] * eps[1][i] for i in range(H)]
        dh0[j] = sum(vals[1:], vals[0])
    grad_steps = [Step(f"Gradient of {net.names[k]}", formula=rf"\frac{{\partial L}}{{\partial {k}}} = \sum_t "
                       r"\varepsilon_t " + ("x_t^\\top" if k == "W_xh" else "h_{t-1}^\\top" if k == "W_hh" else ""),
                       result=d.out_array(v)) for k, v in grads.items()]
    grad_steps.append(Step("Gradient of each input x_t", formula=r"\frac{\partial L}{\partial x_t} = W_{xh}^\top "
                           r"\varepsilon_t", result=d.out_array(dx)))
    grad_steps.append(Step("Gradient of the initial state", formula=r"\frac{\partial L}{\partial h_0} = W_{hh}^\top "
                           r"\varepsilon_1", result=d.out_array(dh0)))
    steps: list[Step[Any]] = [Step("Backpropagation through time from ∂L/∂h_t", formula=r"\delta_t = \frac{\partial L}{\partial h_t} + "
                  r"W_{hh}^\top \varepsilon_{t+1}, \quad \varepsilon_t = \delta_t \odot f'(a_t)", steps=delta_steps),
             Step("Gradients", steps=grad_steps)]
    result: dict[str, Any] = {net.names[k]: _user(net, v) for k, v in grads.items()}
    result["x"] = [d.out(v[0]) for v in dx] if D == 1 else d.out_array(dx).tolist()
    result["h0"] = d.out(dh0[0]) if net.scalar else d.out_array(dh0).tolist()
    updated = None
    if net.learning_rate is not None:
        new, upd_step = _update(net, n, grads)
        steps.append(upd_step)
        updated = {net.names[k]: _user(net, v) for k, v in new.items()}
    return steps, result, updated
