"""Writing values (numbers, arrays, dicts) as LaTeX, text, JSON numbers and exact strings.

Arrays are channels-first: a 3-D value prints one H×W matrix per channel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.numbers import to_exact_string, to_json, to_latex, to_text


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
        rows = [" & ".join(_latex_short(v, digits) for v in row) for row in a]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    parts = [f"{_index_name(a.ndim)}_{{{i}}}: " + latex_matrix(a[i], digits) for i in range(a.shape[0])]
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
        cells = [[_text_short(v, digits) for v in row] for row in a]
        width = max(len(c) for row in cells for c in row)
        return "\n".join("[ " + "  ".join(c.rjust(width) for c in row) + " ]" for row in cells)
    blocks = []
    for i in range(a.shape[0]):
        label = "channel" if a.ndim == 3 else "sample"
        blocks.append(f"{label} {i}:\n" + text_matrix(a[i], digits))
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
    return to_latex(v)


def _latex_key(key: str) -> str:
    return key if len(key) == 1 else r"\text{" + key.replace("_", r"\_") + "}"


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
    return to_text(v)


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
