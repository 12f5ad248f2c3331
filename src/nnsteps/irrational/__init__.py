"""Numbers that leave the rationals, computed in float64 first; their exact forms printed from their recipes.

A value such as tanh(4/25) is an :class:`Irrational`: a ``float`` (the answer and its decimals) that
carries a :class:`Recipe`, the operation and its exact operands. The exact form's text and LaTeX
(``answer_exact``, the HTML report) are printed from the recipe as SymPy prints the same form, without
SymPy (``form``, ``printer``, ``latex``); SymPy builds the form only when something reads ``.exact`` (a
closed form, a symbolic check), replaying the very operations that used to run eagerly. SymPy is
imported then, and not before.

Ops compute with :class:`Real` (arithmetic closed over ints, Fractions and itself): rational while the
value is, a float plus a recipe after, a plain float once the recipe outgrows the bounds (``MAX_EXACT_NODES``, ``MAX_EXACT_DEPTH``).

The package: ``recipe`` (the recipes and each function's float64 form), ``number`` (``Irrational``),
``form`` and ``roots`` (a recipe's canonical form under SymPy's rules), ``printer`` and ``latex`` (its text
and LaTeX), ``real`` (``Real``, ``lazy_apply``, ``inv_sum_exp``).

>>> from fractions import Fraction
>>> h = lazy_apply("tanh", Fraction(4, 25))
>>> round(float(h), 12), h.recipe.size
(0.158648504297, 2)
>>> str(h.exact)
'tanh(4/25)'
>>> lazy_apply("tanh", 0), lazy_apply("sqrt", Fraction(9, 4))
(0, Fraction(3, 2))
"""

from nnsteps.irrational.number import Irrational
from nnsteps.irrational.real import MAX_EXACT_DEPTH, MAX_EXACT_NODES, Real, inv_sum_exp, lazy_apply
from nnsteps.irrational.recipe import FLOAT, Recipe

__all__ = ["FLOAT", "MAX_EXACT_DEPTH", "MAX_EXACT_NODES", "Irrational", "Real", "Recipe", "inv_sum_exp", "lazy_apply"]
