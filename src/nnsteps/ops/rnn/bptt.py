"""Backpropagation through time for ``nnsteps.ops.rnn``: every δ_t = ∂ℓ/∂h_t, every gradient as the
sum of its per-step terms, and the gradient-descent update.

    δ_t = W_hyᵀ ∂ℓ/∂y_t [if y is read at t] + W_hhᵀ ε_{t+1},   ε_t = ∂ℓ/∂a_t = δ_t ⊙ f'(a_t)
    ∂ℓ/∂W_xh = Σ_t ε_t x_tᵀ,  ∂ℓ/∂W_hh = Σ_t ε_t h_{t-1}ᵀ,  ∂ℓ/∂b_h = Σ_t ε_t,
    ∂ℓ/∂W_hy = Σ_t ∂ℓ/∂y_t h_tᵀ,  ∂ℓ/∂b_y = Σ_t ∂ℓ/∂y_t

(sums over the steps where y is read, for the output weights).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nnsteps.numbers import bounded
from nnsteps.ops.activations import derivatives as act
from nnsteps.ops.rnn.notation import Notation, op
from nnsteps.work import Step

if TYPE_CHECKING:
    from nnsteps.ops.rnn.forward_pass import Forward
    from nnsteps.ops.rnn.inputs import RnnNet

EXPLAIN_ENTRIES = 16
"""Matrix gradients are expanded entry by entry up to this many entries."""



@dataclass
class Backward:
    steps: list[Step[Any]]
    grads: dict[str, Any]
    updated: dict[str, Any] | None
    delta: np.ndarray  # L×H, ∂ℓ/∂h_t
    eps: np.ndarray  # L×H, ∂ℓ/∂a_t


def backward(net: RnnNet, n: Notation, fwd: Forward, g: np.ndarray) -> Backward:
    """BPTT from ∂ℓ/∂y (one row per output step) back to every weight.

    >>> from nnsteps.ops.rnn.forward_pass import forward, loss_of
    >>> from nnsteps.ops.rnn.inputs import read_rnn
    >>> net = read_rnn([0.3, 0.4, 0.2], h0=0.5, weights=None, kw={"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2},
    ...                activation="none", output="last", target=0.4, loss="half_squared_error", learning_rate=0.15)
    >>> n, fwd = Notation(scalar=True, H=1, D=1, O=1, every=False), forward(net)
    >>> back = backward(net, n, fwd, loss_of(net, n, fwd)[2])
    >>> float(back.grads["w_in"]), float(back.updated["w_in"])
    (-0.022631168, 0.2033946752)
    >>> [s.title for s in back.steps]
    ['Backpropagation through time', 'Gradients', 'Gradient-descent update']
    """
    from nnsteps.ops.rnn.forward_pass import shown_steps

    d, p = net.domain, net.params
    L, H, O = net.L, net.H, net.O
    exact = d.is_exact
    delta = np.empty((L + 2, H), dtype=object) if exact else np.zeros((L + 2, H))
    eps = np.empty((L + 2, H), dtype=object) if exact else np.zeros((L + 2, H))
    row_of = {t: r for r, t in enumerate(fwd.out_steps)}
    shown = set(shown_steps(L))
    linear = net.activation == "none"
    e_sym = n.delta if linear else n.eps  # with no activation ε_t = δ_t, so the reference's δ is used
    delta_steps: list[Step[Any]] = []
    for t in range(L, 0, -1):
        for i in range(H):
            total = d.num(0)
            sym: list[str] = []
            num: list[str] = []
            if t in row_of:
                for k in range(O):
                    gv = g[row_of[t]][k]
                    total = total + p["W_hy"][k][i] * gv
                    sym.append(f"{n.w('W_hy', k, i)} {n.g(t, k)}")
                    num.append(rf"{op(d.out(p['W_hy'][k][i]))} \cdot {op(d.out(gv))}")
            if t < L:
                for k in range(H):
                    total = total + p["W_hh"][k][i] * eps[t + 1][k]
                    sym.append(f"{n.w('W_hh', k, i)} {e_sym(t + 1, k)}")
                    num.append(rf"{op(d.out(p['W_hh'][k][i]))} \cdot {op(d.out(eps[t + 1][k]))}")
            delta[t][i] = bounded(total, what="an exact δ")
            a, h = fwd.a[t - 1][i], fwd.h[t][i]
            eps[t][i] = total * act.derivative(net.activation, d, a, h) if not linear else total
            if t in shown and (net.scalar or i < EXPLAIN_ENTRIES):
                delta_steps.append(Step(
                    f"δ at step {t}" + (f", unit {i + 1}" if H > 1 else ""),
                    formula=rf"{n.delta(t, i)} = \frac{{\partial \ell}}{{\partial {n.h(t, i)}}} = " + " + ".join(sym),
                    substituted=" + ".join(num), result=d.out(total),
                ))
                if not linear:
                    dv = act.deriv_sub(net.activation, d, d.out(a), d.out(h))
                    delta_steps.append(Step(
                        f"ε at step {t}" + (f", unit {i + 1}" if H > 1 else ""),
                        formula=rf"{n.eps(t, i)} = \frac{{\partial \ell}}{{\partial {n.a(t, i)}}} = {n.delta(t, i)} "
                        + act.deriv_tex(net.activation, n.h(t, i), n.a(t, i)),
                        substituted=rf"{op(d.out(total))} \cdot {dv}", result=d.out(eps[t][i]),
                    ))
    rule = (r"\delta_t = \frac{\partial \ell}{\partial h_t} = " + n.w("W_hy") + (r"^\top" if not net.scalar else "")
            + r" \frac{\partial \ell}{\partial y_t} + " + n.w("W_hh") + (r"^\top" if not net.scalar else "")
            + (r" \delta_{t+1}" if linear else r" \varepsilon_{t+1}"))
    if not linear:
        rule += r", \quad \varepsilon_t = \delta_t \odot f'(a_t)"
    bptt_step: Step[Any] = Step("Backpropagation through time", formula=rule, steps=delta_steps,
                     note=("the output is read at the last step only, so the ∂ℓ/∂y term enters δ_L alone"
                           if net.output == "last" else None))
    grads, grad_steps = _gradients(net, n, fwd, g, eps, e_sym, shown)
    steps = [bptt_step, Step("Gradients", formula=_grad_rule(net, n, linear), steps=grad_steps)]
    updated = None
    if net.learning_rate is not None:
        updated, upd_step = _update(net, n, grads)
        steps.append(upd_step)
    return Backward(steps, {net.names[k]: _user(net, v) for k, v in grads.items()},
                    {net.names[k]: _user(net, v) for k, v in updated.items()} if updated is not None else None,
                    delta[1:L + 1], eps[1:L + 1])


def _grad_rule(net: RnnNet, n: Notation, linear: bool) -> str:
    e = r"\delta_t" if linear else r"\varepsilon_t"
    T = r"^\top" if not net.scalar else ""
    parts = [rf"{n.grad('W_xh')} = \sum_t {e} x_t{T}", rf"{n.grad('W_hh')} = \sum_t {e} h_{{t-1}}{T}",
             rf"{n.grad('W_hy')} = \sum_t \frac{{\partial \ell}}{{\partial y_t}} h_t{T}"]
    return r", \quad ".join(parts)


def _gradients(
    net: RnnNet, n: Notation, fwd: Forward, g: np.ndarray, eps: np.ndarray, e_sym: Any, shown: set[int],
) -> tuple[dict[str, np.ndarray], list[Step[Any]]]:
    d, p = net.domain, net.params
    L = net.L
    steps: list[Step[Any]] = []
    grads: dict[str, np.ndarray] = {}
    long = len(shown) < L
    # Each gradient entry: (list of (factor a, factor b, symbol a, symbol b)) over its per-step terms.
    specs: dict[str, Any] = {
        "W_xh": lambda i, j: [(eps[t][i], net.x[t - 1][j], e_sym(t, i), n.x(t, j)) for t in range(1, L + 1)],
        "W_hh": lambda i, j: [(eps[t][i], fwd.h[t - 1][j], e_sym(t, i), n.h(t - 1, j)) for t in range(1, L + 1)],
        "b_h": lambda i, j: [(eps[t][i], 1, e_sym(t, i), "1") for t in range(1, L + 1)],
        "W_hy": lambda k, i: [(g[r][k], fwd.h[t][i], n.g(t, k), n.h(t, i)) for r, t in enumerate(fwd.out_steps)],
        "b_y": lambda k, i: [(g[r][k], 1, n.g(t, k), "1") for r, t in enumerate(fwd.out_steps)],
    }
    for name in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"):
        if name not in p:
            continue
        shape = p[name].shape
        out = np.empty(shape, dtype=object) if d.is_exact else np.zeros(shape)
        children: list[Step[Any]] = []
        for idx in np.ndindex(*shape):
            i, j = (idx[0], idx[1]) if len(idx) == 2 else (idx[0], 0)
            terms = specs[name](i, j)
            vals = [a * b for a, b, _, _ in terms]
            out[idx] = sum(vals[1:], vals[0])
            if net.scalar or len(children) < EXPLAIN_ENTRIES:
                wi = (i, j) if len(idx) == 2 else (i, None)
                sym = " + ".join(f"{sa} {sb}" if sb != "1" else sa for _, _, sa, sb in terms)
                num = None if long else " + ".join(
                    rf"{op(d.out(a))} \cdot {op(d.out(b))}" if sb != "1" else op(d.out(a)) for a, b, _, sb in terms)
                children.append(Step(
                    f"Gradient of {net.names[name]}" + (f"[{', '.join(str(v + 1) for v in idx)}]" if not net.scalar else ""),
                    formula=f"{n.grad(name, *wi)} = {sym if not long else chr(92) + 'sum_{t=1}^{' + str(L) + '} ...'}",
                    substituted=num, result=d.out(out[idx]),
                    data={"terms": [d.out(v) for v in vals]} if not long else None,
                ))
        grads[name] = out
        if net.scalar:
            steps.extend(children)
        else:
            steps.append(Step(f"Gradient of {name}", formula=n.grad(name), result=d.out_array(out), steps=children))
    return grads, steps


def _update(net: RnnNet, n: Notation, grads: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], Step[Any]]:
    d, p = net.domain, net.params
    eta = net.learning_rate
    eta_d = d.rate(eta)
    updated: dict[str, np.ndarray] = {}
    children: list[Step[Any]] = []
    for name, gm in grads.items():
        new = np.empty(gm.shape, dtype=object) if d.is_exact else np.zeros(gm.shape)
        entry_steps: list[Step[Any]] = []
        for idx in np.ndindex(*gm.shape):
            new[idx] = p[name][idx] - eta_d * gm[idx]
            if net.scalar or len(entry_steps) < EXPLAIN_ENTRIES:
                wi = (idx[0], idx[1]) if len(idx) == 2 else (idx[0], None)
                w = n.w(name, *wi)
                entry_steps.append(Step(
                    f"Update {net.names[name]}" + (f"[{', '.join(str(v + 1) for v in idx)}]" if not net.scalar else ""),
                    formula=rf"{w}^{{\text{{new}}}} = {w} - \eta {n.grad(name, *wi)}",
                    substituted=rf"{op(d.out(p[name][idx]))} - {op(eta)} \cdot {op(d.out(gm[idx]))}",
                    result=d.out(new[idx]),
                ))
        updated[name] = new
        if net.scalar:
            children.extend(entry_steps)
        else:
            children.append(Step(f"Update {name}", formula=rf"{n.w(name)} - \eta {n.grad(name)}",
                                 result=d.out_array(new), steps=entry_steps))
    return updated, Step("Gradient-descent update", formula=r"w^{\text{new}} = w - \eta \frac{\partial \ell}{\partial w}",
                         substituted=None, result=None, steps=children, data={"learning_rate": eta})


def _user(net: RnnNet, m: np.ndarray) -> Any:
    """A weight or gradient as users see it: a number for the scalar RNN, nested lists otherwise."""
    d = net.domain
    if net.scalar:
        return d.out(np.asarray(m).reshape(-1)[0])
    return d.out_array(m).tolist()
