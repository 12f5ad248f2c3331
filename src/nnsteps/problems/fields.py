"""Parsers for problem-file fields. Each takes the raw YAML/JSON value and returns a typed one
or raises :class:`NnstepsError` saying what was expected and what came.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from nnsteps import convargs
from nnsteps.arrays import as_array
from nnsteps.errors import NnstepsError
from nnsteps.numbers import Number, parse_number


def integer(minimum: int = 0, what: str = "an integer") -> Callable[[Any], int]:
    """A parser for one integer >= ``minimum`` (:func:`nnsteps.convargs.integer`).

    >>> integer(1)("2")
    2
    """
    return lambda value: convargs.integer(value, what, minimum)


def pair(minimum: int = 0, what: str = "an integer") -> Callable[[Any], tuple[int, int]]:
    """A parser for an int or a pair ``[h, w]`` (:func:`nnsteps.convargs.pair`).

    >>> pair(1)(2), pair(1)([1, 3])
    ((2, 2), (1, 3))
    """
    return lambda value: convargs.pair(value, what, minimum)


def padding(value: Any) -> tuple[int, int] | str:
    """``same``, ``valid``, an int or a pair (:func:`nnsteps.convargs.padding`).

    >>> padding("same"), padding(1)
    ('same', (1, 1))
    """
    parsed = convargs.padding(value)
    return parsed.value if isinstance(parsed, convargs.PaddingMode) else parsed


def number(value: Any) -> Number:
    """One exact number.

    >>> number("0.15")
    Fraction(3, 20)
    """
    if isinstance(value, (list, dict)):
        raise NnstepsError(f"expected a number, got a {type(value).__name__}")
    return parse_number(value)


def boolean(value: Any) -> bool:
    """true/false (YAML booleans, or the words).

    >>> boolean("yes"), boolean(False)
    (True, False)
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        return value.strip().lower() in ("true", "yes", "on", "1")
    raise NnstepsError(f"expected true or false, got {value!r}")


def choice(*options: str) -> Callable[[Any], str]:
    """A parser for one of a fixed set of words.

    >>> choice("none", "tanh")("TANH")
    'tanh'
    """

    def parse(value: Any) -> str:
        from nnsteps.errors import did_you_mean

        text = str(value).strip().lower() if not isinstance(value, bool) else str(value).lower()
        if text not in options:
            raise NnstepsError(f"expected one of {', '.join(options)}, got {value!r}", hint=did_you_mean(text, options))
        return text

    return parse


def cells(value: Any) -> Any:
    """Which output cells to expand: auto, all, none or a list of cells.

    >>> cells("ALL"), cells([[0, 1]])
    ('all', [[0, 1]])
    """
    if isinstance(value, str):
        return choice("auto", "all", "none")(value)
    if isinstance(value, list) and all(isinstance(c, list) and len(c) in (2, 3, 4) for c in value):
        return [[integer(0, "a cell index")(i) for i in c] for c in value]
    raise NnstepsError(f"expected auto, all, none or a list of [row, col] cells, got {value!r}")


def array(name: str, ndim: tuple[int, ...] | None = None) -> Callable[[Any], np.ndarray]:
    """A parser for a matrix in any accepted form.

    >>> array("input")("1 2; 3 4").shape
    (2, 2)
    """

    def parse(value: Any) -> np.ndarray:
        return as_array(value, name=name, ndim=ndim)

    return parse


def valid_unicode(value: Any, where: str = "") -> None:
    """Refuse text holding a lone surrogate (JSON's ``"\\ud800"``): it cannot be written out as UTF-8, so it
    would fail later in the middle of the output; and text holding a control character other than a tab or
    a line break (``"\\u001b]0;..."``): printed to a terminal, it would retitle it, clear it or rewrite lines.
    The error shows the text escaped, never raw.

    >>> valid_unicode({"q": ["1 2", "ok"]})
    >>> valid_unicode({"problems": [{"id": "q\\ud800"}]})
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field problems[0].id: expected text in valid Unicode, got 'q\\ud800' (a lone surrogate)
    """
    if _all_valid(value):  # the common case, without building a path for every entry
        return
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, sub in item.items():
                name = f"{path}.{key}" if path else str(key)
                if isinstance(key, str):
                    _valid_text(key, f"{path} key" if path else "key")
                stack.append((sub, name))
        elif isinstance(item, list):
            stack.extend((sub, f"{path}[{i}]") for i, sub in enumerate(item))
        elif isinstance(item, str):
            _valid_text(item, path)


def _all_valid(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _CONTROL.search(item):
                return False
            if not item.isascii():
                if _NOT_XML.search(item):
                    return False
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return False
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters but tab, newline and carriage return (C0, DEL and C1: ``\\x9b`` is an 8-bit CSI)."""
_NOT_XML = re.compile("[\ufffe\uffff]")
"""The characters XML 1.0 forbids besides controls and surrogates: a Moodle or Canvas quiz holding one is not XML."""


def _valid_text(text: str, path: str) -> None:
    field = path.encode("unicode_escape").decode("ascii") or None
    # unicode_escape, not backslashreplace: a newline beside the character must not split the one line
    if (control := _CONTROL.search(text)) is not None:
        shown = text[max(0, control.start() - 20):control.start() + 20].encode("unicode_escape").decode("ascii")
        raise NnstepsError(f"expected text without control characters, got '{shown}' (a control character)",
                           field=field)
    if (bad := _NOT_XML.search(text)) is not None:
        shown = text[max(0, bad.start() - 20):bad.start() + 20].encode("unicode_escape").decode("ascii")
        raise NnstepsError(f"expected text without U+FFFE or U+FFFF, got '{shown}' (a character XML forbids)",
                           field=field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = text[:40].encode("unicode_escape").decode("ascii")
        raise NnstepsError(f"expected text in valid Unicode, got '{shown}' (a lone surrogate)", field=field) from None
