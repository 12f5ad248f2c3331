"""Gradescope: ``autograder.zip`` with ``setup.sh`` (installs nnsteps), ``run_autograder`` and the problem
file. On Gradescope, ``run_autograder`` reads ``/autograder/submission/answers.yaml`` (or .yml/.json), grades
it with nnsteps's checker and writes ``/autograder/results/results.json``: one test per problem with its
score, max score and feedback at the export's ``feedback`` level (default ``mistakes``: the wrong cells and
the likely mistake, never the key value nor the derivation, so resubmitting cannot collect the key).

Every problem is carried (the checker itself grades, symbolic answers included). ``NNSTEPS_AUTOGRADER_ROOT``
moves ``/autograder`` (for running it locally), ``NNSTEPS_PYTHON`` picks the interpreter.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from nnsteps.export.items import ProblemSet

NAME = "gradescope"
WRITES = "file"
DEFAULT = "autograder.zip"

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image: install nnsteps {version}.
set -euo pipefail
if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq python3 python3-pip
fi
# A wheel placed next to this script (nnsteps-*.whl) wins; else the release from the package index.
wheel=$(ls /autograder/source/nnsteps-*.whl 2>/dev/null | head -n 1 || true)
python3 -m pip install --quiet --break-system-packages "${{wheel:-nnsteps=={version}}}" 2>/dev/null \\
  || python3 -m pip install --quiet "${{wheel:-nnsteps=={version}}}"
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it grades answers.yaml with nnsteps's checker.
set -uo pipefail
root="${NNSTEPS_AUTOGRADER_ROOT:-/autograder}"
exec "${NNSTEPS_PYTHON:-python3}" "$root/source/grade.py"
"""

GRADE = '''"""Grade /autograder/submission/answers.yaml against problems.yaml; write results/results.json."""

import json
import os
from pathlib import Path

RTOL = {rtol!r}
FEEDBACK = {feedback!r}  # mistakes: the wrong cells and the likely mistake; full: the key and derivation too
ROOT = Path(os.environ.get("NNSTEPS_AUTOGRADER_ROOT", "/autograder"))
NAMES = ("answers.yaml", "answers.yml", "answers.json")


def results(problems, submission):
    from nnsteps.errors import NnstepsError
    from nnsteps.grading.check import Grader
    from nnsteps.grading.grade import gradescope

    grader = Grader(problems, rtol=RTOL)
    found = [submission / n for n in NAMES if (submission / n).is_file() and not (submission / n).is_symlink()]
    if not found:
        return {{"score": 0.0, "output": "No answers file found: upload answers.yaml "
                 "(problem id: answer, one per line)."}}
    try:
        return gradescope(grader.grade(found[0], student="submission"), FEEDBACK)
    except NnstepsError as err:  # an unreadable file is feedback for the student, not a crash
        return {{"score": 0.0, "output": f"Your answers file could not be read: {{err}}"}}


def main():
    out = ROOT / "results"
    out.mkdir(parents=True, exist_ok=True)
    data = results(ROOT / "source" / "problems.yaml", ROOT / "submission")
    (out / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
'''


def build(problems: ProblemSet, options: dict[str, Any]) -> tuple[dict[str, bytes], list[str]]:
    """The autograder zip (one file) and no warnings: the checker carries every kind.

    >>> from nnsteps.export.items import load
    >>> files, warnings = build(load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]}), {})
    >>> sorted(zipfile.ZipFile(io.BytesIO(files["autograder.zip"])).namelist()), warnings
    (['README.txt', 'grade.py', 'problems.yaml', 'run_autograder', 'setup.sh'], [])
    """
    from nnsteps import __version__
    from nnsteps.export import feedback_level
    from nnsteps.generation.generate import dump_yaml

    readme = (f"nnsteps autograder for {problems.title or problems.source}\n"
              f"problems: {', '.join(i.id for i in problems.items)}\n"
              f"problem file sha256: {problems.sha256}\nrelative tolerance: {problems.rtol}\n"
              "Students upload answers.yaml mapping each problem id to its answer.\n")
    members = {
        "setup.sh": SETUP.format(version=__version__),
        "run_autograder": RUN,
        "grade.py": GRADE.format(rtol=problems.rtol, feedback=feedback_level(options)),
        "problems.yaml": dump_yaml(problems.document),
        "README.txt": readme + json.dumps({"ids": [i.id for i in problems.items]}) + "\n",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # same input, same bytes
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
    return {DEFAULT: buffer.getvalue()}, []
