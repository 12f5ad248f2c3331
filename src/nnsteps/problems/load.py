"""Reading problem and answer files: YAML (safe mode) or JSON, with decimals kept exact.

A YAML or JSON decimal such as ``0.3`` is read as ``Fraction(3, 10)``, never as a binary float.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from nnsteps import limits
from nnsteps.errors import NnstepsError
from nnsteps.files import read_text
from nnsteps.numbers import bounded, decimal_fraction, normalize

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses 10-50x faster


class _TooLarge(Exception):
    """A document over a size limit once its aliases are expanded (the message lacks the source's name)."""


class _Expanded:
    """Measures the document as its aliases expand, before anything is built: an alias counts as a copy."""

    def construct_document(self, node: yaml.Node) -> Any:
        _measure(node)
        return super().construct_document(node)  # type: ignore[misc]


class _ExactLoader(_Expanded, _SafeLoader):  # type: ignore[misc]
    """SafeLoader whose floats are exact fractions of the digits the user typed."""


class _ExactPyLoader(_Expanded, yaml.SafeLoader):
    """The pure-Python loader: its syntax errors say what came ("but got ':'"); used to explain them."""


def _measure(root: yaml.Node) -> None:
    """Refuse a node graph whose expansion holds more than ``limits.MAX_DOCUMENT_VALUES`` values or
    ``limits.MAX_DOCUMENT_CHARS`` characters of scalars.

    Each distinct node is visited once and its expanded size remembered, so a billion-laughs document is
    measured in microseconds without being built (aliases share one node).
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, characters) once expanded
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = (0, len(node.value))
            continue
        children = ([c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode)
                    else list(node.value))
        if not done:
            if key in open_nodes:
                raise _TooLarge(f"nests lists or mappings more than {limits.MAX_NESTING} levels deep "
                                "(a YAML alias refers to itself)")
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        open_nodes.discard(key)
        values = len(node.value) + sum(sizes[id(c)][0] for c in children)
        chars = sum(sizes[id(c)][1] for c in children)
        if values > limits.MAX_DOCUMENT_VALUES:
            raise _TooLarge(f"holds more than {limits.MAX_DOCUMENT_VALUES:,} values (each use of a YAML alias counts)")
        if chars > limits.MAX_DOCUMENT_CHARS:
            raise _TooLarge(f"holds more than {limits.MAX_DOCUMENT_CHARS:,} characters of numbers and text once "
                            "its YAML aliases are expanded (each use of an alias counts)")
        sizes[key] = (values, chars)


def _exact_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = node.value
    if len(text) <= 20 and _PLAIN_DECIMAL.match(text):  # the common case, fast: 0.25, -1.5
        return normalize(Fraction(text))
    try:
        return decimal_fraction(text, what="a finite number")
    except NnstepsError as err:
        raise err.located(line=node.start_mark.line + 1, column=node.start_mark.column + 1) from None


_PLAIN_DECIMAL = re.compile(r"-?\d+\.\d+\Z")


def _bounded_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """YAML's ints (also 0x1F, 1_000, 1:30), refusing over-long ones before Python converts them."""
    if len(node.value) <= 20 and node.value.isdigit() and (node.value[0] != "0" or node.value == "0"):
        return int(node.value)  # the common case, fast (a leading 0 is octal in YAML 1.1)
    try:
        if len(str(node.value)) > limits.MAX_NUMBER_DIGITS + 20:
            raise NnstepsError(f"expected a number of at most {limits.MAX_NUMBER_DIGITS} digits, "
                               f"got {len(str(node.value)):,} characters")
        return bounded(yaml.SafeLoader.construct_yaml_int(loader, node))
    except NnstepsError as err:
        raise err.located(line=node.start_mark.line + 1, column=node.start_mark.column + 1) from None


def _json_float(text: str) -> Any:
    return normalize(Fraction(text)) if len(text) <= 20 and _PLAIN_DECIMAL.match(text) else decimal_fraction(text)


def _json_int(text: str) -> int:
    if len(text) > limits.MAX_NUMBER_DIGITS + 1:
        raise NnstepsError(f"expected a number of at most {limits.MAX_NUMBER_DIGITS} digits, got {len(text):,}")
    return int(text)


def _holding(read: Any, held: list[_Held]) -> Any:
    """``read`` (a JSON number's reader) with its refusal held in place, to be named once the document is read."""
    def hold(text: str) -> Any:
        try:
            return read(text)
        except NnstepsError as err:
            held.append(_Held(err.message))
            return held[-1]
    return hold


for _loader in (_ExactLoader, _ExactPyLoader):
    _loader.add_constructor("tag:yaml.org,2002:float", _exact_float)
    _loader.add_constructor("tag:yaml.org,2002:int", _bounded_int)


def loads(text: str, *, source: str = "<input>") -> Any:
    """Parse YAML or JSON text (JSON is YAML) with exact decimals.

    >>> loads("a: 0.3\\nb: [1, 2.5]")
    {'a': Fraction(3, 10), 'b': [1, Fraction(5, 2)]}
    """
    if len(text) > limits.MAX_FILE_BYTES:
        raise NnstepsError(f"{source} is {len(text):,} characters; the limit is {limits.MAX_FILE_BYTES:,}")
    try:
        document = _parse(text, source)
    except RecursionError:
        raise NnstepsError(f"{source} nests lists or mappings more than {limits.MAX_NESTING} levels deep") from None
    _check_depth(document, source)
    from nnsteps.problems.fields import valid_unicode  # JSON's "\\ud800" escapes decode to lone surrogates

    valid_unicode(document)
    return document


def _check_depth(document: Any, source: str) -> None:
    """Refuse documents nested deeper than ``limits.MAX_NESTING`` or holding more than
    ``limits.MAX_DOCUMENT_VALUES`` values once aliases are expanded (walked without recursion)."""
    level: list[Any] = [document]
    total = 0
    for _ in range(limits.MAX_NESTING + 1):
        total += sum(len(item) for item in level if isinstance(item, (list, dict)))
        if total > limits.MAX_DOCUMENT_VALUES:
            raise NnstepsError(f"{source} holds more than {limits.MAX_DOCUMENT_VALUES:,} values "
                               "(each use of a YAML alias counts)")
        level = [v for item in level if isinstance(item, (list, dict))
                 for v in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return
    raise NnstepsError(f"{source} nests lists or mappings more than {limits.MAX_NESTING} levels deep")


def _parse(text: str, source: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        held: list[_Held] = []  # NaN, Infinity and numbers over the digit limit: named once the document is read

        def non_finite(name: str) -> _Held:
            held.append(_Held(f"expected a finite number, got {name}"))
            return held[-1]

        try:
            data = json.loads(text, parse_float=_holding(_json_float, held), parse_int=_holding(_json_int, held),
                              parse_constant=non_finite)
        except json.JSONDecodeError as err:
            raise NnstepsError(f"{source} is not valid JSON: {err.msg}", line=err.lineno, column=err.colno) from None
        if held:
            _refuse_held(data)
        return data
    try:
        try:
            if _maybe_deep(text):  # libyaml's composer has no depth check: deep text would overflow the C stack
                return yaml.load(text, Loader=_ExactPyLoader)  # noqa: S506 - its depth ends in a RecursionError
            return yaml.load(text, Loader=_ExactLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError:
            if len(text) > _EXPLAIN_CHARS:
                raise
            return yaml.load(text, Loader=_ExactPyLoader)  # noqa: S506 - the same error, in clearer words
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
    except _TooLarge as err:
        raise NnstepsError(f"{source} {err}") from None


_LIBYAML_DEPTH = 5_000
"""Nesting the C parser is trusted with (30,000 levels crash it, 20,000 did not; a document may nest
``limits.MAX_NESTING``). Each level takes a character, so a shorter text is never checked."""

_INDICATOR = re.compile(r"[-?:](?=[ \t\r]|$)", re.M)
_FLOW = re.compile(r"[\[\]{}]")


def _maybe_deep(text: str) -> bool:
    r"""Whether YAML text could nest past :data:`_LIBYAML_DEPTH`, bounded from the text alone: flow brackets
    still open, plus on each line twice its indentation (a level per column, a sequence under a key at the key's)
    and its block indicators (``- - 1`` nests on one line). Cheap and generous: it only picks the slower parser.

    >>> _maybe_deep("a: [[1, -2], [-3, 4]]\nb:\n  - c: 1\n"), _maybe_deep("- " * 6000 + "1"), _maybe_deep("a: " + "[" * 6000)
    (False, True, True)
    """
    if len(text) < _LIBYAML_DEPTH:
        return False
    depth = deepest = 0
    for bracket in _FLOW.findall(text):
        depth = depth + 1 if bracket in "[{" else max(0, depth - 1)
        deepest = max(deepest, depth)
    block = max((2 * (len(line) - len(line.lstrip(" "))) + len(_INDICATOR.findall(line))
                 for line in text.split("\n")), default=0)
    return deepest + block > _LIBYAML_DEPTH


_EXPLAIN_CHARS = 100_000
"""Up to this size a YAML syntax error is re-read by the slower pure-Python parser for its clearer message."""


class _Held:
    """A number JSON holds that is refused (``NaN``, ``±Infinity``, one over the digit limit), held with the
    reason until its place in the document can be named."""

    def __init__(self, message: str) -> None:
        self.message = message


def _refuse_held(data: Any) -> None:
    """The first held number in document order, as one line naming its problem and field.

    >>> _refuse_held({"problems": [{"id": "q", "input": [1, _Held("expected a finite number, got NaN")]}]})
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: problem q, field input[1]: expected a finite number, got NaN
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, _Held):
            break
        if isinstance(value, dict):
            stack.extend(reversed([(v, (*path, str(k))) for k, v in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(v, (*path, i)) for i, v in enumerate(value)]))
    else:
        return
    problem = None
    entry = data["problems"][path[1]] if len(path) > 2 and path[0] == "problems" else None  # a list or a mapping
    if isinstance(entry, dict) and isinstance(pid := entry.get("id"), str):
        problem, path = pid, path[2:]
    elif isinstance(data, dict) and isinstance(data.get("id"), str) and "problems" not in data:  # one problem
        problem = data["id"]
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
    raise NnstepsError(value.message, problem=problem, field=field or None)


def load_file(path: str | Path) -> Any:
    """Read and parse a YAML or JSON file ('-' reads standard input).

    >>> from importlib.resources import files
    >>> doc = load_file(files("nnsteps") / "examples" / "assignment3.yaml")
    >>> doc["problems"][0]["id"], doc["problems"][0]["kind"]
    ('q1a', 'conv2d')
    """
    source = "<stdin>" if str(path) == "-" else str(path)
    return loads(read_text(path, limit=limits.MAX_FILE_BYTES, what="problem file"), source=source)
