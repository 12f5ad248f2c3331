"""An exact form's text, printed from the number's own recipe without SymPy: the recipe replayed into the
canonical nodes of :mod:`nnsteps.irrational.form`, then written as SymPy's ``str`` writes them.

>>> from nnsteps.irrational.recipe import Recipe
>>> q = Recipe.rational
>>> s = Recipe("sigmoid", q(Fraction(151, 400)))
>>> recipe_text(Recipe("*", q(2), Recipe("-", q(1), s)))
'2 - 2/(exp(-151/400) + 1)'
>>> recipe_text(Recipe("/", q(1), Recipe("sqrt", q(8)))), recipe_text(Recipe("sym", None))
('sqrt(2)/4', None)
"""

from __future__ import annotations

import contextlib
from fractions import Fraction
from typing import Any

from nnsteps.irrational.form import (
    HALF,
    ONE,
    Form,
    Num,
    Unsupported,
    add,
    fn,
    is_e,
    mul,
    neg,
    ordered_factors,
    ordered_terms,
    power,
)
from nnsteps.names import Op

MAX_FORM_SIZE = 50_000
"""Largest form printed here, counted written out (a recipe of ``MAX_EXACT_NODES`` may share a subform many
times, and its text repeats it each time): past it, or past ``MAX_FORM_DEPTH``, the caller asks SymPy."""
MAX_FORM_DEPTH = 120
"""Deepest nesting printed here (the printer recurses, as SymPy's does)."""

ADD, MUL, POW, FUNC, ATOM = 40, 50, 60, 70, 1000
"""SymPy's printing precedences (``sympy.printing.precedence``)."""


def recipe_form(recipe: Any) -> Form | None:
    """The canonical form of a recipe (built bottom-up, iteratively, and kept on each recipe node: answers
    share their subrecipes), or ``None`` where the rules of :mod:`nnsteps.irrational.form` do not reach
    (a SymPy leaf, a complex value, a form past ``MAX_FORM_SIZE`` or ``MAX_FORM_DEPTH``)."""
    stack = [recipe]
    while stack:
        node = stack[-1]
        if node.form is not None:
            stack.pop()
            continue
        pending = [a for a in node.args if hasattr(a, "op") and a.form is None]
        if pending:
            stack.extend(pending)
            continue
        args = [a.form if hasattr(a, "op") else a for a in node.args]
        made: Form | None = None
        with contextlib.suppress(Unsupported, OverflowError, ZeroDivisionError):
            made = None if any(a is False for a in args) else _make(node.op, args)
        # False marks a recipe node with no form here (None: not made yet).
        fits = made is not None and made.size <= MAX_FORM_SIZE and made.depth <= MAX_FORM_DEPTH
        node.form = made if fits else False
        stack.pop()
    return recipe.form or None


def _make(op: str, args: list[Any]) -> Form:
    if op == "q":
        return Num(args[0])
    if op == "+":
        return add(args[0], args[1])
    if op == "-":
        return add(args[0], neg(args[1]))
    if op == "*":
        return mul(args[0], args[1])
    if op == "/":
        return mul(args[0], power(args[1], Fraction(-1)))
    if op == "neg":
        return neg(args[0])
    if op in ("exp", Op.TANH, "log"):
        return fn(op, args[0])
    if op == "sqrt":
        return power(args[0], HALF)
    if op == Op.SIGMOID:
        return power(add(ONE, fn("exp", neg(args[0]))), Fraction(-1))
    if op == "inv_sum_exp":
        return power(add(*[fn("exp", Num(d)) for d in args]), Fraction(-1))
    raise Unsupported(op)  # "sym": a SymPy form given ready


def recipe_text(recipe: Any) -> str | None:
    """The exact form of a recipe as SymPy's ``str`` prints it, or ``None`` where it has no form here."""
    form = recipe_form(recipe)
    return None if form is None else form_text(form)


def precedence(x: Form) -> int:
    """SymPy's printing precedence of a node."""
    if x.kind == "num":
        if x.q < 0:
            return ADD
        return ATOM if x.q.denominator == 1 else MUL
    if x.kind == "add":
        return ADD
    if x.kind == "mul":
        return ADD if x.q < 0 else MUL
    if x.kind == "pow":
        return POW
    return ATOM if is_e(x) else FUNC


def _paren(x: Form, level: float) -> str:
    text = form_text(x)
    return f"({text})" if precedence(x) <= level else text


def form_text(x: Form) -> str:
    """A canonical form as SymPy's ``str`` prints it (``StrPrinter``: ``_print_Add``, ``_print_Mul``, ``_print_Pow``).

    >>> form_text(add(Num(Fraction(-3, 5)), fn("tanh", Num(Fraction(-1, 2)))))
    '-3/5 - tanh(1/2)'
    """
    if x.text is None:
        x.text = _text(x)
    return x.text


def _text(x: Form) -> str:
    if x.kind == "num":
        q = x.q
        return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"
    if x.kind == "fn":
        return "E" if is_e(x) else f"{x.name}({form_text(x.args[0])})"
    if x.kind == "pow":
        return _pow_text(x)
    if x.kind == "add":
        return _add_text(x)
    return _mul_text(x)


def _pow_text(x: Form) -> str:
    base, e = x.args[0], x.q
    if e == HALF:
        return f"sqrt({form_text(base)})"
    if e == -HALF:
        return f"1/sqrt({form_text(base)})"
    if e == -1:
        return "1/" + _paren(base, POW)
    return f"{_paren(base, POW)}**{_paren(Num(e), POW)}"


def _add_text(x: Form) -> str:
    out: list[str] = []
    for term in ordered_terms(x):
        t = form_text(term)
        if t.startswith("-") and term.kind != "add":
            sign, t = "-", t[1:]
        else:
            sign = "+"
        out.extend([sign, f"({t})" if precedence(term) < ADD or term.kind == "add" else t])
    first = out.pop(0)
    return ("" if first == "+" else first) + " ".join(out)


def _mul_text(x: Form) -> str:
    prec = precedence(x)
    sign = "-" if x.q < 0 else ""
    numer: list[Form] = []
    denom: list[Form] = []
    for item in ordered_factors(Form("mul", abs(x.q), x.args)):
        if item.kind == "pow" and item.q < 0:
            denom.append(item.args[0] if item.q == -1 else Form("pow", -item.q, item.args, value=0.0))
        elif item.kind == "num":
            if item.q.numerator != 1:
                numer.append(Num(item.q.numerator))
            if item.q.denominator != 1:
                denom.append(Num(item.q.denominator))
        else:
            numer.append(item)
    numer = numer or [ONE]
    if len(numer) == 1 and sign:
        top = [_paren(numer[0], (POW + MUL) / 2)]
    else:
        top = [_paren(a, prec) for a in numer]
    bottom = [_paren(b, prec) for b in denom]
    if not bottom:
        return sign + "*".join(top)
    if len(bottom) == 1:
        return sign + "*".join(top) + "/" + bottom[0]
    return sign + "*".join(top) + "/(" + "*".join(bottom) + ")"
