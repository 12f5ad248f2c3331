"""Field parsers and fields the backpropagation kinds (``rnn``, ``mlp``) share. Registers no kind."""

from __future__ import annotations

from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.numbers import parse_number
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType

LOSSES = ("half_squared_error", "squared_error", "cross_entropy")
loss = F.choice(*LOSSES)


def raw(value: Any) -> Any:
    """The value as given (the op checks it and names the field)."""
    return value


def mapping(value: Any) -> dict[str, Any]:
    """A mapping of weight names to values.

    >>> mapping({"w_in": 1})
    {'w_in': 1}
    """
    if not isinstance(value, dict):
        raise NnstepsError(f"expected a mapping such as {{w_in: 0.2, w_hh: 0.2, w_hy: 0.2}}, got {value!r}")
    return value


def learning_rate(value: Any) -> Any:
    """A learning rate: one number.

    >>> learning_rate("0.5")
    Fraction(1, 2)
    """
    if isinstance(value, (list, dict, bool)):
        raise NnstepsError(f"expected a learning rate (a number), got {value!r}")
    return parse_number(value, what="a learning rate")


LOSS = Field(Op.LOSS.value, FieldType.CHOICE, "half_squared_error, squared_error or cross_entropy",
             default="half_squared_error", choices=LOSSES, example="half_squared_error")
LEARNING_RATE = Field("learning_rate", FieldType.NUMBER, "η for one gradient-descent step", example=0.5,
                      parse=learning_rate)
