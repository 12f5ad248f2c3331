"""How a number reads, in one place: the ladder every renderer, step and page uses.

An ``int`` as itself; a ``Fraction`` as its exact decimal when it terminates within a few digits, else
as ``p/q`` with the decimal beside it (``≈``); an :class:`~nnsteps.irrational.Irrational` as its
exact form when that is short, beside its decimal; any other float to :data:`DIGITS` significant digits.
One rule for every decimal shown — answers, matrix entries, steps and the numbers put into a formula —
settable with :func:`set_digits` (``--digits N``).
:func:`number_form` is that ladder; its settings make the variants:

* :func:`to_text` / :func:`to_latex`: a number in a step or a line of text;
* :func:`entry_text` / :func:`entry_latex`: a matrix entry (no decimal beside a short fraction: it
  would clutter the matrix; a long one, ``19600001/40000002 ≈ 0.4900000005``, keeps it);
* :func:`to_latex_operand`: a number inside substituted arithmetic (exact, no ``≈``, floats to
  :data:`DIGITS` and two guard digits, negatives in parentheses), so the arithmetic evaluates to the result;
* :func:`number_text` / :func:`number_latex`: an answer for a reader: an exact form too long to read
  gives way to its decimal (:func:`is_long_exact`).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from nnsteps.irrational import Irrational

DECIMALS = 24
"""Longest exact decimal written as a decimal (longer ones, and non-terminating fractions, as p/q)."""
ENTRY_DECIMALS = 12
"""The same inside a matrix."""
EXACT_SHORT = 24
"""An irrational's exact form is shown beside its decimal only up to this many characters."""
LONG_FRACTION = 9
"""A fraction written with more characters than this (``19600001/40000002``) shows its decimal in a matrix too."""
DIGITS = 10
"""Significant digits of every decimal shown (the one rule; :func:`set_digits`, ``--digits N``)."""


def set_digits(n: int) -> None:
    """Set the significant digits of every decimal shown (``--digits N``), 3 to 15.

    >>> set_digits(4); float_text(2 ** 0.5)
    '1.414'
    >>> set_digits(10); float_text(2 ** 0.5)
    '1.414213562'
    >>> set_digits(40)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field --digits: expected 3 to 15 significant digits, got 40
    """
    global DIGITS
    if isinstance(n, bool) or not isinstance(n, int) or not 3 <= n <= 15:
        from nnsteps.errors import NnstepsError

        raise NnstepsError(f"expected 3 to 15 significant digits, got {n!r}", field="--digits")
    DIGITS = n


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


def float_text(x: float, digits: int | None = None) -> str:
    """A float to ``digits`` (:data:`DIGITS`) significant digits, without trailing zeros or exponent noise.

    >>> float_text(0.1 + 0.2), float_text(2.0)
    ('0.3', '2')
    """
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = f"{x:.{digits or DIGITS}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}e{int(exp)}"
    return "0" if text in ("-0", "0") else text


def number_form(x: Any, *, latex: bool = False, digits: int | None = None, decimals: int = DECIMALS,
                approx: bool = True, none: str | None = None) -> str:
    """The ladder: int → exact decimal (up to ``decimals`` characters) → fraction (with ``≈`` its decimal,
    when ``approx``) → an irrational's short exact form ``≈`` its decimal (when ``approx``; else the
    decimal) → a float to ``digits`` significant digits; ``none`` for a missing value.

    >>> number_form(Fraction(1, 3)), number_form(Fraction(1, 3), latex=True, approx=False)
    ('1/3 (≈ 0.3333333333)', '\\\\frac{1}{3}')
    >>> number_form(Fraction(1, 8), decimals=4), number_form(Fraction(-1, 8), latex=True, decimals=4, approx=False)
    ('1/8 (≈ 0.125)', '-\\\\frac{1}{8}')
    >>> number_form(1.734723476e-17), number_form(1.734723476e-17, latex=True)
    ('1.734723476e-17', '1.734723476 \\\\cdot 10^{-17}')
    """
    if isinstance(x, bool):
        return r"\text{" + str(x).lower() + "}" if latex else str(x).lower()
    if isinstance(x, int):
        return str(x)
    if isinstance(x, Fraction):
        if x.denominator == 1:  # an integer however long, never "n/1"
            return str(x.numerator)
        if is_terminating(x) and len(exact_decimal(x)) <= decimals:
            return exact_decimal(x)
        if latex:
            sign = "-" if x < 0 else ""
            exact = rf"{sign}\frac{{{abs(x.numerator)}}}{{{x.denominator}}}"
        else:
            exact = f"{x.numerator}/{x.denominator}"
        return _beside(exact, float(x), digits, latex) if approx else exact
    if isinstance(x, Irrational) and approx:
        # A short exact form is shown beside its decimal; a long one only in answer_exact.
        short = x.short_exact(latex=latex)
        return _beside(short, x, digits, latex) if short is not None else _decimal(x, digits, latex)
    if isinstance(x, float):
        return _decimal(x, digits, latex)
    if x is None:
        return none if none is not None else (r"\text{—}" if latex else "—")
    if latex and isinstance(x, str):  # a token or label from a file: text, never LaTeX
        from nnsteps.escape import latex_text

        return r"\text{" + latex_text(str(x)) + "}"
    return str(x)


def _decimal(x: float, digits: int | None, latex: bool) -> str:
    """A decimal; in LaTeX its exponent as a power of ten (``1.7 \\cdot 10^{-17}``, never ``1.7e-17`` in math)."""
    text = float_text(x, digits)
    if latex and "e" in text and text[-1].isdigit():
        mant, exp = text.split("e")
        return rf"{mant} \cdot 10^{{{exp}}}"
    return text


def _beside(exact: str, value: float, digits: int | None, latex: bool) -> str:
    decimal = _decimal(value, digits, latex)
    return rf"{exact} \approx {decimal}" if latex else f"{exact} (≈ {decimal})"


def to_text(x: Any, digits: int | None = None) -> str:
    """Plain-text form: integers plain, terminating decimals as decimals, other rationals
    as fractions with a decimal beside, floats to ``digits`` significant digits.

    >>> to_text(7), to_text(Fraction(3, 10)), to_text(Fraction(1, 3))
    ('7', '0.3', '1/3 (≈ 0.3333333333)')
    """
    return number_form(x, digits=digits)


def to_latex(x: Any, digits: int | None = None) -> str:
    """LaTeX form, with the same rules as :func:`to_text`.

    >>> to_latex(Fraction(1, 3)), to_latex(-2), to_latex(Fraction(-1, 4))
    ('\\\\frac{1}{3} \\\\approx 0.3333333333', '-2', '-0.25')
    """
    return number_form(x, latex=True, digits=digits)


def entry_text(x: Any, digits: int | None = None, *, fractions: bool = False, approx: bool = False) -> str:
    """A matrix entry as text: a short fraction without its decimal (a long one with it), floats (irrationals
    too) to ``digits``; ``fractions``: a terminating fraction as a fraction too, as its neighbours are;
    ``approx``: a fraction with its decimal beside, as a long neighbour has (:func:`with_decimals`).

    >>> entry_text(Fraction(1, 3)), entry_text(Fraction(1, 8)), entry_text(None), entry_text(2 ** 0.5)
    ('1/3', '0.125', '·', '1.414213562')
    >>> entry_text(Fraction(7, 8), fractions=True), entry_text(Fraction(19600001, 40000002))
    ('7/8', '19600001/40000002 (≈ 0.4900000005)')
    >>> entry_text(Fraction(24, 25), fractions=True, approx=True), entry_text(1, fractions=True, approx=True)
    ('24/25 (≈ 0.96)', '1')
    """
    return number_form(x, digits=digits, decimals=0 if fractions else ENTRY_DECIMALS, approx=approx or with_decimals(x),
                       none="·")


def entry_latex(x: Any, digits: int | None = None, *, fractions: bool = False, approx: bool = False) -> str:
    """A matrix entry as LaTeX, with the rules of :func:`entry_text`.

    >>> entry_latex(Fraction(-1, 3)), entry_latex(None), entry_latex(Fraction(1, 4), fractions=True)
    ('-\\\\frac{1}{3}', '\\\\cdot', '\\\\frac{1}{4}')
    >>> entry_latex(Fraction(1, 4), fractions=True, approx=True)
    '\\\\frac{1}{4} \\\\approx 0.25'
    """
    return number_form(x, latex=True, digits=digits, decimals=0 if fractions else ENTRY_DECIMALS,
                       approx=approx or with_decimals(x), none=r"\cdot")


def as_fraction(x: Any) -> bool:
    """Whether a matrix entry reads as a fraction (``p/q``): then its neighbours' fractions read so too,
    one form for the whole vector (``[5/6 7/8]``, never ``[5/6 0.875]``).

    >>> as_fraction(Fraction(5, 6)), as_fraction(Fraction(7, 8)), as_fraction(0.5)
    (True, False, False)
    """
    return isinstance(x, Fraction) and x.denominator != 1 and (
        not is_terminating(x) or len(exact_decimal(x)) > ENTRY_DECIMALS)


def with_decimals(x: Any) -> bool:
    """Whether a matrix entry's exact form is long enough to show its decimal beside it: then every
    fraction of its vector shows its decimal too, one form for the whole vector
    (``[24/25 (≈ 0.96)  -2480001/1750000 (≈ -1.417143429)]``, never ``[24/25  -2480001/1750000 (≈ -1.417143429)]``).

    >>> with_decimals(Fraction(-2480001, 1750000)), with_decimals(Fraction(24, 25)), with_decimals(Fraction(1, 3))
    (True, False, False)
    """
    return isinstance(x, Fraction) and len(f"{x.numerator}/{x.denominator}") > LONG_FRACTION and (
        not is_terminating(x) or len(exact_decimal(x)) > ENTRY_DECIMALS)


def to_latex_operand(x: Any, digits: int | None = None) -> str:
    """A number as it should appear inside arithmetic: exact, with negatives in parentheses.

    Terminating fractions as decimals, others as ``\\frac{p}{q}`` (no "≈" beside them), floats and
    irrationals to :data:`DIGITS` plus two guard digits (``digits`` ≥ 17: full float precision), so the
    arithmetic reads as its result even where it cancels (``1 - 0.999987711651^2``).

    >>> to_latex_operand(-2), to_latex_operand(Fraction(1, 3)), to_latex_operand(Fraction(3, 10))
    ('(-2)', '\\\\frac{1}{3}', '0.3')
    """
    if isinstance(x, float):
        shown = digits or min(DIGITS + 2, 15)
        text = repr(float(x)) if shown >= 17 else float_text(x, shown)
        if "e" in text:
            mant, exp = text.split("e")
            text = rf"{mant} \cdot 10^{{{int(exp)}}}"
    elif isinstance(x, (int, Fraction)):
        text = number_form(x, latex=True, approx=False)
    else:
        text = str(x)
    return f"({text})" if text.startswith("-") else text


def is_long_exact(v: Any) -> bool:
    """Whether a number's exact form is too long to show beside its decimal.

    >>> import sympy
    >>> is_long_exact(Irrational(sympy.sqrt(2))), is_long_exact(Irrational(sympy.exp(sympy.sqrt(2)) / (1 + 2 * sympy.exp(2 * sympy.sqrt(2)))))
    (False, True)
    """
    if not isinstance(v, Irrational):
        return False
    short = v.short_exact()  # f(q) of one rational is printed without SymPy
    if short is None:
        if not _algebraic_and_small(v.recipe):  # exp/tanh/σ in a bigger form: long, no need to build it
            return True
        short = v.exact_text()  # a small form of roots such as 4/sqrt(8) = sqrt(2)
    return len(short) > EXACT_SHORT


def _algebraic_and_small(recipe: Any, limit: int = 8) -> bool:
    """Whether a recipe is a few rationals, square roots and arithmetic (no exp, tanh or σ)."""
    if recipe.size > limit:
        return False
    stack = [recipe]
    while stack:
        node = stack.pop()
        if node.op not in ("q", "sym", "+", "-", "*", "/", "neg", "sqrt"):
            return False
        stack.extend(a for a in node.args if hasattr(a, "op"))
    return True


def number_text(v: Any) -> str:
    """A number for a reader: a long exact form gives way to its decimal.

    >>> import sympy
    >>> number_text(Irrational(1 / (sympy.exp(sympy.Rational(-3, 5) - 1 / (sympy.exp(sympy.Rational(-1, 4)) + 1)) + 1)))
    '0.7617279714'
    >>> number_text(Irrational(sympy.sqrt(2))), number_text(Irrational(2 * sympy.sqrt(2)))
    ('sqrt(2) (≈ 1.414213562)', '2·sqrt(2) (≈ 2.828427125)')
    """
    if is_long_exact(v):
        return float_text(v)
    if isinstance(v, Irrational):  # SymPy's "**" and "*" written for a reader
        return _beside(expression_text(v.short_exact() or v.exact_text()), v, None, latex=False)
    return to_text(v)


def number_latex(v: Any) -> str:
    """A number as LaTeX, with the same rule as :func:`number_text`.

    >>> number_latex(Fraction(1, 3))
    '\\\\frac{1}{3} \\\\approx 0.3333333333'
    """
    if is_long_exact(v):
        return float_text(v)
    return to_latex(v)


def expression_text(text: str) -> str:
    """An exact form in SymPy's text written for a reader: ``**`` as ``^``, ``*`` as ``·``.

    >>> expression_text("w_hy*(h_0*w_hh**3 + x_3)")
    'w_hy·(h_0·w_hh^3 + x_3)'
    """
    return text.replace("**", "^").replace("*", "·")
