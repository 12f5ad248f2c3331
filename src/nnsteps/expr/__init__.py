"""The safe expression reader: user text such as ``(w - 3)^2 + 2*b^2`` becomes a small tree, never code.

A hand-written tokenizer and recursive-descent parser over a whitelist:

* numbers, read exactly (``0.3`` is 3/10) and bounded like every exact number;
* the caller's symbol names (or, for text nnsteps wrote itself, any plain name);
* ``+ - * / ^ **`` (power is right-associative; unary minus binds as in maths: ``-x^2`` is ``-(x^2)``),
  parentheses, and no implicit multiplication (``2x`` is an error, not a guess);
* the functions exp, log (ln), sqrt, tanh, sigmoid, relu, max, min, abs and heaviside (SymPy's
  spellings Max, Min, Abs, Heaviside too).

Nothing is passed to ``eval``, ``sympify`` or ``parse_expr``: :meth:`Expr.to_sympy` builds SymPy objects
directly, and :meth:`Expr.evaluate` computes with ints and Fractions (floats once a function leaves the
rationals). Text length, nesting depth and exponents are bounded (``limits.MAX_EXPR_*``), so
``3**(3*10**7)`` is refused at once rather than computed, and every node is priced as it is read
(:mod:`nnsteps.expr.cost`: digits, exponents, root degrees, work), so ``2^(1/10^290)`` is refused as
:class:`TooLarge` before anything is evaluated. Errors are one line with the column.

>>> e = parse("-x^2 + 0.3*y", ["x", "y"])
>>> e.evaluate({"x": 2, "y": 1})
Fraction(-37, 10)
>>> e.to_sympy()
-x**2 + 3*y/10
>>> sorted(e.symbols())
['x', 'y']
"""

from nnsteps.expr.identity import Identity, same_value
from nnsteps.expr.read import TooLarge, parse, parse_assignments
from nnsteps.expr.tree import Call, Expr, Neg, Num, Power, Product, Sum, Sym
from nnsteps.expr.values import FUNCTIONS, EvaluationError, power

__all__ = ["FUNCTIONS", "Call", "EvaluationError", "Expr", "Identity", "Neg", "Num", "Power", "Product", "Sum", "Sym",
           "TooLarge", "parse", "parse_assignments", "power", "same_value"]
