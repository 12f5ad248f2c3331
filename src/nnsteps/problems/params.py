"""The field vocabulary and the parsed problem. A :class:`Field` states a kind's field once (name, type,
help, default, example, choices, whether it is required) and that declaration is what parses it; a
problem entry is parsed with its kind's fields into a frozen :class:`Params` at the door, once, and the
solver, the likely mistakes and the stages read that object, never the raw mapping.

Light to import (no NumPy): the parsers of :mod:`nnsteps.problems.fields` load when a field is parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from nnsteps.errors import NnstepsError


class FieldType(StrEnum):
    """What a field holds, and so how it parses; ``nnsteps kinds``, the JSON Schema and the web form read it."""

    ARRAY = "array"          # a matrix in any accepted form: "1 2; 3 4", nested lists, LaTeX
    NUMBER = "number"        # one exact number ("0.3" is 3/10)
    INTEGER = "integer"
    PAIR = "pair"            # an int or [h, w]
    PADDING = "padding"      # an int, [ph, pw], same or valid
    BOOLEAN = "boolean"
    CHOICE = "choice"        # one of Field.choices
    TEXT = "text"            # a string (or a list of lines)
    MAPPING = "mapping"      # a mapping of names to values
    LIST = "list"            # a list of items
    VALUE = "value"          # a number or an array
    CELLS = "cells"          # auto, all, none or a list of [row, col] cells


def as_given(value: Any) -> Any:
    """The value as the file gives it (the op that takes it checks it and names the field).

    >>> as_given([1, 2])
    [1, 2]
    """
    return value


@dataclass(frozen=True)
class Field:
    """One field of a kind: its type, help text, default, an example value, whether it is required, the
    values it may take (``choices``) and its parser (``parse``; by default its type's, see :meth:`read`).
    ``when = (other, values)``: the field applies only while field ``other`` (or its default) is one of
    ``values``; ``instead_of``: the fields it replaces when given. The web form reads both to show only
    the fields that apply; the solver still refuses what does not.

    >>> stride = Field("stride", FieldType.PAIR, "int or [sh, sw]", default=1)
    >>> stride.read([1, 2]), stride.default_value
    ((1, 2), (1, 1))
    >>> Field("momentum", FieldType.NUMBER, "μ", when=("method", ("sgd", "rmsprop"))).when[1]
    ('sgd', 'rmsprop')
    """

    name: str
    type: FieldType
    help: str
    default: Any = None
    required: bool = False
    example: Any = None
    choices: tuple[str, ...] = ()
    unit: str = ""
    when: tuple[str, tuple[str, ...]] | None = None
    instead_of: tuple[str, ...] = ()
    parse: Callable[[Any], Any] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def parser(self) -> Callable[[Any], Any]:
        """The field's parser: ``parse`` if given, else its type's (an array named after the field, a pair
        ``>= 1`` called "a <name>", one of ``choices``, …; text, lists, mappings and values as given).

        >>> Field("dilation", FieldType.PAIR, "int or [h, w]").parser(0)
        Traceback (most recent call last):
        ...
        nnsteps.errors.NnstepsError: expected a dilation >= 1, got 0
        """
        if self.parse is not None:
            return self.parse
        from nnsteps.problems import fields as F

        t = self.type
        if t is FieldType.ARRAY:
            return F.array(self.name)
        if t is FieldType.PAIR:
            return F.pair(1, "a " + self.name.replace("_", " "))
        if t is FieldType.CHOICE:
            return F.choice(*self.choices)
        simple: dict[FieldType, Callable[[Any], Any]] = {
            FieldType.NUMBER: F.number, FieldType.INTEGER: F.integer(0), FieldType.PADDING: F.padding,
            FieldType.BOOLEAN: F.boolean, FieldType.CELLS: F.cells}
        return simple.get(t, as_given)

    def read(self, value: Any) -> Any:
        """Parse one value of this field (errors say what was expected and what came).

        >>> Field("flip", FieldType.BOOLEAN, "true or false").read("yes")
        True
        """
        return self.parser(value)

    @cached_property
    def default_value(self) -> Any:
        """The parsed default (None when the field has none): what a problem that leaves it out reads."""
        return None if self.default is None else self.read(self.default)


class Params:
    """A problem's fields, parsed: read-only, by attribute (``p.stride``) or item (``p["stride"]``), every
    declared field present (its default when the file leaves it out). ``id``, ``kind`` and ``title`` are
    the problem's; :meth:`has` tells whether the file gave a field. Not a ``Mapping``: its methods would
    hide fields of the same name (``values``); ``dict(p)`` and ``**p`` work through :meth:`keys`.

    >>> p = parse_params([Field("stride", FieldType.PAIR, "int or [h, w]", default=1)], {"id": "q", "kind": "k"})
    >>> p.stride, p["stride"], p.has("stride"), p.id
    ((1, 1), (1, 1), False, 'q')
    >>> p.stride = 2
    Traceback (most recent call last):
    ...
    AttributeError: the parameters of problem q are read-only
    """

    __slots__ = ("_values", "_given", "id", "kind", "title")

    def __init__(self, values: dict[str, Any], given: frozenset[str], pid: str, kind: Any = None,
                 title: Any = None) -> None:
        for name, value in (("_values", values), ("_given", given), ("id", pid), ("kind", kind), ("title", title)):
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"kind {self.kind} has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"the parameters of problem {self.id} are read-only")

    def __reduce__(self) -> tuple[Any, ...]:
        return Params, (self._values, self._given, self.id, self.kind, self.title)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Params) and (self.id, self._values) == (other.id, other._values)

    __hash__ = None  # type: ignore[assignment]

    def keys(self) -> Any:
        """The declared fields' names (so ``dict(p)`` and ``**p`` read it).

        >>> list(parse_params([Field("n", FieldType.INTEGER, "n", default=1)], {"id": "q"}).keys())
        ['n']
        """
        return self._values.keys()

    def __repr__(self) -> str:
        return f"Params({self.id!r}, {self._values!r})"

    def has(self, name: str) -> bool:
        """Whether the file gave this field (a value, not null).

        >>> parse_params([Field("n", FieldType.INTEGER, "n", default=1)], {"id": "q", "n": None}).has("n")
        False
        """
        return name in self._given

    def need(self, name: str) -> Any:
        """A field the solver cannot do without here (the record cannot say so: it depends on other fields).

        >>> parse_params([Field("n", FieldType.INTEGER, "n")], {"id": "q"}).need("n")
        Traceback (most recent call last):
        ...
        nnsteps.errors.NnstepsError: problem q, field n: this field is required
        """
        if name not in self._given:
            raise NnstepsError("this field is required", problem=self.id, field=name)
        return self._values[name]

    def replace(self, **values: Any) -> Params:
        """A copy with some fields set to already-parsed values (a stage run backward gets its upstream).

        >>> parse_params([Field("n", FieldType.INTEGER, "n")], {"id": "q"}).replace(n=2).n
        2
        """
        return Params({**self._values, **values}, self._given | frozenset(values), self.id, self.kind, self.title)


def parse_params(specs: Sequence[Field], raw: Mapping[str, Any], pid: str | None = None, *,
                 lenient: bool = False) -> Params:
    """Parse a problem entry with its kind's fields: each given field by its parser (errors name the problem
    and the field), each left out as its default. A required field left out is an error unless ``lenient``
    (the likely mistakes read partial problems).

    >>> p = parse_params([Field("flip", FieldType.BOOLEAN, "flip", default=False)], {"id": "q", "flip": "yes"})
    >>> p.flip, dict(p)
    (True, {'flip': True})
    >>> parse_params([Field("flip", FieldType.BOOLEAN, "flip")], {"id": "q", "flip": "maybe"})
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: problem q, field flip: expected true or false, got 'maybe'
    """
    pid = str(raw.get("id", "#1")) if pid is None else pid
    values: dict[str, Any] = {}
    given = []
    for spec in specs:
        value = raw.get(spec.name)
        if value is None:
            if spec.required and not lenient:
                raise NnstepsError("this field is required", problem=pid, field=spec.name)
            values[spec.name] = spec.default_value
            continue
        try:
            values[spec.name] = spec.read(value)
        except NnstepsError as err:
            raise err.located(problem=pid, field=spec.name) from None
        given.append(spec.name)
    return Params(values, frozenset(given), pid, raw.get("kind"), raw.get("title"))
