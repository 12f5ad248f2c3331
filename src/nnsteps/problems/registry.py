"""The problem kinds: each registers its fields and its solver, in one place.

A kind module (``nnsteps.kinds.*``) declares::

    @register("relu", fields={"input": "the array"})
    def solve_relu(p: Problem) -> Worked: ...

Unknown kinds and unknown fields are rejected with a "did you mean".
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.work import Worked

COMMON_FIELDS = {"id": "unique problem id", "kind": "the problem kind", "title": "optional title",
                 "points": "points for grading", "description": "optional text shown above the solution"}

T = TypeVar("T")


Stage = Callable[[Any, Callable[..., Any]], Worked]
# Likely mistakes: (name, mutation of the raw problem) pairs, or a function of the raw problem
# returning them (so the grading code they use loads only when grading).
Mistakes = Sequence[tuple[str, Callable[[dict[str, Any]], Any]]] | Callable[[dict[str, Any]], Any]


class FieldType(StrEnum):
    """What a field holds; ``nnsteps kinds``, the JSON Schema and the web form read it."""

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


@dataclass(frozen=True)
class Field:
    """One field of a kind: its type, help text, default, an example value, and whether it is required.

    >>> Field("stride", FieldType.PAIR, "int or [sh, sw]", default=1).default
    1
    """

    name: str
    type: FieldType
    help: str
    default: Any = None
    required: bool = False
    example: Any = None
    choices: tuple[str, ...] = ()
    unit: str = ""


@dataclass
class Kind:
    """One problem kind, whole: fields, solver, answer shape, checking rules and web-form hints."""

    name: str
    fields: dict[str, str]
    solve: Callable[[Problem], Worked]
    required: tuple[str, ...] = ()
    summary: str = ""
    specs: tuple[Field, ...] = ()
    answer: tuple[str, ...] = ()      # the answer's keys; () when the answer is one array or number
    example: dict[str, Any] | None = None
    mistakes: Mistakes = ()
    follow_on: Callable[..., None] | None = None
    form: dict[str, Any] = field(default_factory=dict)
    stage: Stage | None = None        # the kind as a pipeline stage: (input, field getter) -> Worked
    stage_order: int = 0
    stages: Callable[[Worked], list[Any]] | None = None   # each stage's key, read from the solved work (pipelines)
    generator: Callable[..., dict[str, Any]] | None = None  # (rng, options) -> a problem (@generator attaches it)
    generator_options: tuple[str, ...] = ()                 # the options the generator accepts

    def likely_mistakes(self, raw: dict[str, Any]) -> list[tuple[str, Any]]:
        """The named wrong conventions of this kind: (name, mutation) pairs, or what a callable returns."""
        return list(self.mistakes(raw) if callable(self.mistakes) else self.mistakes)


class Registry(MutableMapping[str, Kind]):
    """Every registered kind by name, as complete as if every kind module were imported: looking up a
    name imports the module the manifest names for it (:func:`find_kind`), and reading the registry as
    a whole (iterating, its length) imports them all. So solving a file loads the kinds it uses, and
    nothing that reads the registry can tell.

    >>> "relu" in KINDS, "reluu" in KINDS, KINDS["max_pool2d"].name
    (True, False, 'max_pool2d')
    """

    def __init__(self) -> None:
        self._records: dict[str, Kind] = {}

    def __getitem__(self, name: str) -> Kind:
        record = self._records.get(name) or find_kind(name)
        if record is None:
            raise KeyError(name)
        return record

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._records or find_kind(name) is not None)

    def __setitem__(self, name: str, record: Kind) -> None:
        self._records[name] = record

    def __delitem__(self, name: str) -> None:
        del self._records[name]

    def __iter__(self) -> Iterator[str]:
        load_kinds()
        return iter(self._records)

    def __len__(self) -> int:
        load_kinds()
        return len(self._records)

    def __repr__(self) -> str:
        return f"Registry({sorted(self)})"


KINDS = Registry()
_PACKAGE = "nnsteps.kinds"


def manifest() -> dict[str, tuple[str, ...]]:
    """The kinds package's manifest: each kind module and the kinds its import registers.

    >>> manifest()["pool"]
    ('max_pool2d', 'avg_pool2d')
    """
    # The kinds sit above this layer: their package is read by name, as a host reads its plugins' table.
    table: dict[str, tuple[str, ...]] = importlib.import_module(_PACKAGE).MANIFEST
    return table


def home_of(name: str) -> str | None:
    """The module the manifest says registers kind ``name`` (None for a name it does not list).

    >>> home_of("max_pool2d"), home_of("max_pool2e")
    ('nnsteps.kinds.pool', None)
    """
    if not _HOMES:
        _HOMES.update((kind, f"{_PACKAGE}.{module}") for module, kinds in manifest().items() for kind in kinds)
    return _HOMES.get(name)


_HOMES: dict[str, str] = {}   # kind name -> its module, from the manifest


def load_kinds() -> Registry:
    """Import every module the manifest lists (each registers its kinds); idempotent.

    The kinds come in the manifest's order, whichever of them :func:`find_kind` imported first.

    >>> kinds = load_kinds()
    >>> "relu" in kinds and kinds["relu"].summary != ""
    True
    """
    global _loaded
    if not _loaded:
        _loaded = True  # set first: a module that reads the registry as it loads sees what is there
        try:
            for module in manifest():
                importlib.import_module(f"{_PACKAGE}.{module}")
        except BaseException:
            _loaded = False
            raise
        _reorder()
    return KINDS


_loaded = False


def find_kind(name: str) -> Kind | None:
    """The record of kind ``name``, or None if there is none. Imports only the module the manifest
    names for it (a name the manifest does not list imports nothing).

    >>> find_kind("max_pool2d").name, find_kind("max_pool2e")
    ('max_pool2d', None)
    """
    records = KINDS._records
    if name not in records and not _loaded:
        home = home_of(name)
        if home is not None:
            importlib.import_module(home)
    return records.get(name)


def _reorder() -> None:
    """Put the manifest's kinds in its order in the places they hold; kinds registered from elsewhere
    (a test's) keep theirs."""
    rank = {kind: i for i, kind in enumerate(k for kinds in manifest().values() for k in kinds)}
    records = KINDS._records
    placed = iter(sorted((n for n in records if n in rank), key=rank.__getitem__))
    order = [next(placed) if n in rank else n for n in records]
    if order != list(records):
        snapshot = dict(records)
        records.clear()
        records.update((n, snapshot[n]) for n in order)


def attach(name: str, **parts: Any) -> None:
    """Add parts to the record of kind ``name`` (its generator, from the module that registered it).

    >>> @register("double", fields={"input": "a number"})
    ... def solve_double(p: Problem) -> Worked:
    ...     return Worked("double", value=2 * p.get("input", int))
    >>> attach("double", generator_options=("n",))
    >>> KINDS.pop("double").generator_options
    ('n',)
    """
    record = KINDS._records.get(name)
    if record is None:
        raise LookupError(f"kind {name!r} is not registered (register it before attaching to it)")
    KINDS._records[name] = replace(record, **parts)


def register(name: str, *, fields: dict[str, str] | Sequence[Field], required: tuple[str, ...] = (),
             summary: str = "", answer: tuple[str, ...] = (), example: dict[str, Any] | None = None,
             mistakes: Mistakes = (), follow_on: Callable[..., None] | None = None,
             form: dict[str, Any] | None = None, stage: Stage | None = None, stage_order: int = 0,
             stages: Callable[[Worked], list[Any]] | None = None) -> Callable[[Any], Any]:
    """Register a problem kind: its solver (the decorated function) and the rest of its record.

    >>> @register("double", fields={"input": "a number"}, required=("input",))
    ... def solve_double(p: Problem) -> Worked:
    ...     return Worked("double", value=2 * p.get("input", int))
    >>> KINDS["double"].solve(Problem({"id": "q", "kind": "double", "input": 21})).value
    42
    >>> del KINDS["double"]
    """

    if isinstance(fields, dict):
        specs = tuple(Field(k, FieldType.VALUE, v, required=k in required) for k, v in fields.items())
    else:
        specs = tuple(fields)
        required = required or tuple(f.name for f in specs if f.required)
    helps = {f.name: f.help for f in specs}

    def deco(fn: Callable[[Problem], Worked]) -> Callable[[Problem], Worked]:
        KINDS[name] = Kind(name, helps, fn, required, summary=summary or (fn.__doc__ or "").split("\n")[0],
                           specs=specs, answer=answer, example=example, mistakes=mistakes,
                           follow_on=follow_on, form=form or {}, stage=stage, stage_order=stage_order,
                           stages=stages)
        return fn

    return deco


def register_stage(name: str, run: Stage, fields: Sequence[Field], *, order: int, **record: Any) -> None:
    """Register a grid kind: a problem reads ``input`` and runs ``run``; a pipeline stage runs the same.

    >>> register_stage("twice", lambda x, get: Worked("twice", value=2 * x), [Field("input", FieldType.NUMBER,
    ...                "a number", required=True)], order=99, summary="doubles")
    >>> KINDS["twice"].solve(Problem({"id": "q", "kind": "twice", "input": 4})).value, KINDS.pop("twice").summary
    (8, 'doubles')
    """

    def solve(p: Problem) -> Worked:
        from nnsteps.problems.fields import array

        return run(p.get("input", array("input")), p.get)

    solve.__module__ = run.__module__  # the kind's home is the module that registered it
    register(name, fields=fields, stage=run, stage_order=order, **record)(solve)


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

    >>> _ = load_kinds()
    >>> kind_of({"id": "q1", "kind": "relu", "input": "1 -2"}, 0).name
    'relu'
    >>> kind_of({"id": "q1", "kind": "reluu"}, 0)
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: problem q1, field kind: unknown kind 'reluu'; known kinds: ... (did you mean 'relu'?)
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
