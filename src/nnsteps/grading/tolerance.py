"""How close a number must be to the key: the :class:`Tolerance` and the verdict on one number.

An integer key needs the exact integer. A key that is not an integer (a fraction or a float) accepts
the exact value, and also a *rounded decimal* (one written with fewer decimals than the key needs)
when it is the key rounded to the digits written (with at least two significant digits) or lies
within a relative error ``rtol`` (default 0.001).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.numbers import is_exact


@dataclass(frozen=True)
class Tolerance:
    """How close a rounded decimal must be to a non-integer key.

    >>> Tolerance().describe()
    'exact answers must be exact; a decimal with fewer digits than the key is accepted when it is the key rounded to the digits written (at least 2 significant) or within relative error 0.001'
    >>> Tolerance(exact=True).describe()
    'exact answers must be exact; float answers within relative error 0.001'
    """

    rtol: float = 0.001
    exact: bool = False
    min_digits: int = 2

    def __post_init__(self) -> None:
        """A relative error is a finite number >= 0 (``nan`` would accept nothing, ``inf`` everything).

        >>> Tolerance(rtol=float("nan"))
        Traceback (most recent call last):
        ...
        nnsteps.errors.NnstepsError: field rtol: expected a finite number >= 0, got nan
        """
        ok = isinstance(self.rtol, (int, float)) and not isinstance(self.rtol, bool)
        if not ok or not math.isfinite(self.rtol) or self.rtol < 0:
            raise NnstepsError(f"expected a finite number >= 0, got {self.rtol!r}", field="rtol")

    def describe(self) -> str:
        if self.exact:
            return f"exact answers must be exact; float answers within relative error {self.rtol:g}"
        return (
            "exact answers must be exact; a decimal with fewer digits than the key is accepted when it is "
            f"the key rounded to the digits written (at least {self.min_digits} significant) "
            f"or within relative error {self.rtol:g}"
        )




def number_verdict(expected: Any, given: Any, tol: Tolerance) -> str:
    """``correct``, ``rounded`` or ``wrong`` for one number against a numeric key.

    >>> t = Tolerance()
    >>> number_verdict(Fraction(1, 3), Fraction(33, 100), t), number_verdict(Fraction(1, 3), Fraction(3, 10), t)
    ('rounded', 'wrong')
    >>> number_verdict(Fraction(1, 2), Fraction(49, 100), t)  # more digits than the key: not a rounding
    'wrong'
    """
    if is_exact(expected) and is_exact(given):
        if expected == given:
            return "correct"
        if isinstance(expected, int) or (tol.exact and not _is_float(expected)):
            return "wrong"
        key_digits = decimals(Fraction(expected))
        giv_digits = decimals(Fraction(given))
        if giv_digits is None or (key_digits is not None and giv_digits >= key_digits):
            return "wrong"
        return "rounded" if _close(Fraction(expected), Fraction(given), giv_digits, tol) else "wrong"
    e = float(expected)
    g = float(given)
    if e == g:
        return "correct"
    if isinstance(expected, int):
        return "wrong"
    if abs(g - e) <= 1e-9 * max(abs(e), 1e-300):
        return "correct"  # the float key to within its own precision
    digits = decimals(Fraction(given)) if is_exact(given) else None
    if tol.exact:
        return "rounded" if abs(g - e) <= tol.rtol * abs(e) else "wrong"
    return "rounded" if _close(Fraction(e), Fraction(given), digits, tol) else "wrong"


def _is_float(x: Any) -> bool:
    return isinstance(x, float)


def _close(e: Fraction, g: Fraction, digits: int | None, tol: Tolerance) -> bool:
    if abs(g - e) <= Fraction(tol.rtol) * abs(e):
        return True
    if digits is None or significant_digits(g, digits) < tol.min_digits:
        return False
    return abs(g - e) <= Fraction(1, 2 * 10**digits)


def decimals(x: Fraction) -> int | None:
    """Digits after the decimal point of a terminating fraction, else None.

    >>> decimals(Fraction(1, 8)), decimals(Fraction(7)), decimals(Fraction(1, 3))
    (3, 0, None)
    """
    d = x.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    return max(twos, fives) if d == 1 else None


def significant_digits(x: Fraction, digits: int) -> int:
    """Significant digits of a decimal written with ``digits`` decimals.

    >>> significant_digits(Fraction(125, 10000), 4), significant_digits(Fraction(0), 0)
    (3, 0)
    """
    scaled = abs(int(x * 10**digits))
    return len(str(scaled)) if scaled else 0
