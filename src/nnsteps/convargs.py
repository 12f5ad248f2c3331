"""Convolution and pooling arguments, parsed once into typed values: one home for reading an int or
an ``[h, w]`` pair, the padding (``same``/``valid`` as :class:`PaddingMode`), and the rule that
turns ``same`` into per-side pads. Problem-file fields, the ops and the spec language's layers use it.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any

from nnsteps import limits, shapes
from nnsteps.errors import NnstepsError

Pair = tuple[int, int]
PAIR_HELP = "int or [h, w]"
STRIDE_HELP = "step between neighbouring windows"
DILATION_HELP = "spacing between kernel taps"
PADDING_HELP = "zeros added before and after each axis"
"""What the options mean, in one place: problem fields (``kinds/_grid``) and the spec language's layer options
(``arch/layers/core``) both say it with these words."""


class PaddingMode(StrEnum):
    """Padding by name: ``same`` (output size = input size at stride 1, PyTorch's split) or ``valid`` (none)."""

    SAME = "same"
    VALID = "valid"


def integer(value: Any, what: str = "an integer", minimum: int = 0, field: str | None = None) -> int:
    """One integer >= ``minimum`` (an int, a NumPy int, or text such as ``"2"``).

    >>> integer("2", "a stride", 1)
    2
    >>> integer(0, "a stride", 1)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: expected a stride >= 1, got 0
    """
    from nnsteps.numbers import parse_number

    bad = NnstepsError(f"expected {what} >= {minimum}, got {value!r}", field=field)
    if isinstance(value, bool):
        raise bad
    try:
        if not isinstance(value, (str, float, Fraction)) and hasattr(value, "__index__"):
            value = operator.index(value)  # NumPy integers
        number = value if isinstance(value, int) else parse_number(value, what=what)
    except NnstepsError:
        raise bad from None
    if isinstance(number, (Fraction, float)) or number < minimum:
        raise bad
    if number > limits.MAX_DIM:
        raise NnstepsError(f"expected {what} <= {limits.MAX_DIM:,}, got {number:,}", field=field)
    return int(number)


def pair(value: Any, what: str = "an integer", minimum: int = 0, field: str | None = None) -> Pair:
    """An int (used for both axes) or a pair ``[h, w]``, each >= ``minimum``.

    >>> pair(2, "a stride", 1), pair([1, 3], "a stride", 1)
    ((2, 2), (1, 3))
    """
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise NnstepsError(f"expected {what} or a pair [h, w], got a list of {len(value)}", field=field)
        return integer(value[0], what, minimum, field), integer(value[1], what, minimum, field)
    v = integer(value, what, minimum, field)
    return v, v


def padding(value: Any, field: str | None = None) -> Pair | PaddingMode:
    """``same``, ``valid``, an int or a pair.

    >>> padding("SAME") is PaddingMode.SAME, padding(1)
    (True, (1, 1))
    """
    if isinstance(value, str) and value.strip().lower() in tuple(PaddingMode):
        return PaddingMode(value.strip().lower())
    try:
        return pair(value, "a padding", 0, field)
    except NnstepsError:
        raise NnstepsError(f"expected an integer >= 0, a pair [ph, pw], 'same' or 'valid', got {value!r}",
                           field=field) from None


def mode_pads(mode: PaddingMode, kernel: Pair, dilation: Pair) -> tuple[Pair, Pair]:
    """The (before, after) pads along H and W that a padding mode means (``same``: PyTorch's split,
    the extra pixel after).

    >>> mode_pads(PaddingMode.SAME, (2, 3), (1, 1)), mode_pads(PaddingMode.VALID, (3, 3), (1, 1))
    (((0, 1), (1, 1)), ((0, 0), (0, 0)))
    """
    if mode is PaddingMode.VALID:
        return (0, 0), (0, 0)
    return shapes.same_padding(kernel[0], dilation[0]), shapes.same_padding(kernel[1], dilation[1])


@dataclass(frozen=True)
class ConvArgs:
    """A convolution's stride, padding, dilation and groups, read once.

    >>> a = ConvArgs.of(stride=1, padding="same", dilation=1, groups=1)
    >>> a.stride, a.padding, a.pads((3, 3))
    ((1, 1), <PaddingMode.SAME: 'same'>, ((1, 1), (1, 1)))
    """

    stride: Pair = (1, 1)
    padding: Pair | PaddingMode = (0, 0)
    dilation: Pair = (1, 1)
    groups: int = 1

    @classmethod
    def of(cls, stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: Any = 1) -> ConvArgs:
        """Parse the four arguments (as the ops take them); errors name the argument."""
        return cls(pair(stride, "an integer", 1, "stride"), padding_arg(padding),
                   pair(dilation, "an integer", 1, "dilation"), integer(groups, "an integer", 1, "groups"))

    def pads(self, kernel: Pair) -> tuple[Pair, Pair]:
        """(before, after) pads along H and W; ``same`` needs stride 1, as in PyTorch."""
        if isinstance(self.padding, PaddingMode):
            if self.padding is PaddingMode.SAME and self.stride != (1, 1):
                raise NnstepsError(f"padding='same' needs stride 1 (as in PyTorch), got stride {list(self.stride)}",
                                   field="padding")
            return mode_pads(self.padding, kernel, self.dilation)
        ph, pw = self.padding
        return (ph, ph), (pw, pw)


def padding_arg(value: Any) -> Pair | PaddingMode:
    """The ops' ``padding`` argument: a :class:`PaddingMode` (or its name), an int or a pair."""
    if isinstance(value, str):
        try:
            return PaddingMode(value.strip().lower())
        except ValueError:
            raise NnstepsError(f"expected an integer, a pair, 'same' or 'valid', got {value!r}",
                               field="padding") from None
    return pair(value, "an integer", 0, "padding")
