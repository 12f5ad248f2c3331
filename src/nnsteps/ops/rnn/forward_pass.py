"""The forward pass of the RNN: states, outputs and the loss, each with its steps (used by
``rnn``, ``bptt`` and ``symbolic``, which import it from here, not from the package).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.numbers import bounded
from nnsteps.ops.activations import derivatives as act
from nnsteps.ops.rnn.inputs import SYMBOLIC_MAX_STEPS, RnnNet, read_rnn  # noqa: F401  (read_rnn: the doctests)
from nnsteps.ops.rnn.notation import Notation, dot_text, op
from nnsteps.work import Step

EXPLAIN_ALL_STEPS = 20
"""Sequences up to this length explain every time step; longer ones the first and last three."""
EXPLAIN_UNITS = 8
"""Hidden units explained one by one (per time step) up to this many."""


class Forward:
    """The forward pass's values, in the domain's numbers: ``a`` (L×H), ``h`` (L+1 × H, row 0 is h_0),
    ``y`` (T×O: one row per output step), ``out_steps`` (the t of each row of y, 1-based)."""

    def __init__(self, a: np.ndarray, h: np.ndarray, y: np.ndarray, out_steps: list[int]) -> None:
        self.a, self.h, self.y, self.out_steps = a, h, y, out_steps


def forward(net: RnnNet) -> Forward:
    """The forward pass, vectorised over hidden units.

    >>> net = read_rnn([0.3, 0.4, 0.2], h0=0.5, weights=None, kw={"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2},
    ...                activation="none", output="last", target=0.4, loss="half_squared_error", learning_rate=0.15)
    >>> fwd = forward(net)
    >>> fwd.h[:, 0].tolist(), fwd.y.tolist(), fwd.out_steps
    ([Fraction(1, 2), Fraction(4, 25), Fraction(14, 125), Fraction(39, 625)], [[Fraction(39, 3125)]], [3])
    """
    p = net.params
    L, H = net.L, net.H
    a = np.empty((L, H), dtype=object) if net.domain.is_exact else np.empty((L, H))
    h = np.empty((L + 1, H), dtype=object) if net.domain.is_exact else np.empty((L + 1, H))
    h[0] = net.h0
    for t in range(1, L + 1):
        pre = p["W_xh"].dot(net.x[t - 1]) + p["W_hh"].dot(h[t - 1])
        if "b_h" in p:
            pre = pre + p["b_h"]
        a[t - 1] = pre
        # Exact states can grow a digit or more a step; past the number limit they could not even be printed.
        h[t] = [bounded(act.apply(net.activation, net.domain, v), what="an exact hidden state") for v in pre]
    out_steps = list(range(1, L + 1)) if net.output == "every" else [L]
    if "W_hy" not in p:  # no output layer (the upstream ∂L/∂h_t is given): no y
        return Forward(a, h, np.empty((0, 0)), [])
    y = np.array([p["W_hy"].dot(h[t]) + (p.get("b_y", 0)) for t in out_steps],
                 dtype=object if net.domain.is_exact else np.float64)
    return Forward(a, h, y, out_steps)


def shown_steps(L: int) -> list[int]:
    """The time steps explained term by term.

    >>> shown_steps(3), shown_steps(50)
    ([1, 2, 3], [1, 2, 3, 48, 49, 50])
    """
    if L <= EXPLAIN_ALL_STEPS:
        return list(range(1, L + 1))
    return [1, 2, 3, L - 2, L - 1, L]


def _skipped_note(L: int) -> str | None:
    return (f"time steps 4 to {L - 3} follow the same rule; their values are in the answer"
            if L > EXPLAIN_ALL_STEPS else None)


def _forward_step(net: RnnNet, n: Notation, fwd: Forward) -> Step[Any]:
    d, p = net.domain, net.params
    bias = "b_h" in p
    children: list[Step[Any]] = []
    general = rf"{n.w('W_xh')} x_t + {n.w('W_hh')} h_{{t-1}}" + (f" + {n.w('b_h')}" if bias else "")
    for t in shown_steps(net.L):
        unit_steps: list[Step[Any]] = []
        for i in range(net.H):
            if not net.scalar and i >= EXPLAIN_UNITS:
                break
            xs = [d.out(v) for v in net.x[t - 1]]
            hs = [d.out(v) for v in fwd.h[t - 1]]
            wx = [d.out(v) for v in p["W_xh"][i]]
            wh = [d.out(v) for v in p["W_hh"][i]]
            sym = " + ".join(
                [f"{n.w('W_xh', i, j)} {n.x(t, j)}" for j in range(len(xs))]
                + [f"{n.w('W_hh', i, k)} {n.h(t - 1, k)}" for k in range(net.H)]
                + ([n.w("b_h", i)] if bias else [])
            )
            num = dot_text(wx, xs) + " + " + dot_text(wh, hs) + (f" + {op(d.out(p['b_h'][i]))}" if bias else "")
            a_val = d.out(fwd.a[t - 1][i])
            h_val = d.out(fwd.h[t][i])
            if net.activation == "none":
                unit_steps.append(Step(f"Hidden state {n.h(t, i)}", formula=f"{n.h(t, i)} = {sym}",
                                       substituted=num, result=h_val))
            else:
                unit_steps.append(Step(f"Pre-activation {n.a(t, i)}", formula=f"{n.a(t, i)} = {sym}",
                                       substituted=num, result=a_val))
                unit_steps.append(Step(
                    f"Hidden state {n.h(t, i)}", formula=f"{n.h(t, i)} = {act.tex(net.activation, n.a(t, i))}",
                    substituted=act.tex(net.activation, op(a_val)), result=h_val,
                ))
        if net.scalar:
            children.extend(unit_steps)
        else:
            formula = f"h_{{{t}}} = " + act.tex(net.activation, general.replace("x_t", f"x_{{{t}}}").replace(
                "h_{t-1}", f"h_{{{t - 1}}}"))
            children.append(Step(f"Time step {t}", formula=formula, result=d.out_array(fwd.h[t]), steps=unit_steps,
                                 note=(f"units {EXPLAIN_UNITS + 1} to {net.H} follow the same rule"
                                       if net.H > EXPLAIN_UNITS else None)))
    children.extend(_output_steps(net, n, fwd))
    recurrence = f"h_t = {act.tex(net.activation, general)}"
    if "W_hy" not in p:
        return Step("Forward pass", formula=recurrence, steps=children, note=_skipped_note(net.L),
                    data={"L": net.L, "H": net.H, "activation": net.activation})
    out_rule = (f"y{'_t' if net.output == 'every' else ''} = {n.w('W_hy')} h_{{{'t' if net.output == 'every' else 'L'}}}"
                + (f" + {n.w('b_y')}" if "b_y" in p else ""))
    return Step("Forward pass", formula=rf"{recurrence}, \quad {out_rule}", steps=children,
                note=_skipped_note(net.L), data={"L": net.L, "H": net.H, "activation": net.activation})


def _output_steps(net: RnnNet, n: Notation, fwd: Forward) -> list[Step[Any]]:
    d, p = net.domain, net.params
    steps: list[Step[Any]] = []
    shown = set(shown_steps(net.L))
    for row, t in enumerate(fwd.out_steps):
        if t not in shown:
            continue
        for k in range(net.O):
            if k >= EXPLAIN_UNITS:
                break
            ws = [d.out(v) for v in p["W_hy"][k]]
            hs = [d.out(v) for v in fwd.h[t]]
            sym = " + ".join(f"{n.w('W_hy', k, i)} {n.h(t, i)}" for i in range(net.H))
            num = dot_text(ws, hs)
            if "b_y" in p:
                sym += f" + {n.w('b_y', k)}"
                num += f" + {op(d.out(p['b_y'][k]))}"
            steps.append(Step(f"Output {n.y(t, k)}", formula=f"{n.y(t, k)} = {sym}", substituted=num,
                              result=d.out(fwd.y[row][k])))
    return steps


def loss_of(net: RnnNet, n: Notation, fwd: Forward) -> tuple[Step[Any], Any, np.ndarray]:
    """The loss (a step and its value) and ∂ℓ/∂y for each output step (T×O, domain numbers).

    >>> net = read_rnn([0.3, 0.4, 0.2], h0=0.5, weights=None, kw={"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2},
    ...                activation="none", output="last", target=0.4, loss="half_squared_error", learning_rate=0.15)
    >>> step, value, g = loss_of(net, Notation(scalar=True, H=1, D=1, O=1, every=False), forward(net))
    >>> step.title, value, g.tolist()
    ('Loss (half squared error)', Fraction(1466521, 19531250), [[Fraction(-1211, 3125)]])
    """
    from nnsteps.ops.losses import backprop as losses

    assert net.target is not None
    labels = [[(n.y(t, k), n.r(t, k)) for k in range(net.O)] for t in fwd.out_steps]
    result = losses.loss(net.loss, fwd.y, net.target, net.domain, labels=labels, steps_of=fwd.out_steps)
    return result.step, result.value, result.grad


def _per_step(net: RnnNet, rows: np.ndarray) -> list[Any]:
    d = net.domain
    return [d.out(r[0]) if net.H == 1 else list(d.out_array(r)) for r in rows]


def _outputs(net: RnnNet, y: np.ndarray) -> Any:
    d = net.domain
    vals = [d.out(r[0]) if net.O == 1 else list(d.out_array(r)) for r in y]
    return vals if net.output == "every" else vals[-1]


def symbolic_bound_note(L: int) -> str:
    """What the output says past the symbolic bound.

    >>> symbolic_bound_note(40)
    'closed-form gradients are given for sequences of up to 30 steps; this one has 40, so numbers only'
    """
    return (f"closed-form gradients are given for sequences of up to {SYMBOLIC_MAX_STEPS} steps; "
            f"this one has {L}, so numbers only")


