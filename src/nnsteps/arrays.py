"""Turning what users type into arrays: nested lists, NumPy arrays, "1 2; 3 4", LaTeX matrices.

Exact input (ints, decimals as text, fractions) becomes an ``object`` array of ``int`` and
``Fraction``; a NumPy float array stays ``float64``. Rectangularity and size are checked here,
with errors that say what was expected and what came.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps import limits
from nnsteps.errors import NnstepsError
from nnsteps.numbers import Irrational, normalize, parse_number

_ENV_RE = re.compile(r"\\begin\{([pbvBV]?matrix|array)\}(\{[^}]*\})?(?P<body>.*?)\\end\{\1\}", re.S)


def as_array(value: Any, *, name: str = "array", ndim: tuple[int, ...] | None = None) -> np.ndarray:
    """An exact (object) or float64 array from any accepted matrix input.

    >>> as_array("1 2; 3 4").tolist()
    [[1, 2], [3, 4]]
    >>> as_array(r"\\begin{bmatrix} 0.5 & 1 \\\\ 2 & 3 \\end{bmatrix}").tolist()
    [[Fraction(1, 2), 1], [2, 3]]
    >>> as_array("1 2 3 4", ndim=(2, 3)).shape, as_array("1 2 3 4").shape
    ((1, 4), (4,))
    >>> as_array([[1, 2], [3]])
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field array: rows must all have the same length: row 0 has 2 entries, row 1 has 1 entry
    """
    try:
        arr = _convert(value, name)
    except NnstepsError as err:
        raise err.located(field=name) from None
    if ndim is not None and arr.ndim == 1 and 1 not in ndim and 2 in ndim and isinstance(value, str):
        arr = arr.reshape(1, -1)  # "1 2 3 4" typed where a grid is expected reads as its one row: 1×W
    if ndim is not None and arr.ndim not in ndim:
        allowed = " or ".join(f"{d}-D" for d in ndim)
        raise NnstepsError(f"expected a {allowed} array, got shape {_shape(arr)}", field=name)
    if arr.size == 0:
        raise NnstepsError("expected a non-empty array, got an empty one", field=name)
    return arr


def is_exact_array(arr: np.ndarray) -> bool:
    """Whether an array holds exact numbers (object dtype of int/Fraction).

    >>> is_exact_array(as_array("1 2")), is_exact_array(np.ones(2))
    (True, False)
    """
    return arr.dtype == object and all(
        isinstance(v, (int, Fraction)) and not isinstance(v, Irrational) for v in arr.flat
    )


def to_float(arr: np.ndarray) -> np.ndarray:
    """A float64 copy of any numeric array.

    >>> to_float(as_array("1/2 1")).tolist()
    [0.5, 1.0]
    """
    return np.asarray(arr, dtype=np.float64)


def as_exact(arr: np.ndarray) -> np.ndarray:
    """An object array with ints normalised (Fraction(2, 1) -> 2).

    >>> as_exact(np.array([1, 2])).tolist()
    [1, 2]
    """
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(np.asarray(arr).reshape(-1)):
        flat[i] = normalize(v) if isinstance(v, (int, Fraction)) else (int(v) if isinstance(v, np.integer) else v)
    return out


def unify(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Bring arrays to one number kind: all exact if all are exact, else all float64.

    >>> [a.dtype for a in unify(as_array("1 2"), np.ones(2))]
    [dtype('float64'), dtype('float64')]
    """
    if all(a.dtype == object for a in arrays) and all(is_exact_array(a) for a in arrays):
        return arrays
    if any(a.dtype == object and not _all_numeric(a) for a in arrays):
        return arrays
    return tuple(to_float(a) for a in arrays)


def _all_numeric(a: np.ndarray) -> bool:
    return all(isinstance(v, (int, float, Fraction)) for v in a.flat)


def _shape(arr: np.ndarray) -> str:
    return "×".join(str(d) for d in arr.shape) if arr.ndim else "scalar"


def _convert(value: Any, name: str) -> np.ndarray:
    if hasattr(value, "value") and hasattr(value, "steps"):  # a Worked result
        value = value.value
    if isinstance(value, np.ndarray):
        return _from_numpy(value)
    if isinstance(value, str):
        return _from_text(value)
    if isinstance(value, (list, tuple)):
        return _from_nested(value)
    return _from_nested([value]).reshape(())


def _from_numpy(value: np.ndarray) -> np.ndarray:
    _check_size(value.size, exact=value.dtype.kind in "iuO")
    if value.dtype.kind == "f":
        if not np.isfinite(value).all():
            raise NnstepsError("expected finite numbers, got nan or inf")
        return value.astype(np.float64, copy=False)
    if value.dtype.kind in "iub":
        return as_exact(value.astype(object))
    if value.dtype == object:
        out = np.empty(value.shape, dtype=object)
        flat = out.reshape(-1)
        for i, v in enumerate(value.reshape(-1)):
            flat[i] = v if isinstance(v, Irrational) else _number(v)
        return out
    raise NnstepsError(f"expected numbers, got an array of dtype {value.dtype}")


def _check_size(size: int, *, exact: bool) -> None:
    limit = limits.MAX_EXACT_ELEMENTS if exact else limits.MAX_ARRAY_ELEMENTS
    if size > limit:
        kind = "exact" if exact else "float"
        hint = "pass a NumPy float array for the fast float path" if exact else None
        raise NnstepsError(f"{kind} arrays are limited to {limit:,} entries, got {size:,}", hint=hint)


def _number(v: Any) -> Any:
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, np.integer):
        return int(v)
    return parse_number(v)


def _from_nested(value: Any) -> np.ndarray:
    shape = _nested_shape(value, [])
    size = 1
    for d in shape:
        size *= d
    _check_size(size, exact=True)
    out = np.empty(shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(_flatten(value)):
        flat[i] = _number(v)
    return out


def _nested_shape(value: Any, path: list[int]) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)):
        return ()
    if len(path) >= limits.MAX_NESTING:
        raise NnstepsError(f"expected an array of at most 4 dimensions, got lists nested over {limits.MAX_NESTING} deep")
    if len(value) == 0:
        raise NnstepsError("expected numbers, got an empty list" + _at(path))
    shapes = [_nested_shape(v, [*path, i]) for i, v in enumerate(value)]
    first = shapes[0]
    for i, s in enumerate(shapes):
        if s != first:
            if not path:
                first_name, other_name = "row 0", f"row {i}"
            else:
                prefix = "".join(f"[{j}]" for j in path)
                first_name, other_name = f"entry {prefix}[0]", f"entry {prefix}[{i}]"
            raise NnstepsError(
                f"rows must all have the same length: {first_name} has {_describe(first)}, "
                f"{other_name} has {_describe(s)}"
            )
    return (len(value), *first)


def _describe(shape: tuple[int, ...]) -> str:
    if not shape:
        return "a number"
    if len(shape) == 1:
        return f"{shape[0]} entr{'y' if shape[0] == 1 else 'ies'}"
    return "shape " + "×".join(map(str, shape))


def _at(path: list[int]) -> str:
    return " at " + "".join(f"[{i}]" for i in path) if path else ""


def _flatten(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _flatten(v)
    else:
        yield value


def text_entries(text: str) -> list[Any]:
    """The entries of matrix text as written (strings), in the shape :func:`as_array` reads it: so a
    checker can show a student's ``0.8333`` as typed, not as the number it parsed.

    >>> text_entries("1 0.50; 3.00 4"), text_entries("1/3 2")
    ([['1', '0.50'], ['3.00', '4']], ['1/3', '2'])
    """
    rows, vector = _text_rows(text)
    return rows[0] if vector else rows


def _from_text(text: str) -> np.ndarray:
    rows, vector = _text_rows(text)
    arr = _from_nested(rows)
    return arr.reshape(-1) if vector else arr


def _text_rows(text: str) -> tuple[list[list[str]], bool]:
    """The rows of matrix text, and whether it is one unbroken line (a vector)."""
    if len(text) > limits.MAX_MATRIX_TEXT:
        raise NnstepsError(f"matrix text is limited to {limits.MAX_MATRIX_TEXT:,} characters, got {len(text):,}")
    body = text.strip()
    m = _ENV_RE.search(body)
    if m:
        rows_text = [r for r in re.split(r"\\\\", m.group("body")) if r.strip() and r.strip() != r"\hline"]
        rows = [[c.strip() for c in r.replace(r"\hline", "").split("&")] for r in rows_text]
    else:
        body = body.strip("[]() \n")
        if body.startswith("[") or "],[" in body.replace(" ", ""):
            raise NnstepsError("expected rows separated by ';' or newlines, got bracketed text; use a YAML list instead")
        rows_text = [r for r in re.split(r"[;\n]", body) if r.strip()]
        rows = [[c for c in re.split(r"[,\s]+", r.strip().strip("[]")) if c] for r in rows_text]
    if not rows:
        raise NnstepsError("expected numbers, got empty text")
    for i, row in enumerate(rows):
        if len(row) != len(rows[0]):
            raise NnstepsError(
                f"rows must all have the same length: row 0 has {len(rows[0])} entries, row {i} has {len(row)}"
            )
    return rows, len(rows) == 1 and ";" not in text and "\n" not in text.strip() and not m  # "1 2 3" is a vector
