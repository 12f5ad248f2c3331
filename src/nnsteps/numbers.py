"""The three kinds of number nnsteps computes with, and how each is read and written.

* exact: ``int`` and ``fractions.Fraction``; a decimal the user types ("0.3") is exactly 3/10;
* float: only when the user gives floats (NumPy float arrays) or asks for them;
* irrational: where a function leaves the rationals (exp, sqrt), an :class:`Irrational` — a
  float that also carries the recipe of its exact SymPy form (``nnsteps.irrational``), built only
  when asked, so steps and ``answer_exact`` stay honest and the decimals cost a float.

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


def is_terminating(x: Fraction) -> bool:
    """Whether a fraction has a finite decimal expansion (denominator of 2s and 5s only).

    >>> is_terminating(Fraction(1, 8)), is_terminating(Fraction(1, 3))
    (True, False)
    """
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def exact_decimal(x: Fraction) -> str:
    """The exact decimal expansion of a terminating fraction.

    >>> exact_decimal(Fraction(-2829, 125000))
    '-0.022632'
    """
    num, d = x.numerator, x.denominator
    sign = "-" if num < 0 else ""
    # The denominator is 2^a 5^b: max(a, b) decimals, counted with integer operations (multiplying
    # the Fraction by growing powers of ten took most of the time of a step-heavy solution).
    twos = (d & -d).bit_length() - 1
    rest, fives = d >> twos, 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        raise ValueError(f"{x} has no finite decimal expansion")
    digits = max(twos, fives)
    scaled = abs(num) * (10**digits // d)
    whole, frac = divmod(scaled, 10**digits)
    return f"{sign}{whole}" + (f".{frac:0{digits}d}" if digits else "")


def float_text(x: float, digits: int = 10) -> str:
    """A float to ``digits`` significant digits, without trailing zeros or exponent noise.

    >>> float_text(0.1 + 0.2), float_text(2.0)
    ('0.3', '2')
    """
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = f"{x:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}e{int(exp)}"
    return "0" if text in ("-0", "0") else text


def to_text(x: Any, digits: int = 10) -> str:
    """Plain-text form: integers plain, terminating decimals as decimals, other rationals
    as fractions with a decimal beside, floats to ``digits`` significant digits.

    >>> to_text(7), to_text(Fraction(3, 10)), to_text(Fraction(1, 3))
    ('7', '0.3', '1/3 (≈ 0.3333333333)')
    """
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int):
        return str(x)
    if isinstance(x, Fraction):
        if x.denominator == 1:  # an integer however long, never "n/1"
            return str(x.numerator)
        if is_terminating(x) and len(exact_decimal(x)) <= 24:
            return exact_decimal(x)
        return f"{x.numerator}/{x.denominator} (≈ {float_text(float(x), digits)})"
    if isinstance(x, Irrational):
        # A short exact form is shown beside its decimal; a long one only in answer_exact.
        short = x.short_exact()
        return f"{short} (≈ {float_text(x, digits)})" if short is not None else float_text(x, digits)
    if isinstance(x, float):
        return float_text(x, digits)
    if x is None:
        return "—"
    return str(x)


def to_latex(x: Any, digits: int = 10) -> str:
    """LaTeX form, with the same rules as :func:`to_text`.

    >>> to_latex(Fraction(1, 3)), to_latex(-2), to_latex(Fraction(-1, 4))
    ('\\\\frac{1}{3} \\\\approx 0.3333333333', '-2', '-0.25')
    """
    if isinstance(x, bool):
        return r"\text{" + str(x).lower() + "}"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, Fraction):
        if x.denominator == 1:
            return str(x.numerator)
        if is_terminating(x) and len(exact_decimal(x)) <= 24:
            return exact_decimal(x)
        sign = "-" if x < 0 else ""
        return rf"{sign}\frac{{{abs(x.numerator)}}}{{{x.denominator}}} \approx {float_text(float(x), digits)}"
    if isinstance(x, Irrational):
        short = x.short_exact(latex=True)
        return rf"{short} \approx {float_text(x, digits)}" if short is not None else float_text(x, digits)
    if isinstance(x, float):
        return float_text(x, digits)
    if x is None:
        return r"\text{—}"
    return str(x)


def to_latex_operand(x: Any, digits: int = 17) -> str:
    """A number as it should appear inside arithmetic: exact, with negatives in parentheses.

    Terminating fractions as decimals, others as ``\\frac{p}{q}`` (no "≈" beside them), floats and
    irrationals to full float precision, so the substituted arithmetic evaluates to the result.

    >>> to_latex_operand(-2), to_latex_operand(Fraction(1, 3)), to_latex_operand(Fraction(3, 10))
    ('(-2)', '\\\\frac{1}{3}', '0.3')
    """
    if isinstance(x, Fraction) and x.denominator != 1 and not (is_terminating(x) and len(exact_decimal(x)) <= 24):
        text = rf"\frac{{{abs(x.numerator)}}}{{{x.denominator}}}"
        return f"(-{text})" if x < 0 else text
    if isinstance(x, float):
        text = repr(float(x)) if digits >= 17 else float_text(x, digits)
        if "e" in text:
            mant, exp = text.split("e")
            text = rf"{mant} \cdot 10^{{{int(exp)}}}"
    elif isinstance(x, (int, Fraction)):
        text = to_latex(x)
    else:
        text = str(x)
    return f"({text})" if text.startswith("-") else text


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
    """Exact string form: "7", "-2829/125000", or SymPy's text for an irrational value.

    >>> to_exact_string(Fraction(-2829, 125000)), to_exact_string(3)
    ('-2829/125000', '3')
    """
    if x is None:
        return None
    if isinstance(x, Irrational):
        return str(x.exact)
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
