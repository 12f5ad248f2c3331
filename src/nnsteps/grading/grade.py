"""Batch grading: every answers file in a directory against one problem file, with a progress
bar, written out as a per-student, per-problem CSV, a JSON summary and Gradescope results.

Submissions are untrusted: a symbolic link (say, to the key) or a file outside the folder is skipped and
reported, two files for one student are a reported conflict (never merged), a student's name becomes a
safe folder name, and text cells of the CSV cannot start a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnsteps.budget import Budget
from nnsteps.errors import NnstepsError
from nnsteps.escape import printable
from nnsteps.files import csv_text, write_folder
from nnsteps.grading.check import Grader, Report
from nnsteps.grading.pool import Outcome, grade_each
from nnsteps.work import heading

ANSWER_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class Batch:
    """Reports per student; ``errors`` holds students whose file could not be read or was skipped (and why)."""

    reports: dict[str, Report] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem_ids: list[str] = field(default_factory=list)
    max_score: float = 0.0
    folders: dict[str, str] = field(default_factory=dict)
    """Student -> the safe folder name of their ``gradescope/<folder>/results.json`` (default: ``safe_name``)."""

    @property
    def all_correct(self) -> bool:
        return not self.errors and all(r.correct for r in self.reports.values())


def submissions(directory: Path) -> list[Path]:
    """The answers files of a directory that can be graded, sorted by name (one per student, named by the file).

    >>> submissions(Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field SUBMISSIONS: no such directory: /nonexistent
    """
    return sorted(scan(directory)[0].values())


def scan(directory: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """Student -> answers file, and student -> why their submission is not graded.

    Students are named by :func:`printable` file names. Skipped and reported: symbolic links (a link to the key would score full marks), files that resolve
    outside the folder, anything but a regular file, and every file of a student who has two (``ann.yaml``
    and ``ann.json``, or two names that make one folder name): a conflict is never merged.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("ann.yaml", "ann.json", "bo.yaml"):
    ...     _ = (folder / name).write_text("q: 1")
    >>> (folder / "key.yaml").symlink_to(folder / "bo.yaml")
    >>> files, skipped = scan(folder)
    >>> sorted(files), skipped["key"], skipped["ann"]
    (['bo'], 'skipped: key.yaml is a symbolic link', 'skipped: two answers files for one student (ann.json, ann.yaml); neither is graded')
    """
    if not directory.is_dir():
        raise NnstepsError(f"no such directory: {directory}", field="SUBMISSIONS")
    root = directory.resolve()
    found: dict[str, list[str]] = {}
    reasons: dict[str, str] = {}
    files: dict[str, Path] = {}
    with os.scandir(directory) as entries:
        for entry in entries:
            name = entry.name
            if Path(name).suffix.lower() not in ANSWER_SUFFIXES:
                continue
            student = printable(Path(name).stem)  # "...yaml" is student "..": a name, never a path
            found.setdefault(safe_name(student), []).append(name)
            path = directory / name
            if entry.is_symlink():
                reasons[student] = f"skipped: {name} is a symbolic link"
            elif not path.resolve().is_relative_to(root):
                reasons[student] = f"skipped: {name} resolves outside {directory}"
            elif not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                reasons[student] = f"skipped: {name} is not a regular file"
            else:
                files[student] = path
    if not found:
        raise NnstepsError(f"no .yaml, .yml or .json answers files in {directory}", field="SUBMISSIONS")
    for names in found.values():
        if len(names) > 1:
            for name in names:
                student = printable(Path(name).stem)
                files.pop(student, None)
                reasons[student] = (f"skipped: two answers files for one student ({', '.join(sorted(names))}); "
                                    "neither is graded")
    return files, reasons


def safe_name(student: str) -> str:
    """A folder name for a student that stays inside ``gradescope/``: letters, digits, ``.``, ``-`` and ``_``
    only, no path separators, control characters, ``.`` or ``..``.

    >>> safe_name("ana.lopez@uni.edu"), safe_name(".."), safe_name("../../etc"), safe_name("José")
    ('ana.lopez_uni.edu', 'student-2e2e', 'etc', 'José')
    """
    name = re.sub(r"[^\w.-]+", "_", student).strip("._-")[:100]
    return name or "student-" + student.encode("utf-8", "surrogatepass").hex()[:32]


def grade_directory(grader: Grader, directory: Path, *, progress: bool = False, budget: Budget | None = None) -> Batch:
    """Grade every answers file in ``directory``; a file that cannot be read is recorded, not fatal. With a
    ``budget``, each student is graded in a worker of their own (:mod:`nnsteps.grading.pool`).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "ann.yaml").write_text("q: [1, 0]"), (folder / "eve.json").write_text("{")
    >>> batch = grade_directory(Grader({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}), folder)
    >>> {s: r.score for s, r in batch.reports.items()}, list(batch.errors)
    ({'ann': 1.0}, ['eve'])
    """
    files, skipped = scan(directory)
    batch = Batch(problem_ids=list(grader.ids), max_score=sum(k.points for k in grader._keys))
    batch.errors.update(skipped)
    for student in files:
        batch.folders[student] = safe_name(student)
    _record(batch, grade_each(grader, sorted(files.items()), budget=budget, progress=progress))
    return batch


def _record(batch: Batch, outcomes: list[Outcome]) -> None:
    for student, report, error in outcomes:
        if report is not None:
            batch.reports[student] = report
        else:
            batch.errors[student] = error or "not graded"


def grade_submissions(grader: Grader, answers: dict[str, Any], *, progress: bool = False,
                      budget: Budget | None = None) -> Batch:
    """Grade answers already read (student -> answers, e.g. from an LMS response report), like a folder.

    >>> g = Grader({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    >>> {s: r.score for s, r in grade_submissions(g, {"ann": {"q": ["1", "0"]}, "bo": {"q": ["1", None]}}).reports.items()}
    {'ann': 1.0, 'bo': 0.5}
    """
    batch = Batch(problem_ids=list(grader.ids), max_score=sum(k.points for k in grader._keys))
    for student in answers:
        folder, n = safe_name(student), 1
        while folder in batch.folders.values():  # two names, one folder name: numbered, never merged
            n += 1
            folder = f"{safe_name(student)}-{n}"
        batch.folders[student] = folder
    _record(batch, grade_each(grader, list(answers.items()), budget=budget, progress=progress))
    return batch


def batch_csv(batch: Batch) -> str:
    """One row per student: total, then each problem's score.

    Text cells (names, ids, errors) that a spreadsheet would read as a formula get a leading ``'``, as OWASP
    recommends for CSV injection; scores stay numbers.

    >>> b = Batch(errors={"bob": "bad file", "=HYPERLINK(x)": "-x"}, problem_ids=["q1"], max_score=1.0)
    >>> print(batch_csv(b).strip())
    student,score,max_score,q1,error
    '=HYPERLINK(x),0,1,0,'-x
    bob,0,1,0,bad file
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", *map(csv_text, batch.problem_ids), "error"])
    for student, report in sorted(batch.reports.items()):
        scores = {p.id: p.score for p in report.problems}
        writer.writerow([csv_text(student), _n(report.score), _n(report.max_score),
                         *(_n(scores.get(pid, 0.0)) for pid in batch.problem_ids), ""])
    for student, error in sorted(batch.errors.items()):
        writer.writerow([csv_text(student), 0, _n(batch.max_score), *(0 for _ in batch.problem_ids), csv_text(error)])
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
                "name": heading(p.id, p.title),
                "score": round(p.score, 6),
                "max_score": p.max_score,
                "status": "passed" if p.correct else "failed",
                "output": p.feedback(level, "text"),
            }
            for p in report.problems
        ],
    }


def write_batch(batch: Batch, out_dir: Path, level: str = "full") -> list[Path]:
    """Write ``grades.csv``, ``summary.json`` and ``gradescope/<student>/results.json``, all at once (into a
    temporary folder moved into place at the end).

    >>> import tempfile
    >>> g = Grader({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    >>> out = Path(tempfile.mkdtemp())
    >>> batch = Batch({"ann": g.grade({"q": [1, 0]})}, problem_ids=["q"], max_score=1.0)
    >>> sorted(p.relative_to(out).as_posix() for p in write_batch(batch, out))
    ['grades.csv', 'gradescope/ann/results.json', 'summary.json']
    """
    files = {"grades.csv": batch_csv(batch),
             "summary.json": json.dumps(batch_summary(batch, level), indent=2, ensure_ascii=False)}
    for student, report in sorted(batch.reports.items()):
        folder = batch.folders.get(student) or safe_name(student)
        files[f"gradescope/{folder}/results.json"] = json.dumps(gradescope(report, level), indent=2,
                                                                 ensure_ascii=False)
    return write_folder(out_dir, files)

