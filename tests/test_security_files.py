"""Security of files and batch grading (issue 9, items 4-6): what an attacker controls is a file name, a
file's kind, a planted link, a student's submission or a problem file; none of it may hang the tool,
redirect a write, score a student with the key, or put a formula in grades.csv.

CLI runs go through a subprocess with a timeout, so a hang fails the test instead of blocking the suite.
Resource bombs are generated here (their generators are the documentation of the attack); timeouts are
generous and nothing asserts a speed.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest

import nnsteps
from nnsteps import files, limits
from nnsteps.errors import NnstepsError
from nnsteps.grading.check import Grader
from nnsteps.grading.grade import grade_directory, write_batch
from nnsteps.problems.load import loads

SRC = str(Path(nnsteps.__file__).resolve().parent.parent)
PROBLEMS = "problems:\n  - {id: q, kind: relu, input: '1 -2'}\n"
KEY = "q: [1, 0]\n"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "nnsteps.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env, stdin=subprocess.DEVNULL)


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# --- reading: only regular files, never more than the limit + 1 byte ------------------------------------------

def test_dev_zero_is_refused_at_once() -> None:
    line = one_error_line(run_cli("solve", "/dev/zero"))
    assert line == "error: expected a regular file, got a character device: /dev/zero"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "problems.yaml"
    os.mkfifo(fifo)
    line = one_error_line(run_cli("solve", str(fifo)))
    assert line == f"error: expected a regular file, got a FIFO (named pipe): {fifo}"
    line = one_error_line(run_cli("summary", str(fifo)))
    assert line == f"error: expected a regular file, got a FIFO (named pipe): {fifo}"


def test_a_directory_is_refused(tmp_path: Path) -> None:
    line = one_error_line(run_cli("solve", str(tmp_path)))
    assert line == f"error: expected a file, got the directory {tmp_path}"


def test_proc_files_are_refused() -> None:
    if not Path("/proc/self/status").exists():
        pytest.skip("no /proc")
    with pytest.raises(NnstepsError, match="expected a regular file, got a kernel file: /proc/self/status"):
        files.read_text("/proc/self/status", limit=1000)


def test_a_file_over_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 101)
    with pytest.raises(NnstepsError, match=r"big.yaml is 101 bytes; the problem file limit is 100$"):
        files.read_text(big, limit=100, what="problem file")
    assert files.read_text(big, limit=101) == "#" * 101


# --- writing: exclusive random temporary files, no link followed, nothing left by an interrupt ----------------

def test_a_symlink_planted_at_the_old_partial_name_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "out.md.partial").symlink_to(victim)
    files.write_atomic(tmp_path / "out.md", "# answers\n")
    assert victim.read_text() == "precious"
    assert (tmp_path / "out.md").read_text() == "# answers\n"
    assert not (tmp_path / "out.md").is_symlink()


def test_a_symlink_planted_at_the_exact_temporary_name_is_not_followed(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Even when the attacker guesses the random name, O_EXCL|O_NOFOLLOW refuses it and another is drawn."""
    names = iter(["guessed", "guessed", "fresh"])
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: next(names))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / ".out.md.guessed.partial").symlink_to(victim)
    files.write_atomic(tmp_path / "out.md", "42\n")
    assert victim.read_text() == "precious"
    assert (tmp_path / "out.md").read_text() == "42\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.md.guessed.partial", "out.md", "victim.txt"]


def test_a_symlink_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "out.md").symlink_to(victim)
    files.write_atomic(tmp_path / "out.md", "new\n")
    assert victim.read_text() == "precious"
    assert (tmp_path / "out.md").read_text() == "new\n" and not (tmp_path / "out.md").is_symlink()


def test_an_interrupt_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.md"
    target.write_text("old\n")

    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic(target, "new\n")
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]
    assert target.read_text() == "old\n"


def test_sigterm_while_writing_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers need the main thread")
    target = tmp_path / "out.md"

    def terminated(fd: int) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(files.os, "fsync", terminated)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stop:
        files.write_atomic(target, "x" * 10_000)
    assert stop.value.code == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is the caller's again


def test_an_empty_output_path_is_one_line(tmp_path: Path) -> None:
    problems = tmp_path / "p.yaml"
    problems.write_text(PROBLEMS)
    line = one_error_line(run_cli("solve", str(problems), "-o", "", cwd=tmp_path))
    assert line == "error: expected a file name to write, got the folder '.'"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_write_folder_refuses_names_that_leave_the_folder(tmp_path: Path) -> None:
    for name in ("../evil.txt", "/etc/evil", "a/../../evil", "", "."):
        with pytest.raises(NnstepsError, match="names must stay inside the output folder"):
            files.write_folder(tmp_path / "out", {name: "x"})
    assert list(tmp_path.iterdir()) == []


def test_write_folder_interrupted_leaves_the_old_folder_as_it_was(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "grades"
    files.write_folder(out, {"grades.csv": "old\n", "gradescope/ann/results.json": "{}"})

    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "rename", interrupted)
    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_folder(out, {"grades.csv": "new\n", "gradescope/bo/results.json": "{}"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades"]
    assert (out / "grades.csv").read_text() == "old\n"
    assert sorted(p.name for p in (out / "gradescope").iterdir()) == ["ann"]


def test_write_folder_replaces_an_earlier_batch(tmp_path: Path) -> None:
    out = tmp_path / "grades"
    files.write_folder(out, {"grades.csv": "old\n", "gradescope/ann/results.json": "{}"})
    files.write_folder(out, {"grades.csv": "new\n", "gradescope/bo/results.json": "[]"})
    assert (out / "grades.csv").read_text() == "new\n"
    assert sorted(p.name for p in (out / "gradescope").iterdir()) == ["bo"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades"]


def test_generate_writes_its_folder_all_at_once(tmp_path: Path) -> None:
    proc = run_cli("generate", "relu", "--seed", "1", "-o", str(tmp_path / "hw"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hw"]
    assert sorted(p.name for p in (tmp_path / "hw").iterdir()) == ["answers.yaml", "problems.yaml", "solutions.md"]


def test_generate_roster_names_cannot_leave_the_folder_or_start_a_formula(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("name\n..\n../../evil\n=HYPERLINK(\"http://x\")\nann\n")
    proc = run_cli("generate", "relu", "--seed", "1", "--roster", str(roster), "-o", str(tmp_path / "v"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv", "v"]
    rows = list(csv.reader((tmp_path / "v" / "variants.csv").read_text().splitlines()))
    assert rows == [["student", "folder"], ["..", "student"], ["../../evil", "evil"],
                    ["'=HYPERLINK(\"http://x\")", "HYPERLINK_http_x"], ["ann", "ann"]]
    for _, folder in rows[1:]:
        assert (tmp_path / "v" / folder / "problems.yaml").is_file()


def test_roster_names_with_terminal_escapes_are_written_printable_and_the_variant_solves(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("name\nann\x1b]0;owned\x07\nbo\n")
    proc = run_cli("generate", "relu", "--roster", str(roster), "-o", str(tmp_path / "v"))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader((tmp_path / "v" / "variants.csv").read_text().splitlines()))
    assert rows == [["student", "folder"], ["ann\\x1b]0;owned\\x07", "ann_x1b_0_owned_x07"], ["bo", "bo"]]
    written = "".join(p.read_text() for p in (tmp_path / "v").rglob("*.*"))
    assert "\x1b" not in written and "\x07" not in written
    solved = run_cli("solve", str(tmp_path / "v" / "ann_x1b_0_owned_x07" / "problems.yaml"))
    assert solved.returncode == 0, solved.stderr


def test_a_fifo_roster_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "roster.csv"
    os.mkfifo(fifo)
    line = one_error_line(run_cli("generate", "relu", "--roster", str(fifo), "-o", str(tmp_path / "v")))
    assert line == f"error: field --roster: cannot read the roster: expected a regular file, got a FIFO (named pipe): {fifo}"


@pytest.mark.parametrize("how", ["fifo", "link-to-dev-zero"])
def test_an_lms_report_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path, how: str) -> None:
    """The report used to be read with Path.read_text: a FIFO hung until the budget, /dev/zero read 1.9 GB."""
    problems = tmp_path / "problems.yaml"
    problems.write_text(PROBLEMS)
    report = tmp_path / "quiz-responses.csv"
    if how == "fifo":
        os.mkfifo(report)
    else:
        report.symlink_to("/dev/zero")
    started = time.monotonic()
    line = one_error_line(run_cli("check", str(problems), str(report), "-o", str(tmp_path / "grades"), timeout=30))
    assert time.monotonic() - started < 20 and not (tmp_path / "grades").exists()
    kind = "a FIFO (named pipe)" if how == "fifo" else "a character device"
    assert line == f"error: field report: expected a regular file, got {kind}: {report}"


def test_an_lms_report_over_its_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    problems = tmp_path / "problems.yaml"
    problems.write_text(PROBLEMS)
    report = tmp_path / "quiz-responses.csv"
    with report.open("wb") as f:
        f.truncate(limits.MAX_REPORT_BYTES + 1)  # sparse: the size is all the guard reads
    line = one_error_line(run_cli("check", str(problems), str(report)))
    assert line == (f"error: field report: {report} is {limits.MAX_REPORT_BYTES + 1:,} bytes; the response report "
                    f"limit is {limits.MAX_REPORT_BYTES:,}")


@pytest.mark.parametrize("ids, message", [
    (["q 1", "q_1"], "problem q_1, field id: problem 'q 1' and problem 'q_1' would both be PrairieLearn question "
                     "folder 'q_1'; rename one"),
    (["Q1", "q1"], "problem q1, field id: problem 'Q1' and problem 'q1' would both be PrairieLearn question folder "
                   "'q1'; rename one"),
    (["relu-random"], "problem relu-random, field id: problem 'relu-random' and the random relu question would both "
                      "be PrairieLearn question folder 'relu-random'; rename the problem"),
], ids=["space-underscore", "case", "random-name"])
def test_prairielearn_export_refuses_ids_sharing_a_folder_and_writes_nothing(tmp_path: Path, ids: list[str],
                                                                              message: str) -> None:
    problems = tmp_path / "problems.yaml"
    problems.write_text("problems:\n" + "".join(f"  - {{id: '{i}', kind: relu, input: '1 -{n}'}}\n"
                                                for n, i in enumerate(ids)))
    out = tmp_path / "questions"
    line = one_error_line(run_cli("export", str(problems), "--to", "prairielearn", "-o", str(out)))
    assert line == f"error: {message}" and not out.exists()


# --- batch grading integrity -----------------------------------------------------------------------------------

@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, Path]:
    problems = tmp_path / "problems.yaml"
    problems.write_text(PROBLEMS)
    (tmp_path / "key.yaml").write_text(KEY)
    subs = tmp_path / "submissions"
    subs.mkdir()
    return problems, subs


def test_a_submission_linked_to_the_key_is_skipped_and_reported(course: tuple[Path, Path], tmp_path: Path) -> None:
    problems, subs = course
    (subs / "ann.yaml").write_text("q: [1, -2]\n")
    (subs / "mallory.yaml").symlink_to(tmp_path / "key.yaml")
    batch = grade_directory(Grader(problems), subs)
    assert {s: r.score for s, r in batch.reports.items()} == {"ann": 0.5}
    assert batch.errors == {"mallory": "skipped: mallory.yaml is a symbolic link"}
    assert not batch.all_correct


def test_a_link_inside_the_folder_is_skipped_too(course: tuple[Path, Path]) -> None:
    problems, subs = course
    (subs / "ann.yaml").write_text(KEY)
    (subs / "copycat.yaml").symlink_to(subs / "ann.yaml")
    batch = grade_directory(Grader(problems), subs)
    assert sorted(batch.reports) == ["ann"]
    assert batch.errors == {"copycat": "skipped: copycat.yaml is a symbolic link"}


def test_one_stem_two_files_is_a_conflict_not_a_merge(course: tuple[Path, Path]) -> None:
    problems, subs = course
    (subs / "ann.yaml").write_text(KEY)
    (subs / "ann.json").write_text('{"q": [1, -2]}')
    (subs / "bo.yml").write_text(KEY)
    batch = grade_directory(Grader(problems), subs)
    assert sorted(batch.reports) == ["bo"]
    assert batch.errors == {"ann": "skipped: two answers files for one student (ann.json, ann.yaml); neither is graded"}


def test_dot_names_stay_inside_gradescope(course: tuple[Path, Path], tmp_path: Path) -> None:
    problems, subs = course
    for name in ("...yaml", "..yaml", "ann.yaml"):
        (subs / name).write_text(KEY)
    out = tmp_path / "grades"
    proc = run_cli("check", str(problems), str(subs), "-o", str(out), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert sorted(summary["reports"]) == [".", "..", "ann"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades", "key.yaml", "problems.yaml", "submissions"]
    assert sorted(p.name for p in out.iterdir()) == ["grades.csv", "gradescope", "summary.json"]
    folders = sorted(p.name for p in (out / "gradescope").iterdir())
    assert folders == ["ann", "student-2e", "student-2e2e"]
    for folder in folders:
        assert json.loads((out / "gradescope" / folder / "results.json").read_text())["score"] == 1.0


def test_two_names_with_one_folder_name_are_a_conflict(course: tuple[Path, Path]) -> None:
    problems, subs = course
    (subs / "a b.yaml").write_text(KEY)
    (subs / "a_b.yaml").write_text(KEY)
    batch = grade_directory(Grader(problems), subs)
    assert batch.reports == {}
    assert set(batch.errors) == {"a b", "a_b"}
    assert all("two answers files for one student (a b.yaml, a_b.yaml)" in e for e in batch.errors.values())


def test_formula_names_are_escaped_in_grades_csv_and_scores_stay_numbers(course: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    problems, subs = course
    evil = '=HYPERLINK("http:⁄⁄evil.example", "click")'  # no '/' in a file name: the fraction slash
    (subs / f"{evil}.yaml").write_text(KEY)
    (subs / "-1+2.yaml").write_text("q: [1, -2]\n")
    (subs / "@SUM(A1).json").write_text("{")
    out = tmp_path / "grades"
    write_batch(grade_directory(Grader(problems), subs), out)
    rows = list(csv.reader((out / "grades.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["student", "score", "max_score", "q", "error"]
    assert rows[1:3] == [["'-1+2", "0.5", "1", "0.5", ""], ["'" + evil, "1", "1", "1", ""]]
    assert rows[3][:4] == ["'@SUM(A1)", "0", "1", "0"] and "not valid JSON" in rows[3][4]
    for row in rows[1:]:
        assert not row[0].startswith(("=", "+", "-", "@"))
        float(row[1]), float(row[2]), float(row[3])  # numeric cells are plain numbers
    folders = sorted(p.name for p in (out / "gradescope").iterdir())
    assert folders == ["1_2", "HYPERLINK_http_evil.example_click"]


def test_file_names_that_are_not_utf8_or_hold_control_characters_are_graded_under_printable_names(
        course: tuple[Path, Path], tmp_path: Path) -> None:
    problems, subs = course
    (subs / "ann.yaml").write_text(KEY)
    (subs / os.fsdecode(b"b\xff\xfeo.yaml")).write_text(KEY)  # Latin-1 bytes from an old zip: not UTF-8
    (subs / "zed\nann         0\x1b]0;owned\x07\r.yaml").write_text("q: [1, -2]\n")  # a forged line, a terminal title
    out = tmp_path / "grades"
    proc = run_cli("check", str(problems), str(subs), "-o", str(out))
    assert proc.returncode == 1, proc.stderr  # graded: not everyone is right
    assert "Traceback" not in proc.stderr
    forged = "zed\\nann         0\\x1b]0;owned\\x07\\r"
    rows = list(csv.reader((out / "grades.csv").read_text(encoding="utf-8").splitlines()))
    assert [r[:2] for r in rows[1:]] == [["ann", "1"], ["b\\xff\\xfeo", "1"], [forged, "0.5"]]
    assert sorted(json.loads((out / "summary.json").read_text())["reports"]) == ["ann", "b\\xff\\xfeo", forged]
    assert not any(c in proc.stdout + proc.stderr for c in "\x1b\x07\r")
    assert [line.split()[0] for line in proc.stdout.splitlines()[:3]] == ["ann", "b\\xff\\xfeo", forged.split()[0]]


def test_student_names_in_an_lms_report_reach_the_grades_printable(tmp_path: Path) -> None:
    from nnsteps.export.items import load
    from nnsteps.export.responses import read_report, reference

    ps = load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    text = "x " + reference(ps, ps.items[0]).replace("<p>", "").replace("</p>", "")
    report = tmp_path / "r.csv"
    with open(report, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["Surname", "First name", "Email address", "State", "Grade/1.00", "Question 1",
                                  "Response 1"],
                                 ["Lee", "Ann", "ann@x.edu\nbo\x1b]0;owned\x07", "Finished", "1.00", text,
                                  "part 1: 1; part 2: 0"]])
    assert list(read_report(report, ps).answers) == ["ann@x.edu\\nbo\\x1b]0;owned\\x07"]


def test_a_canvas_student_who_takes_another_students_name_is_graded_apart_not_as_their_attempt(tmp_path: Path) -> None:
    from nnsteps.export.items import load
    from nnsteps.export.responses import read_report, reference

    ps = load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
    text = reference(ps, ps.items[0], 1, 2).replace("<p>", "").replace("</p>", "")
    report = tmp_path / "r.csv"
    with open(report, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["name", "id", "sis_id", "section", "submitted", "attempt", f"5001: x {text}", "1.0",
                                  "n correct", "n incorrect", "score"],
                                 ["Ann Lee", "101", "s101", "A", "", "1", "1", "1", "1", "0", "1"],
                                 ["Ann Lee", "102", "s102", "A", "", "1", "7", "0", "0", "1", "0"],  # eve, renamed
                                 ["Ann Lee", "101", "s101", "A", "", "2", "2", "0", "0", "1", "0"],
                                 ["Bo Kim", "103", "s103", "A", "", "1", "1", "1", "1", "0", "1"]])
    assert {s: a["q"][0] for s, a in read_report(report, ps).answers.items()} == {
        "Ann Lee (id 101)": "1", "Ann Lee (id 102)": "7", "Ann Lee (id 101) (attempt 2)": "2", "Bo Kim": "1"}


def test_problem_ids_that_look_like_formulas_are_escaped_in_the_header(tmp_path: Path) -> None:
    problems = tmp_path / "p.yaml"
    problems.write_text("problems:\n  - {id: '=cmd', kind: relu, input: '1 -2'}\n")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ann.yaml").write_text("'=cmd': [1, 0]\n")
    write_batch(grade_directory(Grader(problems), subs), tmp_path / "g")
    header = next(csv.reader((tmp_path / "g" / "grades.csv").read_text().splitlines()))
    assert header == ["student", "score", "max_score", "'=cmd", "error"]


# --- work that counts digits, and aliases that count as copies ------------------------------------------------

def _wide_decimal_conv(rows: int) -> str:
    """A ``rows``×200 input of 148-digit decimals (one row written out, the others aliases) and a 10×10 kernel:
    200×200 is the issue's 30 KB file that took 48 s (about 3.6 million exact products of wide fractions)."""
    row = "[" + ", ".join(f"0.{i + 1:03d}" + "7" * 145 for i in range(200)) + "]"
    kernel = "[" + ", ".join(["[" + ", ".join(str(1 + (i + j) % 9) for j in range(10)) + "]"
                              for i in range(10)]) + "]"
    return ("problems:\n  - id: wide\n    kind: conv2d\n    input: [&r " + row + ", "
            + ", ".join(["*r"] * (rows - 1)) + f"]\n    kernel: {kernel}\n")


def _aliased_big_int_convs(copies: int, rows: int = 200) -> str:
    """The issue's 32 KB file: one conv of 150-digit integers (200×200, rows aliased) repeated ``copies`` times
    by YAML merge keys (66 s and 2.8 GB before)."""
    row = "[" + ", ".join(f"{i + 1:03d}" + "9" * 147 for i in range(200)) + "]"
    kernel = "[" + ", ".join(["[" + ", ".join(["1"] * 10) + "]"] * 10) + "]"
    return ("problems:\n  - &p {id: q0, kind: conv2d, input: [&r " + row + ", " + ", ".join(["*r"] * (rows - 1))
            + f"], kernel: {kernel}}}\n" + "".join(f"  - {{<<: *p, id: q{i}}}\n" for i in range(1, copies)))


def test_the_148_digit_conv_is_refused_at_once(tmp_path: Path) -> None:
    source = tmp_path / "wide.yaml"
    source.write_text(_wide_decimal_conv(200))
    assert 30_000 < source.stat().st_size < 33_000
    line = one_error_line(run_cli("solve", str(source)))
    assert line.endswith("holds more than 4,194,304 characters of numbers and text once its YAML aliases are "
                         "expanded (each use of an alias counts)")


def test_a_wide_decimal_conv_within_the_alias_limit_is_refused_by_its_digits(tmp_path: Path) -> None:
    source = tmp_path / "wide.yaml"
    source.write_text(_wide_decimal_conv(100))  # 100×200 entries: 3 MB of text expanded, 1.7M MACs
    line = one_error_line(run_cli("solve", str(source)))
    assert line == ("error: problem wide: this convolution needs 1,738,100 multiply-accumulates of operands up to "
                    "986 bits wide together (numerator + denominator bits), 1,713,766,600 bit-MACs; the exact work "
                    "limit is 256,000,000 (fewer digits, a smaller problem or NumPy float arrays)")


def test_forty_aliased_big_integer_convs_are_refused_at_once(tmp_path: Path) -> None:
    source = tmp_path / "forty.yaml"
    source.write_text(_aliased_big_int_convs(40))
    assert 30_000 < source.stat().st_size < 34_000
    line = one_error_line(run_cli("solve", str(source)))
    assert line.endswith("holds more than 4,194,304 characters of numbers and text once its YAML aliases are "
                         "expanded (each use of an alias counts)")


def test_a_single_big_integer_conv_is_refused_by_its_digits(tmp_path: Path) -> None:
    source = tmp_path / "one.yaml"
    source.write_text(_aliased_big_int_convs(1, rows=100))  # 3 MB of digits once expanded: within that limit
    line = one_error_line(run_cli("solve", str(source)))
    assert line.startswith("error: problem q0: this convolution needs 1,738,100 multiply-accumulates of operands "
                           "up to 497 bits wide together")


def test_aliased_cheap_convs_share_one_budget_per_file(tmp_path: Path) -> None:
    """Forty aliased convs of small integers: each within every limit, together over the file's budget."""
    row = "[" + ", ".join(["1"] * 200) + "]"
    kernel = "[" + ", ".join(["[" + ", ".join(["1"] * 10) + "]"] * 10) + "]"
    source = tmp_path / "forty.yaml"
    source.write_text("problems:\n  - &p {id: q0, kind: conv2d, input: [&r " + row + ", " + ", ".join(["*r"] * 199)
                      + f"], kernel: {kernel}}}\n" + "".join(f"  - {{<<: *p, id: q{i}}}\n" for i in range(1, 40)))
    line = one_error_line(run_cli("solve", str(source)))
    assert line == ("error: problem q2: this convolution would bring this file's exact work to 700,435,200; the limit "
                    "for one file is 512,000,000")


def test_the_work_estimate_counts_digits_in_the_python_api() -> None:
    wide = [[Fraction(10**148 + k, 10**148) for k in range(40)] for _ in range(40)]
    with pytest.raises(NnstepsError, match=r"this convolution needs 21,904 multiply-accumulates"):
        with_limit(1_000_000, lambda: nnsteps.conv2d(wide, [[1] * 4] * 4))
    small = [[k % 7 for k in range(40)] for _ in range(40)]
    assert nnsteps.conv2d(small, [[1] * 4] * 4).value[0, 0] == sum(k % 7 for k in range(4)) * 4


def with_limit(work: int, fn: object) -> object:
    old = limits.MAX_EXACT_WORK
    limits.MAX_EXACT_WORK = work
    try:
        return fn()  # type: ignore[operator]
    finally:
        limits.MAX_EXACT_WORK = old


def test_pooling_transposed_conv_and_dense_count_digits_too() -> None:
    wide = Fraction(10**299 + 1, 10**299)
    with pytest.raises(NnstepsError, match="this pooling needs"):
        with_limit(10_000, lambda: nnsteps.avg_pool2d([[wide] * 10] * 10, 2))
    with pytest.raises(NnstepsError, match="this transposed convolution needs"):
        with_limit(10_000, lambda: nnsteps.conv_transpose2d([[wide] * 10] * 10, [[1, 2], [3, 4]]))
    with pytest.raises(NnstepsError, match="this dense layer needs"):
        with_limit(10_000, lambda: nnsteps.linear([wide] * 10, [[1] * 10] * 10))


DEEP_YAML = {"flow": "a: " + "[" * 30_000, "block": "- " * 30_000 + "1", "mapping": "a: " + "{b: " * 30_000}


@pytest.mark.parametrize("shape", DEEP_YAML)
def test_yaml_nested_past_what_libyaml_survives_is_one_line_in_process(shape: str) -> None:
    # Run apart: it was a segmentation fault (libyaml's composer recursed past the C stack), which would end pytest.
    script = ("import sys\nfrom nnsteps.errors import NnstepsError\nfrom nnsteps.problems.load import loads\n"
              "try:\n    loads(sys.stdin.read(), source='deep.yaml')\nexcept NnstepsError as err:\n    print(err)\n")
    done = subprocess.run([sys.executable, "-c", script], input=DEEP_YAML[shape], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": SRC}, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "deep.yaml nests lists or mappings more than 32 levels deep\n"


def test_a_problem_file_nested_30000_deep_is_one_line_naming_the_nesting(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text(DEEP_YAML["flow"])
    done = subprocess.run([sys.executable, "-m", "nnsteps", "solve", "deep.yaml"], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": SRC}, timeout=120)
    assert (done.returncode, done.stdout) == (2, "")  # was: "stopped unexpectedly (worker exit code -11; the memory ..."
    assert done.stderr == "error: deep.yaml nests lists or mappings more than 32 levels deep\n"


def test_yaml_with_many_dashes_and_colons_on_a_line_still_reads() -> None:
    assert loads("a: '" + "- " * 3000 + "'\nb: [[1, -2], [-3, 4]]\n")["b"] == [[1, -2], [-3, 4]]


def test_an_alias_referring_to_itself_is_one_line() -> None:
    with pytest.raises(NnstepsError, match=r"nests lists or mappings more than 32 levels deep \(a YAML alias refers"):
        loads("a: &a [*a]\n", source="self.yaml")


def test_aliases_within_the_limits_still_load() -> None:
    doc = loads("k: &k [[1, 2], [3, 4]]\nproblems:\n  - {id: a, kind: conv2d, input: '1 2; 3 4', kernel: *k}\n"
                "  - {id: b, kind: conv2d, input: '5 6; 7 8', kernel: *k}\n")
    assert doc["problems"][1]["kernel"] == [[1, 2], [3, 4]]


def test_a_lone_surrogate_in_any_field_of_a_json_problem_file_is_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"problems": [{"id": "q", "kind": "relu", "input": "1 2", "title": "x\\ud800"}]}')
    done = subprocess.run([sys.executable, "-m", "nnsteps", "solve", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("error: field problems[0].title: expected text in valid Unicode, got 'x\\ud800' "
                           "(a lone surrogate)\n")
