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


def learn_statement(p: Any, default_loss: str | None,
                    upstream_of: str = r"the output, $\partial L/\partial \text{output}$") -> tuple[list[Any], list[str]]:
    r"""The givens and asks a backpropagation question adds: the target and loss (or the upstream gradient,
    of ``upstream_of``), the learning rate; asked: the loss, the gradients, the updated parameters.

    >>> class P: raw = {"target": 0.4, "learning_rate": 0.15}
    >>> givens, asks = learn_statement(P(), "half_squared_error")
    >>> [g.label for g in givens], asks
    (['Target: $y_r = 0.4$, loss: half squared error $L = \\frac{1}{2}\\sum (y - y_r)^2$', 'Settings: learning rate $\\eta = 0.15$.'], ['the loss $L$', 'the gradient of $L$ with respect to every parameter', 'the parameters after one gradient-descent step'])
    """
    from nnsteps.render.statement import Given, matrix, scalar, settings, value

    # the steps' symbols: the output y, the target y_r
    formulas = {"half_squared_error": r" $L = \frac{1}{2}\sum (y - y_r)^2$", "squared_error": r" $L = \sum (y - y_r)^2$"}
    givens, asks = [], []
    target, upstream = value(p, "target"), value(p, "upstream")
    if target is not None:
        name = str(value(p, Op.LOSS.value, default_loss or ("cross_entropy" if isinstance(target, int) else "mse")))
        shown = scalar(target) if not isinstance(target, (list, str)) else matrix(target, "target")
        givens.append(Given(f"Target: $y_r = {shown}$, loss: {name.replace('_', ' ')}{formulas.get(name, '')}"))
        asks.append("the loss $L$")
    elif upstream is not None:
        shown = scalar(upstream) if not isinstance(upstream, (list, str)) else matrix(upstream, "upstream")
        givens.append(Given(f"Upstream gradient of {upstream_of}", shown))
    if target is not None or upstream is not None:
        asks.append("the gradient of $L$ with respect to every parameter")
    if value(p, "learning_rate") is not None:
        givens.append(settings([("learning rate", rf"\eta = {scalar(value(p, 'learning_rate'))}")]))
        asks.append("the parameters after one gradient-descent step")
    return givens, asks
