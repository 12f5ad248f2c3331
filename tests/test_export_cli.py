"""Issue 15's "Done when", through the command line: `nnsteps export examples/assignment3.yaml --to FORMAT`
for every format, each output opened by an independent reader (xml.etree, zipfile, json, html.parser,
nbformat) with a key value and a worked solution inside; `generate conv2d --seed 1 --roster … --to
prairielearn` whose server.py generates and grades variants (a perturbed cell loses its share); and export
under the time budget (a problem that cannot finish is one error line, exit 2, nothing written).
The formats' own tests (tests/test_export_<format>.py) check each reader's structure in depth."""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "examples" / "assignment3.yaml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
Q = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nnsteps.cli", *args], env=ENV, capture_output=True, text=True,
                          timeout=600)


def read_moodle(out: Path) -> tuple[str, str]:
    q1e = next(q for q in ET.parse(out).getroot().iter("question") if q.findtext("idnumber") == "q1e")
    return q1e.findtext("answer/text"), q1e.findtext("generalfeedback/text")


def read_canvas(out: Path) -> tuple[str, str]:
    with zipfile.ZipFile(out) as z:
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
        (href,) = [f.get("href") for f in manifest.iter() if f.tag.endswith("}file")]
        item = next(i for i in ET.fromstring(z.read(href)).iter(f"{Q}item") if i.get("ident") == "q1e-0")
    return item.find(f".//{Q}varequal").text, item.find(f"{Q}itemfeedback//{Q}mattext").text


def read_prairielearn(out: Path) -> tuple[str, str]:
    folder = out / "q1e"
    info = json.loads((folder / "info.json").read_text())
    assert info["type"] == "v3" and len(info["uuid"]) == 36
    q = server(folder, "q1e_cli")
    data = fresh(1)
    q.generate(data)
    (value,) = data["correct_answers"].values()
    return f"{float(value):g}", data["params"]["solution"]


def read_gradescope(out: Path) -> tuple[str, str]:
    """Run the autograder as Gradescope does (/autograder/source, submission, results) on q1e = 9 and a q1b
    with one wrong cell: q1e's test passes, q1b's output is the derivation of its wrong cell."""
    root = out.parent / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(out) as z:
        z.extractall(root / "source")
    (root / "submission" / "answers.yaml").write_text("q1e: 9\nq1b: [[7, 8], [8, 9]]\n")
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    env = {**ENV, "NNSTEPS_AUTOGRADER_ROOT": str(root), "NNSTEPS_PYTHON": sys.executable}
    proc = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    tests = {t["name"].split(":")[0]: t for t in json.loads((root / "results" / "results.json").read_text())["tests"]}
    assert tests["q1b"]["score"] == 0.75
    return ("9" if tests["q1e"]["score"] == tests["q1e"]["max_score"] == 1 else ""), tests["q1b"]["output"]


class Section(HTMLParser):
    """The text of one ``<section id=...>`` of an HTML page, in order."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted, self.depth, self.text = wanted, 0, []  # depth: sections open inside the wanted one

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section" and (self.depth or dict(attrs).get("id") == self.wanted):
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and data.strip():
            self.text.append(data.strip())


def read_html(out: Path) -> tuple[str, str]:
    parser = Section("q1e")
    parser.feed((out / "instructor.html").read_text())
    text = parser.text
    return text[text.index("Answer") + 1], " ".join(text)


def read_latex(out: Path) -> tuple[str, str]:
    text = (out / "instructor.tex").read_text()
    q1e = text.split(r"\subsection*{q1e")[1].split(r"\subsection*{")[0]
    key = re.search(r"\\textbf\{Answer\.\}\\par\n\\fit\{\\begin\{bmatrix\} (\S+) \\end\{bmatrix\}\}", q1e)
    return (key.group(1) if key else ""), q1e


def read_notebook(out: Path) -> tuple[str, str]:
    """Validated by nbformat; its set-up cells then run, and q1e's self-check on 9 (full marks) and 8 (the
    derivation). (tests/test_export_notebook.py runs the whole notebook, in a Jupyter kernel too.)"""
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    namespace: dict[str, object] = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nnsteps", {}).get("problem"):
            exec(compile(cell.source, "<cell>", "exec"), namespace)
    check = next(c.source for c in nb.cells if c.cell_type == "code" and c.source.startswith("self_check('q1e'"))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        right = eval(check.replace("answers['q1e']", "[[9]]"), namespace)
        eval(check.replace("answers['q1e']", "[[8]]"), namespace)
    return ("9" if right == 1 else ""), printed.getvalue()


READERS = {  # format -> (-o target, reader returning (q1e's key as written, a worked solution's text))
    "moodle": ("quiz.xml", read_moodle, "Worked solution"),
    "canvas": ("quiz.zip", read_canvas, "Worked solution"),
    "prairielearn": ("questions", read_prairielearn, "<"),
    "gradescope": ("autograder.zip", read_gradescope, "[1][1]"),
    "html": ("handouts", read_html, "Effective kernel size"),
    "latex": ("handouts", read_latex, r"\textbf{Worked solution}"),
    "notebook": ("a3.ipynb", read_notebook, "Hint for [0][0]: the rule is"),  # a student notebook: hints
}


def server(folder: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fresh(seed: int) -> dict:
    return {"params": {}, "correct_answers": {}, "submitted_answers": {}, "format_errors": {},
            "partial_scores": {}, "score": 0, "feedback": {}, "variant_seed": seed, "options": {}}


@pytest.mark.parametrize("fmt", list(READERS))
def test_export_assignment3_to_every_format_from_the_command_line(fmt: str, tmp_path: Path) -> None:
    target, reader, worked = READERS[fmt]
    done = cli("export", str(PROBLEMS), "--to", fmt, "-o", str(tmp_path / target))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote ")
    assert all(line.startswith("warning: ") for line in done.stderr.splitlines())
    key, solution = reader(tmp_path / target)
    assert key == "9"  # q1e: the 1×1 output of the dilated conv is 9 (the reference's answer)
    assert worked in solution


def test_generated_roster_to_prairielearn_generates_and_grades_variants(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("student\nann\nbo\n")
    done = cli("generate", "conv2d", "--seed", "1", "--roster", str(roster), "--to", "prairielearn",
               "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    for folder in ("conv2d-1", "conv2d-random"):
        q = server(tmp_path / "out" / "bo" / "questions" / folder, f"server_bo_{folder.replace('-', '_')}")
        data = fresh(3)
        q.generate(data)
        (name, key), = data["correct_answers"].items()
        right = copy.deepcopy(data)
        right["submitted_answers"] = {name: {"_type": "ndarray", "_value": key, "_dtype": "float64"}}
        q.grade(right)
        assert right["score"] == 1.0
        wrong = copy.deepcopy(right)
        value = copy.deepcopy(key)
        value[0][0] += 1
        wrong["submitted_answers"] = {name: {"_type": "ndarray", "_value": value, "_dtype": "float64"}}
        q.grade(wrong)
        cells = sum(len(row) for row in key)
        assert wrong["score"] == pytest.approx(1 - 1 / cells)
        assert "[0][0]" in wrong["feedback"]["nnsteps"]  # the derivation of the wrong cell


def test_export_runs_under_the_time_budget(tmp_path: Path) -> None:
    x = "; ".join(" ".join(f"0.{(i * 200 + j) * 7919 % 99991:05d}" for j in range(200)) for i in range(200))
    k = "; ".join(" ".join(f"0.{(i * 10 + j) * 104729 % 99991:05d}" for j in range(10)) for i in range(10))
    problems = tmp_path / "slow.json"  # 3.6M multiply-accumulates of 5-digit decimals (under the exact-work limit): about a second of exact work
    problems.write_text(json.dumps({"problems": [{"id": "q1", "kind": "relu", "input": "1 -2"},
                                                 {"id": "q3", "kind": "conv2d", "input": x, "kernel": k}]}))
    done = cli("export", str(problems), "--to", "moodle", "-o", str(tmp_path / "quiz.xml"), "--time-limit", "0.2")
    assert (done.returncode, done.stdout) == (2, "")
    # Named by the problem whose solving ran out (or, on a very busy machine, the reading of the big file).
    assert re.fullmatch(r"error: (problem q3|reading \S*slow\.json): stopped after 0\.2 s \(time limit; "
                        r"--time-limit to change\)\n", done.stderr), done.stderr
    assert list(tmp_path.iterdir()) == [problems]  # nothing written, not even a temporary file
