"""Finding things: kinds by their common names, flags shown as flags, solve --only, the spec language's
1d/3d suggestion, and one-row strings read as 1×N grids in problem files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nnsteps.cli import app
from nnsteps.problems.describe import resolve
from nnsteps.problems.registry import KINDS, load_kinds

ROOT = Path(__file__).resolve().parents[1]
GRID = ROOT / "bench" / "reference_grid.yaml"
HOT = [sys.executable, "-m", "nnsteps"]
TYPER = [sys.executable, "-c", "from nnsteps.cli import app; app(prog_name='python -m nnsteps')"]


def run(prefix: list[str], args: list[str], cwd: Path) -> tuple[int, bytes, bytes]:
    done = subprocess.run([*prefix, *args], capture_output=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=120)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(("name", "kind", "how"), [
    ("lstm", "rnn", "cell: lstm"), ("gru", "rnn", "cell: gru"),
    ("adam", "optimizer", "method: adam"), ("sgd", "optimizer", "method: sgd"),
    ("rmsprop", "optimizer", "method: rmsprop"), ("adagrad", "optimizer", "method: adagrad"),
    ("f1", "metrics", "answer key f1"), ("precision", "metrics", "answer key precision"),
    ("recall", "metrics", "answer key recall"), ("accuracy", "metrics", "answer key accuracy"),
    ("confusion", "metrics", "answer key confusion"),
    ("bce", "loss", "loss: binary_cross_entropy"), ("mse", "loss", "loss: mse"),
    ("cross_entropy", "loss", "loss: cross_entropy"), ("Cross-Entropy", "loss", "loss: cross_entropy"),
    ("softmax", "softmax", ""), ("maxpool", "max_pool2d", ""), ("avgpool", "avg_pool2d", ""),
    ("MaxPool2d", "max_pool2d", ""), ("iou", "iou", ""), ("nms", "nms", ""), ("bleu", "bleu", ""),
    ("xavier", "init", "scheme: xavier_uniform"),
])
def test_common_names_resolve_to_the_kind_and_field_setting(name, kind, how):
    assert (kind, how) in [(k.name, h) for k, h in resolve(name)]


def test_transformer_points_to_the_network_spec_and_attention():
    found = {k.name: how for k, how in resolve("transformer")}
    assert set(found) == {"network", "attention"} and "transformer_encoder" in found["network"]


def test_aliases_live_on_each_kinds_record():
    load_kinds()
    assert KINDS["rnn"].aliases["lstm"] == "cell: lstm"
    assert KINDS["optimizer"].aliases["adam"] == "method: adam"
    assert KINDS["relu"].aliases == {}


def test_kinds_lstm_points_to_rnn_with_cell_lstm_then_shows_rnn():
    result = CliRunner().invoke(app, ["kinds", "lstm"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "lstm is kind rnn with `cell: lstm`: nnsteps kinds rnn"
    assert lines[2].startswith("rnn: a recurrent network")


def test_kinds_with_an_unknown_name_is_one_line_with_a_suggestion():
    result = CliRunner().invoke(app, ["kinds", "lstmm"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "unknown kind 'lstmm'" in result.output and "(did you mean 'lstm'?)" in result.output


@pytest.mark.parametrize("command", ["solve", "generate", "check", "summary", "export", "kinds", None])
def test_help_shows_flags_as_flags_not_as_taking_a_bool(command):
    result = CliRunner().invoke(app, [command, "--help"] if command else ["--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "<bool>" not in result.output and "--help" in result.output


def test_solve_only_solves_the_problems_named(tmp_path):
    result = CliRunner().invoke(app, ["solve", str(GRID), "--only", "q5,q1b", "--brief"])
    assert result.exit_code == 0, result.output
    heads = [line for line in result.output.splitlines() if line and not line.startswith(" ")]
    assert heads == ["Reference grid problems (Q1, Q5)", "q1b: Q1(b) no padding, stride 2",
                     "q5: Q5 conv -> ReLU -> 2x2 average pooling"]  # in the file's order


@pytest.mark.parametrize("args", [
    ["solve", str(GRID), "--only", "q1b"],
    ["solve", str(GRID), "--only=q5,q1a", "--brief", "-f", "json"],
    ["solve", str(GRID), "--only", "q9"],  # bad input: one error line, exit 2
    ["solve", str(GRID), "--only"],        # typer's own error
])
def test_solve_only_prints_the_same_bytes_on_the_hot_path_and_typer(args, tmp_path):
    hot = run(HOT, args, tmp_path)
    assert hot == run(TYPER, args, tmp_path)
    if "q9" in args:
        assert hot[0] == 2 and hot[2].decode() == ("error: field --only: no problem with id 'q9'; the file's ids: "
                                                   "q1a, q1b, q1c, q1d, q1e, q5\n")


@pytest.mark.parametrize(("spec", "hint"), [
    ("input seq 10x3\nmaxpool 2", "(for a sequence T×D use 'maxpool1d K')"),
    ("input seq 10x3\navgpool 2", "(for a sequence T×D use 'avgpool1d K')"),
    ("input seq 10x3\nconv 3x3x4", "(for a sequence T×D use 'conv1d KxF')"),
    ("input 4x8x8x3\nmaxpool 2", "(for a volume D×H×W×C use 'maxpool3d K')"),
])
def test_a_2d_layer_after_a_sequence_suggests_its_1d_twin(spec, hint):
    from nnsteps.arch.table import summary
    from nnsteps.errors import NnstepsError

    with pytest.raises(NnstepsError) as err:
        summary(spec)
    assert str(err.value).endswith(hint)


def test_a_problem_file_reads_a_one_row_string_as_a_1xN_grid_as_the_python_api_does():
    from nnsteps.ops.grid.conv import conv2d
    from nnsteps.problems.solve import solve_text

    solved = solve_text('problems: [{id: c, kind: conv2d, input: "1 2 3 4", kernel: "1 -1"},'
                        ' {id: p, kind: max_pool2d, input: "1 5 3 4", kernel_size: [1, 2]}]')
    conv, pool = (s.worked.value for s in solved.solved)
    assert conv.tolist() == [[-1, -1, -1]] == conv2d("1 2 3 4", "1 -1").value.tolist()
    assert pool.tolist() == [[5, 4]]
    assert np.shape(conv) == (1, 3)
