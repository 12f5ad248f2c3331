"""nnsteps export --to gradescope: the autograder zip run the way Gradescope runs it, in a temporary
folder laid out like /autograder (source/, submission/, results/)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from nnsteps.export import export

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "examples" / "assignment3.yaml"
ANSWERS = ROOT / "examples" / "assignment3_answers.yaml"


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    done = export(PROBLEMS, "gradescope", out)
    assert done.written == [out / "autograder.zip"] and done.warnings == []
    return done.written[0]


def run(zip_path: Path, tmp: Path, answers: str | None, name: str = "answers.yaml") -> dict:
    root = tmp / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(root / "source")
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    if answers is not None:
        (root / "submission" / name).write_text(answers)
    # Gradescope copies run_autograder to /autograder/run_autograder and runs it from there.
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    env = {**os.environ, "NNSTEPS_AUTOGRADER_ROOT": str(root), "NNSTEPS_PYTHON": sys.executable,
           "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True,
                          cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_zip_has_gradescopes_files_at_its_root(autograder: Path) -> None:
    with zipfile.ZipFile(autograder) as z:
        names = set(z.namelist())
        setup = z.read("setup.sh").decode()
        problems = yaml.safe_load(z.read("problems.yaml"))
    assert {"setup.sh", "run_autograder", "grade.py", "problems.yaml"} <= names
    assert "pip install" in setup and "nnsteps==" in setup
    assert [p["id"] for p in problems["problems"]] == [p["id"] for p in yaml.safe_load(PROBLEMS.read_text())["problems"]]


def test_reference_answers_score_full_marks(autograder: Path, tmp_path: Path) -> None:
    results = run(autograder, tmp_path, ANSWERS.read_text())
    ids = [p["id"] for p in yaml.safe_load(PROBLEMS.read_text())["problems"]]
    assert [t["name"].split(":")[0] for t in results["tests"]] == ids
    assert results["score"] == results["max_score"] == len(ids)
    assert all(t["score"] == t["max_score"] == 1.0 and t["status"] == "passed" for t in results["tests"])


def test_a_perturbed_cell_loses_its_share_named_but_not_its_key(autograder: Path, tmp_path: Path) -> None:
    answers = yaml.safe_load(ANSWERS.read_text())
    answers["q1b"] = [[7, 8], [8, 9]]  # one of four cells wrong (the key's [1][1] is 8)
    results = run(autograder, tmp_path, yaml.safe_dump(answers))
    tests = {t["name"].split(":")[0]: t for t in results["tests"]}
    assert tests["q1b"]["score"] == 0.75 and tests["q1b"]["status"] == "failed"
    assert results["score"] == results["max_score"] - 0.25
    assert tests["q1b"]["output"] == "1 of 4 entries wrong: [1][1]."  # feedback mistakes: no key, no derivation
    assert all(t["score"] == 1.0 for n, t in tests.items() if n != "q1b")


@pytest.mark.parametrize("level", ["full", "score"])
def test_the_feedback_level_is_an_export_option(level: str, tmp_path: Path) -> None:
    done = export(PROBLEMS, "gradescope", tmp_path, feedback=level)
    answers = yaml.safe_load(ANSWERS.read_text())
    answers["q1b"] = [[7, 8], [8, 9]]
    results = run(done.written[0], tmp_path / "run", yaml.safe_dump(answers))
    feedback = next(t["output"] for t in results["tests"] if t["name"].startswith("q1b"))
    if level == "full":
        assert "[1][1]: you wrote 9, the key is 8." in feedback and "Derivation of [1][1]:" in feedback
    else:
        assert feedback == ""


def test_left_out_cells_count_wrong_in_the_autograder(autograder: Path, tmp_path: Path) -> None:
    answers = yaml.safe_load(ANSWERS.read_text())
    del answers["q6"]["symbolic"]
    results = run(autograder, tmp_path, yaml.safe_dump(answers))
    q6 = next(t for t in results["tests"] if t["name"].startswith("q6"))
    assert q6["score"] == pytest.approx(11 / 16) and q6["status"] == "failed"
    assert q6["output"] == ("5 of 16 entries not answered: symbolic.h_L, symbolic.y, symbolic.grads.w_in, "
                            "symbolic.grads.w_hh, symbolic.grads.w_hy.")


def test_an_unknown_feedback_level_is_one_line_exit_2(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "nnsteps", "export", str(PROBLEMS), "--to", "gradescope",
                           "-o", str(tmp_path / "g.zip"), "--feedback", "hints"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=120)
    assert done.returncode == 2 and not (tmp_path / "g.zip").exists()
    assert done.stderr == "error: field --feedback: expected one of mistakes, full, score, got 'hints'\n"


def test_json_answers_and_missing_or_broken_files_are_feedback(autograder: Path, tmp_path: Path) -> None:
    answers = yaml.safe_load(ANSWERS.read_text())
    as_json = run(autograder, tmp_path / "a", json.dumps(answers), "answers.json")
    assert as_json["score"] == as_json["max_score"] > 0
    missing = run(autograder, tmp_path / "b", None)
    assert missing["score"] == 0.0 and "answers.yaml" in missing["output"]
    broken = run(autograder, tmp_path / "c", "q1a: [1, 2\n")
    assert broken["score"] == 0.0 and "could not be read" in broken["output"]
    unknown = run(autograder, tmp_path / "d", "q1bb: 3\n")
    assert unknown["score"] == 0.0 and "q1b" in unknown["output"]


def test_cli_exports_and_names_unknown_formats(tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "nnsteps.cli", "export", str(PROBLEMS)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    bad = subprocess.run([*cli, "--to", "gradscope", "-o", str(tmp_path / "x.zip")], env=env, capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "did you mean 'gradescope'?" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "x.zip").exists()
    ok = subprocess.run([*cli, "--to", "gradescope", "-o", str(tmp_path / "ag.zip")], env=env, capture_output=True,
                        text=True)
    assert ok.returncode == 0 and zipfile.is_zipfile(tmp_path / "ag.zip")
