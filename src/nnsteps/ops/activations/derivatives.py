"""Activations of the backprop exercises with their derivatives, written the way they are taught:
f'(a) through h = f(a) for tanh (1 − h²) and sigmoid (h(1 − h)); ReLU's gradient is 0 at a = 0,
as PyTorch's is. The RNN, BPTT, MLP and the activations' backward all use these, in any number domain.
"""

from __future__ import annotations

from typing import Any

from nnsteps.names import Activation
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops.domain import Domain

NAMES = ("none", Activation.TANH.value, Activation.RELU.value, Activation.SIGMOID.value)
TEX = {"none": "{}", Activation.TANH.value: r"\tanh\left({}\right)", Activation.RELU.value: r"\max\left(0, {}\right)",
       Activation.SIGMOID.value: r"\sigma\left({}\right)"}
DERIV_TEX = {"none": "1", Activation.TANH.value: r"\left(1 - {h}^2\right)", Activation.SIGMOID.value: r"{h}\left(1 - {h}\right)",
             Activation.RELU.value: r"\mathbb{{1}}[{a} > 0]"}


def apply(name: str, d: Domain, a: Any) -> Any:
    """f(a) for one number.

    >>> from nnsteps.ops.domain import ExactDomain
    >>> apply("relu", ExactDomain(), -3), apply("none", ExactDomain(), 2)
    (0, 2)
    """
    if name == Activation.TANH.value:
        return d.tanh(a)
    if name == Activation.SIGMOID.value:
        return d.sigmoid(a)
    if name == Activation.RELU.value:
        return a if d.positive(a) else a * 0
    return a


def derivative(name: str, d: Domain, a: Any, h: Any) -> Any:
    """f'(a), given a and h = f(a).

    >>> from nnsteps.ops.domain import ExactDomain
    >>> from fractions import Fraction as F
    >>> derivative("sigmoid", ExactDomain(), None, F(1, 4)), derivative("relu", ExactDomain(), 0, 0)
    (Fraction(3, 16), 0)
    """
    if name == Activation.TANH.value:
        return 1 - h * h
    if name == Activation.SIGMOID.value:
        return h * (1 - h)
    if name == Activation.RELU.value:
        return a * 0 + 1 if d.positive(a) else a * 0
    return 1


def tex(name: str, inner: str) -> str:
    """f applied to ``inner`` in LaTeX.

    >>> tex("tanh", "a_1"), tex("leaky_relu", "z")
    ('\\\\tanh\\\\left(a_1\\\\right)', '\\\\operatorname{leaky}\\\\_\\\\operatorname{relu}\\\\left(z\\\\right)')
    """
    if name not in TEX:  # the activations of relu_family, by name; MathML mangles "\_" inside a name
        escaped = r"\_".join(rf"\operatorname{{{part}}}" for part in name.split("_"))
        return rf"{escaped}\left({inner}\right)"
    return TEX[name].replace("{}", inner)


def deriv_tex(name: str, h: str, a: str) -> str:
    """f'(a) in symbols.

    >>> deriv_tex("sigmoid", "h", "a")
    'h\\\\left(1 - h\\\\right)'
    """
    if name not in DERIV_TEX:
        return tex(name, a).replace(r"\left(", r"'\left(", 1)
    return DERIV_TEX[name].format(h=h, a=a)


def deriv_sub(name: str, d: Domain, a: Any, h: Any) -> str:
    """f'(a) with the numbers in (``a``, ``h`` as users see them).

    >>> from nnsteps.ops.domain import ExactDomain
    >>> deriv_sub("tanh", ExactDomain(), 1, 0.5)
    '(1 - 0.5 \\\\cdot 0.5)'
    """
    if name == Activation.TANH.value:
        return rf"(1 - {op(h)} \cdot {op(h)})"
    if name == Activation.SIGMOID.value:
        return rf"{op(h)} \cdot (1 - {op(h)})"
    if name == Activation.RELU.value:
        return "1" if d.positive(a) else "0"
    return "1"
