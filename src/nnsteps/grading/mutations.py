"""The named mutations behind likely mistakes: each takes a copy of a problem dict and returns it under
one known wrong convention (flip toggled, padding dropped, a window one smaller...), or None where the
mistake cannot apply. Kind records list them in their ``mistakes``, reaching them through
:mod:`nnsteps.grading.mistakes` (which re-exports them and searches them) as ``mistakes.<name>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.numbers import parse_number

Raw = dict[str, Any]
Mutation = Callable[[Raw], "Raw | None"]

__all__ = [
    "flip", "padding_forgotten", "padding_doubled", "stride_ignored", "dilation_ignored",
    "kernel_transposed", "bias_dropped", "ceil_toggled", "count_pad_toggled", "window", "pool_swapped",
    "output_padding_dropped", "set_field", "weights_entry_dropped", "layout_toggled", "scale_off",
    "softmax_axis", "convention", "CONVENTION", "FLIP", "UNFLIP", "CONV", "POOL",
]
CONVENTION = "_convention"
"""The key of a changed copy that carries wrong conventions (:mod:`nnsteps.ops.convention`); grading takes it
out and re-solves under them. No kind has such a field, so a problem file cannot set it."""


def _scale_int(value: Any, factor: int) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * factor
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return [v * factor for v in value]
    return None


def _nonzero(value: Any) -> bool:
    """Whether a padding pads: read by the padding field's own parser (``same`` pads, ``valid`` does not)."""
    from nnsteps.convargs import PaddingMode, padding

    if value is None:
        return False
    try:
        parsed = padding(value)
    except NnstepsError:
        return False
    return parsed is PaddingMode.SAME or (parsed is not PaddingMode.VALID and parsed != (0, 0))


def flip(raw: Raw) -> Raw:
    """Toggle ``flip``: true convolution for cross-correlation, or back.

    >>> flip({"kernel": "1 0; 0 2"})["flip"], flip({"kernel": "1 0; 0 2", "flip": True})["flip"]
    (True, False)
    """
    raw["flip"] = not bool(raw.get("flip", False))
    return raw


def padding_forgotten(raw: Raw) -> Raw | None:
    """Padding set to 0; None when there is none to forget.

    >>> padding_forgotten({"padding": "same"})["padding"], padding_forgotten({"padding": 0})
    (0, None)
    """
    if not _nonzero(raw.get("padding")):
        return None
    raw["padding"] = 0
    return raw


def padding_doubled(raw: Raw) -> Raw | None:
    """Integer padding doubled (P -> 2P); None without a nonzero integer padding.

    >>> padding_doubled({"padding": [1, 2]})["padding"], padding_doubled({"padding": "same"})
    ([2, 4], None)
    """
    doubled = _scale_int(raw.get("padding"), 2)
    if not doubled or doubled == [0, 0]:
        return None
    raw["padding"] = doubled
    return raw


def stride_ignored(raw: Raw) -> Raw | None:
    """Stride set to 1 (also for pooling's default stride = kernel size); None if it already is 1.

    >>> stride_ignored({"kind": "conv2d", "stride": 2})["stride"], stride_ignored({"kind": "conv2d"})
    (1, None)
    >>> stride_ignored({"kind": "max_pool2d", "kernel_size": 2})["stride"]
    1
    """
    stride = raw.get("stride")
    if stride in (None, 1, [1, 1]):
        if "kernel_size" in raw and stride is None:
            raw["stride"] = 1  # pooling's stride defaults to the kernel size
            return raw
        return None
    raw["stride"] = 1
    return raw


def dilation_ignored(raw: Raw) -> Raw | None:
    """Dilation set to 1; None if it already is 1.

    >>> dilation_ignored({"dilation": [2, 2]})["dilation"], dilation_ignored({"dilation": 1})
    (1, None)
    """
    if raw.get("dilation") in (None, 1, [1, 1]):
        return None
    raw["dilation"] = 1
    return raw


def kernel_transposed(raw: Raw) -> Raw | None:
    """The kernel (or weight matrix) with its last two axes swapped; None when that changes nothing.

    >>> kernel_transposed({"kernel": "1 2; 3 4"})["kernel"], kernel_transposed({"kernel": "1 2; 2 1"})
    ([[1, 3], [2, 4]], None)
    """
    from nnsteps.arrays import as_array

    field = "kernel" if "kernel" in raw else "weights"
    try:
        k = as_array(raw.get(field), name=field)
    except NnstepsError:
        return None
    if k.ndim < 2 or k.shape[-1] != k.shape[-2] and field == "kernel":
        return None
    t = k.swapaxes(-1, -2)
    if (t == k).all() if t.shape == k.shape else False:
        return None
    raw[field] = t.tolist()
    return raw


def bias_dropped(raw: Raw) -> Raw | None:
    """The problem without its bias; None when the bias is absent or zero.

    >>> "bias" in bias_dropped({"kernel": "1", "bias": 3}), bias_dropped({"kernel": "1", "bias": 0})
    (False, None)
    """
    bias = raw.get("bias")
    if bias is None:
        return None
    try:
        if parse_number(bias) == 0:
            return None
    except NnstepsError:
        pass
    del raw["bias"]
    return raw


def ceil_toggled(raw: Raw) -> Raw:
    """Toggle ``ceil_mode``: floor and ceil mixed up in the output size.

    >>> ceil_toggled({"kernel_size": 2})["ceil_mode"]
    True
    """
    raw["ceil_mode"] = not bool(raw.get("ceil_mode", False))
    return raw


def count_pad_toggled(raw: Raw) -> Raw | None:
    """Toggle ``count_include_pad`` (average pooling's divisor); None without padding, where it cannot matter.

    >>> count_pad_toggled({"padding": 1})["count_include_pad"], count_pad_toggled({"padding": 0})
    (False, None)
    """
    if not _nonzero(raw.get("padding")):
        return None
    raw["count_include_pad"] = not bool(raw.get("count_include_pad", True))
    return raw


def window(delta: int) -> Mutation:
    """A mutation that changes the pooling window by ``delta``, keeping the stride it had.

    >>> window(-1)({"kernel_size": 3}), window(-1)({"kernel_size": 1})
    ({'kernel_size': 2, 'stride': 3}, None)
    """
    def mutate(raw: Raw) -> Raw | None:
        k = raw.get("kernel_size")
        if isinstance(k, bool) or not isinstance(k, int) or k + delta < 1:
            return None
        if raw.get("stride") is None:
            raw["stride"] = k
        raw["kernel_size"] = k + delta
        return raw

    return mutate


def pool_swapped(target: str) -> Mutation:
    """A mutation that turns the pooling into ``target`` (max for average or back), dropping fields it lacks.

    >>> pool_swapped("avg_pool2d")({"kind": "max_pool2d", "kernel_size": 2, "dilation": 2})
    {'kind': 'avg_pool2d', 'kernel_size': 2}
    """
    def mutate(raw: Raw) -> Raw:
        raw["kind"] = target
        for key in ("dilation", "count_include_pad", "divisor_override"):
            raw.pop(key, None)
        return raw

    return mutate


def output_padding_dropped(raw: Raw) -> Raw | None:
    """Output padding set to 0; None if there is none.

    >>> output_padding_dropped({"output_padding": 1})["output_padding"], output_padding_dropped({})
    (0, None)
    """
    if raw.get("output_padding") in (None, 0, [0, 0]):
        return None
    raw["output_padding"] = 0
    return raw


def set_field(name: str, value: Any, *, unless: Any = ...) -> Mutation:
    """A mutation that sets ``name`` to ``value``; None when it already has it, or (with ``unless``)
    when the field is set to something else.

    >>> set_field("loss", "squared_error")({"loss": "half_squared_error"})
    {'loss': 'squared_error'}
    >>> set_field("loss", "squared_error", unless="half_squared_error")({"loss": "cross_entropy"}) is None
    True
    """
    def mutate(raw: Raw) -> Raw | None:
        if unless is not ... and raw.get(name, unless) != unless:
            return None
        if raw.get(name) == value:
            return None
        raw[name] = value
        return raw

    return mutate


def convention(*, needs: tuple[str, ...] = ("upstream",), **values: Any) -> Mutation:
    """A mistake inside an op's own computation: re-solve under the wrong ``values`` of
    :data:`nnsteps.ops.convention.DEFAULTS` (the same solver, told to slip in that one step). None when
    the problem lacks a field in ``needs`` (without an upstream there is no gradient to get wrong).

    >>> convention(flip_kernel_in_dx=False)({"kind": "conv2d", "upstream": "1"})["_convention"]
    {'flip_kernel_in_dx': False}
    >>> convention(flip_kernel_in_dx=False)({"kind": "conv2d"}) is None
    True
    """
    def mutate(raw: Raw) -> Raw | None:
        if any(raw.get(name) is None for name in needs):
            return None
        raw[CONVENTION] = {**raw.get(CONVENTION, {}), **values}
        return raw

    return mutate


def weights_entry_dropped(*names: str) -> Mutation:
    """A mutation that drops the named entries of ``weights`` (a forgotten bias); None if none is there.

    >>> weights_entry_dropped("b_h", "b_y")({"weights": {"w_in": 1, "b_h": 2}})
    {'weights': {'w_in': 1}}
    >>> weights_entry_dropped("b_h")({"weights": {"w_in": 1}}) is None
    True
    """
    def mutate(raw: Raw) -> Raw | None:
        weights = raw.get("weights")
        if not isinstance(weights, dict) or not any(n in weights for n in names):
            return None
        raw["weights"] = {k: v for k, v in weights.items() if k not in names}
        return raw

    return mutate


def layout_toggled(raw: Raw) -> Raw:
    """Swap the weight layout between ``columns`` and ``rows`` (W vs Wᵀ).

    >>> layout_toggled({})["layout"], layout_toggled({"layout": "rows"})["layout"]
    ('rows', 'columns')
    """
    raw["layout"] = "rows" if str(raw.get("layout", "columns")) == "columns" else "columns"
    return raw


def scale_off(raw: Raw) -> Raw | None:
    """Attention without the 1/√d_k scaling; None if it is already off.

    >>> scale_off({})["scale"], scale_off({"scale": False})
    (False, None)
    """
    if raw.get("scale") is False:
        return None
    raw["scale"] = False
    return raw


def softmax_axis(raw: Raw) -> Raw | None:
    """Softmax over the other axis (rows for columns); None for a kind without an axis field.

    >>> [softmax_axis({"kind": "softmax", "axis": a})["axis"] for a in (-1, 0)]
    [0, -1]
    """
    for name in ("axis", "dim"):
        if name in raw or name in _fields(str(raw.get("kind"))):
            raw[name] = 0 if raw.get(name, -1) in (-1, 1) else -1
            return raw
    return None


def _fields(kind: str) -> dict[str, str]:
    from nnsteps.problems.registry import load_kinds

    KINDS = load_kinds()

    return KINDS[kind].fields if kind in KINDS else {}


FLIP = "kernel flipped: true convolution instead of cross-correlation (PyTorch does not flip)"
UNFLIP = "kernel not flipped: cross-correlation instead of true convolution"

CONV: list[tuple[str, Mutation]] = [
    ("padding forgotten (P = 0)", padding_forgotten),
    ("padding doubled", padding_doubled),
    ("stride ignored (S = 1)", stride_ignored),
    ("dilation ignored (D = 1)", dilation_ignored),
    ("kernel transposed", kernel_transposed),
    ("bias dropped", bias_dropped),
]
POOL: list[tuple[str, Mutation]] = [
    ("floor and ceil mixed up (ceil_mode toggled)", ceil_toggled),
    ("padding forgotten (P = 0)", padding_forgotten),
    ("stride ignored (S = 1, overlapping windows)", stride_ignored),
    ("wrong pooling window (one smaller)", window(-1)),
    ("wrong pooling window (one larger)", window(1)),
]
