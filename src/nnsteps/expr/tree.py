"""The parsed expression: a tiny immutable tree (Num, Sym, Neg, Sum, Product, Power, Call) that builds
SymPy objects directly and evaluates exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from nnsteps import limits
from nnsteps.errors import NnstepsError
from nnsteps.expr.values import _FUNCTION_VALUES, _MAX_BITS, EvaluationError, _checked, power
from nnsteps.names import Op
from nnsteps.numbers import Number, normalize


class Expr:
    """A node of a parsed expression: immutable, with ``to_sympy``, ``evaluate`` and ``symbols``."""

    def symbols(self) -> frozenset[str]:
        """The symbol names used.

        >>> from nnsteps.expr import parse
        >>> sorted(parse("a*b + a", ["a", "b"]).symbols())
        ['a', 'b']
        """
        out: set[str] = set()
        stack: list[Expr] = [self]
        while stack:
            node = stack.pop()
            if isinstance(node, Sym):
                out.add(node.name)
            stack.extend(node.children())
        return frozenset(out)

    def children(self) -> tuple[Expr, ...]:
        return ()

    def to_sympy(self) -> Any:
        """The SymPy expression, built directly from the tree (exponents and numbers already bounded).

        Functions of symbols and powers are built unevaluated (as written), so building is quick for any text
        the reader accepts. What a caller then does with it (``diff``, ``simplify``) can still be slow on a
        large or deeply nested expression: run that under the work budget.

        >>> from nnsteps.expr import parse
        >>> parse("sigmoid(z)", ["z"]).to_sympy()
        1/(1 + exp(-z))
        """
        raise NotImplementedError

    def evaluate(self, values: Mapping[str, Number], *, budget: list[int] | None = None) -> Number:
        """The value at ``values`` (name -> number): exact (int/Fraction) while it stays rational, else a float.

        ``budget``, a one-item list, counts down the nodes evaluated (the caller's work budget);
        an :class:`EvaluationError` says why there is no finite value.

        >>> from nnsteps.expr import parse
        >>> parse("x/3 + sqrt(4)", ["x"]).evaluate({"x": 1})
        Fraction(7, 3)
        >>> parse("1/(x - 1)", ["x"]).evaluate({"x": 1})
        Traceback (most recent call last):
        ...
        nnsteps.expr.values.EvaluationError: division by zero
        """
        if budget is not None:
            budget[0] -= 1
            if budget[0] < 0:
                raise EvaluationError("the work budget for evaluating the expression ran out")
        return self._eval(values, budget)

    def _eval(self, values: Mapping[str, Number], budget: list[int] | None) -> Number:
        raise NotImplementedError


@dataclass(frozen=True)
class Num(Expr):
    value: int | Fraction

    def to_sympy(self) -> Any:
        import sympy

        return sympy.Rational(self.value.numerator, self.value.denominator)

    def _eval(self, values: Mapping[str, Number], budget: list[int] | None) -> Number:
        return self.value

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Sym(Expr):
    name: str

    def to_sympy(self) -> Any:
        import sympy

        return sympy.Symbol(self.name)

    def _eval(self, values: Mapping[str, Number], budget: list[int] | None) -> Number:
        if self.name not in values:
            raise EvaluationError(f"no value for '{self.name}'")
        return values[self.name]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Neg(Expr):
    operand: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)

    def to_sympy(self) -> Any:
        return -self.operand.to_sympy()

    def _eval(self, values: Mapping[str, Number], budget: list[int] | None) -> Number:
        return -self.operand.evaluate(values, budget=budget)

    def __str__(self) -> str:
        return f"-({self.operand})"


@dataclass(frozen=True)
class Sum(Expr):
    """``a + b - c`` as terms ``(a, b, Neg(c))``: n-ary, so a long sum is a flat node, not a deep one."""

    terms: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.terms

    def to_sympy(self) -> Any:
        import sympy

        return sympy.Add(*[t.to_sympy() for t in self.terms])

    def _eval(self, values: Mapping[str, Number], budget: list[int] | None) -> Number:
        total: Number = 0
        for t in self.terms:
            total = _checked(total + t.evaluate(values, budget=budget))
        return total

    def __str__(self) -> str:
        return "(" + " + ".join(map(str, self.terms)) + ")"


@dataclass(frozen=True)
class Product(Expr):
    """``a * b / c`` as factors ``(a, b, c)`` with ``divide`` flags ``(False, False, True)``."""

    factors: tuple[Expr, ...]
    divide: tuple[bool, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.factors

    def to_sympy(self) -> Any:
        import sympy

        parts = [1 / f.to_sympy() if d else f.to_sympy() for f, d in zip(self.factors, self.divide)]
        return sympy.Mul(*parts)

    def _eval(self, values: Mapping[str, Number], budget: list[int] | None) -> Number:
        total: Number = 1
        for f, d in zip(self.factors, self.divide):
            v = f.evaluate(values, budget=budget)
            if d and v == 0:
                raise EvaluationError("division by zero")
            if d:  # int / int would be a float
                total = _checked(Fraction(total) / v if isinstance(total, int) and isinstance(v, int) else total / v)
            else:
                total = _checked(total * v)
        return normalize(total) if isinstance(total, Fraction) else total

    def __str__(self) -> str:
        out = str(self.factors[0])
        for f, d in zip(self.factors[1:], self.divide[1:]):
            out += (" / " if d else " * ") + str(f)
        return "(" + out + ")"


@dataclass(frozen=True)
class Power(Expr):
    base: Expr
    exponent: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.base, self.exponent)

    def to_sympy(self) -> Any:
        import sympy

        base, exponent = self.base.to_sympy(), self.exponent.to_sympy()
        out = sympy.Pow(base, exponent, evaluate=bool(base.is_Number and exponent.is_Number))  # as for functions
        for atom in out.atoms(sympy.Rational):  # a power of a bounded number may not be bounded
            if max(abs(int(atom.p)).bit_length(), int(atom.q).bit_length()) > _MAX_BITS:
                raise NnstepsError(f"a number in the expression is over {limits.MAX_NUMBER_DIGITS} digits")
        return out

    def _eval(self, values: Mapping[str, Number], budget: list[int] | None) -> Number:
        return power(self.base.evaluate(values, budget=budget), self.exponent.evaluate(values, budget=budget))

    def __str__(self) -> str:
        return f"{self.base}^{self.exponent}"


@dataclass(frozen=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args

    def to_sympy(self) -> Any:
        import sympy

        a = [x.to_sympy() for x in self.args]
        # A function of a symbolic argument stays as written: SymPy's automatic evaluation asks its
        # assumptions about the argument, which for nested functions takes minutes (tanh(exp(tanh(...))), 30
        # deep, never ended) and for max of a few arguments compares every pair (44 s for 64).
        settle = all(x.is_Number for x in a)
        half = sympy.Rational(1, 2)
        build: dict[str, Callable[..., Any]] = {
            "exp": lambda z: sympy.exp(z, evaluate=settle), "log": lambda z: sympy.log(z, evaluate=settle),
            "sqrt": lambda z: sympy.Pow(z, half, evaluate=settle), Op.TANH: lambda z: sympy.tanh(z, evaluate=settle),
            Op.SIGMOID: lambda z: 1 / (1 + sympy.exp(-z, evaluate=settle)),
            Op.RELU: lambda z: sympy.Max(0, z, evaluate=settle),
            "max": lambda *z: sympy.Max(*z, evaluate=settle), "min": lambda *z: sympy.Min(*z, evaluate=settle),
            "abs": lambda z: sympy.Abs(z, evaluate=settle), "heaviside": lambda z: sympy.Heaviside(z, evaluate=settle),
        }
        return build[self.name](*a)

    def _eval(self, values: Mapping[str, Number], budget: list[int] | None) -> Number:
        args = [x.evaluate(values, budget=budget) for x in self.args]
        return _FUNCTION_VALUES[self.name](*args)

    def __str__(self) -> str:
        return f"{self.name}(" + ", ".join(map(str, self.args)) + ")"
