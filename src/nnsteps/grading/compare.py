"""Comparing a student's answer with the key, cell by cell and field by field.

The key is a solved problem's ``worked.answer`` (numbers, arrays, dicts of them, strings); the
student's answer has the same shape, written any way nnsteps reads input: numbers, "p/q" strings,
decimals, "1 2; 3 4" rows or a LaTeX bmatrix for an array. Every leaf becomes one :class:`Cell`.

Tolerance: an integer key needs the exact integer. A key that is not an integer (a fraction or a
float) accepts the exact value, and also a *rounded decimal* (one written with fewer decimals than
the key needs) when it is the key rounded to the digits written (with at least two significant
digits) or lies within a relative error ``rtol`` (default 0.001): :mod:`nnsteps.grading.tolerance`.
A text key is a word or a formula: :mod:`nnsteps.grading.formulas`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.grading.formulas import expression_verdict
from nnsteps.grading.tolerance import Tolerance, number_verdict
from nnsteps.numbers import parse_number

CREDIT = ("correct", "rounded", "follow-on")
WRONG_SHAPE = "wrong shape"


@dataclass
class Cell:
    """One graded entry: where it is, the key's value, the student's, and the verdict.

    ``verdict`` is ``correct``, ``rounded`` (accepted within the tolerance), ``follow-on``
    (wrong, but right given the student's own earlier answer), ``wrong``, ``missing``, or ``review``
    (a formula that could be neither confirmed nor refuted: no credit, marked for a person to look at).
    ``written``: the student's own text of the entry (a token of their matrix text, their string), or
    None where they gave a number (``shown`` then writes its exact value).
    """

    path: tuple[int | str, ...]
    expected: Any
    given: Any
    verdict: str
    note: str | None = None
    written: str | None = None

    @property
    def shown(self) -> str:
        """What the student wrote for this entry: their text verbatim, a number's exact value, ``—`` if missing.

        >>> Cell((0,), 1, 0.8333, "wrong", written="0.8333").shown, Cell((0,), 1, 229000, "wrong").shown
        ('0.8333', '229000')
        >>> Cell((0,), 1, {"w": [0.5, 2]}, "wrong").shown
        '{w: [0.5, 2]}'
        """
        return self.written if self.written is not None else _written(self.given)

    @property
    def where(self) -> str:
        return where_of(self.path)

    @property
    def credit(self) -> bool:
        return self.verdict in CREDIT

    @property
    def correct(self) -> bool:
        return self.verdict in ("correct", "rounded")


@dataclass
class Comparison:
    cells: list[Cell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    shape_noted: list[tuple[int | str, ...]] = field(default_factory=list)

    @property
    def credited(self) -> int:
        return sum(c.credit for c in self.cells)

    @property
    def all_credit(self) -> bool:
        return bool(self.cells) and all(c.credit for c in self.cells)


def where_of(path: tuple[int | str, ...]) -> str:
    """A cell's address: ``[1][2]``, ``grads.w_in``, ``layers[0].params``.

    >>> where_of((1, 2)), where_of(("grads", "w_in")), where_of(("layers", 0, "params"))
    ('[1][2]', 'grads.w_in', 'layers[0].params')
    """
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "answer"


def plain(value: Any) -> Any:
    """The key as plain Python: arrays become nested lists, tuples lists, dict keys strings.

    >>> plain({"a": np.array([1, 2], dtype=object)})
    {'a': [1, 2]}
    """
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value] if value.ndim else plain(value.item())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def compare(expected: Any, given: Any, tol: Tolerance | None = None, *, complete: bool = False) -> Comparison:
    """Grade ``given`` against the key ``expected``, one :class:`Cell` per leaf of the key.

    Mapping answers grade the fields given (all of them when ``complete``, a field left out being
    ``missing``; a layer table's rows and columns always count when given); arrays may be given as
    text; a 1×1 array may be given as a number.

    >>> from fractions import Fraction
    >>> c = compare([[7, 9], [8, 5]], "7 9; 8 6")
    >>> [(x.where, x.verdict) for x in c.cells]
    [('[0][0]', 'correct'), ('[0][1]', 'correct'), ('[1][0]', 'correct'), ('[1][1]', 'wrong')]
    >>> compare(Fraction(1, 3), "0.33").cells[0].verdict
    'rounded'
    """
    out = Comparison()
    _compare(plain(expected), given, (), tol or Tolerance(), complete, out)
    return out


def _compare(exp: Any, giv: Any, path: tuple[int | str, ...], tol: Tolerance, complete: bool, out: Comparison) -> None:
    if isinstance(exp, dict):
        _compare_dict(exp, giv, path, tol, complete, out)
    elif isinstance(exp, list):
        _compare_list(exp, giv, path, tol, complete, out)
    else:
        out.cells.append(leaf(exp, giv, path, tol))


def _compare_dict(
    exp: dict[str, Any], giv: Any, path: tuple[int | str, ...], tol: Tolerance, complete: bool, out: Comparison
) -> None:
    if giv is None:
        giv = {}
    if not isinstance(giv, dict):
        out.notes.append(f"{where_of(path)}: expected its fields {', '.join(exp)} (one entry each), got {_what(giv)}")
        giv = {}
    for key in giv:
        if str(key) not in exp:
            raise NnstepsError(
                f"unknown answer field '{key}'; expected one of {', '.join(exp)}",
                field=where_of((*path, str(key))), hint=did_you_mean(str(key), exp),
            )
    if complete and _is_table(exp):
        complete = False  # a layer table is a reference: its rows, columns and totals count when given
    keys = [k for k in exp if k in giv] if (giv and not complete) else list(exp)
    for key in keys:
        _compare(exp[key], giv.get(key), (*path, key), tol, complete, out)


def _compare_list(
    exp: list[Any], giv: Any, path: tuple[int | str, ...], tol: Tolerance, complete: bool, out: Comparison
) -> None:
    if giv is None:
        for i, e in enumerate(exp):
            _compare(e, None, (*path, i), tol, complete, out)
        return
    exp_shape = _shape(exp)
    mismatch = False
    if exp_shape is not None:  # a numeric array: accept text, squeeze 1-sized axes
        giv = _as_nested(giv)
        giv_shape = _shape(giv) if isinstance(giv, list) else ()
        if giv_shape != exp_shape and giv_shape is not None:
            if _squeezed(giv_shape) == _squeezed(exp_shape):
                giv = np.array(giv, dtype=object).reshape(exp_shape).tolist() if giv_shape else _wrap(giv, exp_shape)
            else:
                mismatch = True
                if not any(path[: len(p)] == p for p in out.shape_noted):
                    shown = ("×".join(map(str, giv_shape)) if len(giv_shape) > 1 else
                             f"{giv_shape[0]} entries" if giv_shape else "a number")
                    out.notes.append(f"{where_of(path)}: expected shape {'×'.join(map(str, exp_shape))}, got {shown}")
                    out.shape_noted.append(path)
    if not isinstance(giv, list):
        giv = [giv]
    giv = _rows_by_name(exp, giv, path)
    start = len(out.cells)
    for i, e in enumerate(exp):
        g = giv[i] if i < len(giv) else None
        if isinstance(e, dict) and g is None and not complete and exp_shape is None:
            continue  # a table row the student left out: rows, like fields, are graded when given
        _compare(e, g, (*path, i), tol, complete, out)
    if mismatch:  # an answer of the wrong shape earns nothing, whatever its overlap with the key
        for cell in out.cells[start:]:
            cell.note = WRONG_SHAPE  # its entries do not line up with the key's: none is "what you wrote here"
            if cell.credit:
                cell.verdict = "wrong"


def _is_table(exp: dict[str, Any]) -> bool:
    """A key holding rows named by layer (a network's layer table), which a student answers in part.

    >>> _is_table({"layers": [{"name": "Conv1", "neurons": 8}], "total_params": 3}), _is_table({"y": [1, 2]})
    (True, False)
    """
    return any(isinstance(v, list) and v and all(isinstance(r, dict) and "name" in r for r in v)
               for v in exp.values())


def _rows_by_name(exp: list[Any], giv: list[Any], path: tuple[int | str, ...]) -> list[Any]:
    """Table rows the student names (``{name: Conv2, ...}``) are matched to the key's rows by name,
    case-insensitively, so a student may answer about any subset of layers in any order.

    >>> _rows_by_name([{"name": "A"}, {"name": "B"}], [{"name": "b", "x": 1}], ())
    [None, {'name': 'b', 'x': 1}]
    """
    named = [e.get("name") for e in exp if isinstance(e, dict)]
    if len(named) != len(exp) or not giv or not all(isinstance(g, dict) and "name" in g for g in giv):
        return giv
    index = {str(n).lower(): i for i, n in enumerate(named)}
    aligned: list[Any] = [None] * len(exp)
    for g in giv:
        key = str(g["name"]).lower()
        if key not in index:
            raise NnstepsError(
                f"no layer named '{g['name']}'; the layers are {', '.join(map(str, named))}",
                field=where_of(path), hint=did_you_mean(str(g["name"]), [str(n) for n in named]),
            )
        aligned[index[key]] = g
    return aligned


def _written(value: Any) -> str:
    """A value the student gave, written as they would: no Python reprs, no separators or rounding."""
    from nnsteps.numbers import to_text

    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_written(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_written(v) for v in value) + "]"
    return to_text(value)


def _what(value: Any) -> str:
    """A student's value described in their terms (never a Python type name).

    >>> _what(0.5), _what("abc"), _what([1, 2])
    ('the number 0.5', "the text 'abc'", 'a list of 2 entries')
    """
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        return f"the text '{value[:40]}{'…' if len(value) > 40 else ''}'"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} entr{'y' if len(value) == 1 else 'ies'}"
    return f"the number {_written(value)}"


def _wrap(value: Any, shape: tuple[int, ...]) -> Any:
    for _ in shape:
        value = [value]
    return value


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in shape if d != 1)


def _shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a rectangular nested list of non-containers, else None."""
    if not isinstance(value, list):
        return None if isinstance(value, dict) else ()
    if not value:
        return None
    inner = [_shape(v) for v in value]
    if any(s is None for s in inner) or len(set(inner)) != 1:
        return None
    first = inner[0]
    assert first is not None
    return (len(value), *first)


def _as_nested(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parse_number(value)
            return value
        except NnstepsError:
            pass
        from nnsteps.arrays import as_array, text_entries

        try:
            as_array(value, name="answer")  # it reads as a matrix: grade its entries as the student wrote them
        except NnstepsError:
            return value
        return text_entries(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return [_as_nested(v) for v in value]
    return value


def leaf(expected: Any, given: Any, path: tuple[int | str, ...] = (), tol: Tolerance | None = None) -> Cell:
    """Grade one leaf: a number, a masked entry (None), a symbolic string or a word.

    >>> from fractions import Fraction
    >>> leaf(7, "7.0").verdict, leaf(7, 7.01).verdict, leaf(Fraction(-22631168, 10**9), "-0.0226").verdict
    ('correct', 'wrong', 'rounded')
    """
    tol = tol or Tolerance()
    if isinstance(given, list) and len(given) == 1 and not isinstance(expected, list):
        given = given[0]
    cell = _leaf(expected, given, path, tol)
    cell.written = given.strip() if isinstance(given, str) else None
    return cell


def _leaf(expected: Any, given: Any, path: tuple[int | str, ...], tol: Tolerance) -> Cell:
    if given is None:
        verdict = "correct" if expected is None else "missing"
        return Cell(path, expected, None, verdict)
    if expected is None:
        masked = isinstance(given, str) and given.strip().lower() in ("masked", "-inf", "null", "none", "—", "-")
        return Cell(path, expected, given, "correct" if masked else "wrong")
    if isinstance(expected, bool):
        return Cell(path, expected, given, "correct" if given == expected else "wrong")
    if isinstance(expected, str):
        verdict, note = expression_verdict(expected, given)
        return Cell(path, expected, given, verdict, note=note)
    try:
        number = parse_number(given, what="a number")
    except NnstepsError:
        return Cell(path, expected, given, "wrong", note=f"not a number: {given!r}")
    return Cell(path, expected, number, number_verdict(expected, number, tol))
