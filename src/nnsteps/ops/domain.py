"""The number domain a backprop computation runs in: exact, exact-with-SymPy, or float.

* ``exact``: ints and Fractions (no activation or loss leaves the rationals);
* ``symbolic``: exact input, but tanh, sigmoid or exp is applied, and the problem is small: the
  arithmetic runs on SymPy numbers, and every value handed out is an ``Irrational`` (a float that
  carries its exact SymPy form) or, where SymPy finds it rational, a Fraction;
* ``float``: float input, or a problem too large to keep exact forms of (their size grows with
  every step): float64 throughout.

The RNN, MLP and attention ops share this, so one rule decides when a number stops being exact.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.numbers import Irrational, normalize


class Domain:
    """Arithmetic helpers for one computation.

    >>> d = Domain.choose([np.array([Fraction(1, 2)], dtype=object)], irrational=True, small=True)
    >>> d.kind, d.out(d.tanh(d.num(Fraction(1, 2)))).exact
    ('symbolic', tanh(1/2))
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        # Steps show a value many times; evaluating a nested SymPy form once is enough.
        self._out_cache: dict[Any, Any] = {}

    @staticmethod
    def choose(arrays: list[np.ndarray], *, irrational: bool, small: bool) -> Domain:
        """``exact`` for exact input that stays rational, ``symbolic`` for small exact input that
        does not, ``float`` otherwise."""
        exact = all(a.dtype == object for a in arrays)
        if not exact:
            return Domain("float")
        if not irrational:
            return Domain("exact")
        return Domain("symbolic" if small else "float")

    @property
    def is_exact(self) -> bool:
        return self.kind != "float"

    def num(self, v: Any) -> Any:
        """An input number in this domain."""
        if self.kind == "float":
            return float(v)
        if self.kind == "symbolic":
            return Dual.of(v)
        return normalize(v)

    def array(self, arr: np.ndarray) -> np.ndarray:
        """An input array in this domain (float64, or an object array of domain numbers)."""
        if self.kind == "float":
            return np.asarray(arr, dtype=np.float64)
        out = np.empty(arr.shape, dtype=object)
        flat = out.reshape(-1)
        for i, v in enumerate(np.asarray(arr, dtype=object).reshape(-1)):
            flat[i] = self.num(v)
        return out

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        if self.kind == "float":
            return np.zeros(shape)
        return self.array(np.zeros(shape, dtype=int).astype(object))

    # Functions that may leave the rationals.
    def tanh(self, x: Any) -> Any:
        if self.kind == "symbolic":
            import sympy

            return Dual.of(x).apply(sympy.tanh, math.tanh)
        return math.tanh(x)

    def exp(self, x: Any) -> Any:
        if self.kind == "symbolic":
            import sympy

            return Dual.of(x).apply(sympy.exp, math.exp)
        return math.exp(x)

    def log(self, x: Any) -> Any:
        if self.kind == "symbolic":
            import sympy

            return Dual.of(x).apply(sympy.log, math.log)
        return math.log(x)

    def sqrt(self, x: Any) -> Any:
        if self.kind == "symbolic":
            import sympy

            return Dual.of(x).apply(sympy.sqrt, math.sqrt)
        if self.kind == "exact":
            r = _exact_sqrt(Fraction(x))
            if r is not None:
                return normalize(r)
        return math.sqrt(x)

    def sigmoid(self, x: Any) -> Any:
        if self.kind == "symbolic":
            import sympy

            return Dual.of(x).apply(lambda e: 1 / (1 + sympy.exp(-e)), Domain("float").sigmoid)
        # The two-sided form avoids overflow in exp for large |x| (as torch.sigmoid does).
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    def positive(self, x: Any) -> bool:
        if isinstance(x, Dual):
            return x.f > 0 if x.exact is None else x.exact > 0
        return bool(x > 0)

    def out(self, v: Any) -> Any:
        """A value as handed to users: int/Fraction, Irrational (symbolic), or float."""
        if self.kind == "float":
            return float(v)
        if self.kind == "symbolic":
            v = Dual.of(v)
            if v.expr is None:
                return v.f
            cached = self._out_cache.get(v.expr)
            if cached is None:
                cached = v.value()
                self._out_cache[v.expr] = cached
            return cached
        return normalize(v)

    def out_array(self, arr: np.ndarray) -> np.ndarray:
        """An array of values as handed to users (float64 in the float domain)."""
        if self.kind == "float":
            return np.asarray(arr, dtype=np.float64)
        out = np.empty(np.shape(arr), dtype=object)
        flat = out.reshape(-1)
        for i, v in enumerate(np.asarray(arr, dtype=object).reshape(-1)):
            flat[i] = self.out(v)
        return out

    def note(self) -> str | None:
        """What the reader should know about the numbers of this domain."""
        if self.kind == "symbolic":
            return ("tanh, sigmoid and exp leave the rationals: decimals are shown to full float precision, "
                    "and each value keeps its exact SymPy form (answer_exact) while that form stays small")
        return None


def _exact_sqrt(x: Fraction) -> Fraction | None:
    if x < 0:
        return None
    p, q = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if p * p == x.numerator and q * q == x.denominator:
        return Fraction(p, q)
    return None


MAX_EXACT_NODES = 400
"""Largest exact form (tree nodes) kept beside a decimal; past it the value is a plain float."""
MAX_EXACT_DEPTH = 3
"""Deepest nesting of tanh/sigmoid/exp kept in an exact form: SymPy evaluates (and, to print a
sum, orders) nested functions at a cost that grows steeply with every level."""


class Dual:
    """A SymPy exact form paired with its float64 value, so that decimals never need ``evalf``
    (the float is computed along the way). ``exact`` holds the Fraction while the value is still
    rational; ``expr`` is ``None`` once the exact form outgrew :data:`MAX_EXACT_NODES`.

    >>> x = Dual.of(Fraction(1, 2)) * 3 + 1
    >>> x.exact, x.f
    (Fraction(5, 2), 2.5)
    """

    __slots__ = ("expr", "f", "exact", "size", "depth")

    def __init__(self, expr: Any, f: float, exact: Fraction | None = None, size: int = 1, depth: int = 0) -> None:
        self.expr, self.f, self.exact, self.size, self.depth = expr, f, exact, size, depth

    @staticmethod
    def of(v: Any) -> Dual:
        if isinstance(v, Dual):
            return v
        import sympy

        if isinstance(v, (int, Fraction)) and not isinstance(v, bool):
            q = Fraction(v)
            return Dual(sympy.Rational(q.numerator, q.denominator), float(q), q)
        if isinstance(v, Irrational):
            return Dual(v.exact, float(v), None, 1, MAX_EXACT_DEPTH)
        return Dual(None, float(v), None, MAX_EXACT_NODES + 1)

    def apply(self, fn: Any, ffn: Any) -> Dual:
        """A function of this value (SymPy's ``fn`` on the exact form, ``ffn`` on the float)."""
        size, depth = self.size + 1, self.depth + 1
        if self.expr is None or size > MAX_EXACT_NODES or depth > MAX_EXACT_DEPTH:
            return Dual(None, ffn(self.f), None, size, depth)
        expr = fn(self.expr)
        exact = Fraction(int(expr.p), int(expr.q)) if expr.is_Rational else None
        return Dual(expr, ffn(self.f), exact, size, depth if exact is None else 0)

    def value(self) -> Any:
        """A Fraction while rational, an Irrational carrying the exact form, or a plain float."""
        if self.exact is not None:
            return normalize(self.exact)
        if self.expr is None:
            return self.f
        out = float.__new__(Irrational, self.f)
        out.exact = self.expr
        return out

    def _bin(self, other: Any, fn: Any) -> Any:
        if isinstance(other, np.ndarray):
            return NotImplemented  # let NumPy apply the operation element by element
        o = Dual.of(other)
        if self.exact is not None and o.exact is not None:
            # Rational stays rational: no tree to grow.
            q = fn(self.exact, o.exact)
            import sympy

            return Dual(sympy.Rational(q.numerator, q.denominator), float(q), q)
        size, depth = self.size + o.size + 1, max(self.depth, o.depth)
        if self.expr is None or o.expr is None or size > MAX_EXACT_NODES:
            return Dual(None, fn(self.f, o.f), None, size, depth)
        return Dual(fn(self.expr, o.expr), fn(self.f, o.f), None, size, depth)

    def __add__(self, o: Any) -> Dual:
        return self._bin(o, lambda a, b: a + b)

    def __radd__(self, o: Any) -> Dual:
        return Dual.of(o)._bin(self, lambda a, b: a + b)

    def __sub__(self, o: Any) -> Dual:
        return self._bin(o, lambda a, b: a - b)

    def __rsub__(self, o: Any) -> Dual:
        return Dual.of(o)._bin(self, lambda a, b: a - b)

    def __mul__(self, o: Any) -> Dual:
        return self._bin(o, lambda a, b: a * b)

    def __rmul__(self, o: Any) -> Dual:
        return Dual.of(o)._bin(self, lambda a, b: a * b)

    def __truediv__(self, o: Any) -> Dual:
        return self._bin(o, lambda a, b: a / b)

    def __rtruediv__(self, o: Any) -> Dual:
        return Dual.of(o)._bin(self, lambda a, b: a / b)

    def __neg__(self) -> Dual:
        expr = -self.expr if self.expr is not None else None
        return Dual(expr, -self.f, -self.exact if self.exact is not None else None, self.size, self.depth)

    def _cmp(self, o: Any) -> tuple[Any, Any]:
        d = Dual.of(o)
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

    def __ne__(self, o: Any) -> bool:
        a, b = self._cmp(o)
        return bool(a != b)

    def __eq__(self, o: Any) -> bool:
        a, b = self._cmp(o)
        return bool(a == b)

    def __hash__(self) -> int:
        return hash(self.expr if self.expr is not None else self.f)

    def __float__(self) -> float:
        return self.f

    def __repr__(self) -> str:
        return f"Dual({self.expr}, {self.f!r})"
