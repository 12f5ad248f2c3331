"""What evaluating an expression may cost, priced from the tree before anything is evaluated.

Each node gets a :class:`Cost`: bounds on the size of its exact value when every symbol has a grading point's
value (:func:`nnsteps.expr.identity.same_value` draws numerators up to 40 over denominators up to 12, so
every denominator divides 27720 = lcm(1..12)), and on the machine-word operations of one evaluation. A value
is bounded by its magnitude (``mag``: log2 of its largest absolute value) and its denominator, which divides
27720^``sym`` times a number of ``other`` bits (literals' denominators, divisors' numerators). Magnitudes and
denominators add through products and multiply through powers; a sum adds a bit per doubling of its terms
and keeps the largest power of 27720 (a common denominator). Each operation costs the square of its operands'
words (a product or a gcd of Python ints); a root tries its degree. Sizes are capped where evaluation refuses
a value anyway (``limits.MAX_NUMBER_DIGITS``, checked after each operation), so the price bounds the work of
any answer. A root's degree (an exponent's denominator) is refused over ``limits.MAX_EXPR_ROOT`` and one
evaluation over ``limits.MAX_EXPR_COST`` operations: answers cheap to write and costly to evaluate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from nnsteps import limits
from nnsteps.expr.values import _MAX_BITS
from nnsteps.names import Op

SYMBOL_MAG = math.log2(40)
"""log2 of the largest absolute value a symbol takes at a grading point."""

_LCM_BITS = math.log2(27720)  # the denominators of grading points all divide lcm(1..12)
_CAP = 2 * _MAX_BITS + 2  # numerator and denominator at the digit limit: anything larger is refused once made
_FLOAT = 64.0  # a float's bits
_SAME_SIZE = ("sqrt", Op.RELU, "max", "min", "abs", "heaviside")  # values no larger than their arguments


class TooCostly(ValueError):  # noqa: N818 - read as "the answer is too costly", like EvaluationError
    """The price of an expression is over a limit; ``reason`` says which, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Cost:
    """Bounds for one node: its value's magnitude ``mag`` (log2), its denominator (a divisor of
    27720^``sym`` times a number of ``other`` bits) and the machine-word ``work`` of evaluating it once.

    >>> Cost.number(Fraction(3, 10)).bits, Cost.symbol().bits
    (8, 35)
    """

    mag: float
    sym: float
    other: float
    work: int

    @property
    def bits(self) -> int:
        """Bits of the exact value, numerator and denominator, up to where evaluation refuses it."""
        den = self.sym * _LCM_BITS + self.other
        return math.ceil(min(_CAP, max(self.mag, 0) + 2 * den))

    @staticmethod
    def number(value: int | Fraction) -> Cost:
        """A number as written: its digits."""
        q = Fraction(value)
        return Cost(abs(q.numerator).bit_length() - q.denominator.bit_length() + 1, 0, q.denominator.bit_length(), 1)

    @staticmethod
    def symbol() -> Cost:
        """A symbol at a grading point."""
        return Cost(SYMBOL_MAG, 1, 0, 1)

    def negated(self) -> Cost:
        """``-x``: the same size, one step more.

        >>> Cost.symbol().negated().work
        2
        """
        return Cost(self.mag, self.sym, self.other, self.work + 1)

    def inverse(self) -> Cost:
        """``1/x`` (its work not counted): the magnitude is at most the denominator; the numerator becomes one.

        >>> Cost.number(Fraction(1, 3)).inverse().mag
        2.0
        """
        return Cost(self.sym * _LCM_BITS + self.other, 0, max(self.mag, 0) + self.sym * _LCM_BITS + self.other,
                    self.work)

    def scaled(self, k: float) -> Cost:
        """The value to the power ``k`` >= 0 (its work not counted)."""
        return Cost(self.mag * k, self.sym * k, self.other * k, self.work)


def _op(bits: int) -> int:
    """Word operations of one product, sum or gcd of numbers of ``bits`` (schoolbook: quadratic in words)."""
    return (1 + min(bits, _CAP) // 64) ** 2


def _checked(cost: Cost) -> Cost:
    if cost.work > limits.MAX_EXPR_COST:
        raise TooCostly(f"about {cost.work:,} operations at each point tried, over the limit of "
                        f"{limits.MAX_EXPR_COST:,}")
    return cost


def total(terms: Sequence[Cost]) -> Cost:
    """A sum: the largest magnitude plus a bit per doubling of the terms; a common denominator.

    >>> big = total([Cost.symbol()] * 2000)
    >>> round(big.mag, 1), big.bits, big.work
    (16.3, 46, 4000)
    """
    mag, sym, other, work = -math.inf, 0.0, 0.0, 0
    for i, t in enumerate(terms, 1):
        mag, sym, other = max(mag, t.mag), max(sym, t.sym), other + t.other
        work += t.work + _op(Cost(mag + math.log2(i), sym, other, 0).bits)
    return _checked(Cost(mag + math.log2(len(terms)), sym, other, work))


def product(factors: Sequence[Cost], divide: Sequence[bool]) -> Cost:
    """A product: magnitudes and denominators add (a divisor's numerator joins the denominator).

    >>> product([Cost.symbol()] * 3, [False, False, True]).bits
    125
    """
    mag, sym, other, work = 0.0, 0.0, 0.0, 0
    for f, d in zip(factors, divide):
        part = f.inverse() if d else f
        mag, sym, other = mag + part.mag, sym + part.sym, other + part.other
        work += f.work + _op(Cost(mag, sym, other, 0).bits)
    return _checked(Cost(mag, sym, other, work))


def power(base: Cost, exponent: Cost, value: int | Fraction | None) -> Cost:
    """``base ^ exponent``, with the exponent's ``value`` when it is a constant (``None`` for one that
    depends on the symbols: then it can be anything evaluation allows, up to ``limits.MAX_EXPR_EXPONENT``
    with a root of degree up to ``limits.MAX_EXPR_ROOT``).

    >>> power(Cost.symbol(), Cost.number(3), 3).bits
    105
    >>> power(Cost.number(2), Cost.number(Fraction(1, 10**290)), Fraction(1, 10**290))
    Traceback (most recent call last):
    ...
    nnsteps.expr.cost.TooCostly: a root of degree about 10^290 (an exponent's denominator), over the limit of 1,000
    """
    if value is None:
        top, degree = limits.MAX_EXPR_EXPONENT, limits.MAX_EXPR_ROOT
        out = Cost(_CAP, 0, _CAP, 0)
    else:
        q = Fraction(value)
        top, degree = abs(q.numerator), q.denominator
        if degree > limits.MAX_EXPR_ROOT:
            raise TooCostly(f"a root of degree {_size(degree)} (an exponent's denominator), over the limit of "
                            f"{limits.MAX_EXPR_ROOT:,}")
        out = (base.inverse() if q < 0 else base).scaled(float(abs(q)))
    work = base.work + exponent.work + _op(out.bits) * max(1, top.bit_length())
    if degree > 1:  # the exact root is tried: a float guess and its power
        work += _op(base.bits) * degree.bit_length()
    return _checked(Cost(out.mag, out.sym, out.other, work))


def call(name: str, args: Sequence[Cost]) -> Cost:
    """A function: a float for exp, log, tanh and sigmoid; no larger than its arguments for the rest.

    >>> call("exp", [Cost.symbol()]).bits, call("max", [Cost.symbol(), Cost.number(7)]).bits
    (64, 37)
    """
    work = sum(a.work + _op(a.bits) for a in args)
    if name not in _SAME_SIZE:
        return _checked(Cost(_FLOAT, 0, 0, work))
    if name == "sqrt":
        work += _op(args[0].bits) * 2
    return _checked(Cost(max(a.mag for a in args), max(a.sym for a in args), max(a.other for a in args), work))


def _size(n: int) -> str:
    """A large count in words: ``1,000`` or ``about 10^290``.

    >>> _size(1000), _size(10**290)
    ('1,000', 'about 10^290')
    """
    return f"{n:,}" if n < 10**9 else f"about 10^{math.floor(math.log10(n))}"
