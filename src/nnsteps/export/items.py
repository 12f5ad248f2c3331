"""What every exporter works from: the problems of a file solved once by the checker, each answer cell
with its value and the tolerance the checker grants, and the cells a numeric-only format cannot carry.

Generic over kinds: the cells come from the key's shape (``worked.answer``), never from a list of kinds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

LABEL_KEYS = ("name", "type")
"""A string cell under one of these keys names a table row (a layer's name or type): shown, not asked."""


@dataclass(frozen=True)
class Cell:
    """One answer cell: its address (as the checker writes it), its path in the key, and its value."""

    where: str
    path: tuple[int | str, ...]
    value: Any

    @property
    def numeric(self) -> bool:
        return isinstance(self.value, (int, float, Fraction)) and not isinstance(self.value, bool)


@dataclass
class Item:
    """One problem ready to export: its raw entry, its worked solution, its key and cells."""

    id: str
    kind: str
    title: str | None
    raw: dict[str, Any]
    worked: Any
    key: Any
    points: float
    cells: list[Cell] = field(default_factory=list)
    skip: tuple[tuple[int | str, ...], ...] = ()
    """Answer paths the question gives (or that repeat another): shown in the key, never asked."""

    def asked(self) -> list[Cell]:
        """The cells a numeric format asks for (numbers; labels and symbolic cells are not asked)."""
        return [c for c in self.cells if c.numeric]

    def symbolic(self) -> list[Cell]:
        """Cells holding a formula or a word that is an answer (not a row label): numeric formats can't carry them."""
        return [c for c in self.cells if not c.numeric and c.value is not None
                and not (c.path and c.path[-1] in LABEL_KEYS)]


@dataclass
class ProblemSet:
    """A solved problem file: title, items, the parsed document and its fingerprint (for the round trip)."""

    title: str | None
    items: list[Item]
    document: dict[str, Any]
    source: str
    sha256: str
    rtol: float = 0.001
    keys: Any = None
    """The checker's :class:`~nnsteps.grading.check.Keys` the items were made from (a regrade grades against them)."""


def load(problems: Any, *, rtol: float = 0.001) -> ProblemSet:
    """Solve a problem file (path, parsed document or ``ProblemFile`` already read) once, as the checker does,
    into exportable items.

    >>> ps = load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    >>> [(c.where, c.value) for c in ps.items[0].cells], len(ps.sha256)
    ([('[0]', 1), ('[1]', 0)], 64)
    """
    from nnsteps.budget import stage
    from nnsteps.grading.check import solve_keys
    from nnsteps.grading.compare import Tolerance
    from nnsteps.problems.solve import read_problems
    from nnsteps.render.statement import skipped

    Tolerance(rtol=rtol)  # a bad --rtol is the checker's error line
    read = read_problems(problems)
    title, entries = read.title, read.entries
    document = {**({"title": title} if title else {}), "problems": entries}

    def each(i: int, raw: dict[str, Any]) -> None:
        # In a worker: the clock restarts at each problem with the budget of all problems left (a slow
        # problem may use what the fast ones before it left), and names the problem that runs out.
        stage(f"problem {raw['id']}", problem=str(raw["id"]), units=len(entries) - i)

    keys = solve_keys(read, each=each)  # solved as the checker solves them (its keys)
    items = []
    for k in keys.keys:
        item = Item(k.id, k.kind, k.raw.get("title"), k.raw, k.worked, k.key, k.points)
        item.skip = given_answers(k.kind, k.raw)
        item.cells = [c for c in cells(k.key) if not skipped(c.path, item.skip)]
        items.append(item)
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
    return ProblemSet(title, items, document, read.source, digest, rtol, keys)


def given_answers(kind: str, raw: dict[str, Any]) -> tuple[tuple[int | str, ...], ...]:
    """The answer paths a problem's statement does not ask (given in the question, or repeating another).

    >>> given_answers("optimizer", {"id": "o", "kind": "optimizer", "method": "sgd", "params": 1, "grads": [1]})
    (('lr',),)
    """
    from nnsteps.problems.registry import Problem, load_kinds

    record = load_kinds().get(kind)
    return record.statement(Problem(raw)).skip if record is not None and record.statement is not None else ()


def cells(key: Any, path: tuple[int | str, ...] = ()) -> list[Cell]:
    """The leaves of a key in order, addressed as the checker addresses them.

    >>> [(c.where, c.value) for c in cells({"h": [1, 2], "y": Fraction(1, 3)})]
    [('h[0]', 1), ('h[1]', 2), ('y', Fraction(1, 3))]
    """
    from nnsteps.grading.compare import where_of

    if isinstance(key, dict):
        return [c for k, v in key.items() for c in cells(v, (*path, str(k)))]
    if isinstance(key, list):
        return [c for i, v in enumerate(key) for c in cells(v, (*path, i))]
    return [Cell(where_of(path), path, key)]


def tolerance(value: Any, rtol: float) -> float:
    """The absolute tolerance an LMS needs for one numeric key: 0 for an integer (the checker wants it exact),
    else the checker's relative error times the key's size.

    >>> tolerance(7, 0.001), tolerance(Fraction(1, 4), 0.001), tolerance(-2.0, 0.01)
    (0.0, 0.00025, 0.02)
    """
    if isinstance(value, int):
        return 0.0
    return float(abs(Fraction(value)) * Fraction(rtol)) if not isinstance(value, float) else abs(value) * rtol


def number_text(value: Any) -> str:
    """A key as a decimal an LMS reads: exact for integers and terminating fractions, 15 significant
    digits otherwise.

    >>> number_text(7), number_text(Fraction(1, 4)), number_text(Fraction(1, 3)), number_text(0.1)
    ('7', '0.25', '0.333333333333333', '0.1')
    """
    from nnsteps.numbers import is_terminating

    if isinstance(value, int):
        return str(value)
    if isinstance(value, Fraction) and is_terminating(value):
        from decimal import Decimal

        text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return format(float(value), ".15g")


def tex_document_source(item: Item) -> str:
    """The worked solution as Markdown with TeX (``$...$``), as ``nnsteps solve --format markdown`` writes it.

    >>> ps = load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    >>> "$" in tex_document_source(ps.items[0])
    True
    """
    from nnsteps.render.markdown import worked_to_markdown

    return worked_to_markdown(item.worked, heading=item.id, level=3)
