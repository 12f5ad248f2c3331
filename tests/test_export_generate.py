"""nnsteps generate … --to FORMAT: every generated set (one per student) exported, carrying the seed (in the
title) and the problem ids; a PrairieLearn export of a roster grades its key at 100%."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nnsteps.cli", *args], env=ENV, capture_output=True, text=True)


def test_generate_with_a_roster_to_prairielearn(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("student\nann\nbo\n")
    done = cli("generate", "conv2d", "--seed", "1", "--roster", str(roster), "--to", "prairielearn",
               "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    for student in ("ann", "bo"):
        folder = tmp_path / "out" / student / "questions" / "conv2d-1"
        info = json.loads((folder / "info.json").read_text())
        assert info["topic"] == "conv2d"
        spec = importlib.util.spec_from_file_location(f"server_{student}", folder / "server.py")
        server = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(server)
        data = {"params": {}, "correct_answers": {}, "submitted_answers": {}, "partial_scores": {}, "feedback": {},
                "variant_seed": 5}
        server.generate(data)
        # the question is the student's own variant, as in their problems.yaml
        problems = yaml.safe_load((tmp_path / "out" / student / "problems.yaml").read_text())
        assert yaml.safe_load(data["params"]["problem"])["problems"][0]["input"] == problems["problems"][0]["input"]
        data["submitted_answers"] = dict(data["correct_answers"])
        server.grade(data)
        assert data["score"] == 1.0
        assert (tmp_path / "out" / student / "questions" / "conv2d-random" / "server.py").is_file()


def test_generate_to_gradescope_carries_the_seed_and_ids(tmp_path: Path) -> None:
    done = cli("generate", "relu", "--seed", "4", "--count", "2", "--to", "gradescope", "-o", str(tmp_path))
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "autograder.zip") as z:
        inside = yaml.safe_load(z.read("problems.yaml"))
    assert inside == yaml.safe_load((tmp_path / "problems.yaml").read_text())
    assert "seed 4" in inside["title"] and [p["id"] for p in inside["problems"]] == ["relu-1", "relu-2"]


def test_an_unknown_format_fails_before_anything_is_written(tmp_path: Path) -> None:
    done = cli("generate", "relu", "--seed", "1", "--to", "moodel", "-o", str(tmp_path / "out"))
    assert done.returncode == 2 and "did you mean 'moodle'?" in done.stderr
    assert not (tmp_path / "out").exists()
