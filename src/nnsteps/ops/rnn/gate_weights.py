"""Reading a gated cell's weights (LSTM or GRU) in either layout into one per-gate form.

* PyTorch-stacked: ``weight_ih`` (G·H×D), ``weight_hh`` (G·H×H), ``bias_ih``, ``bias_hh`` (G·H), the
  gates stacked in PyTorch's order (LSTM i, f, g, o; GRU r, z, n);
* per gate: ``gates: {i: {W: H×D, U: H×H, b: H}, ...}`` (``b_ih``/``b_hh`` instead of ``b`` allowed),
  or ``Wc`` (H×(H+D)) acting on the concatenation [h_{t-1}; x_t] as deeplearning.ai writes it.

Optional output head ``W_hy`` (O×H), ``b_y`` beside either. Shapes are checked with errors that name
the matrix, the expected and the given shape. Gradients go back to the user's names
(:func:`to_user`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError, did_you_mean

GATES = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
STACKED = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
HEAD = ("W_hy", "b_y")
GATE_KEYS = ("W", "U", "b", "b_ih", "b_hh", "Wc")


@dataclass
class GateWeights:
    """Per gate: ``W`` (H×D), ``U`` (H×H), ``bi``/``bh`` (H, input- and hidden-side biases, None if
    absent); ``head`` the optional W_hy, b_y; ``layout`` ``stacked`` or ``gates``; ``names`` how each
    gate's parameters were given (for the answer's gradient names)."""

    cell: str
    H: int
    D: int
    W: dict[str, np.ndarray]
    U: dict[str, np.ndarray]
    bi: dict[str, np.ndarray | None]
    bh: dict[str, np.ndarray | None]
    head: dict[str, np.ndarray] = field(default_factory=dict)
    layout: str = "stacked"
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class GatedCell:
    """One gated cell as a record, chosen once by name: its gates in PyTorch's order, whether it
    carries a cell state c beside h, the slips it can be worked with (``variants``), and one time step
    forward (``forward_step(d, gw, x, h, c, variant)`` → the step's values), as steps
    (``time_step(d, gw, t, values)``) and backward (``backward_step(d, gw, values, δh, δc_next, t)``).

    >>> from nnsteps.ops.rnn.gated import CELLS
    >>> CELLS["gru"].gates, CELLS["lstm"].cell_state, CELLS["gru"].variants
    (('r', 'z', 'n'), True, ('pytorch',))
    """

    name: str
    gates: tuple[str, ...]
    cell_state: bool
    variants: tuple[str, ...]
    forward_step: Callable[..., dict[str, Any]]
    time_step: Callable[..., Any]
    backward_step: Callable[..., tuple[Any, ...]]


def _shape(a: np.ndarray) -> str:
    return "×".join(map(str, a.shape)) if a.ndim else "scalar"


def _matrix(value: Any, name: str, rows: int, cols: int) -> np.ndarray:
    m = as_array(value, name=f"weights.{name}", ndim=(0, 1, 2))
    if m.ndim < 2 and rows == 1 and cols == m.size:
        m = m.reshape(1, cols)
    elif m.ndim < 2 and cols == 1 and rows == m.size:
        m = m.reshape(rows, 1)
    if m.shape != (rows, cols):
        raise NnstepsError(f"{name} must be {rows}×{cols}, got {_shape(m)}", field=f"weights.{name}")
    return m


def _vector(value: Any, name: str, n: int) -> np.ndarray:
    v = as_array(value, name=f"weights.{name}", ndim=(0, 1, 2)).reshape(-1)
    if v.shape[0] != n:
        raise NnstepsError(f"{name} must have {n} entries, got {v.shape[0]}", field=f"weights.{name}")
    return v


def read_gate_weights(weights: Any, cell: str, D: int) -> GateWeights:
    """Both layouts to per-gate matrices, every shape checked against the hidden size and gate count.

    >>> gw = read_gate_weights({"weight_ih": [[1], [2], [3], [4]], "weight_hh": [[0], [0], [0], [1]]}, "lstm", 1)
    >>> gw.H, gw.W["g"].tolist(), gw.U["o"].tolist(), gw.bi["i"]
    (1, [[3]], [[1]], None)
    >>> read_gate_weights({"weight_ih": [[1], [2], [3]], "weight_hh": [[0], [0], [0], [0]]}, "lstm", 1)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field weights.weight_ih: weight_ih must be 4H×D = 4×1 (gates i, f, g, o stacked), got 3×1
    """
    if not isinstance(weights, dict):
        raise NnstepsError(f"expected a mapping of weights, got {type(weights).__name__}", field="weights")
    given = {str(k): v for k, v in weights.items()}
    names = GATES[cell]
    G = len(names)
    allowed = (*STACKED, *HEAD, "gates")
    for key in given:
        if key not in allowed:
            raise NnstepsError(f"unknown weight '{key}' for an {cell.upper()} cell; expected {', '.join(allowed)}",
                               field="weights", hint=did_you_mean(key, allowed))
    if "gates" in given:
        gw = _read_gates(given["gates"], cell, D)
    else:
        gw = _read_stacked(given, cell, D, G)
    H = gw.H
    if "W_hy" in given:
        W_hy = as_array(given["W_hy"], name="weights.W_hy", ndim=(0, 1, 2))
        if W_hy.ndim < 2:
            W_hy = W_hy.reshape(1, -1)
        if W_hy.shape[1] != H:
            raise NnstepsError(f"W_hy must be O×H with H = {H}, got {_shape(W_hy)}", field="weights.W_hy")
        gw.head["W_hy"] = W_hy
        if "b_y" in given:
            gw.head["b_y"] = _vector(given["b_y"], "b_y", W_hy.shape[0])
    elif "b_y" in given:
        raise NnstepsError("b_y needs an output matrix W_hy", field="weights.b_y")
    return gw


def _read_stacked(given: dict[str, Any], cell: str, D: int, G: int) -> GateWeights:
    order = ", ".join(GATES[cell])
    for key in ("weight_ih", "weight_hh"):
        if key not in given:
            raise NnstepsError(f"missing {key}; give weight_ih, weight_hh (and bias_ih, bias_hh) or gates",
                               field="weights")
    hh = as_array(given["weight_hh"], name="weights.weight_hh", ndim=(1, 2))
    if hh.ndim == 1:
        hh = hh.reshape(-1, 1)
    H = hh.shape[1]
    if hh.shape != (G * H, H):
        raise NnstepsError(f"weight_hh must be {G}H×H = {G * H}×{H} (gates {order} stacked), got {_shape(hh)}",
                           field="weights.weight_hh")
    ih = as_array(given["weight_ih"], name="weights.weight_ih", ndim=(1, 2))
    if ih.ndim == 1:
        ih = ih.reshape(-1, 1) if D == 1 else ih.reshape(1, -1)
    if ih.shape != (G * H, D):
        raise NnstepsError(f"weight_ih must be {G}H×D = {G * H}×{D} (gates {order} stacked), got {_shape(ih)}",
                           field="weights.weight_ih")
    biases = {k: _vector(given[k], k, G * H) if k in given else None for k in ("bias_ih", "bias_hh")}
    W, U, bi, bh = {}, {}, {}, {}
    for k, g in enumerate(GATES[cell]):
        rows = slice(k * H, (k + 1) * H)
        W[g], U[g] = ih[rows], hh[rows]
        bi[g] = biases["bias_ih"][rows] if biases["bias_ih"] is not None else None
        bh[g] = biases["bias_hh"][rows] if biases["bias_hh"] is not None else None
    return GateWeights(cell, H, D, W, U, bi, bh, layout="stacked")


def _read_gates(gates: Any, cell: str, D: int) -> GateWeights:
    names = GATES[cell]
    if not isinstance(gates, dict) or set(map(str, gates)) != set(names):
        got = ", ".join(map(str, gates)) if isinstance(gates, dict) else type(gates).__name__
        raise NnstepsError(f"gates must hold exactly {', '.join(names)} for an {cell.upper()} cell, got {got}",
                           field="weights.gates")
    H = None
    W, U, bi, bh, used = {}, {}, {}, {}, {}
    for g in names:
        entry = gates[g]
        where = f"gates.{g}"
        if not isinstance(entry, dict):
            raise NnstepsError(f"expected {{W, U, b}} or {{Wc, b}} for gate {g}", field=f"weights.{where}")
        for key in entry:
            if key not in GATE_KEYS:
                raise NnstepsError(f"unknown entry '{key}' of gate {g}; expected {', '.join(GATE_KEYS)}",
                                   field=f"weights.{where}", hint=did_you_mean(str(key), GATE_KEYS))
        if "Wc" in entry:
            wc = as_array(entry["Wc"], name=f"weights.{where}.Wc", ndim=(1, 2))
            if wc.ndim == 1:
                wc = wc.reshape(1, -1)
            h = wc.shape[1] - D
            if h < 1 or wc.shape[0] != h or (H is not None and h != H):
                hh = H if H is not None else wc.shape[0]
                raise NnstepsError(f"{where}.Wc must be H×(H+D) = {hh}×{hh + D} (acting on [h_(t-1); x_t]), "
                                   f"got {_shape(wc)}", field=f"weights.{where}.Wc")
            H = h
            U[g], W[g] = wc[:, :h], wc[:, h:]
            keys: tuple[str, ...] = ("Wc",)
        else:
            if "W" not in entry or "U" not in entry:
                raise NnstepsError(f"gate {g} needs W and U (or Wc)", field=f"weights.{where}")
            u = as_array(entry["U"], name=f"weights.{where}.U", ndim=(0, 1, 2))
            h = H if H is not None else (u.shape[0] if u.ndim else 1)
            U[g] = _matrix(entry["U"], f"{where}.U", h, h)
            W[g] = _matrix(entry["W"], f"{where}.W", h, D)
            H = h
            keys = ("W", "U")
        assert H is not None
        if "b" in entry and ("b_ih" in entry or "b_hh" in entry):
            raise NnstepsError(f"gate {g}: give b, or b_ih and b_hh, not both", field=f"weights.{where}")
        bi[g] = _vector(entry["b"], f"{where}.b", H) if "b" in entry else (
            _vector(entry["b_ih"], f"{where}.b_ih", H) if "b_ih" in entry else None)
        bh[g] = _vector(entry["b_hh"], f"{where}.b_hh", H) if "b_hh" in entry else None
        keys += tuple(k for k in ("b", "b_ih", "b_hh") if k in entry)
        used[g] = keys
    assert H is not None
    return GateWeights(cell, H, D, W, U, bi, bh, layout="gates", names=used)


def to_user(gw: GateWeights, dW: dict[str, Any], dU: dict[str, Any], dbi: dict[str, Any], dbh: dict[str, Any],
            ) -> dict[str, Any]:
    """Per-gate arrays (weights or gradients) under the user's names: ``weight_ih`` … stacked, or
    ``gates.i.W`` … per gate (``gates.i.Wc`` = [U | W]).

    >>> gw = read_gate_weights({"gates": {g: {"Wc": [[1, 2]]} for g in "rzn"}}, "gru", 1)
    >>> sorted(to_user(gw, gw.W, gw.U, gw.bi, gw.bh))
    ['gates.n.Wc', 'gates.r.Wc', 'gates.z.Wc']
    """
    gates = GATES[gw.cell]
    if gw.layout == "stacked":
        out: dict[str, Any] = {"weight_ih": np.concatenate([dW[g] for g in gates]),
               "weight_hh": np.concatenate([dU[g] for g in gates])}
        if gw.bi[gates[0]] is not None:
            out["bias_ih"] = np.concatenate([dbi[g] for g in gates])
        if gw.bh[gates[0]] is not None:
            out["bias_hh"] = np.concatenate([dbh[g] for g in gates])
        return out
    out = {}
    for g in gates:
        for key in gw.names[g]:
            value = {"W": dW[g], "U": dU[g], "b": dbi[g], "b_ih": dbi[g], "b_hh": dbh[g]}.get(key)
            out[f"gates.{g}.{key}"] = np.concatenate([dU[g], dW[g]], axis=1) if key == "Wc" else value
    return out
