"""The problem kinds: each registers its fields and its solver, in one place.

A kind module (``nnsteps.kinds.*``) declares::

    @register("relu", fields={"input": "the array"})
    def solve_relu(p: Problem) -> Worked: ...

Unknown kinds and unknown fields are rejected with a "did you mean".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.work import Worked

COMMON_FIELDS = {"id": "unique problem id", "kind": "the problem kind", "title": "optional title",
                 "points": "points for grading", "description": "optional text shown above the solution"}

T = TypeVar("T")


@dataclass
class Kind:
    name: str
    fields: dict[str, str]
    solve: Callable[[Problem], Worked]
    required: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {}


def register(name: str, *, fields: dict[str, str], required: tuple[str, ...] = ()) -> Callable[[Any], Any]:
    """Register the solver of a problem kind.

    >>> @register("double", fields={"input": "a number"}, required=("input",))
    ... def solve_double(p: Problem) -> Worked:
    ...     return Worked("double", value=2 * p.get("input", int))
    >>> KINDS["double"].solve(Problem({"id": "q", "kind": "double", "input": 21})).value
    42
    >>> del KINDS["double"]
    """

    def deco(fn: Callable[[Problem], Worked]) -> Callable[[Problem], Worked]:
        KINDS[name] = Kind(name, fields, fn, required)
        return fn

    return deco


class Problem:
    """One problem of a file: its id, kind and raw fields, with typed, located accessors.

    >>> p = Problem({"id": "q", "kind": "relu", "input": "1 -2"})
    >>> p.get("input", str)
    '1 -2'
    """

    def __init__(self, raw: dict[str, Any], *, index: int = 0) -> None:
        self.raw = raw
        self.id = str(raw.get("id", f"#{index + 1}"))
        self.kind = raw.get("kind")
        self.title = raw.get("title")

    def has(self, field: str) -> bool:
        return field in self.raw and self.raw[field] is not None

    def get(self, field: str, parse: Callable[[Any], T], default: Any = ...) -> T:
        """Parse one field; errors name this problem and the field."""
        if not self.has(field):
            if default is ...:
                raise NnstepsError("this field is required", problem=self.id, field=field)
            return default  # type: ignore[no-any-return]
        try:
            return parse(self.raw[field])
        except NnstepsError as err:
            raise err.located(problem=self.id, field=field) from None


def kind_of(raw: Any, index: int) -> Kind:
    """Validate the common shape of one problem entry and return its kind.

    >>> import nnsteps.kinds  # registers every kind
    >>> kind_of({"id": "q1", "kind": "relu", "input": "1 -2"}, 0).name
    'relu'
    >>> kind_of({"id": "q1", "kind": "rleu"}, 0)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: problem q1, field kind: unknown kind 'rleu'; known kinds: ... (did you mean 'relu'?)
    """
    if not isinstance(raw, dict):
        raise NnstepsError(f"expected a mapping with id and kind, got {type(raw).__name__}", field=f"problems[{index}]")
    pid = str(raw.get("id", f"#{index + 1}"))
    if "id" not in raw:
        raise NnstepsError("every problem needs an id", problem=pid, field="id")
    name = raw.get("kind")
    if not isinstance(name, str):
        raise NnstepsError(f"expected a kind ({', '.join(sorted(KINDS))}), got {name!r}", problem=pid, field="kind")
    if name not in KINDS:
        raise NnstepsError(
            f"unknown kind '{name}'; known kinds: {', '.join(sorted(KINDS))}",
            problem=pid, field="kind", hint=did_you_mean(name, KINDS),
        )
    kind = KINDS[name]
    allowed = {**COMMON_FIELDS, **kind.fields}
    for key in raw:
        if key not in allowed:
            raise NnstepsError(
                f"unknown field '{key}' for kind {name}; expected one of {', '.join(sorted(kind.fields))}",
                problem=pid, field=str(key), hint=did_you_mean(str(key), allowed),
            )
    for key in kind.required:
        if key not in raw or raw[key] is None:
            raise NnstepsError(f"kind {name} needs this field", problem=pid, field=key)
    return kind
