"""The three kinds of number nnsteps computes with, and how each is read and written.

* exact: ``int`` and ``fractions.Fraction``; a decimal the user types ("0.3") is exactly 3/10;
* float: only when the user gives floats (NumPy float arrays) or asks for them;
* irrational: where a function leaves the rationals (exp, sqrt), an :class:`Irrational` — a
  float that also carries the recipe of its exact form (``nnsteps.irrational``), printed from the
  recipe, so steps and ``answer_exact`` stay honest and the decimals cost a float.

How each reads as text or LaTeX is :mod:`nnsteps.numfmt`'s; here: reading numbers, and JSON/exact strings.

SymPy is imported only by the functions that need it (an exact form asked for).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from nnsteps import limits
from nnsteps.errors import NnstepsError
from nnsteps.irrational import Irrational as Irrational  # the one home of irrational numbers; re-exported

# How a number reads (the ladder int → decimal → fraction ≈ decimal → irrational) has one home, nnsteps.numfmt;
# its names are re-exported here, where the ops have always imported them.
from nnsteps.numfmt import exact_decimal as exact_decimal
from nnsteps.numfmt import float_text as float_text
from nnsteps.numfmt import is_terminating as is_terminating
from nnsteps.numfmt import to_latex as to_latex
from nnsteps.numfmt import to_latex_operand as to_latex_operand
from nnsteps.numfmt import to_text as to_text

Exact = int | Fraction
Number = int | Fraction | float

_NUMBER_RE = re.compile(
    r"""^\s*(?P<sign>[-+−]?)\s*(
        (?P<num>\d+)\s*/\s*(?P<den>\d+)                     # 1/3
      | (?P<dec>(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)           # 0.3, 2., .5, 1e-3
    )\s*$""",
    re.VERBOSE,
)
_LATEX_FRAC_RE = re.compile(r"^\s*([-+−]?)\s*\\[dt]?frac\s*\{\s*([-+−]?\d+)\s*\}\s*\{\s*(\d+)\s*\}\s*$")


def parse_number(text: Any, *, what: str = "a number") -> Number:
    """Read one number the way a student writes it; decimals become exact fractions.

    Accepts ints, "p/q", decimals and scientific notation, LaTeX ``\\frac{p}{q}``.
    Python floats are read from their shortest repr, so ``0.3`` is 3/10 (what was typed).

    >>> parse_number("0.3"), parse_number("1/3"), parse_number(" -2 "), parse_number(0.25)
    (Fraction(3, 10), Fraction(1, 3), -2, Fraction(1, 4))
    """
    if isinstance(text, bool):
        raise NnstepsError(f"expected {what}, got {text!r}")
    if isinstance(text, (int, Fraction)):
        return bounded(normalize(text), what=what)
    if isinstance(text, Irrational):
        return text
    if hasattr(text, "dtype") and getattr(text, "shape", None) == ():  # NumPy scalar (np.float64 is a float too)
        item = text.item()
        if isinstance(item, float):
            if not math.isfinite(item):
                raise NnstepsError(f"expected a finite number, got {item!r}")
            return item
        return parse_number(item, what=what)
    if isinstance(text, float):
        if not math.isfinite(text):
            raise NnstepsError(f"expected a finite number, got {text!r}")
        return bounded(normalize(Fraction(repr(text))), what=what)  # 1e308 is 309 digits exactly
    if isinstance(text, str):
        if len(text) > 2 * limits.MAX_NUMBER_DIGITS + 20:
            raise NnstepsError(f"expected {what}, got text of {len(text):,} characters")
        m = _NUMBER_RE.match(text)
        if m:
            sign = -1 if m.group("sign") in ("-", "−") else 1
            if m.group("num") is not None:
                den = int(m.group("den"))
                if den == 0:
                    raise NnstepsError(f"expected {what}, got {text!r} (division by zero)")
                return bounded(normalize(sign * Fraction(int(m.group("num")), den)), what=what)
            return normalize(sign * decimal_fraction(m.group("dec"), what=what))
        m = _LATEX_FRAC_RE.match(text)
        if m:
            sign = -1 if m.group(1) in ("-", "−") else 1
            num = int(m.group(2).replace("−", "-").replace("+", ""))
            den = int(m.group(3))
            if den == 0:
                raise NnstepsError(f"expected {what}, got {text!r} (division by zero)")
            return bounded(normalize(sign * Fraction(num, den)), what=what)
    raise NnstepsError(f"expected {what}, got {_short(text)}")


def decimal_fraction(text: str, *, what: str = "a number") -> Number:
    """The exact value of a decimal as typed ("0.3", "1e-3", "2.5E+2"), refusing digits or exponents that
    would make an exact number over ``limits.MAX_NUMBER_DIGITS`` digits (``Fraction("1e999999999")`` never ends).

    >>> decimal_fraction("0.3"), decimal_fraction("-2.5e2")
    (Fraction(3, 10), -250)
    >>> decimal_fraction("1e999999999")
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: expected a number of at most 300 digits, got '1e999999999'
    """
    m = _DECIMAL_RE.match(text.replace("_", ""))
    if not m or not (m.group("int") or m.group("frac")):
        raise NnstepsError(f"expected {what}, got {_short(text)}")
    digits = (m.group("int") + m.group("frac")).lstrip("0")
    mantissa = digits.rstrip("0")
    exponent = int(m.group("exp") or 0) if len(m.group("exp") or "") <= 12 else 10**12 * (-1 if "-" in m["exp"] else 1)
    scale = exponent - len(m.group("frac")) + len(digits) - len(mantissa)
    if len(mantissa) + max(scale, 0) > limits.MAX_NUMBER_DIGITS or max(-scale, 0) > limits.MAX_NUMBER_DIGITS:
        if mantissa:  # 0e999999 is 0
            raise NnstepsError(f"expected {what} of at most {limits.MAX_NUMBER_DIGITS} digits, got {_short(text)}")
        return 0
    n = int(m.group("sign") + (mantissa or "0"))  # int and Fraction(n, d), not Fraction(text): 5x faster
    return n * 10**scale if scale >= 0 else normalize(Fraction(n, 10**-scale))


_DECIMAL_RE = re.compile(r"^\s*(?P<sign>[-+]?)(?P<int>\d*)\.?(?P<frac>\d*)(?:[eE](?P<exp>[-+]?\d+))?\s*$")


def bounded(x: Number, *, what: str = "a number") -> Number:
    """``x`` itself, when its numerator and denominator have at most ``limits.MAX_NUMBER_DIGITS`` digits.

    Checked without printing the digits (Python refuses to print ints of over 4,300 digits).

    >>> bounded(Fraction(1, 3))
    Fraction(1, 3)
    >>> bounded(10**400)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: expected a number of at most 300 digits, got one of about 401 digits
    """
    if not isinstance(x, (int, Fraction)):
        return x
    num, den = (x.numerator, x.denominator) if isinstance(x, Fraction) else (x, 1)
    bits = max(abs(num).bit_length(), den.bit_length())
    if bits > _MAX_BITS:
        digits = int(bits * 0.30103) + 1
        raise NnstepsError(f"expected {what} of at most {limits.MAX_NUMBER_DIGITS} digits, got one of about "
                           f"{digits:,} digits")
    return x


_MAX_BITS = math.ceil(limits.MAX_NUMBER_DIGITS * math.log2(10))


def normalize(x: Number) -> Number:
    """Fractions with denominator 1 become ints, so ``7`` prints as 7, not 7/1.

    >>> normalize(Fraction(14, 2))
    7
    """
    if isinstance(x, Fraction) and x.denominator == 1:
        return int(x.numerator)
    return x


def is_exact(x: Any) -> bool:
    """True for ints and Fractions (not bools, floats or irrationals).

    >>> is_exact(Fraction(1, 3)), is_exact(0.5)
    (True, False)
    """
    return isinstance(x, (int, Fraction)) and not isinstance(x, bool)


def to_json(x: Any) -> Any:
    """JSON number: integers stay integers, everything else the nearest float.

    >>> to_json(Fraction(1, 4)), to_json(7), to_json(Fraction(4, 2))
    (0.25, 7, 2)
    """
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, Fraction):
        return int(x) if x.denominator == 1 else float(x)
    if isinstance(x, float):
        return float(x) if math.isfinite(x) else None
    if hasattr(x, "dtype") and getattr(x, "shape", None) == ():
        return to_json(x.item())
    return float(x)


def to_exact_string(x: Any) -> str | None:
    """Exact string form: "7", "-2829/125000", or SymPy's text for an irrational value (printed without SymPy).

    >>> to_exact_string(Fraction(-2829, 125000)), to_exact_string(3)
    ('-2829/125000', '3')
    """
    if x is None:
        return None
    if isinstance(x, Irrational):
        return x.exact_text()
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, (int, Fraction)):
        return str(normalize(x))
    if isinstance(x, float):
        return repr(float(x))  # np.float64 is a float whose repr is 'np.float64(...)'
    if hasattr(x, "dtype") and getattr(x, "shape", None) == ():
        return to_exact_string(x.item())
    return str(x)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
