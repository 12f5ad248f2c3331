"""The :class:`Irrational` number: a float carrying the recipe of its exact SymPy form, and the exact
forms short enough to print without SymPy (SymPy's own printing, reproduced).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from nnsteps.irrational.printer import recipe_text
from nnsteps.irrational.recipe import Recipe
from nnsteps.names import Op


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

    def exact_text(self) -> str:
        """The exact form as SymPy's ``str`` writes it, printed from the recipe without SymPy
        (:mod:`nnsteps.irrational.printer`); SymPy only for a form given ready or one the printer does not cover.

        >>> from nnsteps.irrational import Real, lazy_apply
        >>> (Real.of(2) * lazy_apply("tanh", Fraction(1, 2)) - 1).value().exact_text()
        '-1 + 2*tanh(1/2)'
        """
        text = recipe_text(self.recipe)
        return text if text is not None else str(self.exact)

    def short_exact(self, latex: bool = False) -> str | None:
        """The exact form's text (or LaTeX) when it is short, without SymPy: f(q) for one rational q
        (SymPy's own printing, reproduced), or a SymPy form given ready; ``None`` otherwise.

        >>> from nnsteps.irrational import Real, lazy_apply
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
        if r.op in (Op.TANH, "exp", Op.SIGMOID) and len(r.args) == 1 and r.args[0].op == "q":
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
    if op == Op.TANH:
        inner = _rat(abs(q), latex)
        body = rf"\tanh{{\left({inner} \right)}}" if latex else f"tanh({inner})"
        return (("- " if latex else "-") + body) if q < 0 else body
    # σ(q) = 1/(1 + e^{−q}): SymPy prints e^{−q} first when q > 0 (e^{−q} < 1), else 1 first.
    e = _print_exp(-q, latex)
    denominator = f"{e} + 1" if q > 0 else f"1 + {e}"
    return rf"\frac{{1}}{{{denominator}}}" if latex else f"1/({denominator})"
