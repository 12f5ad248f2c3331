"""The values of an expression's operations: exact (int, Fraction) while they stay rational, floats
once a function leaves the rationals; every exact value bounded by ``limits.MAX_NUMBER_DIGITS`` and every
exponent by ``limits.MAX_EXPR_EXPONENT``, checked before computing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

from nnsteps import limits
from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.numbers import Number, bounded, normalize

FUNCTIONS: dict[str, tuple[int, int]] = {
    "exp": (1, 1), "log": (1, 1), "ln": (1, 1), "sqrt": (1, 1), Op.TANH: (1, 1), Op.SIGMOID: (1, 1),
    Op.RELU: (1, 1), "max": (1, 64), "min": (1, 64), "abs": (1, 1), "heaviside": (1, 1),
}
"""Function name -> (fewest, most arguments). Names are matched case-insensitively."""


class EvaluationError(NnstepsError):
    """An expression has no finite value at the given point (division by zero, log of a negative, overflow)."""


class OverLimit(EvaluationError):
    """A value or an exponent over its limit, refused before it was computed."""


_MAX_BITS = math.ceil(limits.MAX_NUMBER_DIGITS * math.log2(10))


def _checked(x: Number) -> Number:
    """An exact value within the digit limit, or a finite float."""
    if isinstance(x, float):
        if not math.isfinite(x):
            raise EvaluationError("the value is not finite")
        return x
    try:
        return bounded(x, what="an exact value")
    except NnstepsError as err:
        raise OverLimit(err.message) from None


def _float(x: Number) -> float:
    try:
        return float(x)
    except OverflowError:
        raise EvaluationError("a value is too large for a float") from None


def power(base: Number, exponent: Number) -> Number:
    """``base ** exponent``, exact where the result is rational, refusing exponents over
    ``limits.MAX_EXPR_EXPONENT`` and results over the digit limit before computing them.

    >>> power(Fraction(4, 9), Fraction(1, 2)), power(2, -3), power(2, 0.5) == math.sqrt(2)
    (Fraction(2, 3), Fraction(1, 8), True)
    >>> power(3, 3 * 10**7)
    Traceback (most recent call last):
    ...
    nnsteps.expr.values.OverLimit: the exponent 30000000 is over the limit of 1000
    """
    if abs(_float(exponent)) > limits.MAX_EXPR_EXPONENT:
        shown = exponent if isinstance(exponent, int) else _float(exponent)
        raise OverLimit(f"the exponent {shown} is over the limit of {limits.MAX_EXPR_EXPONENT}")
    if isinstance(base, (int, Fraction)) and isinstance(exponent, (int, Fraction)):
        e = Fraction(exponent)
        if base == 0 and e < 0:
            raise EvaluationError("division by zero")
        b = Fraction(base)
        size = max(math.log2(abs(b.numerator) or 1), math.log2(b.denominator))  # bits, before computing
        if size * abs(e) > _MAX_BITS + 1:
            raise OverLimit(f"the value is over {limits.MAX_NUMBER_DIGITS} digits")
        if e.denominator == 1:
            return _checked(normalize(b ** int(e)))
        if b < 0:
            raise EvaluationError("a negative number to a fractional power")
        root = _exact_root(b, e.denominator) if e.denominator <= limits.MAX_EXPR_ROOT else None
        if root is not None:
            return _checked(normalize(root ** e.numerator))
    b_f, e_f = _float(base), _float(exponent)
    if b_f < 0 and not float(e_f).is_integer():
        raise EvaluationError("a negative number to a fractional power")
    if b_f == 0 and e_f < 0:
        raise EvaluationError("division by zero")
    try:
        return _checked(math.pow(b_f, e_f))
    except (OverflowError, ValueError):
        raise EvaluationError("the value is too large for a float") from None


def _exact_root(x: Fraction, n: int) -> Fraction | None:
    """The rational n-th root of x >= 0, if there is one.

    A part of fewer than n bits is below 2^n, so only 0 and 1 can be its root: the candidates' powers are
    never larger than about the part itself (2^n for a huge n was the cost of ``2^(1/10^290)``).

    >>> _exact_root(Fraction(8, 27), 3), _exact_root(Fraction(2), 10**290), _exact_root(Fraction(1, 1), 10**290)
    (Fraction(2, 3), None, Fraction(1, 1))
    """
    out = []
    for part in (x.numerator, x.denominator):
        if part.bit_length() <= n:
            if part > 1:
                return None
            out.append(part)
            continue
        r = round(part ** (1 / n)) if part.bit_length() < 1000 else None
        if r is None:
            return None
        hit = next((c for c in (r - 1, r, r + 1) if c >= 0 and c**n == part), None)
        if hit is None:
            return None
        out.append(hit)
    return Fraction(out[0], out[1])


def _exp(x: Number) -> Number:
    if x == 0:
        return 1
    try:
        return _checked(math.exp(_float(x)))
    except OverflowError:
        raise EvaluationError("exp overflows a float") from None


def _log(x: Number) -> Number:
    if x <= 0:
        raise EvaluationError("log of a number <= 0")
    if x == 1:
        return 0
    if isinstance(x, (int, Fraction)):  # big ints: math.log reads them without a float overflow
        return math.log(Fraction(x).numerator) - math.log(Fraction(x).denominator)
    return math.log(x)


def _sqrt(x: Number) -> Number:
    if x < 0:
        raise EvaluationError("sqrt of a negative number")
    return power(x, Fraction(1, 2))


def _tanh(x: Number) -> Number:
    if x == 0:
        return 0
    return math.tanh(_float(x))


def _sigmoid(x: Number) -> Number:
    if x == 0:
        return Fraction(1, 2)
    f = _float(x)
    return 1 / (1 + math.exp(-f)) if f >= 0 else math.exp(f) / (1 + math.exp(f))


def _heaviside(x: Number) -> Number:
    return 1 if x > 0 else (0 if x < 0 else Fraction(1, 2))  # SymPy's H(0) = 1/2


_FUNCTION_VALUES: dict[str, Callable[..., Number]] = {
    "exp": _exp, "log": _log, "sqrt": _sqrt, Op.TANH: _tanh, Op.SIGMOID: _sigmoid,
    Op.RELU: lambda x: max(0, x), "max": max, "min": min, "abs": abs, "heaviside": _heaviside,
}
