"""Reading an RNN problem: the sequence, the weights (scalar or matrix), targets and options,
checked for shape with errors that name the matrix and both shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.names import Activation, Op
from nnsteps.numbers import Number, parse_number
from nnsteps.ops._common import read_learning_rate
from nnsteps.ops.domain import Domain, FloatDomain

ACTIVATIONS = ("none", Activation.TANH.value, Activation.RELU.value, Activation.SIGMOID.value)
LOSSES = ("half_squared_error", "squared_error", "cross_entropy")
OUTPUTS = ("last", "every")
MAX_STEPS = 1000
"""Longest sequence computed."""
MAX_EXACT_STEPS = 100
"""Longer exact sequences go the float path (exact numerators grow with every step)."""
SYMBOLIC_MAX_STEPS = 30
"""Longest scalar RNN given closed-form gradients."""

SCALAR_NAMES = {"w_in": "W_xh", "w_hh": "W_hh", "w_hy": "W_hy", "b_h": "b_h", "b_y": "b_y"}
MATRIX_NAMES = ("W_xh", "W_hh", "W_hy", "b_h", "b_y")


@dataclass
class RnnNet:
    """An RNN problem in one internal form: every weight a matrix (1×1 in the scalar case)."""

    scalar: bool
    x: np.ndarray  # L×D, domain numbers
    h0: np.ndarray  # H
    params: dict[str, np.ndarray]  # internal name (W_xh, ...) -> matrix or vector
    activation: str
    output: str
    loss: str
    target: np.ndarray | None  # T×O (T = L for output every, 1 for last)
    learning_rate: Number | None
    domain: Domain
    names: dict[str, str] = field(default_factory=dict)  # internal name -> user's name
    note: str | None = None

    @property
    def L(self) -> int:
        return int(self.x.shape[0])

    @property
    def H(self) -> int:
        return int(self.h0.shape[0])

    @property
    def O(self) -> int:  # noqa: E743  (O is the output size, as in the issue)
        return int(self.params["W_hy"].shape[0]) if "W_hy" in self.params else 0


def _shape(a: np.ndarray) -> str:
    return "×".join(map(str, a.shape)) if a.ndim else "scalar"


def _weights_of(weights: dict[str, Any] | None, kwargs: dict[str, Any],
                head: bool = True) -> tuple[bool, dict[str, Any]]:
    """Merge the ``weights`` mapping with keyword weights; tell scalar from matrix naming (``head``: the output
    weights are required)."""
    given: dict[str, Any] = {}
    if weights is not None:
        if not isinstance(weights, dict):
            raise NnstepsError(f"expected a mapping of weights, got {type(weights).__name__}", field="weights")
        given.update({str(k): v for k, v in weights.items()})
    given.update({k: v for k, v in kwargs.items() if v is not None})
    scalar = "w_in" in given or "w_hy" in given
    allowed = tuple(SCALAR_NAMES) if scalar else MATRIX_NAMES
    lower = {n.lower(): n for n in allowed}
    out: dict[str, Any] = {}
    for key, value in given.items():
        name = key if key in allowed else lower.get(key.lower())
        if name is None:
            raise NnstepsError(
                f"unknown weight '{key}'; expected {', '.join(allowed)}",
                field="weights", hint=did_you_mean(key, allowed),
            )
        out[name] = value
    required: tuple[str, ...] = ("w_in", "w_hh", "w_hy") if scalar else ("W_xh", "W_hh", "W_hy")
    required = required if head else required[:2]
    for name in required:
        if name not in out:
            raise NnstepsError(f"missing weight {name}; expected {', '.join(required)}", field="weights")
    return scalar, out


def read_rnn(
    x: Any, *, h0: Any, weights: dict[str, Any] | None, kw: dict[str, Any], activation: str, output: str,
    target: Any, loss: str, learning_rate: Any, head: bool = True,
) -> RnnNet:
    """Validate everything and bring it into one :class:`RnnNet` (``head`` False: ``W_hy`` may be absent,
    as when the upstream ∂L/∂h_t is given and no output is computed).

    >>> net = read_rnn("0.3 0.4 0.2", h0=0.5, weights={"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2}, kw={},
    ...                activation="none", output="last", target=0.4, loss="half_squared_error", learning_rate=None)
    >>> net.L, net.H, net.scalar, net.x[:, 0].tolist(), net.params["W_xh"].tolist()
    (3, 1, True, [Fraction(3, 10), Fraction(2, 5), Fraction(1, 5)], [[Fraction(1, 5)]])
    >>> read_rnn([1, 2], h0=0, weights=None, kw={"w_in": 1, "w_hh": 1}, activation="tanh", output="last",
    ...          target=None, loss="half_squared_error", learning_rate=None)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field weights: missing weight w_hy; expected w_in, w_hh, w_hy
    """
    activation = _word(activation, ACTIVATIONS, "activation")
    output = _word(output, OUTPUTS, "output")
    loss = _word(loss, LOSSES, Op.LOSS.value)
    if isinstance(x, (list, tuple)) and len(x) == 0 or isinstance(x, str) and not x.strip():
        raise NnstepsError("the sequence x is empty; expected at least one step", field="x")
    xs = as_array(x, name="x", ndim=(1, 2))
    if xs.shape[0] > MAX_STEPS:
        raise NnstepsError(f"sequences are limited to {MAX_STEPS:,} steps, got {xs.shape[0]:,}", field="x")
    scalar, raw = _weights_of(weights, kw, head)
    mats: dict[str, np.ndarray] = {}
    for name, value in raw.items():
        user = name
        internal = SCALAR_NAMES[name] if scalar else name
        if scalar:
            try:
                mats[internal] = as_array(parse_number(value, what=f"a number for {user}"), name=user).reshape(1, 1)
            except NnstepsError as err:
                raise err.located(field=f"weights.{user}") from None
            if internal in ("b_h", "b_y"):
                mats[internal] = mats[internal].reshape(1)
        else:
            mats[internal] = as_array(value, name=f"weights.{user}", ndim=(0, 1, 2) if name.startswith("b") else (1, 2))
    if scalar and xs.ndim != 1:
        raise NnstepsError(f"scalar weights (w_in, w_hh, w_hy) need a sequence of numbers, got x of shape {_shape(xs)}",
                           field="x")
    if xs.ndim == 1:
        xs = xs.reshape(-1, 1)
    L, D = xs.shape
    W_xh = mats["W_xh"]
    if W_xh.ndim == 1:
        if D != 1:
            raise NnstepsError(f"W_xh must be H×D with D = {D} (x is {L}×{D}), got a vector of {W_xh.shape[0]}",
                               field="weights.W_xh")
        W_xh = W_xh.reshape(-1, 1)  # a sequence of scalars feeds an H×1 W_xh
    H = W_xh.shape[0]
    if W_xh.shape[1] != D:
        raise NnstepsError(f"W_xh must be H×D = {H}×{D} to match x ({L}×{D}), got {_shape(W_xh)}",
                           field="weights.W_xh")
    mats["W_xh"] = W_xh
    if mats["W_hh"].ndim == 1 and H == 1 and mats["W_hh"].shape[0] == 1:
        mats["W_hh"] = mats["W_hh"].reshape(1, 1)
    if mats["W_hh"].shape != (H, H):
        raise NnstepsError(f"W_hh must be H×H = {H}×{H} to match W_xh ({H}×{D}), got {_shape(mats['W_hh'])}",
                           field="weights.W_hh")
    O = 0
    if "W_hy" in mats:
        W_hy = mats["W_hy"]
        if W_hy.ndim == 1:
            W_hy = W_hy.reshape(1, -1) if H > 1 or W_hy.shape[0] == 1 else W_hy.reshape(-1, 1)
        if W_hy.shape[1] != H:
            raise NnstepsError(f"W_hy must be O×H with H = {H} to match W_hh ({H}×{H}), got {_shape(W_hy)}",
                               field="weights.W_hy")
        mats["W_hy"] = W_hy
        O = W_hy.shape[0]
    elif "b_y" in mats:
        raise NnstepsError("b_y needs an output matrix W_hy", field="weights.b_y")
    for bname, n, of in (("b_h", H, "W_hh"), ("b_y", O, "W_hy")):
        if bname in mats:
            b = mats[bname].reshape(-1)
            if b.shape[0] != n:
                raise NnstepsError(f"{bname} must have {n} entries to match {of}, got {b.shape[0]}",
                                   field=f"weights.{bname}")
            mats[bname] = b
    h = as_array(h0 if h0 is not None else 0, name="h0", ndim=(0, 1)).reshape(-1)
    if h.shape[0] == 1 and H > 1:
        h = np.repeat(h, H)
    if h.shape[0] != H:
        raise NnstepsError(f"h0 must have H = {H} entries to match W_hh ({H}×{H}), got {h.shape[0]}", field="h0")
    lr = read_learning_rate(learning_rate)
    T = L if output == "every" else 1
    tgt = _target(target, T, O, loss) if target is not None else None
    arrays = [xs, h, *mats.values()] + ([tgt] if tgt is not None else [])
    irrational = activation in (Activation.TANH.value, Activation.SIGMOID.value) or loss == "cross_entropy"
    small = L <= SYMBOLIC_MAX_STEPS and H**L <= 64 and O <= 4
    domain = Domain.choose(arrays, irrational=irrational, small=small)
    note = None
    if domain.is_exact and L > MAX_EXACT_STEPS:
        # Exact numerators grow with every step (and exact forms with every nesting): past this length
        # the numbers would be unreadable and slow, so the sequence goes the float path.
        domain = FloatDomain()
        note = f"computed in float64: sequences longer than {MAX_EXACT_STEPS} steps go the float path"
    if lr is not None and not domain.is_exact:
        lr = float(lr)
    names = {v: k for k, v in SCALAR_NAMES.items()} if scalar else {n: n for n in MATRIX_NAMES}
    return RnnNet(
        scalar=scalar, x=domain.array(xs), h0=domain.array(h),
        params={k: domain.array(v) for k, v in mats.items()},
        activation=activation, output=output, loss=loss,
        target=domain.array(tgt) if tgt is not None else None, learning_rate=lr, domain=domain, names=names,
        note=note,
    )


def _word(value: Any, options: tuple[str, ...], what: str) -> str:
    text = str(value).strip().lower()
    if text not in options:
        raise NnstepsError(f"expected {what} one of {', '.join(options)}, got {value!r}", field=what,
                           hint=did_you_mean(text, options))
    return text


def _target(target: Any, T: int, O: int, loss: str) -> np.ndarray:
    """Targets as a T×O array; class indices become one-hot rows for cross-entropy."""
    t = as_array(target, name="target", ndim=(0, 1, 2))
    if loss == "cross_entropy" and O > 1 and (t.ndim == 0 or (t.ndim == 1 and T > 1 and t.shape[0] == T)):
        idx = t.reshape(-1)
        if idx.shape[0] != T:
            raise NnstepsError(f"expected {T} class indices (one per output step), got {idx.shape[0]}", field="target")
        rows = np.zeros((T, O), dtype=int).astype(object)
        for i, c in enumerate(idx):
            if not isinstance(c, int) or not 0 <= c < O:
                raise NnstepsError(f"expected a class index in 0..{O - 1}, got {c}", field="target")
            rows[i, c] = 1
        return rows
    if t.ndim == 0:
        t = t.reshape(1, 1)
    elif t.ndim == 1:
        if T == 1:
            t = t.reshape(1, -1)
        elif O == 1 and t.shape[0] == T:
            t = t.reshape(T, 1)
    if t.shape != (T, O):
        what = "one target per step" if T > 1 else "one target"
        raise NnstepsError(f"expected {what}: a {T}×{O} target, got {_shape(t)}", field="target")
    if loss == "cross_entropy":
        for i, row in enumerate(t):
            s = sum(row)
            if abs(float(s) - 1) > 1e-12:
                raise NnstepsError(f"cross_entropy targets must sum to 1 (a distribution), row {i} sums to {s}",
                                   field="target")
    return t
