"""A simple recurrent network worked by hand: the forward pass, the loss, backpropagation through
time (``nnsteps.ops.rnn.bptt``) and one gradient-descent step.

    a_t = W_xh x_t + W_hh h_{t-1} + b_h,   h_t = f(a_t),   y_t = W_hy h_t + b_y

with f one of none, tanh, relu, sigmoid, and the output read at the last step (as the reference's
Question 6) or at every step. Scalar weights use the reference's names (w_in, w_hh, w_hy).
"""

from __future__ import annotations

from typing import Any

from nnsteps.names import Op
from nnsteps.ops.rnn import bptt
from nnsteps.ops.rnn.forward_pass import (  # noqa: F401  (Forward, forward, loss_of: public names of the package)
    EXPLAIN_ALL_STEPS,
    EXPLAIN_UNITS,
    Forward,
    _forward_step,
    _output_steps,
    _outputs,
    _per_step,
    _skipped_note,
    forward,
    loss_of,
    shown_steps,
    symbolic_bound_note,
)
from nnsteps.ops.rnn.inputs import read_rnn
from nnsteps.ops.rnn.notation import Notation
from nnsteps.work import Worked


def rnn(
    x: Any,
    *,
    h0: Any = 0,
    weights: dict[str, Any] | None = None,
    w_in: Any = None, w_hh: Any = None, w_hy: Any = None,
    W_xh: Any = None, W_hh: Any = None, W_hy: Any = None, b_h: Any = None, b_y: Any = None,
    activation: str = "none",
    output: str = "last",
    target: Any = None,
    loss: str = "half_squared_error",
    learning_rate: Any = None,
    symbolic: bool = True,
    upstream: Any = None,
    cell: str = Op.RNN,
    c0: Any = 0,
    variant: str = "pytorch",
    upstream_c: Any = None,
) -> Worked:
    """Forward pass, loss, BPTT (every δ_t and per-step gradient term) and one update of an RNN.

    ``h_t = f(w_in x_t + w_hh h_{t-1})``, ``y = w_hy h_L``, ``ℓ = ½(y − y_r)²`` in the scalar case;
    matrices ``W_xh`` (H×D), ``W_hh`` (H×H), ``W_hy`` (O×H), ``b_h``, ``b_y`` otherwise. Losses:
    ``half_squared_error`` ½Σ(y−t)², ``squared_error`` Σ(y−t)², ``cross_entropy`` −Σ t log softmax(y)
    (summed over output steps, as PyTorch's ``reduction='sum'``). ``cell`` lstm or gru works a gated cell
    (:mod:`nnsteps.ops.rnn.gated`, PyTorch's weights ``weight_ih``… or per-gate ``gates``; ``c0`` for LSTM). Exact for exact input; the scalar RNN
    (length ≤ 30, squared losses) also gets closed-form gradients from SymPy.

    >>> w = rnn([0.3, 0.4, 0.2], h0=0.5, w_in=0.2, w_hh=0.2, w_hy=0.2, target=0.4, learning_rate=0.15)
    >>> w.answer["h"], w.answer["y"]
    ([Fraction(4, 25), Fraction(14, 125), Fraction(39, 625)], Fraction(39, 3125))
    >>> float(w.answer["grads"]["w_in"]), float(w.answer["updated"]["w_in"])
    (-0.022631168, 0.2033946752)
    """
    if str(cell).strip().lower() != Op.RNN:  # gated cells (LSTM, GRU): ops.rnn.gated
        from nnsteps.ops.rnn.gated import gated_rnn

        return gated_rnn(x, cell=cell, weights=weights, h0=h0, c0=c0, output=output, target=target, loss=loss,
                         upstream=upstream, learning_rate=learning_rate, variant=variant, upstream_c=upstream_c)
    if upstream_c is not None:
        from nnsteps.errors import NnstepsError

        raise NnstepsError("upstream_c is an LSTM's ∂L/∂c_t; a plain RNN has no cell state", field="upstream_c")
    net = read_rnn(
        x, h0=h0, weights=weights,
        kw={"w_in": w_in, "w_hh": w_hh, "w_hy": w_hy, "W_xh": W_xh, "W_hh": W_hh, "W_hy": W_hy,
            "b_h": b_h, "b_y": b_y},
        activation=activation, output=output, target=target, loss=loss, learning_rate=learning_rate,
        head=upstream is None,
    )
    n = Notation(scalar=net.scalar, H=net.H, D=net.x.shape[1], O=net.O, every=net.output == "every")
    fwd = forward(net)
    steps = [_forward_step(net, n, fwd)]
    answer: dict[str, Any] = {"h": _per_step(net, fwd.h[1:])}
    if "W_hy" in net.params:
        answer["y"] = _outputs(net, fwd.y)
    if net.target is not None:
        loss_step, loss_value, g = loss_of(net, n, fwd)
        steps.append(loss_step)
        answer[Op.LOSS.value] = loss_value
        back = bptt.backward(net, n, fwd, g)
        steps.extend(back.steps)
        answer["grads"] = back.grads
        if back.updated is not None:
            answer["updated"] = back.updated
    elif upstream is not None:  # ∂L/∂h_t given: BPTT from the hidden states (ops.rnn.upstream)
        from nnsteps.ops.rnn.upstream import backward_from_upstream

        up_steps, answer["grads"], updated = backward_from_upstream(net, n, fwd, upstream)
        steps.extend(up_steps)
        if updated is not None:
            answer["updated"] = updated
        symbolic = False
    if symbolic and net.scalar:
        from nnsteps.ops.rnn import symbolic as rnn_symbolic

        sym = rnn_symbolic.closed_form_for(net, answer)
        if sym is not None:
            steps.append(sym.step)
            if sym.strings:
                answer["symbolic"] = sym.strings
    note = net.domain.note() or net.note
    if note:
        steps[0].note = (steps[0].note + "; " if steps[0].note else "") + note
    title = "RNN: forward pass" + (", BPTT and update" if net.target is not None or upstream is not None else "")
    return Worked(Op.RNN.value, value=answer, steps=steps, title=title, answer=answer)
