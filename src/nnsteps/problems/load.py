"""Reading problem and answer files: YAML (safe mode) or JSON, with decimals kept exact.

A YAML or JSON decimal such as ``0.3`` is read as ``Fraction(3, 10)``, never as a binary float.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from nnsteps import limits
from nnsteps.errors import NnstepsError
from nnsteps.files import read_text
from nnsteps.numbers import bounded, decimal_fraction


class _ExactLoader(yaml.SafeLoader):
    """SafeLoader whose floats are exact fractions of the digits the user typed."""


def _exact_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    try:
        return decimal_fraction(text, what="a finite number")
    except NnstepsError as err:
        raise err.located(line=node.start_mark.line + 1, column=node.start_mark.column + 1) from None


def _bounded_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """YAML's ints (also 0x1F, 1_000, 1:30), refusing over-long ones before Python converts them."""
    try:
        if len(str(node.value)) > limits.MAX_NUMBER_DIGITS + 20:
            raise NnstepsError(f"expected a number of at most {limits.MAX_NUMBER_DIGITS} digits, "
                               f"got {len(str(node.value)):,} characters")
        return bounded(yaml.SafeLoader.construct_yaml_int(loader, node))
    except NnstepsError as err:
        raise err.located(line=node.start_mark.line + 1, column=node.start_mark.column + 1) from None


def _json_int(text: str) -> int:
    if len(text) > limits.MAX_NUMBER_DIGITS + 1:
        raise NnstepsError(f"expected a number of at most {limits.MAX_NUMBER_DIGITS} digits, got {len(text):,}")
    return int(text)


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _exact_float)
_ExactLoader.add_constructor("tag:yaml.org,2002:int", _bounded_int)


def loads(text: str, *, source: str = "<input>") -> Any:
    """Parse YAML or JSON text (JSON is YAML) with exact decimals.

    >>> loads("a: 0.3\\nb: [1, 2.5]")
    {'a': Fraction(3, 10), 'b': [1, Fraction(5, 2)]}
    """
    if len(text) > limits.MAX_FILE_BYTES:
        raise NnstepsError(f"{source} is {len(text):,} characters; the limit is {limits.MAX_FILE_BYTES:,}")
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            return json.loads(text, parse_float=decimal_fraction, parse_int=_json_int,
                              parse_constant=_reject_constant)
        except json.JSONDecodeError as err:
            raise NnstepsError(f"{source} is not valid JSON: {err.msg}", line=err.lineno, column=err.colno) from None
    try:
        return yaml.load(text, Loader=_ExactLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "syntax error"
        raise NnstepsError(
            f"{source} is not valid YAML: {problem}",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as err:
        raise NnstepsError(f"{source} is not valid YAML: {err}") from None


def _reject_constant(name: str) -> Any:
    raise NnstepsError(f"expected a finite number, got {name}")


def load_file(path: str | Path) -> Any:
    """Read and parse a YAML or JSON file ('-' reads standard input)."""
    source = "<stdin>" if str(path) == "-" else str(path)
    return loads(read_text(path, limit=limits.MAX_FILE_BYTES, what="problem file"), source=source)
