"""Writing values (numbers, arrays, dicts) as LaTeX, text, JSON numbers and exact strings.

Arrays are channels-first: a 3-D value prints one H×W matrix per channel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.numbers import to_exact_string, to_json, to_latex, to_text

EDGE = 12
"""Matrices longer than this along an axis show their first and last entries around an ellipsis."""
KEEP_HEAD, KEEP_TAIL = 5, 2
MAX_BLOCKS = 4
EXACT_SHORT = 24
"""An irrational's exact form is shown beside its decimal only up to this many characters."""


def _elide(n: int) -> list[int | None]:
    """Indices to show along one axis; None marks the ellipsis.

    >>> _elide(3), _elide(20)
    ([0, 1, 2], [0, 1, 2, 3, 4, None, 18, 19])
    """
    if n <= EDGE:
        return list(range(n))
    return [*range(KEEP_HEAD), None, *range(n - KEEP_TAIL, n)]


def _grid(a: np.ndarray, cell: Any, dots: tuple[str, str, str]) -> list[list[str]]:
    """The cells of a 2-D array as strings, with ellipses where the axes are long."""
    rows = []
    for i in _elide(a.shape[0]):
        row = []
        for j in _elide(a.shape[1]):
            if i is None:
                row.append(dots[2] if j is None else dots[1])
            elif j is None:
                row.append(dots[0])
            else:
                row.append(cell(a[i, j]))
        rows.append(row)
    return rows


def latex_matrix(arr: Any, digits: int = 6) -> str:
    """A 1-D or 2-D array as a LaTeX ``bmatrix``; 3-D and 4-D as a row of them.

    >>> latex_matrix(np.array([[1, 2], [3, 4]], dtype=object))
    '\\\\begin{bmatrix} 1 & 2 \\\\\\\\ 3 & 4 \\\\end{bmatrix}'
    """
    a = np.asarray(arr, dtype=object)
    if a.ndim == 0:
        return _latex_short(a.item(), digits)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim == 2:
        cells = _grid(a, lambda v: _latex_short(v, digits), (r"\cdots", r"\vdots", r"\ddots"))
        return r"\begin{bmatrix} " + r" \\ ".join(" & ".join(row) for row in cells) + r" \end{bmatrix}"
    shown = range(min(a.shape[0], MAX_BLOCKS))
    parts = [f"{_index_name(a.ndim)}_{{{i}}}: " + latex_matrix(a[i], digits) for i in shown]
    if a.shape[0] > MAX_BLOCKS:
        parts.append(rf"\ldots \text{{ ({a.shape[0] - MAX_BLOCKS} more of {a.shape[0]})}}")
    return r",\quad ".join(parts)


def _index_name(ndim: int) -> str:
    return r"\text{channel}" if ndim == 3 else r"\text{sample}"


def _latex_short(v: Any, digits: int) -> str:
    """Inside matrices, rationals show as fractions without the decimal beside (it would clutter)."""
    from fractions import Fraction

    from nnsteps.numbers import exact_decimal, float_text, is_terminating

    if isinstance(v, Fraction) and not isinstance(v, bool):
        if is_terminating(v) and len(exact_decimal(v)) <= 12:
            return exact_decimal(v)
        sign = "-" if v < 0 else ""
        return rf"{sign}\frac{{{abs(v.numerator)}}}{{{v.denominator}}}"
    if isinstance(v, float):
        return float_text(v, digits)
    if v is None:
        return r"\cdot"
    return to_latex(v)


def text_matrix(arr: Any, digits: int = 6) -> str:
    """A 1-D or 2-D array as aligned text rows; 3-D and 4-D labelled per channel.

    >>> print(text_matrix(np.array([[1, -20], [3, 4]], dtype=object)))
    [  1  -20 ]
    [  3    4 ]
    """
    a = np.asarray(arr, dtype=object)
    if a.ndim == 0:
        return _text_short(a.item(), digits)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim == 2:
        cells = _grid(a, lambda v: _text_short(v, digits), ("…", "⋮", "⋱"))
        width = max(len(c) for row in cells for c in row)
        return "\n".join("[ " + "  ".join(c.rjust(width) for c in row) + " ]" for row in cells)
    blocks = []
    for i in range(min(a.shape[0], MAX_BLOCKS)):
        label = "channel" if a.ndim == 3 else "sample"
        blocks.append(f"{label} {i}:\n" + text_matrix(a[i], digits))
    if a.shape[0] > MAX_BLOCKS:
        blocks.append(f"… ({a.shape[0] - MAX_BLOCKS} more of {a.shape[0]})")
    return "\n".join(blocks)


def _text_short(v: Any, digits: int) -> str:
    from fractions import Fraction

    from nnsteps.numbers import exact_decimal, float_text, is_terminating

    if isinstance(v, Fraction):
        if is_terminating(v) and len(exact_decimal(v)) <= 12:
            return exact_decimal(v)
        return f"{v.numerator}/{v.denominator}"
    if isinstance(v, float):
        return float_text(v, digits)
    if v is None:
        return "·"
    return to_text(v)


def latex_value(v: Any) -> str:
    """Any step result as LaTeX: a number, an array, a dict of named values, or LaTeX text.

    >>> latex_value({"z": 1, "p": 0.5})
    'z = 1,\\\\quad p = 0.5'
    """
    if isinstance(v, str):
        return v
    if isinstance(v, np.ndarray):
        return latex_matrix(v)
    if isinstance(v, (list, tuple)):
        return latex_matrix(np.array(v, dtype=object))
    if isinstance(v, dict):
        return r",\quad ".join(f"{_latex_key(k)} = {latex_value(x)}" for k, x in v.items())
    return number_latex(v)


def _latex_key(key: str) -> str:
    # MathML converters read "\_" inside \text literally, so field names show with spaces.
    return key if len(key) == 1 else r"\text{" + key.replace("_", " ") + "}"


def text_value(v: Any) -> str:
    """Any step result as plain text (multi-line for matrices).

    >>> text_value([1, 2])
    '[ 1  2 ]'
    """
    if isinstance(v, str):
        from nnsteps.render.latex_text import latex_to_text

        return latex_to_text(v)
    if isinstance(v, np.ndarray):
        return text_matrix(v)
    if isinstance(v, (list, tuple)):
        return text_matrix(np.array(v, dtype=object))
    if isinstance(v, dict):
        return ", ".join(f"{k} = {text_value(x)}" for k, x in v.items())
    return number_text(v)


def json_value(v: Any) -> Any:
    """Numbers as JSON numbers (ints stay ints), arrays as nested lists, dicts key by key.

    >>> from fractions import Fraction
    >>> json_value({"a": np.array([Fraction(1, 2), 3], dtype=object)})
    {'a': [0.5, 3]}
    """
    if isinstance(v, np.ndarray):
        return [json_value(x) for x in v] if v.ndim else json_value(v.item())
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): json_value(x) for k, x in v.items()}
    if isinstance(v, str):
        return v
    return to_json(v)


def exact_value(v: Any) -> Any:
    """Like :func:`json_value` with every number as an exact string.

    >>> from fractions import Fraction
    >>> exact_value([Fraction(-2829, 125000), 7])
    ['-2829/125000', '7']
    """
    if isinstance(v, np.ndarray):
        return [exact_value(x) for x in v] if v.ndim else exact_value(v.item())
    if isinstance(v, (list, tuple)):
        return [exact_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): exact_value(x) for k, x in v.items()}
    if isinstance(v, str):
        return v
    return to_exact_string(v)


def is_long_exact(v: Any) -> bool:
    """Whether a number's exact form is too long to show beside its decimal.

    >>> import sympy
    >>> from nnsteps.numbers import Irrational
    >>> is_long_exact(Irrational(sympy.sqrt(2))), is_long_exact(Irrational(sympy.exp(sympy.sqrt(2)) / (1 + 2 * sympy.exp(2 * sympy.sqrt(2)))))
    (False, True)
    """
    from nnsteps.numbers import Irrational

    if not isinstance(v, Irrational):
        return False
    short = v.short_exact()  # f(q) of one rational is printed without SymPy
    if short is None:
        if not _algebraic_and_small(v.recipe):  # exp/tanh/σ in a bigger form: long, no need to build it
            return True
        short = str(v.exact)  # a small form of roots such as 4/sqrt(8) = sqrt(2): cheap for SymPy
    return len(short) > EXACT_SHORT


def _algebraic_and_small(recipe: Any, limit: int = 8) -> bool:
    """Whether a recipe is a few rationals, square roots and arithmetic (no exp, tanh or σ)."""
    if recipe.size > limit:
        return False
    stack = [recipe]
    while stack:
        node = stack.pop()
        if node.op not in ("q", "sym", "+", "-", "*", "/", "neg", "sqrt"):
            return False
        stack.extend(a for a in node.args if hasattr(a, "op"))
    return True


def number_text(v: Any) -> str:
    """A number for a reader: a long exact form gives way to its decimal.

    >>> import sympy
    >>> from nnsteps.numbers import Irrational
    >>> number_text(Irrational(1 / (sympy.exp(sympy.Rational(-3, 5) - 1 / (sympy.exp(sympy.Rational(-1, 4)) + 1)) + 1)))
    '0.7617279714'
    >>> number_text(Irrational(sympy.sqrt(2))), number_text(Irrational(2 * sympy.sqrt(2)))
    ('sqrt(2) (≈ 1.414213562)', '2·sqrt(2) (≈ 2.828427125)')
    """
    from nnsteps.numbers import Irrational, float_text, to_text

    if is_long_exact(v):
        return float_text(v, 10)
    if isinstance(v, Irrational):  # SymPy's "**" and "*" written for a reader
        exact = (v.short_exact() or str(v.exact)).replace("**", "^").replace("*", "·")
        return f"{exact} (≈ {float_text(v, 10)})"
    return to_text(v)


def number_latex(v: Any) -> str:
    """A number as LaTeX, with the same rule as :func:`number_text`.

    >>> from fractions import Fraction
    >>> number_latex(Fraction(1, 3))
    '\\\\frac{1}{3} \\\\approx 0.3333333333'
    """
    from nnsteps.numbers import float_text, to_latex

    if is_long_exact(v):
        return float_text(v, 10)
    return to_latex(v)
