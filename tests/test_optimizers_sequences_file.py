"""examples/optimizers_sequences.yaml states each new item (LSTM backward from dL/dc, the RNN without an
output layer, optimisers from a given state, ε under the root, the four schedules): ``nnsteps check`` grades
its own key full marks and names the mistake a student's answer made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from nnsteps.cli import app
from nnsteps.grading.compare import plain
from nnsteps.problems.solve import solve_problem

FILE = Path(__file__).resolve().parents[1] / "examples" / "optimizers_sequences.yaml"
PROBLEMS = {p["id"]: p for p in yaml.safe_load(FILE.read_text(encoding="utf-8"))["problems"]}


def key(raw: dict[str, Any]) -> Any:
    return plain(solve_problem(raw).worked.answer)


def run_check(tmp_path: Path, answers: dict[str, Any], *extra: str) -> Any:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers, default=str), encoding="utf-8")
    return CliRunner().invoke(app, ["check", str(FILE), str(path), *extra])


def test_the_file_grades_its_own_key_full_marks(tmp_path: Path) -> None:
    result = run_check(tmp_path, {pid: key(raw) for pid, raw in PROBLEMS.items()})
    assert result.exit_code == 0, result.output
    assert result.output.count("All correct.") == len(PROBLEMS) == 10


def test_d2l_adagrad_in_the_file_prints_the_published_number() -> None:
    assert f"{float(key(PROBLEMS['adagrad_d2l'])['params'][-1][0]):.6f}" == "-2.382563"


MISTAKES = [
    ("lstm_step_backward", lambda r: {k: v for k, v in r.items() if k != "upstream_c"},
     "∂L/∂c_t ignored (δc only through h)"),
    ("rnn_backward_no_head", lambda r: {**r, "activation": "none"}, "activation left out"),
    ("sgd_from_velocity", lambda r: {k: v for k, v in r.items() if k != "state"}, "given state ignored"),
    ("adam_from_state", lambda r: {**r, "state": {**r["state"], "t": r["state"]["t"] - 1}},
     "bias correction with the given t instead of t + 1"),
    ("rmsprop_eps_inside", lambda r: {**r, "eps_inside": False}, "ε outside the square root"),
    ("multistep", lambda r: {k: v for k, v in r.items() if k not in ("schedule", "milestones", "gamma")},
     "learning-rate schedule ignored"),
    ("linear_warmup", lambda r: {k: v for k, v in r.items() if k not in ("schedule", "start_factor", "total_iters")},
     "learning-rate schedule ignored"),
    ("onecycle", lambda r: {**r, "anneal_strategy": "cos"}, "OneCycleLR annealed cos and linear swapped"),
    ("plateau", lambda r: {**r, "patience": 0}, "plateau reduced after patience epochs instead of more than patience"),
]


@pytest.mark.parametrize(("pid", "slip", "name"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_check_names_the_mistake_a_students_answer_made(tmp_path: Path, pid: str, slip: Any, name: str) -> None:
    answers = {p: key(raw) for p, raw in PROBLEMS.items()}
    answers[pid] = key(slip(PROBLEMS[pid]))
    result = run_check(tmp_path, answers)
    assert result.exit_code == 1, result.output
    block = result.output.split(f"{pid} (")[1].split("\n\n")[0]
    assert f"Likely mistake: {name}" in block, block
