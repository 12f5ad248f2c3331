"""Numbers that leave the rationals, computed in float64 first; their exact SymPy forms built only when asked.

A value such as tanh(4/25) is an :class:`Irrational`: a ``float`` (the answer and its decimals) that
carries a :class:`Recipe`, the operation and its exact operands. SymPy builds the exact form from the
recipe only when something reads ``.exact`` (``answer_exact``, a closed form, a symbolic check), and
replays the very operations that used to run eagerly, so the form is the same. SymPy is imported then,
and not before.

Ops compute with :class:`Real` (arithmetic closed over ints, Fractions and itself): rational while the
value is, a float plus a recipe after, a plain float once the recipe outgrows the bounds (``MAX_EXACT_NODES``, ``MAX_EXACT_DEPTH``).

The package: ``recipe`` (the recipes and each function's float64 form), ``number`` (``Irrational`` and the
short exact forms printed without SymPy), ``real`` (``Real``, ``lazy_apply``, ``inv_sum_exp``).

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
