"""The problem file of corpus BLEU, the IoU variants and the attention bias layout, through
``nnsteps check``: its answers file scores full marks, and an answer made with each named mistake is
graded wrong with that mistake's name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from nnsteps.cli import app
from nnsteps.grading.compare import plain
from nnsteps.problems.load import load_file
from nnsteps.problems.solve import problems_of, solve_problem

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "nnsteps" / "examples"
PROBLEMS = EXAMPLES / "bleu_iou_attention.yaml"
runner = CliRunner()


def _problems() -> dict[str, dict]:
    return {raw["id"]: raw for raw in problems_of(load_file(PROBLEMS))[1]}


def test_the_answers_file_scores_full_marks():
    result = runner.invoke(app, ["check", str(PROBLEMS), str(EXAMPLES / "bleu_iou_attention_answers.yaml"),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["score"] == report["max_score"] == 4
    assert all(p["correct"] for p in report["problems"])


def test_the_file_states_the_published_numbers():
    keys = {pid: plain(solve_problem(raw).worked.answer) for pid, raw in _problems().items()}
    assert keys["gpt2_attention"]["total_params"] == 2_360_064
    assert keys["corpus_bleu"]["precisions"] == pytest.approx([11 / 13, 2 / 3])
    assert keys["giou_loss"]["giou_loss"] == pytest.approx(1 + 7 / 15, rel=1e-7)  # C = 15, U = 8, I = 0 (ε = 1e-7)


@pytest.mark.parametrize(("pid", "change", "name"), [
    ("corpus_bleu", {"pool": False}, "corpus BLEU as the mean of sentence BLEUs (counts not pooled over the corpus)"),
    ("ciou", {"aspect": False}, "aspect-ratio term αv left out (CIoU computed as DIoU)"),
    ("giou_loss", {"plus_one": True}, "+1 pixel convention (width = x2 − x1 + 1) instead of torchvision's x2 − x1"),
    ("gpt2_attention", {"spec": "input seq 1024x768\nattention heads=12"},
     "attention biases counted on every projection (qkv_bias / out_bias ignored)"),
])
def test_a_named_mistake_is_graded_wrong_by_name(tmp_path, pid, change, name):
    raw = _problems()[pid]
    wrong = plain(solve_problem({**raw, **change}).worked.answer)
    if pid == "gpt2_attention":
        wrong = {"asked": wrong["asked"]}
    answers = tmp_path / "answers.yaml"
    as_written = json.loads(json.dumps(wrong, default=float))  # decimals, as a student writes them
    answers.write_text(yaml.safe_dump({pid: as_written}), encoding="utf-8")
    result = runner.invoke(app, ["check", str(PROBLEMS), str(answers), "--format", "json", "--allow-missing"])
    assert result.exit_code == 1, result.output
    graded = {p["id"]: p for p in json.loads(result.output)["problems"]}[pid]
    assert not graded["correct"]
    assert graded["likely_mistake"] == name
