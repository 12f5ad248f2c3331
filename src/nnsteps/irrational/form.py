"""Exact forms without SymPy: the few expression nodes nnsteps builds (rationals, exp, tanh, log, rational
powers, sums, products), each made canonical by the rules SymPy applies as it builds the same form, so that
:mod:`nnsteps.irrational.printer` writes SymPy's strings.

The rules reproduced (SymPy 1.14's ``Add.flatten``, ``Mul.flatten``, ``Pow`` and the functions' ``eval``):
like terms collect (2·x + 3·x = 5·x); like bases multiply (x·x = x², e^a·e^b = e^(a+b) for rational a, b);
a rational times a sum distributes; √ of a rational takes its square factors out (√8 = 2√2, √(1/2) = √2/2);
exp(0) = 1, exp(log y) = y, tanh(−x) = −tanh(x), log(1/q) = −log(q). Every node carries its float64 value:
SymPy orders the terms of a sum of numbers by value. A form outside these rules raises :class:`Unsupported`
(the caller then asks SymPy).

>>> x = add(Num(Fraction(1)), fn("exp", Num(Fraction(-1, 2))))
>>> x.kind, x.q, [t.kind for t in x.args], round(x.value, 6)
('add', Fraction(1, 1), ['fn'], 1.606531)
>>> mul(Num(Fraction(2)), x).kind  # 2·(1 + e^(−1/2)) = 2 + 2·e^(−1/2)
'add'
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from nnsteps.irrational.roots import root_of
from nnsteps.names import Op


class Unsupported(Exception):
    """A form the rules here do not cover (a complex value, a division by zero, a symbol)."""


class Form:
    """One canonical node: ``num`` (``q``), ``fn`` (``name`` of ``args[0]``), ``pow`` (``args[0]`` to the
    rational ``q``), ``add`` and ``mul`` (``q`` the rational constant or coefficient, ``args`` the rest)."""

    __slots__ = ("kind", "name", "q", "args", "value", "size", "depth", "text", "_hash", "_key")

    def __init__(self, kind: str, q: Fraction, args: tuple[Form, ...] = (), name: str = "", value: float = 0.0):
        self.kind, self.q, self.args, self.name, self.value = kind, q, args, name, value
        # The size of the form written out (shared subforms counted each time) and its nesting: the bounds.
        self.size: int = 1 + sum(a.size for a in args)
        self.depth: int = 1 + max((a.depth for a in args), default=0)
        # Sums and products are equal whatever the order of their terms; forms share subforms (a recipe
        # is a graph), so equality and hashing work from the children's hashes, never a flattened text.
        inner = frozenset(hash(a) for a in args) if kind in ("add", "mul") else tuple(hash(a) for a in args)
        self._hash = hash((kind, name, q, inner))
        self.text: str | None = None
        self._key: Any = None

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Form) or self._hash != other._hash or (self.kind, self.name, self.q) != \
                (other.kind, other.name, other.q) or len(self.args) != len(other.args):
            return False
        if self.kind in ("add", "mul"):
            return all(a == b for a, b in zip(sorted(self.args, key=hash), sorted(other.args, key=hash)))
        return all(a == b for a, b in zip(self.args, other.args))

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Form({self.kind}{self.name}, {self.q}, {len(self.args)} args)"


ONE_Q, HALF = Fraction(1), Fraction(1, 2)


def Num(q: Fraction | int) -> Form:
    """A rational."""
    q = Fraction(q)
    return Form("num", q, value=_float(q))


def _float(q: Fraction) -> float:
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


ZERO, ONE = Num(0), Num(1)


def _fn_value(name: str, x: float) -> float:
    if name == "exp":
        return math.exp(x) if x < 709.0 else math.inf
    if name == Op.TANH:
        return math.tanh(x)
    return math.log(x) if x > 0 else -math.inf


def fn(name: str, x: Form) -> Form:
    """exp, tanh or log of a form, with the simplifications SymPy makes when it builds one."""
    if name == "exp":
        if x.kind == "num" and x.q == 0:
            return ONE
        if x.kind == "fn" and x.name == "log":
            return x.args[0]
        if x.kind == "mul" and len(x.args) == 1 and x.args[0].kind == "fn" and x.args[0].name == "log":
            return power(x.args[0].args[0], x.q)
        if x.kind == "add":
            return _exp_of_sum(x)
    elif name == Op.TANH:
        if x.kind == "num" and x.q == 0:
            return ZERO
        if could_extract_minus_sign(x):
            return neg(fn(Op.TANH, neg(x)))
    elif name == "log":
        if x.kind == "num":
            if x.q <= 0:
                raise Unsupported("log of a number that is not positive")
            if x.q == 1:
                return ZERO
            if x.q.numerator == 1:
                return neg(fn("log", Num(x.q.denominator)))
        if x.kind == "fn" and x.name == "exp":
            return x.args[0]
        if x.value <= 0:
            raise Unsupported("log of a number that is not positive")
    return Form("fn", ONE_Q, (x,), name, _fn_value(name, x.value))


def _exp_of_sum(x: Form) -> Form:
    """e^(a + log y) = y·e^a: the terms whose exponential is no exponential come out (``exp.eval``)."""
    out: list[Form] = []
    rest: list[Form] = []
    for t in _terms(x):
        e = fn("exp", t) if t != ONE else None
        if e is None or (e.kind == "fn" and e.name == "exp"):
            rest.append(t if e is None else e.args[0])
        else:
            out.append(e)
    if not out:
        return Form("fn", ONE_Q, (x,), "exp", _fn_value("exp", x.value))
    return mul(*out, fn("exp", add(*rest)))


def _terms(x: Form) -> list[Form]:
    """A sum's terms as SymPy's ``Add.args``: the constant (when not 0) first."""
    return ([Num(x.q)] if x.q != 0 else []) + list(x.args)


def coeff_rest(x: Form) -> tuple[Fraction, Form]:
    """``as_coeff_Mul``: a rational coefficient and the rest."""
    if x.kind == "num":
        return x.q, ONE
    if x.kind == "mul":
        rest = x.args[0] if len(x.args) == 1 else Form("mul", ONE_Q, x.args, value=_product(x.args))
        return x.q, rest
    return ONE_Q, x


def _product(args: tuple[Form, ...] | list[Form]) -> float:
    v = 1.0
    for a in args:
        v *= a.value
    return v


def _with_coeff(c: Fraction, rest: Form) -> Form:
    """c·rest for a canonical rest (no further rules but 1·x = x)."""
    if c == 1:
        return rest
    if rest.kind == "mul":
        return Form("mul", c * rest.q, rest.args, value=_float(c) * rest.value)
    if rest.kind == "add":  # an unevaluated c·(sum), as Add.flatten keeps it
        return Form("mul", c, (rest,), value=_float(c) * rest.value)
    return mul(Num(c), rest)


def add(*xs: Form) -> Form:
    """A sum, flattened, its like terms collected (``Add.flatten``)."""
    const, terms = Fraction(0), dict[Form, Fraction]()
    stack = list(reversed(xs))
    while stack:
        x = stack.pop()
        if x.kind == "num":
            const += x.q
        elif x.kind == "add":
            stack.extend(reversed(_terms(x)))
        else:
            c, rest = coeff_rest(x)
            terms[rest] = terms.get(rest, Fraction(0)) + c
    args = tuple(_with_coeff(c, rest) for rest, c in terms.items() if c != 0)
    if not args:
        return Num(const)
    if const == 0 and len(args) == 1:
        return args[0]
    values = ([_float(const)] if const else []) + [a.value for a in args]
    # SymPy prints a sum of numbers in order of their float64 values; where two are equal (an overflow, an
    # underflow) or one is NaN its order comes from its own sort of the terms: that sum is left to SymPy.
    if len(set(values)) < len(values) or any(v != v for v in values):
        raise Unsupported("terms whose float64 values do not order them")
    try:
        value = math.fsum(values)
    except ValueError:  # inf − inf
        value = math.nan
    return Form("add", const, args, value=value)


def neg(x: Form) -> Form:
    """−x."""
    return mul(Num(-1), x)


def _base_exp(x: Form) -> tuple[Form | None, Form]:
    """``as_base_exp``: (base, exponent); ``None`` stands for e (exp(a) is e^a)."""
    if x.kind == "pow":
        return x.args[0], Num(x.q)
    if x.kind == "fn" and x.name == "exp":
        return None, x.args[0]
    return x, ONE


def mul(*xs: Form) -> Form:
    """A product, flattened, its like bases gathered and √ of rationals combined (``Mul.flatten``)."""
    coeff = Fraction(1)
    powers: dict[Form | None, dict[Form, Fraction]] = {}
    roots: dict[Fraction, Fraction] = {}
    stack = list(reversed(xs))
    while stack:
        x = stack.pop()
        if x.kind == "num":
            coeff *= x.q
            continue
        if x.kind == "mul":
            coeff *= x.q
            stack.extend(reversed(x.args))
            continue
        if x.kind == "pow" and x.args[0].kind == "num":
            if x.q < 0:
                stack.append(power(x.args[0], x.q))
            else:
                roots[x.args[0].q] = roots.get(x.args[0].q, Fraction(0)) + x.q
            continue
        base, e = _base_exp(x)
        c, rest = coeff_rest(e)
        by_rest = powers.setdefault(base, {})
        by_rest[rest] = by_rest.get(rest, Fraction(0)) + c
    part: list[Form] = []
    for base, by_rest in powers.items():
        for rest, c in by_rest.items():
            if c == 0:
                continue
            if base is None:
                p = fn("exp", mul(Num(c), rest))
            elif rest != ONE:
                raise Unsupported("a power with an irrational exponent")
            else:
                p = power(base, c)
            part.append(p)
    part.extend(_combine_roots(roots))
    factors: list[Form] = []
    for p in part:  # a power may come out as a number or a product: its numbers join the coefficient
        if p.kind == "num":
            coeff *= p.q
        elif p.kind == "mul":
            coeff *= p.q
            factors.extend(p.args)
        else:
            factors.append(p)
    if coeff == 0 or not factors:
        return Num(coeff)
    if coeff != 1 and len(factors) == 1 and factors[0].kind == "add":  # 2·(1 + a) = 2 + 2·a
        return add(*[mul(Num(coeff), t) for t in _terms(factors[0])])
    if coeff == 1 and len(factors) == 1:
        return factors[0]
    return Form("mul", coeff, tuple(factors), value=_float(coeff) * _product(factors))


def _combine_roots(roots: dict[Fraction, Fraction]) -> list[Form]:
    """Rational bases with fractional exponents: bases of one exponent multiply, whole powers come out."""
    by_exp: dict[Fraction, Fraction] = {}
    out: list[Form] = []
    for b, e in roots.items():
        by_exp[e] = by_exp.get(e, Fraction(1)) * b
    for e, b in by_exp.items():
        whole = e.numerator // e.denominator
        if whole:
            out.append(Num(b**whole))
        if e - whole:
            out.append(power(Num(b), e - whole))
    return out


def power(b: Form, e: Fraction) -> Form:
    """b^e for a rational e, with SymPy's evaluation (``Pow.__new__`` and each base's ``_eval_power``)."""
    if e == 0:
        return ONE
    if e == 1:
        return b
    if b.kind == "num":
        return _rational_power(b.q, e)
    if b.kind == "fn" and b.name == "exp":
        return fn("exp", mul(Num(e), b.args[0]))
    if b.kind == "pow" and (e.denominator == 1 or b.args[0].value > 0):
        return power(b.args[0], b.q * e)
    if b.kind == "mul":
        if e.denominator != 1 and any(a.value < 0 for a in b.args):
            raise Unsupported("a root of a product with a negative factor")
        return mul(*[power(a, e) for a in (Num(b.q), *b.args)])
    if e.denominator != 1 and b.value < 0:
        raise Unsupported("a root of a negative number")
    return Form("pow", e, (b,), value=b.value**float(e) if b.value or e > 0 else math.inf)


def _rational_power(q: Fraction, e: Fraction) -> Form:
    if e.denominator == 1:
        if q == 0 and e < 0:
            raise Unsupported("division by zero")
        return Num(q ** e.numerator)
    if e.denominator != 2 or q < 0:
        raise Unsupported("a root other than a square root of a positive rational")
    whole = e.numerator // 2  # q^(k + 1/2) = q^k · √q
    root = q ** whole if whole >= 0 else 1 / q ** -whole
    # √(a/b) = √a·√b/b, each root's squares taken out alone, then again from the product of what stays
    # (``Rational._eval_power`` and ``Mul.flatten``).
    sa, ma = root_of(q.numerator)
    sb, mb = root_of(q.denominator)
    s, m = root_of(ma * mb) if ma * mb > 1 else (1, 1)
    s, d = s * sa * sb, q.denominator
    c = root * Fraction(s, d)
    if m == 1:
        return Num(c)
    r = Form("pow", HALF, (Num(m),), value=math.sqrt(m) if m.bit_length() < 1000 else math.exp(min(math.log(m) / 2, 709)))
    return r if c == 1 else Form("mul", c, (r,), value=_float(c) * r.value)


def could_extract_minus_sign(x: Form) -> bool:
    """SymPy's choice of sign: a negative number or coefficient; a sum with more negative terms, or as many
    and the smaller sort key."""
    if x.kind in ("num", "mul"):
        return x.q < 0
    if x.kind != "add":
        return False
    terms = _terms(x)
    negative = sum(1 for t in terms if could_extract_minus_sign(t))
    if negative * 2 != len(terms):
        return negative * 2 > len(terms)
    return bool(sort_key(x) < sort_key(neg(x)))


_NUMBER, _EXP1 = (1, 0, "Number"), (2, 0, "Exp1")
_CLASS = {"mul": (3, 0, "Mul"), "add": (3, 1, "Add"), "exp": (4, 10, "exp"), "log": (4, 11, "log"),
          Op.TANH: (4, 32, Op.TANH)}


def _number_key(q: Fraction) -> tuple[Any, ...]:
    return (_NUMBER, (0, ()), (), q)


def ordered_terms(x: Form) -> list[Form]:
    """A sum's terms in SymPy's printing order: by value (every term is a number), except c − t kept."""
    terms = _terms(x)
    if len(terms) == 2:
        first, second = sorted(terms, key=lambda t: not (t.kind == "num" or is_e(t)))
        if (first.kind == "num" or is_e(first)) and first.value > 0 and second.kind == "mul" \
                and len(second.args) == 1 and second.q < 0:
            return [first, second]
    return sorted(terms, key=lambda t: t.value)


def is_e(x: Form) -> bool:
    """Whether a form is e itself (exp(1), SymPy's ``E``)."""
    return x.kind == "fn" and x.name == "exp" and x.args[0] == ONE


def ordered_factors(x: Form) -> list[Form]:
    """A product's factors (its coefficient first) in SymPy's order: by sort key."""
    factors = ([Num(x.q)] if x.q != 1 else []) + list(x.args)
    return sorted(factors, key=sort_key)


def sort_key(x: Form) -> Any:
    """SymPy's ``Expr.sort_key`` (class, arguments, exponent, coefficient) for these nodes."""
    if x._key is not None:
        return x._key
    if x.kind == "num":
        x._key = _number_key(x.q)
        return x._key
    coeff, expr = coeff_rest(x)
    exp_key = _number_key(ONE_Q)
    if expr.kind == "pow":
        exp_key, expr = _number_key(expr.q), expr.args[0]
    if expr.kind == "num":
        cls, args = _NUMBER, (str(expr.q),)
    elif expr.kind == "fn" and expr.name == "exp" and expr.args[0] == ONE:
        cls, args = _EXP1, ("E",)
    elif expr.kind == "add":
        cls, args = _CLASS["add"], tuple(sort_key(t) for t in ordered_terms(expr))
    elif expr.kind == "mul":
        cls, args = _CLASS["mul"], tuple(sort_key(t) for t in ordered_factors(expr))
    else:
        cls, args = _CLASS[expr.name], tuple(sort_key(a) for a in expr.args)
    x._key = (cls, (len(args), args), exp_key, coeff)
    return x._key
