"""The problem kinds: each registers its fields and its solver, in one place.

A kind module (``nnsteps.kinds.*``) declares::

    @register("relu", fields=[Field("input", FieldType.ARRAY, "the array", required=True)])
    def solve_relu(p: Params) -> Worked: ...   # reads p.input, parsed by its Field

Unknown kinds and unknown fields are rejected with a "did you mean"; each field is parsed by its
:class:`~nnsteps.problems.params.Field`, once per problem (:attr:`Problem.params`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.problems.params import Field, FieldType, Params, parse_params
from nnsteps.work import Worked

__all__ = ["Field", "FieldType", "Params", "Problem", "register", "register_stage"]

COMMON_FIELDS = {"id": "unique problem id", "kind": "the problem kind", "title": "optional title",
                 "points": "points for grading", "description": "optional text shown above the solution"}

Stage = Callable[[Any, Params], Worked]
# Likely mistakes: (name, mutation of the raw problem) pairs, or a function of the parsed problem
# returning them (so the grading code they use loads only when grading).
Mistakes = Sequence[tuple[str, Callable[[dict[str, Any]], Any]]] | Callable[[Params], Any]


@dataclass
class Kind:
    """One problem kind, whole: fields, solver, answer shape, checking rules and web-form hints."""

    name: str
    fields: dict[str, str]
    solve: Callable[[Problem | Params], Worked]
    required: tuple[str, ...] = ()
    summary: str = ""
    specs: tuple[Field, ...] = ()
    answer: tuple[str, ...] = ()      # the answer's keys; () when the answer is one array or number
    example: dict[str, Any] | None = None
    mistakes: Mistakes = ()
    follow_on: Callable[..., None] | None = None
    form: dict[str, Any] = field(default_factory=dict)
    stage: Stage | None = None        # the kind as a pipeline stage: (input, parsed fields) -> Worked
    stage_order: int = 0
    stage_input: str = "input"        # the field a pipeline's previous stage fills (an embedding's: indices)
    stages: Callable[[Worked], list[Any]] | None = None   # each stage's key, read from the solved work (pipelines)
    generator: Callable[..., dict[str, Any]] | None = None  # (rng, options) -> a problem (@generator attaches it)
    generator_options: tuple[str, ...] = ()                 # the options the generator accepts
    statement: Callable[[Problem], Any] | None = None  # the question for students (render.statement.Statement)
    generator_ordered: tuple[str, ...] = ()                 # fields whose rows keep their order when varied
    aliases: dict[str, str] = field(default_factory=dict)  # a common name -> the field setting it means ("")

    def likely_mistakes(self, raw: dict[str, Any]) -> list[tuple[str, Any]]:
        """The named wrong conventions of this kind: (name, mutation of the raw problem) pairs, or what a
        callable returns given the parsed problem (parsed leniently: a partial problem has mistakes too).

        >>> [name for name, _ in load_kinds()["conv2d"].likely_mistakes({"stride": 2})][-1]
        'upstream not dilated by the stride in ∂L/∂X'
        """
        if not callable(self.mistakes):
            return list(self.mistakes)
        return list(self.mistakes(parse_params(self.specs, raw, str(raw.get("id", "#1")), lenient=True)))

    def parse(self, raw: dict[str, Any], pid: str | None = None) -> Params:
        """A problem entry of this kind, parsed with its fields (:func:`~nnsteps.problems.params.parse_params`).

        >>> load_kinds()["max_pool2d"].parse({"id": "q", "input": "1 2; 3 4", "kernel_size": 2}).kernel_size
        (2, 2)
        """
        return parse_params(self.specs, raw, pid)


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
             stage_input: str = "input",
             stages: Callable[[Worked], list[Any]] | None = None,
             statement: Callable[[Problem], Any] | None = None,
             aliases: dict[str, str] | None = None) -> Callable[[Any], Any]:
    """Register a problem kind: its solver (the decorated function) and the rest of its record (``aliases``:
    the common names ``nnsteps kinds NAME`` resolves to this kind, each with the field setting it means).

    >>> @register("double", fields=[Field("input", FieldType.INTEGER, "a number", required=True)])
    ... def solve_double(p: Params) -> Worked:
    ...     return Worked("double", value=2 * p.input)
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

    def deco(fn: Callable[[Params], Worked]) -> Callable[[Params], Worked]:
        def solve(problem: Problem | Params) -> Worked:
            return fn(problem.params if isinstance(problem, Problem) else problem)

        solve.__module__, solve.__doc__ = fn.__module__, fn.__doc__  # the kind's home is its solver's module
        KINDS[name] = Kind(name, helps, solve, required, summary=summary or (fn.__doc__ or "").split("\n")[0],
                           specs=specs, answer=answer, example=example, mistakes=mistakes,
                           follow_on=follow_on, form=form or {}, stage=stage, stage_order=stage_order,
                           stage_input=stage_input, stages=stages, statement=statement, aliases=aliases or {})
        return fn

    return deco


def register_stage(name: str, run: Stage, fields: Sequence[Field], *, order: int, **record: Any) -> None:
    """Register a grid kind: a problem reads ``input`` and runs ``run``; a pipeline stage runs the same.

    >>> register_stage("twice", lambda x, p: Worked("twice", value=2 * x), [Field("input", FieldType.NUMBER,
    ...                "a number", required=True)], order=99, summary="doubles")
    >>> KINDS["twice"].solve(Problem({"id": "q", "kind": "twice", "input": 4})).value, KINDS.pop("twice").summary
    (8, 'doubles')
    """

    def solve(p: Params) -> Worked:
        return run(p.input, p)

    solve.__module__ = run.__module__  # the kind's home is the module that registered it
    register(name, fields=fields, stage=run, stage_order=order, **record)(solve)


class Problem:
    """One problem of a file: its id, kind, title, the file's mapping (``raw``, for display and error
    locations) and its fields parsed once by its kind's record (``params``, on first use).

    >>> p = Problem({"id": "q", "kind": "relu", "input": "1 -2"})
    >>> p.params.input.tolist(), p.raw["input"]
    ([1, -2], '1 -2')
    """

    def __init__(self, raw: dict[str, Any], *, index: int = 0) -> None:
        self.raw = raw
        self.id = str(raw.get("id", f"#{index + 1}"))
        self.kind = raw.get("kind")
        self.title = raw.get("title")

    @cached_property
    def params(self) -> Params:
        """The fields parsed by the kind's record: every declared field, defaults filled, read-only."""
        return KINDS[str(self.kind)].parse(self.raw, self.id)


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
