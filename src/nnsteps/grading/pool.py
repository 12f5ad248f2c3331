"""Batch grading with each student in their own budgeted, killable worker, a few at a time.

The key is solved once, here (with its stage keys and likely-mistake answers), and every worker is forked
from this process, so each starts with it ready. A student whose grading runs out of time or memory is
killed and reported ("problem rnn: stopped after 10 s …"), and every other student is graded normally: one
answer can never cost another student's grade. Without fork (or without a budget: the Python API), the
students are graded here, one after another.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from nnsteps.budget import Budget, Unit, Worker, default_method, stage
from nnsteps.errors import NnstepsError
from nnsteps.grading.check import Grader, Report

WORKERS = 2
"""Students graded at once: the machines this runs on have a core or two to spare."""

_GRADER: Grader | None = None
"""The grader the workers are forked with (set just before forking; a worker reads it, never receives it)."""

Outcome = tuple[str, Report | None, str | None]
"""A student, their report, or why there is none."""


def grade_each(grader: Grader, students: Iterable[tuple[str, Any]], *, budget: Budget | None = None,
               progress: bool = False) -> list[Outcome]:
    """Grade each ``(student, answers)`` (answers: a file's path or a mapping), each student in a worker
    under ``budget`` (``budget.seconds`` per problem, ``budget.memory``), :data:`WORKERS` at a time.

    >>> g = Grader({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    >>> [(s, r.score if r else e) for s, r, e in grade_each(g, [("ann", {"q": [1, 0]}), ("bo", {"z": 1})],
    ...                                                      budget=Budget(20))]
    [('ann', 1.0), ('bo', 'problem z: the answers name a problem the problem file does not have; its problems are q')]
    """
    todo = list(students)
    bar = _Progress(len(todo)) if progress else None
    try:
        if budget is not None and default_method() == "fork":  # a worker must be forked to have the key
            return _in_workers(grader, todo, budget, bar)
        out = []
        for student, given in todo:
            out.append(_in_process(grader, student, given))
            if bar:
                bar.advance()
        return out
    finally:
        if bar:
            bar.close()


def _in_process(grader: Grader, student: str, given: Any) -> Outcome:
    try:
        return student, grader.grade(given, student=student), None
    except NnstepsError as err:
        return student, None, str(err)


def _in_workers(grader: Grader, todo: list[tuple[str, Any]], budget: Budget, bar: _Progress | None) -> list[Outcome]:
    import asyncio

    global _GRADER
    _GRADER = grader
    for key in grader._keys:  # solved once, here, rather than once in each worker that needs them
        try:
            key.wrong_answers(grader.tol)
            if key.record.stages is not None:
                key.stages()
        except NnstepsError:  # left to the students' workers, where it was found before: each reports it
            pass

    async def run_all() -> list[Outcome]:
        slots = asyncio.Semaphore(WORKERS)

        async def one(student: str, given: Any) -> Outcome:
            async with slots:
                outcome = await _worker_outcome(Worker(budget, method="fork"), student, given, len(grader.ids))
            if bar:
                bar.advance()
            return outcome

        return list(await asyncio.gather(*(one(s, g) for s, g in todo)))

    try:
        return asyncio.run(run_all())
    finally:
        _GRADER = None


async def _worker_outcome(worker: Worker, student: str, given: Any, problems: int) -> Outcome:
    try:
        report = await worker.call_async(grade_student, student, given, unit=_unit(student, problems))
        return student, report, None
    except NnstepsError as err:
        return student, None, str(err)
    except RuntimeError as err:  # a crash: that student's, reported, never the batch's
        return student, None, _crash(err)
    finally:
        worker.close()


def _unit(student: str, problems: int) -> Unit:
    return Unit(f"student {student}", units=max(1, problems))


def _crash(err: RuntimeError) -> str:
    lines = [line for line in str(err).splitlines() if line.strip()]
    return f"stopped: grading failed ({lines[-1].strip() if lines else 'no reason given'})"


def grade_student(student: str, given: Any) -> Report:
    """In a worker: one student's answers graded against the grader it was forked with, each problem
    under its own budget (a stopped student's message names the problem it was on)."""
    assert _GRADER is not None, "grade_student runs in a worker forked by grade_each"
    return _GRADER.grade(given, student=student,
                         before=lambda pid: stage(f"student {student}, problem {pid}", problem=pid))


class _Progress:
    """A one-line bar on standard error, redrawn as students finish and cleared at the end (no thread, so
    forking stays safe)."""

    def __init__(self, total: int, write: Callable[[str], Any] | None = None) -> None:
        self.total, self.done = total, 0
        self.write = write or sys.stderr.write
        self._draw()

    def advance(self) -> None:
        self.done += 1
        self._draw()

    def close(self) -> None:
        self.write("\r\x1b[2K")
        sys.stderr.flush()

    def _draw(self) -> None:
        filled = 30 * self.done // max(1, self.total)
        self.write(f"\rgrading [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} students")
        sys.stderr.flush()
