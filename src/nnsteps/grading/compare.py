"""Comparing a student's answer with the key, cell by cell and field by field.

The key is a solved problem's ``worked.answer`` (numbers, arrays, dicts of them, strings); the
student's answer has the same shape, written any way nnsteps reads input: numbers, "p/q" strings,
decimals, "1 2; 3 4" rows or a LaTeX bmatrix for an array. Every leaf becomes one :class:`Cell`.

Tolerance: an integer key needs the exact integer. A key that is not an integer (a fraction or a
float) accepts the exact value, and also a *rounded decimal* (one written with fewer decimals than
the key needs) when it is the key rounded to the digits written (with at least two significant
digits) or lies within a relative error ``rtol`` (default 0.001).
"""

from __future__ import annotations

import functools
import math
import zlib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps import limits
from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.numbers import is_exact, parse_number

CREDIT = ("correct", "rounded", "follow-on")


@dataclass(frozen=True)
class Tolerance:
    """How close a rounded decimal must be to a non-integer key.

    >>> Tolerance().describe()
    'exact answers must be exact; a decimal with fewer digits than the key is accepted when it is the key rounded to the digits written (at least 2 significant) or within relative error 0.001'
    >>> Tolerance(exact=True).describe()
    'exact answers must be exact; float answers within relative error 0.001'
    """

    rtol: float = 0.001
    exact: bool = False
    min_digits: int = 2

    def __post_init__(self) -> None:
        """A relative error is a finite number >= 0 (``nan`` would accept nothing, ``inf`` everything).

        >>> Tolerance(rtol=float("nan"))
        Traceback (most recent call last):
        ...
        nnsteps.errors.NnstepsError: field rtol: expected a finite number >= 0, got nan
        """
        ok = isinstance(self.rtol, (int, float)) and not isinstance(self.rtol, bool)
        if not ok or not math.isfinite(self.rtol) or self.rtol < 0:
            raise NnstepsError(f"expected a finite number >= 0, got {self.rtol!r}", field="rtol")

    def describe(self) -> str:
        if self.exact:
            return f"exact answers must be exact; float answers within relative error {self.rtol:g}"
        return (
            "exact answers must be exact; a decimal with fewer digits than the key is accepted when it is "
            f"the key rounded to the digits written (at least {self.min_digits} significant) "
            f"or within relative error {self.rtol:g}"
        )


@dataclass
class Cell:
    """One graded entry: where it is, the key's value, the student's, and the verdict.

    ``verdict`` is ``correct``, ``rounded`` (accepted within the tolerance), ``follow-on``
    (wrong, but right given the student's own earlier answer), ``wrong``, ``missing``, or ``review``
    (a formula that could be neither confirmed nor refuted: no credit, marked for a person to look at).
    """

    path: tuple[int | str, ...]
    expected: Any
    given: Any
    verdict: str
    note: str | None = None

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

    Mapping answers grade the fields given (all of them when ``complete``); arrays may be given
    as text; a 1×1 array may be given as a number.

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
        out.notes.append(f"{where_of(path)}: expected fields {', '.join(exp)}, got {type(giv).__name__}")
        giv = {}
    for key in giv:
        if str(key) not in exp:
            raise NnstepsError(
                f"unknown answer field '{key}'; expected one of {', '.join(exp)}",
                field=where_of((*path, str(key))), hint=did_you_mean(str(key), exp),
            )
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
                    shown = "×".join(map(str, giv_shape)) or "a number"
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
            if cell.credit:
                cell.verdict, cell.note = "wrong", "wrong shape"


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
        from nnsteps.arrays import as_array

        try:
            return as_array(value, name="answer").tolist()
        except NnstepsError:
            return value
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return [_as_nested(v) for v in value]
    return value


def leaf(expected: Any, given: Any, path: tuple[int | str, ...] = (), tol: Tolerance | None = None) -> Cell:
    """Grade one leaf: a number, a masked entry (None), a symbolic string or a word.

    >>> leaf(7, "7.0").verdict, leaf(7, 7.01).verdict, leaf(Fraction(-22631168, 10**9), "-0.0226").verdict
    ('correct', 'wrong', 'rounded')
    """
    tol = tol or Tolerance()
    if isinstance(given, list) and len(given) == 1 and not isinstance(expected, list):
        given = given[0]
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


def number_verdict(expected: Any, given: Any, tol: Tolerance) -> str:
    """``correct``, ``rounded`` or ``wrong`` for one number against a numeric key.

    >>> t = Tolerance()
    >>> number_verdict(Fraction(1, 3), Fraction(33, 100), t), number_verdict(Fraction(1, 3), Fraction(3, 10), t)
    ('rounded', 'wrong')
    >>> number_verdict(Fraction(1, 2), Fraction(49, 100), t)  # more digits than the key: not a rounding
    'wrong'
    """
    if is_exact(expected) and is_exact(given):
        if expected == given:
            return "correct"
        if isinstance(expected, int) or (tol.exact and not _is_float(expected)):
            return "wrong"
        key_digits = decimals(Fraction(expected))
        giv_digits = decimals(Fraction(given))
        if giv_digits is None or (key_digits is not None and giv_digits >= key_digits):
            return "wrong"
        return "rounded" if _close(Fraction(expected), Fraction(given), giv_digits, tol) else "wrong"
    e = float(expected)
    g = float(given)
    if e == g:
        return "correct"
    if isinstance(expected, int):
        return "wrong"
    if abs(g - e) <= 1e-9 * max(abs(e), 1e-300):
        return "correct"  # the float key to within its own precision
    digits = decimals(Fraction(given)) if is_exact(given) else None
    if tol.exact:
        return "rounded" if abs(g - e) <= tol.rtol * abs(e) else "wrong"
    return "rounded" if _close(Fraction(e), Fraction(given), digits, tol) else "wrong"


def _is_float(x: Any) -> bool:
    return isinstance(x, float)


def _close(e: Fraction, g: Fraction, digits: int | None, tol: Tolerance) -> bool:
    if abs(g - e) <= Fraction(tol.rtol) * abs(e):
        return True
    if digits is None or significant_digits(g, digits) < tol.min_digits:
        return False
    return abs(g - e) <= Fraction(1, 2 * 10**digits)


def decimals(x: Fraction) -> int | None:
    """Digits after the decimal point of a terminating fraction, else None.

    >>> decimals(Fraction(1, 8)), decimals(Fraction(7)), decimals(Fraction(1, 3))
    (3, 0, None)
    """
    d = x.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    return max(twos, fives) if d == 1 else None


def significant_digits(x: Fraction, digits: int) -> int:
    """Significant digits of a decimal written with ``digits`` decimals.

    >>> significant_digits(Fraction(125, 10000), 4), significant_digits(Fraction(0), 0)
    (3, 0)
    """
    scaled = abs(int(x * 10**digits))
    return len(str(scaled)) if scaled else 0


def same_expression(expected: str, given: Any) -> bool:
    """Whether a formula equals the key's: the same text, or the same values at random points.

    >>> same_expression("w_in*x_1 + x_2", "x_2 + x_1*w_in")
    True
    """
    return expression_verdict(expected, given)[0] == "correct"


def expression_verdict(expected: str, given: Any) -> tuple[str, str | None]:
    """The verdict and note for a text answer against a text key.

    A key that reads as a formula (nnsteps writes them in SymPy's notation) is compared by value: the
    answer is read with the safe expression reader over the key's own symbols (never run as code),
    then both are evaluated at random exact points (:func:`nnsteps.expr.same_value`; no ``simplify``,
    so no answer can make the check hang). Other keys (words such as a layer type, LaTeX) must match
    the text, spaces aside. An unreadable answer is wrong with the reason; an answer that cannot be
    confirmed either way is marked for review.

    >>> expression_verdict("h_0*w_hh + w_in*x_1", "w_in*x_1 + w_hh*h_0")
    ('correct', None)
    >>> expression_verdict("h_0*w_hh + w_in*x_1", "__import__('os').system('ls')")
    ('wrong', "could not read the answer: at column 1: names may not start with '_', got '__import__'")
    >>> expression_verdict("h_0*w_hh", "h_0 + w_hh")[1]
    'differs from the key at h_0 = 31/7, w_hh = 31/12'
    >>> expression_verdict("conv", "Conv")
    ('wrong', None)
    """
    from nnsteps.expr import Sym

    if not isinstance(given, str):
        given = "" if given is None else str(given)
    if " ".join(expected.split()) == " ".join(given.split()):
        return "correct", None
    key = _key_expression(expected)
    if key is None or isinstance(key, Sym):  # a word or a LaTeX formula: the text must match
        return "wrong", None
    if len(given) > limits.MAX_EXPR_TEXT:  # refused here, before it becomes a cache key
        return "wrong", (f"could not read the answer: {len(given):,} characters, over the limit of "
                         f"{limits.MAX_EXPR_TEXT:,}")
    return _formula_verdict(expected, given)


@functools.lru_cache(maxsize=256)
def _key_expression(text: str) -> Any:
    """The key read as a formula over any names (the key is nnsteps' own text), or None."""
    from nnsteps.expr import parse

    try:
        return parse(text)
    except NnstepsError:
        return None


@functools.lru_cache(maxsize=256)
def _formula_verdict(expected: str, given: str) -> tuple[str, str | None]:
    from nnsteps.expr import parse, same_value

    key = _key_expression(expected)
    try:
        answer = parse(given, key.symbols())
    except NnstepsError as err:
        return "wrong", f"could not read the answer: {err}"
    result = same_value(key, answer, seed=zlib.crc32(expected.encode("utf-8", "replace")))
    if result.verdict == "equal":
        return "correct", None
    if result.verdict == "different":
        return "wrong", f"differs from the key at {result.point_text()}"
    return "review", f"could not confirm; marked for review ({result.reason})"
