"""Solving problem files: validate every problem first, then solve each with its kind's solver."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from nnsteps import limits
from nnsteps.budget import stage
from nnsteps.errors import NnstepsError
from nnsteps.problems.fields import valid_unicode
from nnsteps.problems.load import load_file, loads
from nnsteps.problems.registry import Kind, Problem, kind_of
from nnsteps.work import Worked


@dataclass
class Solved:
    problem: Problem
    worked: Worked


@dataclass
class SolvedFile:
    title: str | None
    solved: list[Solved]


@dataclass(frozen=True)
class ProblemFile:
    """A problem document read and checked once: its title, its entries and each entry's kind record, so a
    command that loads, solves and grades it never reads or validates it again."""

    title: str | None
    entries: list[dict[str, Any]]
    kinds: list[Kind]
    source: str = "<input>"


def read_problems(problems: Any, *, source: str = "<problems>") -> ProblemFile:
    """The problems of a file (a path), of a parsed document, or a :class:`ProblemFile` already read (as is).

    >>> read = read_problems({"problems": [{"id": "a", "kind": "relu", "input": "1 -2"}]})
    >>> [k.name for k in read.kinds], read_problems(read) is read
    (['relu'], True)
    """
    if isinstance(problems, ProblemFile):
        return problems
    if isinstance(problems, (str, Path)):
        return checked(load_file(problems), source=str(problems))
    return checked(problems, source=source)


def problems_of(document: Any, *, source: str = "<input>") -> tuple[str | None, list[dict[str, Any]]]:
    """The title and the problem entries of a parsed document, checked for shape and unique ids.

    >>> problems_of({"title": "Quiz", "problems": [{"id": "a", "kind": "relu", "input": "1 -2"}]})
    ('Quiz', [{'id': 'a', 'kind': 'relu', 'input': '1 -2'}])
    >>> problems_of([{"id": "a", "kind": "relu", "input": "1"}, {"id": "a", "kind": "relu", "input": "2"}])
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: problem a, field id: duplicate id 'a'
    """
    read = checked(document, source=source)
    return read.title, read.entries


def checked(document: Any, *, source: str = "<input>") -> ProblemFile:
    """A parsed document checked for shape and unique ids, each entry with its kind's record.

    >>> checked({"title": "Quiz", "problems": [{"id": "a", "kind": "relu", "input": "1 -2"}]}).kinds[0].name
    'relu'
    """
    if isinstance(document, list):
        document = {"problems": document}
    valid_unicode(document)
    if not isinstance(document, dict) or "problems" not in document:
        raise NnstepsError(f"{source}: expected a mapping with a 'problems' list", field="problems")
    entries = document["problems"]
    if not isinstance(entries, list) or not entries:
        raise NnstepsError(f"{source}: expected a non-empty list of problems", field="problems")
    if len(entries) > limits.MAX_PROBLEMS:
        raise NnstepsError(f"at most {limits.MAX_PROBLEMS} problems per file, got {len(entries)}", field="problems")
    unknown = set(document) - {"title", "problems", "description"}
    if unknown:
        raise NnstepsError(f"unknown top-level key(s): {', '.join(sorted(map(str, unknown)))}; expected title, problems")
    seen: set[str] = set()
    kinds = []
    for i, raw in enumerate(entries):
        kinds.append(kind_of(raw, i))
        pid = str(raw["id"])
        if pid in seen:
            raise NnstepsError(f"duplicate id '{pid}'", problem=pid, field="id")
        seen.add(pid)
    title = document.get("title")
    return ProblemFile(str(title) if title is not None else None, entries, kinds, source)


def solve_problem(raw: dict[str, Any], index: int = 0, *, kind: Kind | None = None) -> Solved:
    """Solve one problem entry (a dict in the problem-file contract); ``kind``, its record when the entry
    was already checked.

    >>> solve_problem({"id": "r", "kind": "relu", "input": "1 -2"}).worked.value.tolist()
    [1, 0]
    """
    kind = kind or kind_of(raw, index)
    problem = Problem(raw, index=index)
    try:
        with limits.work_budget():  # a problem solved on its own has the budget of a file
            worked = kind.solve(problem)
    except NnstepsError as err:
        from nnsteps.irrational.real import OVERFLOW  # here, not above: a plain solve never imports it

        if err.field is None and err.message.startswith(OVERFLOW):
            err.located(field=_largest_field(raw))
        raise err.located(problem=problem.id) from None
    except OverflowError:  # a float function past float64's range (exp of 1e200): one line, not a traceback
        from nnsteps.irrational.real import OVERFLOW

        raise NnstepsError(f"{OVERFLOW}; a float64 function overflowed", problem=problem.id,
                           field=_largest_field(raw)) from None
    if problem.title:  # the author's title names the problem better than the op's default
        worked.title = str(problem.title)
    return Solved(problem, worked)


_MAGNITUDE = re.compile(r"(\d+)(?:\.\d*)?(?:[eE]([+-]?\d+))?")


def _largest_field(raw: dict[str, Any]) -> str | None:
    """The field holding the number of largest magnitude: the one that pushed a result past float64.

    >>> _largest_field({"id": "q", "kind": "attention", "x": "1e200 0; 0 1", "w_q": [[1, 0], [0, 2]]})
    'x'
    """
    def magnitude(value: Any) -> int:
        if isinstance(value, bool):
            return 0
        if isinstance(value, (int, Fraction)):
            return len(str(abs(value.numerator))) - len(str(value.denominator))
        if isinstance(value, float):
            return int(math.log10(abs(value))) if math.isfinite(value) and value else 0
        if isinstance(value, str):
            return max((len(m[1]) + int(m[2] or 0) for m in _MAGNITUDE.finditer(value[:100_000])), default=0)
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, (list, tuple)):
            return max((magnitude(v) for v in value), default=0)
        return 0

    fields = {k: magnitude(v) for k, v in raw.items() if k not in ("id", "kind", "title")}
    return str(max(fields, key=lambda k: fields[k])) if fields else None


def solve_document(document: Any, *, source: str = "<input>") -> SolvedFile:
    """Validate a whole parsed document (or take a :class:`ProblemFile` already checked), then solve every
    problem in order (in a worker, under a time budget each).

    >>> doc = {"title": "Quiz", "problems": [{"id": "a", "kind": "relu", "input": "1 -2"},
    ...                                      {"id": "b", "kind": "relu", "input": "-3 4"}]}
    >>> [s.worked.value.tolist() for s in solve_document(doc).solved]
    [[1, 0], [0, 4]]
    """
    read = document if isinstance(document, ProblemFile) else checked(document, source=source)
    solved = []
    with limits.work_budget():  # all the problems of one file share one budget of exact work
        for i, (raw, kind) in enumerate(zip(read.entries, read.kinds)):
            stage(f"problem {raw['id']}", problem=str(raw["id"]))  # in a worker, each problem has its own time
            solved.append(solve_problem(raw, i, kind=kind))
    return SolvedFile(read.title, solved)


def solve_file(path: str | Path) -> SolvedFile:
    """Load and solve a problem file.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "quiz.yaml"
    >>> _ = path.write_text("problems:\\n  - {id: a, kind: relu, input: '1 -2'}\\n")
    >>> solve_file(path).solved[0].worked.value.tolist()
    [1, 0]
    """
    return solve_document(load_file(path), source=str(path))


def solve_text(text: str) -> SolvedFile:
    """Parse and solve problem-file text.

    >>> solved = solve_text("title: Quiz\\nproblems:\\n  - {id: a, kind: relu, input: '1 -2'}\\n")
    >>> solved.title, solved.solved[0].problem.id, solved.solved[0].worked.value.tolist()
    ('Quiz', 'a', [1, 0])
    """
    return solve_document(loads(text))
