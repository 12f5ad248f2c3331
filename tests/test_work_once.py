"""Each piece of work once per command: `solve`, `check` (one answers file, a folder of them, an LMS response
report) and `export` read the problem file once, find each problem's kind once and solve each problem once,
sharing the loaded document and the solved keys. The loader, the kind lookup and every kind's solver are
wrapped with counters; the commands run their workers' tasks in this process."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nnsteps import jobs
from nnsteps.export import build
from nnsteps.export.items import load
from nnsteps.export.responses import reference
from nnsteps.problems import load as loader
from nnsteps.problems import registry, solve
from nnsteps.problems.registry import KINDS, find_kind

PIPELINE = {"id": "q3", "kind": "pipeline", "input": "1 -2 0; 3 4 -1; 0 1 2",
            "steps": [{"conv2d": {"kernel": "1 0; 0 1"}}, "relu", {"avg_pool2d": {"kernel_size": 2}}]}
PROBLEMS = [
    {"id": "q1", "kind": "conv2d", "input": "1 2 0; 3 4 1; 0 1 2", "kernel": "1 0; 0 2"},
    {"id": "q2", "kind": "relu", "input": "1 -2 3"},
    PIPELINE,
]
KEY = {"q1": [[9, 4], [5, 8]], "q2": [1, 0, 3], "q3": [[3.75]]}
# Stage 1 wrong at [1][1] (8 for 6); stages 2 and 3 right for that stage 1 (follow-on).
STAGED = {"stages": [[[5, -3], [4, 8]], [[5, 0], [4, 8]], [[4.25]]]}


class Counts:
    """How often the problem file was loaded, and each original problem looked up and solved."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.loads = 0
        self.kind_of: dict[str, int] = {p["id"]: 0 for p in PROBLEMS}
        self.solves: dict[str, int] = {p["id"]: 0 for p in PROBLEMS}
        self.prefixes = 0  # a pipeline re-solved on a prefix of its own stages

    def original(self, raw: Any) -> str | None:
        """The id of the problem entry ``raw`` is (its detail aside), or None for another problem."""
        if not isinstance(raw, dict):
            return None
        bare = {k: v for k, v in raw.items() if k != "detail"}
        return next((p["id"] for p in PROBLEMS if bare == p), None)

    def expected(self) -> dict[str, int]:
        return {p["id"]: 1 for p in PROBLEMS}


@pytest.fixture
def counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Counts:
    return install_counters(tmp_path, monkeypatch)


def install_counters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Counts:
    """Write the problem file, and wrap its loader, the kind lookup and the three kinds' solvers with counters."""
    path = tmp_path / "problems.json"
    path.write_text(json.dumps({"title": "Quiz", "problems": PROBLEMS}))
    counts = Counts(path)

    real_loads = loader.loads

    def loads(text: str, *, source: str = "<input>") -> Any:
        counts.loads += source == counts.path
        return real_loads(text, source=source)

    real_kind_of = registry.kind_of

    def kind_of(raw: Any, index: int) -> Any:
        pid = counts.original(raw)
        if pid is not None:
            counts.kind_of[pid] += 1
        return real_kind_of(raw, index)

    monkeypatch.setattr(loader, "loads", loads)
    monkeypatch.setattr(registry, "kind_of", kind_of)
    monkeypatch.setattr(solve, "kind_of", kind_of)
    for name in ("conv2d", "relu", "pipeline"):
        record = find_kind(name)
        assert record is not None

        def solver(p: Any, _solve: Any = record.solve) -> Any:
            pid = counts.original(p.raw)
            if pid is not None:
                counts.solves[pid] += 1
            steps = p.raw.get("steps")
            # (a re-solve that expands one cell, detail: [[i, j]], is feedback's derivation, not a stage key)
            if p.kind == "pipeline" and p.raw.get("input") == PIPELINE["input"] and isinstance(steps, list) \
                    and not isinstance(p.raw.get("detail"), list) \
                    and len(steps) < len(PIPELINE["steps"]) and steps == PIPELINE["steps"][: len(steps)]:
                counts.prefixes += 1
            return _solve(p)

        monkeypatch.setitem(KINDS._records, name, replace(record, solve=solver))
    return counts


def once(counts: Counts) -> None:
    assert counts.loads == 1
    assert counts.kind_of == counts.expected()
    assert counts.solves == counts.expected()
    assert counts.prefixes == 0


def test_solve_loads_the_file_once_and_solves_each_problem_once(counted: Counts) -> None:
    out = jobs.solve_task(counted.path, "json", None)
    assert [p["answer"] for p in json.loads(out)["problems"]] == [KEY["q1"], KEY["q2"], [[3.75]]]
    once(counted)


def test_check_loads_the_file_once_and_solves_each_problem_once(counted: Counts, tmp_path: Path) -> None:
    answers = tmp_path / "ann.json"
    answers.write_text(json.dumps({**KEY, "q3": STAGED}))
    text, code = jobs.check_task(Path(counted.path), answers, {"fmt": "json", "feedback": "full"})
    verdicts = [c["verdict"] for p in json.loads(text)["problems"] for c in p["cells"]]
    assert code == 1 and verdicts.count("follow-on") == 2 and verdicts.count("wrong") == 1
    once(counted)


def test_batch_check_solves_each_problem_once_for_every_student(counted: Counts, tmp_path: Path) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "ann.json").write_text(json.dumps(KEY))
    (folder / "bo.json").write_text(json.dumps({**KEY, "q2": [1, 0, 2], "q3": STAGED}))
    text, code = jobs.check_task(Path(counted.path), folder, {"fmt": "json", "feedback": "full",
                                                            "out_dir": tmp_path / "grades"})
    assert code == 1 and json.loads(text)["students"] == 2
    once(counted)


def canvas_report(path: Path, out: Path, wrong: dict[tuple[str, int], str]) -> Path:
    """Canvas's Student Analysis report of the file's export: a column per asked cell, "<n>: <question text>"."""
    problem_set = load(path)
    header = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted", "attempt"]
    cells: list[tuple[str, int, str]] = []
    for item in problem_set.items:
        asked = item.asked()
        for part, cell in enumerate(asked, 1):
            text = reference(problem_set, item, part, len(asked)).removeprefix("<p>").removesuffix("</p>")
            header += [f"{5000 + len(cells) + 1}: {text}", "1.0"]
            cells.append((item.id, part, str(cell.value)))
    rows = [header + ["n correct", "n incorrect", "score"]]
    for student, sid, change in (("Ann Lee", "101", {}), ("Kim Bo", "102", wrong)):
        row = [student, sid, f"s{sid}", "NN", "1", "", "2026-11-26 09:40:00 UTC", "1"]
        for pid, part, value in cells:
            row += [change.get((pid, part), value), "0"]
        rows.append(row + ["0", "0", "0"])
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    out.write_text(text.getvalue(), encoding="utf-8")
    return out


def test_lms_regrade_loads_the_file_once_and_solves_each_problem_once(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "problems.json"
    path.write_text(json.dumps({"title": "Quiz", "problems": PROBLEMS}))
    report = canvas_report(path, tmp_path / "student_analysis.csv", {("q2", 3): "2"})
    counted = install_counters(tmp_path, monkeypatch)  # after the report is made
    text, code = jobs.check_task(path, report, {"fmt": "json", "feedback": "score", "out_dir": tmp_path / "grades"})
    scores = {s: r["score"] for s, r in json.loads(text)["reports"].items()}
    assert code == 1 and scores == {"Ann Lee": 3.0, "Kim Bo": pytest.approx(3 - 1 / 3, abs=1e-5)}
    once(counted)


def test_export_loads_the_file_once_and_solves_each_problem_once(counted: Counts) -> None:
    built = build(counted.path, "moodle")
    assert list(built.files) == ["moodle.xml"] and "q3" in str(built.files["moodle.xml"])
    once(counted)
