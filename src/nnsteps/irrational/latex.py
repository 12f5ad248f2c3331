"""An exact form's LaTeX, printed from its recipe without SymPy: the canonical nodes of
:mod:`nnsteps.irrational.form` written as SymPy's ``latex`` writes them (``LatexPrinter`` with its default
settings: ``\\frac`` for quotients, ``\\left( \\right)`` brackets, a space for a product).

>>> from nnsteps.irrational.form import Num, add, fn, mul
>>> form_latex(add(Num(Fraction(1)), fn("exp", Num(Fraction(-7, 2)))))
'e^{- \\\\frac{7}{2}} + 1'
>>> form_latex(mul(Num(Fraction(-3, 4)), fn("tanh", Num(Fraction(1, 3)))))
'- \\\\frac{3 \\\\tanh{\\\\left(\\\\frac{1}{3} \\\\right)}}{4}'
"""

from __future__ import annotations

import re
from fractions import Fraction

from nnsteps.irrational.form import (
    ONE,
    Form,
    Num,
    could_extract_minus_sign,
    is_e,
    neg,
    ordered_factors,
    ordered_terms,
)
from nnsteps.irrational.printer import MUL, POW, precedence

_NUMBER_BEFORE = re.compile(r"[0-9][} ]*$")
_NUMBER_AFTER = re.compile(r"(\d|\\frac{\d+}{\d+})")


def form_latex(x: Form) -> str:
    """A canonical form as SymPy's ``latex`` prints it (``_print_Add``, ``_print_Mul``, ``_print_Pow``)."""
    if x.kind == "num":
        q = x.q
        if q.denominator == 1:
            return str(q.numerator)
        return ("- " if q < 0 else "") + rf"\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"
    if x.kind == "fn":
        return _function(x)
    if x.kind == "pow":
        return _power(x)
    if x.kind == "add":
        return _sum(x)
    return _product(x)


def _function(x: Form, exp: str | None = None) -> str:
    if x.name == "exp":
        return "e" if is_e(x) else f"e^{{{form_latex(x.args[0])}}}"
    inner = rf"{{\left({form_latex(x.args[0])} \right)}}"
    if x.name == "log":  # SymPy's _print_log puts a power after the brackets, other functions after the name
        return rf"\log{inner}" + (f"^{{{exp}}}" if exp is not None else "")
    return rf"\{x.name}" + (f"^{{{exp}}}" if exp is not None else "") + inner


def _parens(x: Form, level: int) -> str:
    text = form_latex(x)
    return rf"\left({text}\right)" if precedence(x) <= level else text


def _power(x: Form) -> str:
    base, e = x.args[0], x.q
    if abs(e.numerator) == 1 and e.denominator == 2:
        root = rf"\sqrt{{{form_latex(base)}}}"
        return rf"\frac{{1}}{{{root}}}" if e < 0 else root
    if e < 0:  # printed as the quotient 1 / base^(−e)
        return _product(x)
    if base.kind == "fn" and not is_e(base):
        return _function(base, form_latex(Num(e)))
    return f"{_parens(base, POW)}^{{{form_latex(Num(e))}}}"


def _sum(x: Form) -> str:
    tex = ""
    for i, term in enumerate(ordered_terms(x)):
        if i and could_extract_minus_sign(term):
            tex += " - "
            term = neg(term)
        elif i:
            tex += " + "
        tex += form_latex(term)
    return tex


def _fraction(x: Form) -> tuple[list[Form], list[Form]]:
    """SymPy's ``fraction(x, exact=True)``: the factors of the numerator and of the denominator."""
    numer: list[Form] = []
    denom: list[Form] = []
    factors = ([Num(x.q)] if x.kind == "mul" and x.q != 1 else []) + list(x.args if x.kind == "mul" else [x])
    for t in factors:
        if t.kind == "pow" and t.q < 0:
            denom.append(t.args[0] if t.q == -1 else Form("pow", -t.q, t.args, value=0.0))
        elif t.kind == "fn" and t.name == "exp" and t.args[0].value < 0:
            denom.append(Form("fn", Fraction(1), (neg(t.args[0]),), "exp", value=0.0))
        elif t.kind == "num" and t.q.denominator != 1:
            if t.q.numerator != 1:
                numer.append(Num(t.q.numerator))
            denom.append(Num(t.q.denominator))
        else:
            numer.append(t)
    return numer, denom


def _convert(factors: list[Form]) -> str:
    """A product's factors in SymPy's order, each bracketed where a product needs it."""
    if len(factors) == 1:
        return form_latex(factors[0])
    tex = last = ""
    for term in ordered_factors(Form("mul", Fraction(1), tuple(factors))):
        term_tex = form_latex(term)
        if precedence(term) < MUL:
            term_tex = rf"\left({term_tex}\right)"
        if _NUMBER_BEFORE.search(last) and _NUMBER_AFTER.match(term_tex):
            tex += r" \cdot "
        elif tex:
            tex += " "
        tex += term_tex
        last = term_tex
    return tex


def _product(x: Form) -> str:
    tex = ""
    if could_extract_minus_sign(x):
        x, tex = neg(x), "- "
    numer, denom = _fraction(x)
    if not denom:
        return tex + _convert(numer)
    return tex + rf"\frac{{{_convert(numer or [ONE])}}}{{{_convert(denom)}}}"

