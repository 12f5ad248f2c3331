"""The question a problem asks: its kind's student statement (the record's ``statement=`` hook, see
:mod:`nnsteps.render.statement`), plus the answer cells grouped for a form (a matrix of numbers becomes a
grid, any other cell one labelled blank), leaving out the cells the statement gives. No kind is listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nnsteps.export.items import LABEL_KEYS, Cell, Item
from nnsteps.render.statement import Statement, ask_all, build, skipped

HIDDEN = ("id", "kind", "title", "points", "detail")
"""Entry keys that are not givens of the question."""


@dataclass
class Block:
    """Answer cells to lay out together: ``rows`` of cells for a grid, or one row of one cell."""

    where: str
    rows: list[list[Cell]]
    header: list[str] | None = None
    """A table's columns (then ``names`` are its rows' names, and a box per column and row is the space)."""
    names: list[str] | None = None

    @property
    def grid(self) -> bool:
        return len(self.rows) > 1 or len(self.rows[0]) > 1


def summary(item: Item) -> str:
    """The kind's one-line summary from the registry.

    >>> class I: kind = "relu"
    >>> summary(I()) != ""
    True
    """
    from nnsteps.problems.registry import load_kinds

    record = load_kinds().get(item.kind)
    return record.summary if record is not None else item.kind


def statement(item: Item) -> Statement:
    r"""The kind's statement of the problem for students; a kind without a hook gets one from its fields
    (arrays as matrices, other given fields as settings) and asks for every answer key by its label.

    >>> from nnsteps.export.items import load
    >>> st = statement(load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}).items[0])
    >>> st.givens[0].latex
    'X = \\begin{bmatrix} 1 & -2 \\end{bmatrix}'
    """
    from nnsteps.problems.registry import Problem, load_kinds
    from nnsteps.render.answer import label

    record = load_kinds().get(item.kind)
    problem = Problem(item.raw)
    if record is not None and record.statement is not None:
        st: Statement = record.statement(problem)
    else:
        arrays = [(f.name, f.name.replace("_", " ").capitalize(), "") for f in (record.specs if record else ())
                  if f.type == "array"]
        scalars = [(str(n), str(n).replace("_", " "), "", None) for n in item.raw
                   if n not in HIDDEN and n not in {a for a, _, _ in arrays}]
        st = build(problem, "Work out the following.", arrays=arrays, scalars=scalars)
    if not st.asks:
        keys = [k for k in item.key if not skipped((str(k),), st.skip)] if isinstance(item.key, dict) else []
        st.asks = ask_all([label(str(k)).lower() if label(str(k)) != str(k) else str(k) for k in keys]
                          or ["the answer"])
    return st


def key_worked(item: Item) -> Any:
    """The item's worked solution with only the answers its statement asks (no closed forms it did not ask,
    no row of settings), for a key.

    >>> from nnsteps.export.items import load
    >>> item = load({"problems": [{"id": "q", "kind": "moving_average", "values": [1, 2], "beta": 0.5}]}).items[0]
    >>> list(item.worked.answer), list(key_worked(item).answer)
    (['v', 'v_corrected'], ['v'])
    """
    import copy

    worked = copy.copy(item.worked)
    if isinstance(worked.answer, dict):
        worked.answer = {k: v for k, v in worked.answer.items() if (k,) not in item.skip}
    return worked


def givens(item: Item) -> list[tuple[str, str]]:
    """(field, text) for every given of the problem, in the author's order, as YAML-ish text.

    >>> from nnsteps.export.items import load
    >>> givens(load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}).items[0])
    [('input', '1 -2')]
    """
    from nnsteps.generation.generate import dump_yaml

    out = []
    for name, value in item.raw.items():
        if name in HIDDEN:
            continue
        text = value if isinstance(value, str) else dump_yaml(value).strip()
        if text.endswith("\n...") or text.endswith("..."):
            text = text.removesuffix("...").rstrip()
        out.append((str(name), text.rstrip()))
    return out


def blocks(item: Item) -> list[Block]:
    """The asked (numeric) cells grouped: each 2-D list of numbers in the key is one grid block.

    >>> from nnsteps.export.items import load
    >>> item = load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2; 3 -4"}]}).items[0]
    >>> [(b.where, [[c.where for c in r] for r in b.rows]) for b in blocks(item)]
    [('answer', [['[0][0]', '[0][1]'], ['[1][0]', '[1][1]']])]
    """
    from nnsteps.export.items import cells
    from nnsteps.grading.compare import where_of

    out: list[Block] = []

    def walk(value: Any, path: tuple[int | str, ...]) -> None:
        if skipped(path, item.skip):
            return
        if _records(value):  # a layer table: a row per record, a column per asked field
            header = [k for k in value[0] if k not in LABEL_KEYS and not skipped((*path, 0, k), item.skip)]
            rows = [[c for k in header for c in cells(r.get(k), (*path, i, k)) if c.numeric]
                    for i, r in enumerate(value)]
            out.append(Block(where_of(path), rows, header, [str(r.get("name", i + 1)) for i, r in enumerate(value)]))
        elif _matrix(value):
            rows = [[c for c in cells(row, (*path, i)) if c.numeric] for i, row in enumerate(value)]
            out.append(Block(where_of(path), rows))
        elif isinstance(value, list) and _matrix([value]):
            out.append(Block(where_of(path), [cells(value, path)]))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, (*path, str(k)))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, (*path, i))
        else:
            cell = Cell(where_of(path), path, value)
            if cell.numeric:
                out.append(Block(cell.where, [[cell]]))

    walk(item.key, ())
    return [b for b in out if b.rows and b.rows[0]]


def spoken(where: str) -> str:
    """An answer cell's address as a reader's label: a top-level key in words, a deeper address as written
    (the answers file uses it).

    >>> spoken("total_params"), spoken("grads.w_in")
    ('Total parameters', 'grads.w_in')
    """
    from nnsteps.render.answer import label

    return label(where) if where.isidentifier() else where


def _records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) and "name" in r for r in value)


def _matrix(value: Any) -> bool:
    return (isinstance(value, list) and bool(value) and all(isinstance(r, list) and r for r in value)
            and len({len(r) for r in value}) == 1
            and all(Cell("", (), x).numeric for r in value for x in r))
