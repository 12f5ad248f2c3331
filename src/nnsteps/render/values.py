"""Writing values (numbers, arrays, dicts) as LaTeX, text, JSON numbers and exact strings (each number
as :mod:`nnsteps.numfmt` writes it).

Arrays are channels-first: a 3-D value prints one H×W matrix per channel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.numbers import to_exact_string, to_json
from nnsteps.numfmt import as_fraction, entry_latex, entry_text, number_latex, number_text, with_decimals
from nnsteps.work import Stack

EDGE = 12
"""Matrices longer than this along an axis show their first and last entries around an ellipsis."""
KEEP_HEAD, KEEP_TAIL = 5, 2
MAX_BLOCKS = 4


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


def latex_matrix(arr: Any, digits: int | None = None, stack: Stack | None = None) -> str:
    """A 1-D or 2-D array as a LaTeX ``bmatrix``; 3-D and 4-D as a row of them.

    >>> latex_matrix(np.array([[1, 2], [3, 4]], dtype=object))
    '\\\\begin{bmatrix} 1 & 2 \\\\\\\\ 3 & 4 \\\\end{bmatrix}'
    """
    a = np.asarray(arr, dtype=object)
    if a.ndim == 0:
        return entry_latex(a.item(), digits)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim == 2:
        fractions, approx = _form(a)  # one form for the whole matrix
        cells = _grid(a, lambda v: entry_latex(v, digits, fractions=fractions, approx=approx),
                      (r"\cdots", r"\vdots", r"\ddots"))
        return r"\begin{bmatrix} " + r" \\ ".join(" & ".join(row) for row in cells) + r" \end{bmatrix}"
    shown = range(min(a.shape[0], MAX_BLOCKS))
    if stack is not None and stack.names(a.ndim):
        parts = [rf"\text{{{stack.name}}}_{{{i + stack.first}}}: " + latex_matrix(a[i], digits, stack.within())
                 for i in shown]
    else:
        parts = [f"{_index_name(a.ndim)}_{{{i}}}: " + latex_matrix(a[i], digits) for i in shown]
    if a.shape[0] > MAX_BLOCKS:
        parts.append(rf"\ldots \text{{ ({a.shape[0] - MAX_BLOCKS} more of {a.shape[0]})}}")
    return r",\quad ".join(parts)


def _form(a: np.ndarray) -> tuple[bool, bool]:
    """One form for a matrix's entries: fractions when one reads as a fraction; each fraction with its
    decimal beside when one is too long to read without it."""
    entries = a.ravel()
    return any(as_fraction(v) for v in entries), any(with_decimals(v) for v in entries)


def _index_name(ndim: int) -> str:
    return r"\text{channel}" if ndim == 3 else r"\text{sample}"


def text_matrix(arr: Any, digits: int | None = None, stack: Stack | None = None) -> str:
    """A 1-D or 2-D array as aligned text rows; 3-D and 4-D labelled per channel.

    >>> print(text_matrix(np.array([[1, -20], [3, 4]], dtype=object)))
    [  1  -20 ]
    [  3    4 ]
    """
    a = np.asarray(arr, dtype=object)
    if a.ndim == 0:
        return entry_text(a.item(), digits)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim == 2:
        fractions, approx = _form(a)
        cells = _grid(a, lambda v: entry_text(v, digits, fractions=fractions, approx=approx), ("…", "⋮", "⋱"))
        # Rows align in columns of one width; a single row needs no padding (a long entry would spread it).
        width = max(len(c) for row in cells for c in row) if len(cells) > 1 else 0
        return "\n".join("[ " + "  ".join(c.rjust(width) for c in row) + " ]" for row in cells)
    blocks = []
    for i in range(min(a.shape[0], MAX_BLOCKS)):
        label = stack.label(i) if stack is not None and stack.names(a.ndim) else f"{'channel' if a.ndim == 3 else 'sample'} {i}"
        inner = stack.within() if stack is not None and stack.names(a.ndim) else None
        blocks.append(f"{label}:\n" + text_matrix(a[i], digits, inner))
    if a.shape[0] > MAX_BLOCKS:
        blocks.append(f"… ({a.shape[0] - MAX_BLOCKS} more of {a.shape[0]})")
    return "\n".join(blocks)


def latex_value(v: Any, stack: Stack | None = None) -> str:
    """Any step result as LaTeX: a number, an array, a dict of named values, or LaTeX text.

    >>> latex_value({"z": 1, "p": 0.5})
    'z = 1,\\\\quad p = 0.5'
    """
    if isinstance(v, str):
        return v
    if isinstance(v, np.ndarray):
        return latex_matrix(v, stack=stack)
    if isinstance(v, (list, tuple)):
        return latex_matrix(np.array(v, dtype=object), stack=stack)
    if isinstance(v, dict):
        return r",\quad ".join(f"{_latex_key(k)} = {latex_value(x)}" for k, x in v.items())
    return number_latex(v)


def _latex_key(key: str) -> str:
    # MathML converters read "\_" inside \text literally, so field names show with spaces.
    from nnsteps.escape import latex_text

    return key if len(key) == 1 and key.isalpha() else r"\text{" + latex_text(key.replace("_", " ")) + "}"


def text_value(v: Any, stack: Stack | None = None) -> str:
    """Any step result as plain text (multi-line for matrices).

    >>> text_value([1, 2])
    '[ 1  2 ]'
    >>> print(text_value({"W": np.array([[1, 2], [3, 4]]), "b": [5, 6]}))
    W = [ 1  2 ]
        [ 3  4 ]
    b = [ 5  6 ]
    """
    if isinstance(v, str):
        from nnsteps.render.latex_text import latex_to_text

        return latex_to_text(v)
    if isinstance(v, np.ndarray):
        return text_matrix(v, stack=stack)
    if isinstance(v, (list, tuple)):
        return text_matrix(np.array(v, dtype=object), stack=stack)
    if isinstance(v, dict):
        parts = [_hang(f"{k} = ", text_value(x)) for k, x in v.items()]
        return ("\n" if any("\n" in p for p in parts) else ", ").join(parts)
    return number_text(v)


def _hang(label: str, text: str) -> str:
    """``label`` before a value; a matrix's further rows indented under its first (``W = [ 1 ]`` / ``    [ 2 ]``)."""
    return label + text.replace("\n", "\n" + " " * len(label))


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
