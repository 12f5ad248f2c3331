"""Batch grading: every answers file in a directory against one problem file, with a progress
bar, written out as a per-student, per-problem CSV, a JSON summary and Gradescope results.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.files import write_atomic
from nnsteps.grading.check import Grader, Report

ANSWER_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class Batch:
    """Reports per student; ``errors`` holds students whose file could not be read."""

    reports: dict[str, Report] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem_ids: list[str] = field(default_factory=list)
    max_score: float = 0.0

    @property
    def all_correct(self) -> bool:
        return not self.errors and all(r.correct for r in self.reports.values())


def submissions(directory: Path) -> list[Path]:
    """The answers files of a directory, sorted by name (one per student, named by the file).

    >>> submissions(Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field SUBMISSIONS: no such directory: /nonexistent
    """
    if not directory.is_dir():
        raise NnstepsError(f"no such directory: {directory}", field="SUBMISSIONS")
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in ANSWER_SUFFIXES and p.is_file())
    if not files:
        raise NnstepsError(f"no .yaml, .yml or .json answers files in {directory}", field="SUBMISSIONS")
    return files


def grade_directory(grader: Grader, directory: Path, *, progress: bool = False) -> Batch:
    """Grade every answers file in ``directory``; a file that cannot be read is recorded, not fatal.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "ann.yaml").write_text("q: [1, 0]"), (folder / "eve.json").write_text("{")
    >>> batch = grade_directory(Grader({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}), folder)
    >>> {s: r.score for s, r in batch.reports.items()}, list(batch.errors)
    ({'ann': 1.0}, ['eve'])
    """
    files = submissions(directory)
    batch = Batch(problem_ids=list(grader.ids), max_score=sum(k.points for k in grader._keys))
    iterator: Any = files
    if progress:
        from rich.progress import track

        iterator = track(files, description="grading", transient=True)
    for path in iterator:
        student = path.stem
        try:
            batch.reports[student] = grader.grade(path, student=student)
        except NnstepsError as err:
            batch.errors[student] = str(err)
    return batch


def batch_csv(batch: Batch) -> str:
    """One row per student: total, then each problem's score.

    >>> b = Batch(errors={"bob": "bad file"}, problem_ids=["q1"], max_score=1.0)
    >>> print(batch_csv(b).strip())
    student,score,max_score,q1,error
    bob,0,1,0,bad file
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", *batch.problem_ids, "error"])
    for student, report in sorted(batch.reports.items()):
        scores = {p.id: p.score for p in report.problems}
        writer.writerow([student, _n(report.score), _n(report.max_score),
                         *(_n(scores.get(pid, 0.0)) for pid in batch.problem_ids), ""])
    for student, error in sorted(batch.errors.items()):
        writer.writerow([student, 0, _n(batch.max_score), *(0 for _ in batch.problem_ids), error])
    return out.getvalue()


def _n(x: float) -> str:
    return f"{x:.6g}"


def batch_summary(batch: Batch, level: str = "score") -> dict[str, Any]:
    """The JSON summary: per-problem averages and per-student reports at the given feedback level.

    >>> g = Grader({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    >>> b = Batch(reports={"ann": g.grade({"q": [1, 0]}), "bob": g.grade({"q": [1, -2]})}, problem_ids=["q"],
    ...           max_score=1.0)
    >>> s = batch_summary(b)
    >>> s["graded"], s["mean_score"], s["problems"]
    (2, 0.75, {'q': {'mean': 0.75, 'all_correct': 1}})
    """
    per_problem: dict[str, list[float]] = {pid: [] for pid in batch.problem_ids}
    for report in batch.reports.values():
        for p in report.problems:
            per_problem[p.id].append(p.score)
    n = len(batch.reports)
    return {
        "students": n + len(batch.errors),
        "graded": n,
        "max_score": batch.max_score,
        "mean_score": round(sum(r.score for r in batch.reports.values()) / n, 6) if n else 0.0,
        "problems": {pid: {"mean": round(sum(v) / len(v), 6) if v else 0.0,
                           "all_correct": sum(1 for r in batch.reports.values() for p in r.problems
                                              if p.id == pid and p.correct)}
                     for pid, v in per_problem.items()},
        "errors": batch.errors,
        "reports": {s: r.to_dict(level) for s, r in sorted(batch.reports.items())},
    }


def gradescope(report: Report, level: str = "full") -> dict[str, Any]:
    """Gradescope autograder ``results.json``: score, max_score, one test per problem.

    >>> from nnsteps.grading.check import check
    >>> r = check({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}, {"q": [1, 0]})
    >>> gradescope(r)["tests"][0]["name"], gradescope(r)["score"]
    ('q', 1.0)
    """
    return {
        "score": round(report.score, 6),
        "max_score": report.max_score,
        "output": f"Tolerance: {report.tolerance.describe()}.",
        "tests": [
            {
                "name": p.id + (f": {p.title}" if p.title else ""),
                "score": round(p.score, 6),
                "max_score": p.max_score,
                "status": "passed" if p.correct else "failed",
                "output": p.feedback(level, "text"),
            }
            for p in report.problems
        ],
    }


def write_batch(batch: Batch, out_dir: Path, level: str = "full") -> list[Path]:
    """Write ``grades.csv``, ``summary.json`` and ``gradescope/<student>/results.json``.

    >>> import tempfile
    >>> g = Grader({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    >>> out = Path(tempfile.mkdtemp())
    >>> batch = Batch({"ann": g.grade({"q": [1, 0]})}, problem_ids=["q"], max_score=1.0)
    >>> sorted(p.relative_to(out).as_posix() for p in write_batch(batch, out))
    ['grades.csv', 'gradescope/ann/results.json', 'summary.json']
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [write_atomic(out_dir / "grades.csv", batch_csv(batch)),
               write_atomic(out_dir / "summary.json", json.dumps(batch_summary(batch, level), indent=2,
                                                           ensure_ascii=False))]
    for student, report in sorted(batch.reports.items()):
        folder = out_dir / "gradescope" / student
        folder.mkdir(parents=True, exist_ok=True)
        written.append(write_atomic(folder / "results.json", json.dumps(gradescope(report, level), indent=2,
                                                                 ensure_ascii=False)))
    return written

