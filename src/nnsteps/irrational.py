"""Numbers that leave the rationals, computed in float64 first; their exact SymPy forms built only when asked.

A value such as tanh(4/25) is an :class:`Irrational`: a ``float`` (the answer and its decimals) that
carries a :class:`Recipe`, the operation and its exact operands. SymPy builds the exact form from the
recipe only when something reads ``.exact`` (``answer_exact``, a closed form, a symbolic check), and
replays the very operations that used to run eagerly, so the form is the same. SymPy is imported then,
and not before.

Ops compute with :class:`Real` (arithmetic closed over ints, Fractions and itself): rational while the
value is, a float plus a recipe after, a plain float once the recipe outgrows the bounds below.

>>> from fractions import Fraction
>>> h = lazy_apply("tanh", Fraction(4, 25))
>>> round(float(h), 12), h.recipe.size
(0.158648504297, 2)
>>> str(h.exact)
'tanh(4/25)'
>>> lazy_apply("tanh", 0), lazy_apply("sqrt", Fraction(9, 4))
(0, Fraction(3, 2))
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

MAX_EXACT_NODES = 400
"""Largest exact form (recipe nodes) kept beside a decimal; past it the value is a plain float."""
MAX_EXACT_DEPTH = 3
"""Deepest nesting of tanh/sigmoid/exp kept in an exact form (the forms of deeper nests are too big to
read, and SymPy prints a nested sum only after evaluating it)."""


def _sigmoid(x: float) -> float:
    # The two-sided form never overflows exp (as torch.sigmoid).
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _exp(x: float) -> float:
    return math.exp(x) if x < 709.0 else math.inf


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


FLOAT = {"tanh": math.tanh, "exp": _exp, "log": _log, "sqrt": math.sqrt, "sigmoid": _sigmoid}
"""Each function's float64 form."""


def _rational_result(name: str, q: Fraction) -> Fraction | None:
    """f(q) when it is rational (SymPy finds it so), else None: tanh(0), e⁰, σ(0), log 1, √(p²/q²)."""
    if name in ("tanh", "exp", "sigmoid") and q == 0:
        return Fraction({"tanh": 0, "exp": 1, "sigmoid": Fraction(1, 2)}[name])
    if name == "log" and q == 1:
        return Fraction(0)
    if name == "sqrt" and q >= 0:
        p, r = math.isqrt(q.numerator), math.isqrt(q.denominator)
        if p * p == q.numerator and r * r == q.denominator:
            return Fraction(p, r)
    return None


class Recipe:
    """How to build one exact form: an operation and its operands (Fractions, SymPy forms or recipes).

    ``op`` is ``"q"`` (a rational), ``"sym"`` (a SymPy form given ready), ``+ - * /``, ``neg``, a
    function of :data:`FLOAT`, or ``inv_sum_exp`` (softmax's 1 / Σ_j e^{d_j}). Built once, then kept.

    >>> r = Recipe("/", Recipe.rational(1), Recipe("sqrt", Recipe.rational(2)))
    >>> str(r.build()), r.size
    ('sqrt(2)/2', 4)
    """

    __slots__ = ("op", "args", "size", "_built", "_key")

    def __init__(self, op: str, *args: Any) -> None:
        self.op, self.args = op, args
        self.size = 1 + sum(a.size for a in args if isinstance(a, Recipe))
        self._built: Any = None
        self._key: Any = None

    def key(self) -> Any:
        """A hashable key equal for recipes of the same form (SymPy cancels x − x and x/x between them)."""
        if self._key is None:
            self._key = (self.op, *[a.key() if isinstance(a, Recipe) else a for a in self.args])
        return self._key

    @staticmethod
    def rational(q: int | Fraction) -> Recipe:
        return Recipe("q", Fraction(q))

    def __reduce__(self) -> Any:
        return (Recipe, (self.op, *self.args))

    @property
    def built(self) -> bool:
        """Whether the SymPy form exists already (a ``sym`` leaf, or built before)."""
        return self._built is not None

    def build(self) -> Any:
        """The SymPy form, made by replaying the recorded operations bottom-up (iteratively: a chain of
        sums can be hundreds deep)."""
        if self._built is not None:
            return self._built
        import sympy

        stack: list[Recipe] = [self]
        while stack:
            node = stack[-1]
            if node._built is not None:
                stack.pop()
                continue
            pending = [a for a in node.args if isinstance(a, Recipe) and a._built is None]
            if pending:
                stack.extend(pending)
                continue
            node._built = _make(node, sympy)
            stack.pop()
        return self._built


def _make(node: Recipe, sympy: Any) -> Any:
    op, args = node.op, [a._built if isinstance(a, Recipe) else a for a in node.args]
    if op == "q":
        return sympy.Rational(args[0].numerator, args[0].denominator)
    if op == "sym":
        return args[0]
    if op == "+":
        return args[0] + args[1]
    if op == "-":
        return args[0] - args[1]
    if op == "*":
        return args[0] * args[1]
    if op == "/":
        return args[0] / args[1]
    if op == "neg":
        return -args[0]
    if op == "sigmoid":
        return 1 / (1 + sympy.exp(-args[0]))
    if op == "inv_sum_exp":
        return 1 / sympy.Add(*[sympy.exp(sympy.Rational(d.numerator, d.denominator)) for d in args])
    return getattr(sympy, op)(args[0])


class Irrational(float):
    """A float that remembers the exact value it approximates, as a recipe built into SymPy on demand.

    ``Irrational(expr)`` takes a SymPy form ready; ``Irrational(recipe, approx)`` a recipe and its float.
    Arithmetic on it gives plain floats (once a value leaves the rationals, stages outside the ops
    are decimal, and say so); ops compute with :class:`Real`.

    >>> import sympy
    >>> x = Irrational(sympy.sqrt(2))
    >>> round(float(x), 6), str(x.exact)
    (1.414214, 'sqrt(2)')
    """

    recipe: Recipe

    def __new__(cls, exact: Any, approx: float | None = None) -> Irrational:
        recipe = exact if isinstance(exact, Recipe) else Recipe("sym", exact)
        # ``approx`` spares a SymPy evaluation when the caller computed the float already.
        self = super().__new__(cls, float(exact) if approx is None else approx)
        self.recipe = recipe
        return self

    @property
    def exact(self) -> Any:
        """The exact SymPy form (built now if it was not yet)."""
        return self.recipe.build()

    def __reduce__(self) -> Any:
        return (Irrational, (self.recipe, float(self)))

    def short_exact(self, latex: bool = False) -> str | None:
        """The exact form's text (or LaTeX) when it is short, without SymPy: f(q) for one rational q
        (SymPy's own printing, reproduced), or a SymPy form given ready; ``None`` otherwise.

        >>> short = lazy_apply("sigmoid", Fraction(-7, 2))
        >>> short.short_exact(), short.short_exact(latex=True)
        ('1/(1 + exp(7/2))', '\\\\frac{1}{1 + e^{\\\\frac{7}{2}}}')
        >>> lazy_apply("exp", 3).short_exact(), (Real.of(2) * lazy_apply("tanh", 1)).value().short_exact()
        ('exp(3)', None)
        """
        r = self.recipe
        if r.op == "sym":
            if latex:
                import sympy

                return str(sympy.latex(r.args[0]))
            return str(r.args[0])
        if r.op in ("tanh", "exp", "sigmoid") and len(r.args) == 1 and r.args[0].op == "q":
            return _print_short(r.op, r.args[0].args[0], latex)
        return None


def _rat(q: Fraction, latex: bool) -> str:
    """A rational as SymPy prints it."""
    if not latex:
        return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"
    sign = "- " if q < 0 else ""
    if q.denominator == 1:
        return str(q.numerator)
    return rf"{sign}\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def _print_exp(q: Fraction, latex: bool) -> str:
    if latex:
        return "e" if q == 1 else f"e^{{{_rat(q, True)}}}"
    return "E" if q == 1 else f"exp({_rat(q, False)})"


def _print_short(op: str, q: Fraction, latex: bool) -> str:
    """SymPy's str/LaTeX of tanh(q), e^q and 1/(1 + e^(−q)) for a nonzero rational q (checked against
    SymPy in the tests)."""
    if op == "exp":
        return _print_exp(q, latex)
    if op == "tanh":
        inner = _rat(abs(q), latex)
        body = rf"\tanh{{\left({inner} \right)}}" if latex else f"tanh({inner})"
        return (("- " if latex else "-") + body) if q < 0 else body
    # σ(q) = 1/(1 + e^{−q}): SymPy prints e^{−q} first when q > 0 (e^{−q} < 1), else 1 first.
    e = _print_exp(-q, latex)
    denominator = f"{e} + 1" if q > 0 else f"1 + {e}"
    return rf"\frac{{1}}{{{denominator}}}" if latex else f"1/({denominator})"


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
            return Real(None, float(q), q)
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
        q = _rational_result(name, self.q) if self.q is not None else None
        if q is not None:
            return Real(None, float(q), q, size, 0)
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
        if not isinstance(other, (Real, int, Fraction, float)) or isinstance(other, bool):
            return NotImplemented  # NumPy arrays apply the operation element by element
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
        self.f = float(self.exact) if self.exact is not None else self.f
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
