"""The ops' arithmetic where values may leave the rationals: :class:`Real` (rational while the value is,
a float plus a recipe after, a plain float past the bounds below), :func:`lazy_apply` and :func:`inv_sum_exp`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.irrational.number import Irrational
from nnsteps.irrational.recipe import FLOAT, Recipe, rational_result

MAX_EXACT_NODES = 400
"""Largest exact form (recipe nodes) kept beside a decimal; past it the value is a plain float."""
MAX_EXACT_DEPTH = 3
"""Deepest nesting of tanh/sigmoid/exp kept in an exact form (the forms of deeper nests are too big to
read, and SymPy prints a nested sum only after evaluating it)."""


OVERFLOW = "expected values whose results stay within float64's range (|x| < 1.8e308) where the work leaves the rationals"
"""The start of the one line an exact value past float64's range ends in (the solver names the field)."""


def to_float(q: Fraction) -> float:
    """The float of an exact value, or one line when it is past float64's range: a value that leaves the
    rationals (a square root, an exponential) is carried as a float, so it has no float64 answer.

    >>> to_float(Fraction(1, 4))
    0.25
    >>> to_float(Fraction(10**400, 3))
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: expected values whose results stay within float64's range (|x| < 1.8e308) where the work leaves the rationals, got one of about 3.3e+399
    """
    try:
        return float(q)
    except OverflowError:
        digits = len(str(abs(q.numerator))) - len(str(q.denominator))
        lead = abs(q) / Fraction(10) ** digits
        while lead >= 10:
            lead, digits = lead / 10, digits + 1
        while lead < 1:
            lead, digits = lead * 10, digits - 1
        raise NnstepsError(f"{OVERFLOW}, got one of about {'-' if q < 0 else ''}{float(lead):.2g}e+{digits}") from None


class Real:
    """The number the ops compute with where values may leave the rationals: ``exact`` (a Fraction)
    while rational, else a float ``f`` with a :class:`Recipe` (``None`` once past the bounds).

    Arithmetic is closed over ints, Fractions and Reals; :meth:`value` hands a result out as a
    Fraction/int, an :class:`Irrational`, or a float.

    >>> x = Real.of(Fraction(1, 2)) * 3 + 1
    >>> x.exact, x.f
    (Fraction(5, 2), 2.5)
    >>> y = Real.of(Fraction(1, 2)).apply("tanh") * 2
    >>> type(y.value()).__name__, str(y.value().exact)
    ('Irrational', '2*tanh(1/2)')
    """

    __slots__ = ("recipe", "f", "exact", "size", "depth", "q", "_out")

    def __init__(self, recipe: Recipe | None, f: float, exact: Fraction | None = None, size: int = 1,
                 depth: int = 0, q: Fraction | None = None) -> None:
        self.recipe, self.f, self.exact, self.size, self.depth = recipe, f, exact, size, depth
        # ``q``: the rational value of the exact form when it cancels to one (x·0, x − x, x/x) though the
        # value is not computed with as exact (its form keeps growing, as SymPy's did); a function of it
        # comes out rational, and it is handed out as that rational.
        self.q = exact if exact is not None else q
        self._out: Any = None

    @staticmethod
    def of(v: Any) -> Real:
        """An int, Fraction, Irrational or float as a Real."""
        if isinstance(v, Real):
            return v
        if isinstance(v, (int, Fraction)) and not isinstance(v, bool):
            q = Fraction(v)
            return Real(None, to_float(q), q)
        if isinstance(v, Irrational):
            return Real(v.recipe, float(v), None, 1, MAX_EXACT_DEPTH)
        return Real(None, float(v), None, MAX_EXACT_NODES + 1)

    def node(self) -> Recipe | None:
        if self.recipe is None and self.exact is not None:
            self.recipe = Recipe("q", self.exact)
        return self.recipe

    def apply(self, name: str, f: float | None = None) -> Real:
        """A function of :data:`FLOAT` of this value (``f`` overrides the float, e.g. a shifted exp)."""
        size, depth = self.size + 1, self.depth + 1
        fv = FLOAT[name](self.f) if f is None else f
        node = self.node()
        if node is None or size > MAX_EXACT_NODES or depth > MAX_EXACT_DEPTH:
            return Real(None, fv, None, size, depth)
        q = rational_result(name, self.q) if self.q is not None else None
        if q is not None:
            return Real(None, to_float(q), q, size, 0)
        return Real(Recipe(name, node), fv, None, size, depth)

    def value(self) -> Any:
        """A Fraction/int while rational, an Irrational carrying the exact recipe, or a plain float."""
        if self.exact is not None:
            q = self.exact
            return int(q.numerator) if q.denominator == 1 else q
        if self.recipe is None:
            return self.f
        return self.irrational()

    def irrational(self) -> Irrational:
        """This value as an Irrational (its float and its recipe), made once."""
        if self._out is None:
            self._out = Irrational(self.node(), self.f)
        return self._out

    def _bin(self, other: Any, op: str, reflected: bool = False) -> Any:
        if getattr(other, "ndim", 0):
            return NotImplemented  # a NumPy array applies the operation element by element
        a, b = (Real.of(other), self) if reflected else (self, Real.of(other))
        fn = _OPS[op]
        if a.exact is not None and b.exact is not None:
            return Real(None, 0.0, fn(a.exact, b.exact)).fix()  # rational stays rational: no tree
        size, depth = a.size + b.size + 1, max(a.depth, b.depth)
        na, nb = a.node(), b.node()
        fv = _float_op(op, a.f, b.f)
        if na is None or nb is None or size > MAX_EXACT_NODES:
            return Real(None, fv, None, size, depth)
        # Where SymPy's form of the result is rational (x·0, x − x, x/x), it is noted.
        q: Fraction | None = None
        if a.q is not None and b.q is not None and not (op == "/" and b.q == 0):
            q = fn(a.q, b.q)
        elif (op == "*" and (a.q == 0 or b.q == 0)) or (op == "/" and a.q == 0):
            q = Fraction(0)
        elif op in "-/" and (na is nb or na.key() == nb.key()) and (op == "-" or a.f != 0):
            q = Fraction(0 if op == "-" else 1)
        return Real(Recipe(op, na, nb), fv, None, size, depth, q)

    def fix(self) -> Real:
        self.f = to_float(self.exact) if self.exact is not None else self.f
        return self

    def __add__(self, o: Any) -> Any:
        return self._bin(o, "+")

    def __radd__(self, o: Any) -> Any:
        return self._bin(o, "+", True)

    def __sub__(self, o: Any) -> Any:
        return self._bin(o, "-")

    def __rsub__(self, o: Any) -> Any:
        return self._bin(o, "-", True)

    def __mul__(self, o: Any) -> Any:
        return self._bin(o, "*")

    def __rmul__(self, o: Any) -> Any:
        return self._bin(o, "*", True)

    def __truediv__(self, o: Any) -> Any:
        return self._bin(o, "/")

    def __rtruediv__(self, o: Any) -> Any:
        return self._bin(o, "/", True)

    def __neg__(self) -> Real:
        node = self.node()
        neg = -self.exact if self.exact is not None else None
        return Real(Recipe("neg", node) if node is not None and neg is None else None, -self.f, neg,
                    self.size, self.depth, -self.q if self.q is not None else None)

    def _cmp(self, o: Any) -> tuple[Any, Any]:
        d = Real.of(o)
        if self.exact is not None and d.exact is not None:
            return self.exact, d.exact
        return self.f, d.f

    def __gt__(self, o: Any) -> bool:
        a, b = self._cmp(o)
        return bool(a > b)

    def __lt__(self, o: Any) -> bool:
        a, b = self._cmp(o)
        return bool(a < b)

    def __ge__(self, o: Any) -> bool:
        a, b = self._cmp(o)
        return bool(a >= b)

    def __le__(self, o: Any) -> bool:
        a, b = self._cmp(o)
        return bool(a <= b)

    def __ne__(self, o: Any) -> bool:
        a, b = self._cmp(o)
        return bool(a != b)

    def __eq__(self, o: Any) -> bool:
        # Never SymPy: floats that differ decide at once; equal floats of irrationals compare equal.
        a, b = self._cmp(o)
        return bool(a == b)

    def __hash__(self) -> int:
        return hash(self.exact if self.exact is not None else self.f)

    def __float__(self) -> float:
        return self.f

    def __repr__(self) -> str:
        return f"Real({self.exact if self.exact is not None else self.f!r})"


def _float_op(op: str, a: float, b: float) -> float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / b if b != 0 else math.copysign(math.inf, a) if a else math.nan


_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}


def lazy_apply(name: str, x: Any) -> Any:
    """f(x) for f in tanh, sigmoid, exp, log, sqrt, as a user sees it: exact where f stays rational,
    an :class:`Irrational` (float now, exact form on demand) for an exact x, a float for a float x.

    >>> lazy_apply("sigmoid", 0), lazy_apply("exp", 0.0)
    (Fraction(1, 2), 1.0)
    >>> str(lazy_apply("sigmoid", 3).exact)
    '1/(exp(-3) + 1)'
    """
    if isinstance(x, float) and not isinstance(x, Irrational):
        return FLOAT[name](x)
    return Real.of(x).apply(name).value()


def inv_sum_exp(diffs: list[Fraction], approx: float) -> Any:
    """1 / Σ_j e^{d_j} (one softmax entry, with d_j = z_j − z_i), exact when every d_j is 0 (1/n).

    >>> inv_sum_exp([Fraction(0), Fraction(0)], 0.5), str(inv_sum_exp([Fraction(0), Fraction(1)], 0.27).exact)
    (Fraction(1, 2), '1/(1 + E)')
    """
    if all(d == 0 for d in diffs):
        q = Fraction(1, len(diffs))
        return int(q) if q.denominator == 1 else q
    return Irrational(Recipe("inv_sum_exp", *diffs), approx)
