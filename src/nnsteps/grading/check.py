"""Checking a student's answers against problems: verdicts per cell, partial credit, the likely
mistake named, follow-on marking, and feedback showing the derivation of the first wrong cell.

Generic over the problem registry: each problem is solved by its own kind's solver and its
``worked.answer`` is the key. An answers file maps problem id -> answer, in the shape of that key.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnsteps.errors import NnstepsError, did_you_mean
from nnsteps.grading.compare import Cell, Comparison, compare, plain
from nnsteps.grading.feedback import LEVELS, derivation, discussed, write_feedback
from nnsteps.grading.tolerance import Tolerance
from nnsteps.work import Step, Worked


@dataclass
class ProblemResult:
    """The grading of one problem."""

    id: str
    kind: str
    max_score: float
    cells: list[Cell]
    answered: bool
    notes: list[str] = field(default_factory=list)
    likely_mistake: str | None = None
    step: Step[Any] | None = None
    title: str | None = None

    @property
    def score(self) -> float:
        if not self.cells or not self.answered:
            return 0.0
        return self.max_score * sum(c.credit for c in self.cells) / len(self.cells)

    @property
    def correct(self) -> bool:
        return self.answered and bool(self.cells) and all(c.credit for c in self.cells) and not self.notes

    def feedback(self, level: str = "full", fmt: str = "text") -> str:
        return write_feedback(self.cells, self.notes, self.likely_mistake, self.step, level, fmt, self.answered)

    def to_dict(self, level: str = "full") -> dict[str, Any]:
        from nnsteps.render.values import json_value

        hide = level != "full"
        return {
            "id": self.id,
            "kind": self.kind,
            "score": round(self.score, 6),
            "max_score": self.max_score,
            "correct": self.correct,
            "cells": [
                {
                    "where": c.where,
                    "expected": None if hide else json_value(c.expected),
                    "given": json_value(c.given) if not isinstance(c.given, (str, dict)) else c.given,
                    "correct": c.correct,
                    "verdict": c.verdict,
                    **({"note": c.note} if c.note else {}),
                }
                for c in self.cells
            ],
            "likely_mistake": self.likely_mistake if level != "score" else None,
            "feedback": self.feedback(level),
        }


@dataclass
class Report:
    """The grading of one answers file against one problem file."""

    problems: list[ProblemResult]
    tolerance: Tolerance
    title: str | None = None
    student: str | None = None

    @property
    def score(self) -> float:
        return sum(p.score for p in self.problems)

    @property
    def max_score(self) -> float:
        return sum(p.max_score for p in self.problems)

    @property
    def correct(self) -> bool:
        return all(p.correct for p in self.problems)

    def to_dict(self, level: str = "full") -> dict[str, Any]:
        return {
            "score": round(self.score, 6),
            "max_score": self.max_score,
            "tolerance": self.tolerance.describe(),
            "problems": [p.to_dict(level) for p in self.problems],
        }

    def render(self, fmt: str = "text", level: str = "full") -> str:
        from nnsteps.grading.report import render_report

        return render_report(self, fmt, level)


@dataclass
class Keys:
    """A problem file solved once, a :class:`Key` per problem: what a :class:`Grader` grades against and
    an exporter exports, so a command that does both solves each problem once."""

    title: str | None
    keys: list[Key]

    def narrowed(self, ids: list[str]) -> Keys:
        """The keys of the problems ``ids`` names, in the file's order.

        >>> solve_keys({"problems": [{"id": "a", "kind": "relu", "input": "1"}, {"id": "b", "kind": "relu",
        ...             "input": "2"}]}).narrowed(["b"]).keys[0].id
        'b'
        """
        return Keys(self.title, [k for k in self.keys if k.id in ids])


def solve_keys(problems: Any, *, each: Callable[[int, dict[str, Any]], None] | None = None) -> Keys:
    """Read a problem file (a path, a parsed document or a ``ProblemFile``) once and solve each problem once;
    ``each(index, entry)`` runs before each problem is solved (a worker's per-problem budget).

    >>> [k.key for k in solve_keys({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}).keys]
    [[1, 0]]
    """
    from nnsteps import limits
    from nnsteps.problems.solve import read_problems

    read = read_problems(problems)
    keys = []
    with limits.work_budget():  # the keys of one file share one budget of exact work
        for i, (raw, kind) in enumerate(zip(read.entries, read.kinds)):
            if each is not None:
                each(i, raw)
            keys.append(Key(raw, i, record=kind))
    return Keys(read.title, keys)


class Grader:
    """The problems of one file solved once (or the :class:`Keys` already solved), ready to grade any number of
    answer sets.

    Every value a problem asks must be answered: one left out is ``missing`` (no credit), unless
    ``allow_missing`` (a practice sheet: the fields given are graded).

    >>> g = Grader({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    >>> g.grade({"q": [1, 0]}).score, g.grade({"q": [1, -2]}).score
    (1.0, 0.5)
    >>> doc = {"problems": [{"id": "q", "kind": "relu", "input": "1 -2", "upstream": "3 4"}]}
    >>> Grader(doc).grade({"q": {"output": [1, 0]}}).score, Grader(doc, allow_missing=True).grade({"q": {"output": [1, 0]}}).score
    (0.5, 1.0)
    """

    def __init__(self, problems: Any, *, rtol: float = 0.001, exact: bool = False, allow_missing: bool = False) -> None:
        self.tol = Tolerance(rtol=rtol, exact=exact)
        solved = problems if isinstance(problems, Keys) else solve_keys(problems)
        self.title, self._keys = solved.title, solved.keys
        self.entries = [k.raw for k in self._keys]
        self.ids = [k.id for k in self._keys]
        self.complete = not allow_missing

    def grade(self, answers: Any, *, student: str | None = None,
              before: Callable[[str], object] | None = None) -> Report:
        """``answers`` graded; ``before(problem_id)`` is told as each problem starts (a worker's budget).

        >>> g = Grader({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
        >>> g.grade({"q": [1, 0]}, before=print).score
        q
        1.0
        """
        given = read_answers(answers, self.ids)
        results = []
        for k in self._keys:
            if before is not None:
                before(k.id)
            results.append(k.check(given.get(k.id), self.tol, complete=self.complete))
        return Report(results, self.tol, self.title, student)


def check(
    problems: Any,
    answers: Any,
    *,
    rtol: float = 0.001,
    exact: bool = False,
    allow_missing: bool = False,
) -> Report:
    """Grade ``answers`` (a path, or a mapping id -> answer) against ``problems`` (a path, or a
    parsed problem document); an asked value left out is ``missing`` unless ``allow_missing``.

    >>> doc = {"problems": [{"id": "q", "kind": "relu", "input": "1 -2; 3 -4"}]}
    >>> r = check(doc, {"q": "1 0; 3 4"})
    >>> r.score, r.max_score, [c.where for c in r.problems[0].cells if not c.credit]
    (0.75, 1.0, ['[1][1]'])
    """
    return Grader(problems, rtol=rtol, exact=exact, allow_missing=allow_missing).grade(answers)


def read_answers(answers: Any, ids: list[str]) -> dict[str, Any]:
    """The answers as a mapping id -> answer; unknown ids are an error naming the closest id.

    Accepts a mapping, a mapping under an ``answers`` key (other keys, such as ``student``, are
    ignored), or a list of ``{id, answer}``.

    >>> read_answers({"answers": {"q1": 3}, "student": "ana"}, ["q1"])
    {'q1': 3}
    """
    if isinstance(answers, (str, Path)):
        from nnsteps.problems.load import load_file

        answers = load_file(answers)
    from nnsteps.problems.fields import valid_unicode

    valid_unicode(answers, "answers")
    if isinstance(answers, dict) and isinstance(answers.get("answers"), (dict, list)):
        answers = answers["answers"]
    if isinstance(answers, list):
        try:
            answers = {str(a["id"]): a.get("answer") for a in answers}
        except (TypeError, KeyError):
            raise NnstepsError("expected a list of {id, answer} entries", field="answers") from None
    if not isinstance(answers, dict):
        raise NnstepsError(f"expected a mapping of problem id to answer, got {type(answers).__name__}",
                           field="answers")
    out: dict[str, Any] = {}
    for key, value in answers.items():
        pid = str(key)
        if pid not in ids:
            if pid in ("student", "name", "email", "sid"):
                continue
            raise NnstepsError(f"the answers name a problem the problem file does not have; its problems are "
                               f"{', '.join(ids)}", problem=pid, hint=did_you_mean(pid, ids))
        out[pid] = value
    return out


def check_problem(
    raw: dict[str, Any], given: Any, tol: Tolerance | None = None, *, allow_missing: bool = False, index: int = 0
) -> ProblemResult:
    """Grade one answer against one problem entry.

    >>> raw = {"id": "q", "kind": "conv2d", "input": "1 2 0; 3 4 1; 0 1 2", "kernel": "1 0; 0 2"}
    >>> r = check_problem(raw, [[6, 5], [7, 10]])
    >>> r.score, r.likely_mistake
    (0.0, 'kernel flipped: true convolution instead of cross-correlation (PyTorch does not flip)')
    """
    return Key(raw, index).check(given, tol or Tolerance(), complete=not allow_missing)


class Key:
    """One problem solved once; its stage keys and wrong-convention answers computed on demand."""

    def __init__(self, raw: dict[str, Any], index: int = 0, *, record: Any = None) -> None:
        from nnsteps.grading.mistakes import without_detail
        from nnsteps.problems.registry import kind_of
        from nnsteps.problems.solve import solve_problem

        self.record = record or kind_of(raw, index)  # the record, when the file's check already found it
        self.raw = raw
        self.id = str(raw["id"])
        self.kind = str(raw["kind"])
        self.points = _points(raw)
        self.index = index
        solved = solve_problem(without_detail(raw), index, kind=self.record)
        self.worked, self.params = solved.worked, solved.problem.params  # parsed by that solve, not again
        self.key: Any = plain(self.worked.answer)
        self._stages: list[Any] | None = None
        self._wrong: dict[tuple[str, ...], list[tuple[str, Any]]] = {}

    def stages(self) -> list[Any]:
        if self._stages is None:
            assert self.record.stages is not None
            self._stages = plain(self.record.stages(self.worked))  # recorded by the solve: nothing re-solved
        return self._stages

    def wrong_answers(self, tol: Tolerance) -> list[tuple[str, Any]]:
        from nnsteps.grading.mistakes import mistaken_answers

        cache_key = (repr(tol),)
        if cache_key not in self._wrong:
            self._wrong[cache_key] = mistaken_answers(copy.deepcopy(self.raw), self.key, tol)
        return self._wrong[cache_key]

    def check(self, given: Any, tol: Tolerance, *, complete: bool = True) -> ProblemResult:
        staged = self.record.stages is not None and isinstance(given, dict) and "stages" in given
        key = {"stages": self.stages()} if staged else self.key
        try:
            result = compare(key, given, tol, complete=complete)
        except NnstepsError as err:
            raise err.located(problem=self.id) from None
        if complete and given is not None:
            _require_asked(key, result)
        answered = given is not None
        if answered and not result.all_credit and self.record.follow_on is not None:
            self.record.follow_on(self.params, given, result, tol)
        out = ProblemResult(self.id, self.kind, self.points, result.cells, answered, result.notes,
                            title=self.raw.get("title"))
        if answered and not result.all_credit:
            self._explain(key, given, result, out, tol, staged)
        return out

    def _explain(self, key: Any, given: Any, result: Comparison, out: ProblemResult, tol: Tolerance,
                 staged: bool) -> None:
        from nnsteps.grading import mistakes

        # The cell discussed is the first one answered wrong, else the first left out ("not answered"); no
        # mistake is named from values the student never wrote.
        wrong = [c for c in result.cells if not c.credit and c.verdict != "missing"]
        first = discussed(result.cells)
        if first is None:
            return
        if staged:
            # Derive the discussed stage's cell from that stage's own problem.
            stage = int(first.path[1])
            sub = {**self.raw, "steps": (self.raw.get("steps") or [])[: stage + 1]}
            sub_cell = Cell(first.path[2:], first.expected, first.given, first.verdict)
            upto = Worked(self.kind, value=None, steps=self.worked.steps[: stage + 1])  # from the one solve
            out.step = derivation(sub, upto, sub_cell)
            stages = given.get("stages")
            if wrong and isinstance(stages, list) and len(stages) == len(key["stages"]):
                out.likely_mistake = mistakes.likely_mistake(self.raw, self.key, stages[-1], tol,
                                                             self.wrong_answers(tol))
        else:
            out.step = derivation(self.raw, self.worked, first)
            if wrong:
                out.likely_mistake = mistakes.likely_mistake(self.raw, self.key, given, tol,
                                                             self.wrong_answers(tol))
        if wrong and out.likely_mistake is None and len(wrong) == 1 and out.step is not None:
            out.likely_mistake = mistakes.sign_slip(first, out.step.substituted)


def _require_asked(key: Any, result: Comparison) -> None:
    """A network's ``ask`` cells must be answered, in ``asked`` or in the layer table's row: one answered
    nowhere is a missing cell (the table itself is a reference, answered in part).

    >>> r = Comparison([Cell(("layers", 0, "neurons"), 8, 8, "correct")])
    >>> _require_asked({"layers": [{"name": "C1", "neurons": 8, "weights": 4}],
    ...                 "asked": {"C1.neurons": 8, "C1.weights": 4}}, r)
    >>> [(c.where, c.verdict) for c in r.cells]
    [('layers[0].neurons', 'correct'), ('asked.C1.weights', 'missing')]
    """
    asked = key.get("asked") if isinstance(key, dict) else None
    if not isinstance(asked, dict):
        return
    rows = {str(r.get("name")).lower(): i for i, r in enumerate(key.get("layers") or []) if isinstance(r, dict)}
    seen = [c.path for c in result.cells]
    for item, value in asked.items():
        layer, _, column = item.rpartition(".")
        homes = [("asked", item)] + ([("layers", rows[layer.lower()], column)] if layer.lower() in rows else []) + \
            ([(item,)] if not layer else [])
        if any(path[: len(home)] == home for path in seen for home in homes):
            continue
        leaves = compare(value, None).cells
        result.cells += [Cell(("asked", item, *c.path), c.expected, None, "missing") for c in leaves]


def _points(raw: dict[str, Any]) -> float:
    from nnsteps.numbers import parse_number

    if raw.get("points") is None:
        return 1.0
    try:
        return float(parse_number(raw["points"]))
    except NnstepsError as err:
        raise err.located(problem=str(raw["id"]), field="points") from None


__all__ = ["LEVELS", "Grader", "Key", "Keys", "ProblemResult", "Report", "check", "check_problem", "read_answers", "solve_keys"]
