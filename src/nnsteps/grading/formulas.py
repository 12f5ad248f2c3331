"""Grading a formula: a text answer against a text key, by value at random exact points.

The answer is read with the safe expression reader (:mod:`nnsteps.expr`), never run as code.
"""

from __future__ import annotations

import functools
import zlib
from typing import Any

from nnsteps import limits
from nnsteps.errors import NnstepsError


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
    >>> expression_verdict("h_0*w_hh", "h_0^(1/10^290)")[1]
    "too large to evaluate: a root of degree about 10^290 (an exponent's denominator), over the limit of 1,000 (column 4)"
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
    from nnsteps.expr import TooLarge, parse, same_value

    key = _key_expression(expected)
    try:
        answer = parse(given, key.symbols())
    except TooLarge as err:  # priced before evaluating: refused in microseconds, whatever it would cost
        why = err.reason if err.reason.startswith("too large") else f"too large to evaluate: {err.reason}"
        return "wrong", f"{why} (column {err.column})"
    except NnstepsError as err:
        return "wrong", f"could not read the answer: {err}"
    result = same_value(key, answer, seed=zlib.crc32(expected.encode("utf-8", "replace")))
    if result.verdict == "equal":
        return "correct", None
    if result.verdict == "different":
        return "wrong", f"differs from the key at {result.point_text()}"
    return "review", f"could not confirm; marked for review ({result.reason})"
