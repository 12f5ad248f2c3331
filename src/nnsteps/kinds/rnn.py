"""The ``rnn`` kind: a recurrent network's forward pass, loss, backpropagation through time, one
update and (for the scalar RNN) closed-form gradients: fields, solver, mistakes, follow-on, generator.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import one, tenths
from nnsteps.kinds._backprop import LEARNING_RATE, LOSS, learn_statement, mapping
from nnsteps.names import Activation, Op
from nnsteps.problems.fields import boolean
from nnsteps.problems.registry import Field, Params, register
from nnsteps.problems.registry import FieldType as T
from nnsteps.work import Worked

ACTIVATIONS = tuple(a.value for a in Activation)
CELLS = (Op.RNN, "lstm", "gru")
VARIANTS = ("pytorch", "no_tanh_c", "ungated_c")
EXAMPLE = {"x": [0.3, 0.4, 0.2], "h0": 0.5, "weights": {"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2},
           "target": 0.1, "learning_rate": 0.5}
_GATED = {"x": [[0.5, -1], [1, 0.5]], "h0": [0.2], "target": [0.1], "learning_rate": 0.5}
CELL_EXAMPLES = {
    Op.RNN.value: {k: EXAMPLE[k] for k in ("x", "h0", "weights", "target")} | {"c0": None},
    "lstm": {**_GATED, "c0": [-0.3], "weights": {"weight_ih": [[0.1, -0.2], [0.3, 0.1], [-0.4, 0.2], [0.2, 0.5]],
                                                 "weight_hh": [[0.3], [-0.1], [0.2], [0.4]], "W_hy": [[1]]}},
    "gru": {**_GATED, "c0": None, "weights": {"weight_ih": [[0.1, -0.2], [0.3, 0.1], [-0.4, 0.2]],
                                               "weight_hh": [[0.3], [-0.1], [0.2]], "W_hy": [[1]]}},
}
"""The web form's example per cell: choosing lstm or gru swaps in weights of that cell's layout (None: cleared)."""
FIELDS = (
    Field("x", T.VALUE, "the sequence: numbers, or one vector per step", required=True, example=[0.3, 0.4, 0.2]),
    Field("h0", T.VALUE, "initial hidden state (a number or a vector; default 0)", default=0, example=0.5),
    Field("cell", T.CHOICE, "rnn, lstm or gru (gated cells: PyTorch's gate order i, f, g, o / r, z, n)",
          default=Op.RNN, choices=CELLS, example=Op.RNN),
    Field("weights", T.MAPPING, "{w_in, w_hh, w_hy} (scalars) or {W_xh, W_hh, W_hy, b_h, b_y} (matrices); "
          "lstm/gru: {weight_ih, weight_hh, bias_ih, bias_hh} stacked, or {gates: {i: {W, U, b} or {Wc, b}, ...}}, "
          "with an optional head W_hy, b_y",
          required=True, example={"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2}, parse=mapping),
    Field("c0", T.VALUE, "initial cell state of an LSTM (default 0)", default=0, example=0,
          when=("cell", ("lstm",))),
    Field("variant", T.CHOICE, "LSTM equations: pytorch (default), or a slip worked out for checking: no_tanh_c "
          "(h = o⊙c) or ungated_c (c = c_(t-1) + i⊙g)", default="pytorch", choices=VARIANTS, example="pytorch",
          when=("cell", ("lstm",))),
    Field("activation", T.CHOICE, "none, tanh, relu or sigmoid", default="none", choices=ACTIVATIONS,
          example="none", when=("cell", (Op.RNN,))),  # a gated cell's activations are its own
    Field("output", T.CHOICE, "last or every", default="last", choices=("last", "every"), example="last"),
    Field("target", T.VALUE, "the target (one per step when output is every)", example=0.1),
    LOSS,
    LEARNING_RATE,
    Field("symbolic", T.BOOLEAN, "closed-form gradients for the scalar RNN (default true)", default=True,
          example=True, when=("cell", (Op.RNN,))),
    Field("upstream", T.VALUE, "∂L/∂h_t for every step (or for the last), instead of a target: grads gain x and h0",
          example=[0, 0, 1], instead_of=("target",)),
    Field("upstream_c", T.VALUE, "LSTM: ∂L/∂c_t for every step (or for the last) beside upstream "
          "(deeplearning.ai's and CS231n's dc_next): grads gain c0 (dc_prev)", example=[0, 0, 1],
          when=("cell", ("lstm",))),
)


def _mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    out = [
        ("only the last step's BPTT term (missing paths through time)", M.set_field("bptt", "last")),
        ("biases dropped", M.weights_entry_dropped("b_h", "b_y")),
        ("activation left out", M.set_field("activation", "none")),
        ("loss without the ½ (squared_error)", M.set_field(Op.LOSS.value, "squared_error", unless="half_squared_error")),
    ]
    if p.has("upstream_c"):
        out.append(("∂L/∂c_t ignored (δc only through h)", lambda r: {k: v for k, v in r.items() if k != "upstream_c"}))
    if p.cell == "lstm":
        out += [("LSTM gate order mixed (i, f, o, g read as i, f, g, o)", _gate_order_mixed(p.weights)),
                ("LSTM: tanh of c forgotten (h = o⊙c)", M.set_field("variant", "no_tanh_c")),
                ("LSTM: old cell state not gated (c = c_(t-1) + i⊙g)", M.set_field("variant", "ungated_c"))]
    return out


def _gate_order_mixed(weights: Any) -> Any:
    """The mutation that swaps an LSTM's g and o blocks (CS231n stacks i, f, o, g; PyTorch i, f, g, o).

    >>> _gate_order_mixed({"weight_ih": [[1], [2], [3], [4]], "weight_hh": [[5]] * 4})({"cell": "lstm"})
    {'cell': 'lstm', 'weights': {'weight_ih': [[1], [2], [4], [3]], 'weight_hh': [[5], [5], [5], [5]]}}
    """
    swapped = _swap_g_o(weights)
    return lambda raw_problem: None if swapped is None else {**raw_problem, "weights": swapped}


def _swap_g_o(weights: Any) -> dict[str, Any] | None:
    if not isinstance(weights, dict):
        return None
    w = dict(weights)
    if isinstance(w.get("gates"), dict) and {"g", "o"} <= set(w["gates"]):
        w["gates"] = {**w["gates"], "g": w["gates"]["o"], "o": w["gates"]["g"]}
    else:
        for key in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            rows = w.get(key)
            if isinstance(rows, list) and len(rows) % 4 == 0 and rows:
                q = len(rows) // 4
                w[key] = rows[:2 * q] + rows[3 * q:] + rows[2 * q:3 * q]
    return None if w == weights else w


def follow_on(p: Params, given: Any, result: Any, tol: Any) -> None:
    """Follow-on marking: ``y`` from the student's ``h`` (scalar or matrix weights, output at the last step),
    the loss from the student's ``y``, the updated weights from the student's gradients.

    >>> from nnsteps.grading.compare import Tolerance, compare
    >>> raw = {"id": "r", "kind": "rnn", "x": [1, 2], "weights": {"w_in": 1, "w_hh": 1, "w_hy": 2}, "target": 1}
    >>> given = {"h": [1, 4], "y": 8}  # h_2 wrong (4 for 3); y = w_hy h_2 right for that h_2
    >>> result = compare({"h": [1, 3], "y": 6}, given, Tolerance())
    >>> from nnsteps.problems.registry import find_kind
    >>> follow_on(find_kind("rnn").parse(raw), given, result, Tolerance())
    >>> [(c.path, c.verdict, c.note) for c in result.cells][1:]
    [(('h', 1), 'wrong', None), (('y',), 'follow-on', 'consistent with your h')]
    """
    from nnsteps.grading.followon import mark, updated

    if not isinstance(given, dict):
        return
    weights = p.weights or {}
    wrong = {c.path[0] for c in result.cells if not c.credit}
    if "y" in wrong and given.get("h") is not None and p.output == "last":
        y = _output_from(weights, given["h"])
        if y is not None:
            mark(result, ("y",), y, given.get("y"), tol, "consistent with your h")
    if Op.LOSS.value in wrong and given.get("y") is not None and p.target is not None:
        value = _loss_from(str(p[Op.LOSS.value] or "half_squared_error"), given["y"], p.target)
        if value is not None:
            mark(result, (Op.LOSS.value,), value, given.get(Op.LOSS.value), tol, "consistent with your y")
    if "updated" in wrong and isinstance(weights, dict):
        updated(result, ("updated",), p.learning_rate, weights, given.get("grads"),
                given.get("updated"), tol)


def _output_from(weights: dict[str, Any], h: Any) -> Any:
    """The output a student's hidden states give: ``w_hy h_T`` (or ``W_hy h_T``), plus ``b_y``."""
    from nnsteps.arrays import as_array
    from nnsteps.grading.compare import plain
    from nnsteps.numbers import parse_number

    try:
        hs = as_array(h, name="h")
        last = hs[-1] if hs.ndim >= 1 else hs
        if "w_hy" in weights:
            y = parse_number(weights["w_hy"]) * last
        elif "W_hy" in weights:
            y = np.dot(as_array(weights["W_hy"], name="W_hy"), last)
        else:
            return None
        if weights.get("b_y") is not None:
            y = y + as_array(weights["b_y"], name="b_y")
        return plain(y)
    except (NnstepsError, ValueError, TypeError, IndexError):
        return None


def _loss_from(kind: str, y: Any, target: Any) -> Any:
    """The (half) squared error of a student's output against the target; None for other losses."""
    from nnsteps.arrays import as_array
    from nnsteps.numbers import normalize

    try:
        ys = as_array(y, name="y").reshape(-1)
        ts = as_array(target, name="target").reshape(-1)
        if ys.shape != ts.shape:
            return None
        total = sum(((a - b) ** 2 for a, b in zip(ys, ts)), Fraction(0))
    except (NnstepsError, ValueError, TypeError):
        return None
    if kind == "half_squared_error":
        return normalize(total / 2) if not isinstance(total, float) else total / 2
    if kind == "squared_error":
        return normalize(total) if not isinstance(total, float) else total
    return None


def _statement(p: Any) -> Any:
    """A recurrent network's question: the sequence, the initial state(s), the weights typeset; the closed
    forms are asked only when the problem asks for them."""
    from nnsteps.render.statement import Given, Statement, named, scalar, value

    cell = str(value(p, "cell", Op.RNN.value))
    act = str(value(p, "activation", "none"))
    f = {"none": "", Activation.TANH.value: r"\tanh", Activation.RELU.value: r"\operatorname{ReLU}",
         Activation.SIGMOID.value: r"\sigma"}.get(act, act)
    g = f or r"\operatorname{id}"
    head = value(p, "upstream") is None  # given ∂L/∂h_t, a plain RNN has no output layer
    if cell == Op.RNN.value:
        intro = (rf"Run the recurrent network $h_t = {f + '(' if f else ''}w_{{in}} x_t + w_{{hh}} h_{{t-1}}{')' if f else ''}$"
                 + (r", $y = w_{hy} h_t$" if head else "") + " over "
                 "the sequence $x$" if "w_in" in (value(p, "weights") or {}) else
                 rf"Run the recurrent network $h_t = {g}(W_{{xh}} x_t + W_{{hh}} h_{{t-1}} + "
                 r"b_h)$" + (r", $y_t = W_{hy} h_t + b_y$" if head else "") + " over the sequence $x$")
    else:
        intro = f"Run the {cell.upper()} cell (PyTorch's equations and gate order) over the sequence $x$"
    if head or cell != Op.RNN.value:
        intro += " (the output " + ("at every step" if value(p, "output") == "every" else "after the last step") + ")"
    intro += "."
    givens = [Given(f"Sequence: $x = {scalar(value(p, 'x'))}$"),
              Given(f"Initial state: $h_0 = {scalar(value(p, 'h0', 0))}$"
                    + (f", $c_0 = {scalar(value(p, 'c0', 0))}$" if cell == "lstm" else "")),
              Given("Weights", named(value(p, "weights") or {}))]
    more, asks = learn_statement(p, "half_squared_error", r"the hidden states, $\partial L/\partial h_t$")
    if value(p, "upstream_c") is not None:  # CS231n's dnext_c: the cell state's own upstream gradient
        more.insert(1, Given(r"Upstream gradient of the cell states, $\partial L/\partial c_t$",
                             named(value(p, "upstream_c"))))
    symbolic = value(p, "symbolic") is True
    return Statement(intro, givens + more,
                     ["every hidden state $h_t$" + (" and cell state $c_t$" if cell == "lstm" else ""),
                      *(["the output $y$"] if head or cell != Op.RNN.value else []),
                      *asks, *(["the closed forms of the output and the gradients"] if symbolic else [])],
                     skip=() if symbolic else (("symbolic",),))


@register(Op.RNN.value, fields=FIELDS, statement=_statement, summary="a recurrent network: forward pass, loss, BPTT and one update",
          answer=("h", "y", Op.LOSS.value, "grads", "updated", "symbolic", "c", "gates"), example=EXAMPLE, mistakes=_mistakes,
          follow_on=follow_on, form={"group": "backprop", "examples": {"cell": CELL_EXAMPLES}},
          aliases={"lstm": "cell: lstm", "gru": "cell: gru", "elman": "cell: rnn", "bptt": ""})
def solve_rnn(p: Params) -> Worked:
    """An ``rnn`` problem: forward pass, loss, BPTT and update of :func:`nnsteps.ops.rnn.rnn`.

    >>> from nnsteps.problems.registry import Problem
    >>> w = solve_rnn(Problem({"id": "q6", "kind": "rnn", "x": [0.3, 0.4, 0.2], "h0": 0.5,
    ...                        "weights": {"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2}}).params)
    >>> w.answer["h"], w.answer["y"]
    ([Fraction(4, 25), Fraction(14, 125), Fraction(39, 625)], Fraction(39, 3125))
    """
    from nnsteps.ops.rnn import rnn

    if p.has("upstream") and p.has("target"):
        raise NnstepsError("give either a target or an upstream gradient ∂L/∂h_t, not both", problem=p.id,
                           field="upstream")
    return rnn(p.x, h0=p.h0, weights=p.weights, activation=p.activation, output=p.output, target=p.target,
               loss=p[Op.LOSS.value], learning_rate=p.learning_rate, symbolic=p.symbolic, upstream=p.upstream,
               cell=p.cell, c0=p.c0, variant=p.variant, upstream_c=p.upstream_c)


@generator(Op.RNN.value, options=("cell", "upstream"))
def rnn(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A scalar RNN as the reference's Question 6: one-decimal inputs and weights, no activation; with
    option ``cell: lstm`` or ``gru`` a small gated cell (PyTorch-stacked one-decimal weights, a head);
    option ``upstream: true`` backward from given ∂L/∂h (an LSTM's also ∂L/∂c, as CS231n's
    ``lstm_step_backward``) with no output layer.

    >>> sorted(rnn(np.random.default_rng(0), {"cell": "lstm", "upstream": "true"}))[-4:-2]
    ['upstream', 'upstream_c']

    >>> sorted(rnn(np.random.default_rng(0), {}))
    ['activation', 'h0', 'kind', 'learning_rate', 'loss', 'output', 'target', 'weights', 'x']
    >>> sorted(rnn(np.random.default_rng(0), {"cell": "lstm"})["weights"])
    ['W_hy', 'bias_hh', 'bias_ih', 'weight_hh', 'weight_ih']
    """
    cell = str(options.get("cell") or Op.RNN).lower()
    if boolean(options.get("upstream", False)):
        return _from_upstream(rng, cell)
    if cell in ("lstm", "gru"):
        return _gated(rng, cell)
    length = int(rng.integers(2, 5))
    w = tenths(rng, (3,), 1, 5)
    return {
        "kind": Op.RNN.value,
        "x": tenths(rng, (length,), -5, 5),
        "h0": tenths(rng, (), 0, 5),
        "weights": {"w_in": w[0], "w_hh": w[1], "w_hy": w[2]},
        "activation": "none",
        "output": "last",
        "target": tenths(rng, (), 1, 9),
        Op.LOSS.value: "half_squared_error",
        "learning_rate": one(rng, [Fraction(1, 10), Fraction(3, 20), Fraction(1, 2)]),
    }


def _gated(rng: np.random.Generator, cell: str) -> dict[str, Any]:
    """An LSTM/GRU exercise: H = 1 or 2 units, D = 1 or 2 inputs, two or three steps, a linear head."""
    G = 4 if cell == "lstm" else 3
    H, D, L = int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(2, 4))
    problem: dict[str, Any] = {
        "kind": Op.RNN.value, "cell": cell, "x": tenths(rng, (L, D), -5, 5), "h0": [0] * H,
        "weights": {"weight_ih": tenths(rng, (G * H, D), -5, 5), "weight_hh": tenths(rng, (G * H, H), -5, 5),
                    "bias_ih": tenths(rng, (G * H,), -3, 3), "bias_hh": tenths(rng, (G * H,), -3, 3),
                    "W_hy": tenths(rng, (1, H), -5, 5)},
        "output": "last", "target": tenths(rng, (), 1, 9), Op.LOSS.value: "half_squared_error",
        "learning_rate": one(rng, [Fraction(1, 10), Fraction(1, 2)]),
    }
    if cell == "lstm":
        problem["c0"] = [0] * H
    return problem


def _from_upstream(rng: np.random.Generator, cell: str) -> dict[str, Any]:
    """Backward from given upstream gradients: the head, target, loss and update left out."""
    problem = _gated(rng, cell) if cell in ("lstm", "gru") else rnn(rng, {})
    for key in ("target", Op.LOSS.value, "learning_rate", "output"):
        problem.pop(key, None)
    weights = problem["weights"]
    for key in ("W_hy", "w_hy", "b_y"):
        weights.pop(key, None)
    L = len(problem["x"])
    H = len(problem["h0"]) if isinstance(problem["h0"], list) else 1
    problem["upstream"] = tenths(rng, (L, H), -9, 9) if H > 1 or cell != Op.RNN else tenths(rng, (L,), -9, 9)
    if cell == "lstm":
        problem["upstream_c"] = tenths(rng, (L, H), -9, 9)
    return problem
