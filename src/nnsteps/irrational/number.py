"""The :class:`Irrational` number: a float carrying the recipe of its exact form, printed as text or LaTeX
without SymPy (:mod:`nnsteps.irrational.printer`, :mod:`nnsteps.irrational.latex`), built into SymPy on demand.
"""

from __future__ import annotations

from typing import Any

from nnsteps.irrational.latex import form_latex
from nnsteps.irrational.printer import recipe_form, recipe_text
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
        >>> (Real.of(2) * lazy_apply("tanh", Real.of(1) / 2) - 1).value().exact_text()
        '-1 + 2*tanh(1/2)'
        """
        text = recipe_text(self.recipe)
        return text if text is not None else str(self.exact)

    def exact_latex(self) -> str:
        """The exact form as SymPy's ``latex`` writes it, printed from the recipe without SymPy
        (:mod:`nnsteps.irrational.latex`); SymPy only where :meth:`exact_text` asks it too.

        >>> from nnsteps.irrational import Real
        >>> (Real.of(8).apply("sqrt") / 4).value().exact_latex()
        '\\\\frac{\\\\sqrt{2}}{2}'
        """
        form = recipe_form(self.recipe)
        if form is not None:
            return form_latex(form)
        import sympy

        return str(sympy.latex(self.exact))

    def short_exact(self, latex: bool = False) -> str | None:
        """The exact form's text (or LaTeX) when it is short: f(q) for one rational q, or a SymPy form
        given ready; ``None`` otherwise.

        >>> from nnsteps.irrational import Real, lazy_apply
        >>> short = lazy_apply("sigmoid", Real.of(-7) / 2)
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
            return self.exact_latex() if latex else self.exact_text()
        return None
