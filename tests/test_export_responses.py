"""The round trip: assignment3 exported to Moodle and Canvas, a response report synthesised in each LMS's CSV
layout from the exported file alone (Moodle's Responses report: question text as Moodle's text summary, cloze
responses as "part 1: 9; part 2: 4"; Canvas's Student Analysis report: "<id>: <question text>" and points
columns), then `nnsteps check PROBLEMS report.csv` regrades it into the batch output (grades.csv,
summary.json, gradescope/<student>/results.json)."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from fractions import Fraction
from pathlib import Path

import pytest

from nnsteps.export import export

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "examples" / "assignment3.yaml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
BLANK = re.compile(r"\{\d+:NUMERICAL:=([^:}]+):[^}]+\}")
Q = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
EXPORTED = 17  # assignment3's 18 problems but q7 (symbolic answers only), one point each


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nnsteps.cli", *args], env=ENV, capture_output=True, text=True)


def text_of(fragment: str) -> str:
    """HTML as an LMS's plain-text version of it (tags dropped, entities read)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def moodle_report(tmp: Path, perturb: dict[str, tuple[int, str]]) -> Path:
    """Moodle's Responses report of two attempts: ann answers every question with the key in the XML,
    bo the same except ``perturb`` (problem id -> (part index, response))."""
    quiz = ET.parse(export(PROBLEMS, "moodle", tmp / "quiz.xml").written[0]).getroot()
    questions = [q for q in quiz.iter("question") if q.get("type") != "category"]
    header = ["Surname", "First name", "Email address", "State", "Started on", "Completed", "Time taken",
              f"Grade/{len(questions)}.00"]
    for n in range(1, len(questions) + 1):
        header += [f"Question {n}", f"Response {n}", f"Right answer {n}"]
    rows = [header]
    for surname, first, change in (("Lee", "Ann", {}), ("Bo", "Kim", perturb)):
        row = [surname, first, f"{first.lower()}@uni.edu", "Finished", "26 November 2026  9:00 AM",
               "26 November 2026  9:40 AM", "40 mins", "0.00"]
        for q in questions:
            source = q.findtext("questiontext/text")
            summary = text_of(BLANK.sub("_____", source))
            pid = q.findtext("idnumber")
            if q.get("type") == "numerical":
                values = [q.findtext("answer/text")]
            else:
                values = BLANK.findall(source)
            right = values[0] if len(values) == 1 and q.get("type") == "numerical" else \
                "; ".join(f"part {i}: {v}" for i, v in enumerate(values, 1))
            if pid in change:
                values = list(values)
                values[change[pid][0]] = change[pid][1]
            given = values[0] if q.get("type") == "numerical" else \
                "; ".join(f"part {i}: {v}" for i, v in enumerate(values, 1))
            row += [summary, given, right]
        rows.append(row)
    report = tmp / "responses.csv"
    report.write_text("\ufeff" + csv_text(rows), encoding="utf-8")  # Moodle writes a byte-order mark
    return report


def canvas_report(tmp: Path, perturb: dict[tuple[str, int], str]) -> Path:
    """Canvas's Student Analysis report from the QTI zip: one column pair per item (response, points)."""
    z = zipfile.ZipFile(export(PROBLEMS, "canvas", tmp / "quiz.zip").written[0])
    (name,) = [n for n in z.namelist() if n != "imsmanifest.xml"]
    items = list(ET.fromstring(z.read(name)).iter(f"{Q}item"))
    header = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted", "attempt"]
    keys: list[tuple[str, int, str]] = []
    for number, item in enumerate(items, start=5001):
        meta = {f.find(f"{Q}fieldlabel").text: f.find(f"{Q}fieldentry").text for f in item.iter(f"{Q}qtimetadatafield")}
        text = item.find(f"{Q}presentation/{Q}material/{Q}mattext").text
        header += [f"{number}: {re.sub(r'<[^>]+>', '', text)}", meta["points_possible"]]  # Canvas's strip_tags
        pid, part = item.get("ident").rsplit("-", 1)
        keys.append((pid, int(part), item.find(f".//{Q}varequal").text))
    header += ["n correct", "n incorrect", "score"]
    rows = [header]
    for student, sid, change in (("Ann Lee", "101", {}), ("Kim Bo", "102", perturb)):
        row = [student, sid, f"s{sid}", "COMP433", "11", "", "2026-11-26 09:40:00 UTC", "1"]
        for pid, part, value in keys:
            row += [change.get((pid, part), value), "0"]
        rows.append(row + ["0", "0", "0"])
    report = tmp / "student_analysis.csv"
    report.write_text(csv_text(rows), encoding="utf-8")
    return report


def graded(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", encoding="utf-8", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def test_moodle_responses_report_is_regraded_per_student(tmp_path: Path) -> None:
    report = moodle_report(tmp_path, {"q1a": (4, "8")})  # the centre of q1a's 3×3 output: 9, answered 8
    done = cli("check", str(PROBLEMS), str(report), "-o", str(tmp_path / "grades"))
    assert done.returncode == 1, done.stderr  # one answer is wrong
    grades = graded(tmp_path / "grades")
    assert set(grades) == {"ann@uni.edu", "kim@uni.edu"}
    ann, kim = grades["ann@uni.edu"], grades["kim@uni.edu"]
    assert float(ann["score"]) == float(ann["max_score"]) == EXPORTED
    assert "q7" not in ann  # not in the quiz: not graded
    assert float(kim["q1a"]) == pytest.approx(8 / 9, abs=1e-6)
    assert Fraction(kim["score"]) == Fraction(f"{EXPORTED - 1 / 9:.6g}")
    assert all(kim[p] == "1" for p in kim if p.startswith("q") and p != "q1a")
    results = json.loads((tmp_path / "grades" / "gradescope" / "kim_uni.edu" / "results.json").read_text())
    q1a = next(t for t in results["tests"] if t["name"].startswith("q1a"))
    assert "[1][1]" in q1a["output"] and "8" in q1a["output"]  # the derivation of the wrong cell as feedback
    assert "ann@uni.edu" in done.stdout and "17/17" in done.stdout


def test_canvas_student_analysis_is_regraded_per_student(tmp_path: Path) -> None:
    report = canvas_report(tmp_path, {("q6", 3): "0.02"})  # q6's output y = 0.01248 (its 4th numeric cell)
    done = cli("check", str(PROBLEMS), str(report), "--format", "json", "-o", str(tmp_path / "g"))
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    ann, kim = summary["reports"]["Ann Lee"], summary["reports"]["Kim Bo"]
    assert ann["score"] == ann["max_score"] == EXPORTED
    q6 = next(p for p in kim["problems"] if p["id"] == "q6")
    assert [c["where"] for c in q6["cells"] if not c["correct"]] == ["y"]
    assert len(q6["cells"]) == 11 and q6["score"] == pytest.approx(10 / 11, abs=1e-6)  # symbolic cells not graded
    assert kim["score"] == pytest.approx(EXPORTED - 1 / 11, abs=1e-6)
    assert float(graded(tmp_path / "g")["Kim Bo"]["q6"]) == pytest.approx(10 / 11, abs=1e-6)


def test_a_blank_response_is_wrong_not_answered_and_the_cells_not_asked_are_not_required(tmp_path: Path) -> None:
    report = canvas_report(tmp_path, {("q6", 3): ""})  # y left blank
    done = cli("check", str(PROBLEMS), str(report), "--format", "json", "-o", str(tmp_path / "g"))
    assert done.returncode == 1, done.stderr
    q6 = next(p for p in json.loads(done.stdout)["reports"]["Kim Bo"]["problems"] if p["id"] == "q6")
    assert [(c["where"], c["verdict"]) for c in q6["cells"] if not c["correct"]] == [("y", "missing")]
    assert len(q6["cells"]) == 11 and q6["likely_mistake"] is None  # the symbolic cells are not the quiz's
    assert "1 of 11 entries not answered: y." in q6["feedback"]


def test_library_reads_both_layouts_into_answers(tmp_path: Path) -> None:
    from nnsteps.export.items import load
    from nnsteps.export.responses import read_report

    ps = load(PROBLEMS)
    moodle = read_report(moodle_report(tmp_path, {}), ps)
    canvas = read_report(canvas_report(tmp_path, {}), ps)
    assert moodle.lms == "moodle" and canvas.lms == "canvas"
    assert moodle.ids == canvas.ids == [i.id for i in ps.items if i.id != "q7"]
    assert moodle.answers["ann@uni.edu"]["q1a"] == [["7", "9", "8"], ["7", "9", "10"], ["8", "5", "8"]]
    assert canvas.answers["Ann Lee"]["q1e"] == [["9"]]  # the 1×1 output, in the key's shape
    layer = canvas.answers["Ann Lee"]["q2"]["layers"][0]
    assert "name" not in layer and "type" not in layer  # labels are shown, not asked


@pytest.mark.parametrize("case, message", [
    ("layout", r"^error: field report: .*not a Moodle Responses report .* nor a Canvas Student Analysis report"),
    ("unknown", r"^error: problem q99, field report: column 'Question 1' names a problem that is not among the questions .* exports"),
    ("file", r"^error: field report: column 'Question 1' was exported from another problem file"),
    ("canvas", r"^error: field report: column '5001: Which layer\?' holds a question nnsteps did not export"),
    ("canvas-unknown", r"^error: problem q1z, field report: .*not among the questions .*\(did you mean 'q1[a-e]'\?\)"),
    ("from", r"^error: field --from: expected one of moodle, canvas, got 'moodel' \(did you mean 'moodle'\?\)"),
    ("no-text", r"^error: field report: .*no 'Question 1' column to tell which problem 'Response 1' answers"),
])
def test_bad_reports_are_one_line_errors(tmp_path: Path, case: str, message: str) -> None:
    from nnsteps.export.items import load

    digest = load(PROBLEMS).sha256[:16]
    rows = {
        "layout": [["student", "q1a"], ["ann", "7"]],
        "unknown": [["Surname", "Question 1", "Response 1"], ["Lee", f"x [nnsteps problem q99; file {digest}]", "1"]],
        "file": [["Surname", "Question 1", "Response 1"], ["Lee", "x [nnsteps problem q1e; file 0123456789abcdef]", "9"]],
        "from": [["Surname", "Question 1", "Response 1"], ["Lee", f"x [nnsteps problem q1e; file {digest}]", "9"]],
        "no-text": [["Surname", "State", "Response 1"], ["Lee", "Finished", "9"]],
        "canvas": [["name", "id", "5001: Which layer?", "1.0", "n correct", "n incorrect", "score"],
                   ["Ann", "1", "conv", "1", "1", "0", "1"]],
        "canvas-unknown": [["name", "id", f"5001: x [nnsteps problem q1z; part 1 of 1; file {digest}]", "1.0",
                            "n correct", "n incorrect", "score"], ["Ann", "1", "9", "1", "1", "0", "1"]],
    }[case]
    report = tmp_path / "r.csv"
    report.write_text(csv_text(rows))
    done = cli("check", str(PROBLEMS), str(report), "-o", str(tmp_path / "g"),
               *(["--from", "moodel"] if case == "from" else []))
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert re.match(message, done.stderr), done.stderr
    assert not (tmp_path / "g").exists()
