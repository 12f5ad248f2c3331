"""How an exact form is built: a :class:`Recipe` (an operation and its operands), replayed into SymPy only
when asked, and each function's float64 form (:data:`FLOAT`) and rational values.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from nnsteps.names import Op


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


FLOAT = {Op.TANH: math.tanh, "exp": _exp, "log": _log, "sqrt": math.sqrt, Op.SIGMOID: _sigmoid, "atan": math.atan}
"""Each function's float64 form."""


def rational_result(name: str, q: Fraction) -> Fraction | None:
    """f(q) when it is rational (SymPy finds it so), else None: tanh(0), e⁰, σ(0), log 1, √(p²/q²)."""
    if name in (Op.TANH, "exp", Op.SIGMOID, "atan") and q == 0:
        return {Op.TANH: Fraction(0), "exp": Fraction(1), Op.SIGMOID: Fraction(1, 2), "atan": Fraction(0)}[name]
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

    __slots__ = ("op", "args", "size", "_built", "_key", "form")
    size: int

    def __init__(self, op: str, *args: Any) -> None:
        self.op, self.args = op, args
        self.size = 1 + sum(a.size for a in args if isinstance(a, Recipe))
        self._built: Any = None
        self._key: Any = None
        self.form: Any = None  # the canonical form printed without SymPy (nnsteps.irrational.printer), once made

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
    if op == Op.SIGMOID:
        return 1 / (1 + sympy.exp(-args[0]))
    if op == "inv_sum_exp":
        return 1 / sympy.Add(*[sympy.exp(sympy.Rational(d.numerator, d.denominator)) for d in args])
    return getattr(sympy, op)(args[0])
