"""nnsteps generate --from FILE, --set, shared structure, degenerate redraws and anchor-free YAML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from nnsteps.api_check import check, generate
from nnsteps.cli import app
from nnsteps.errors import NnstepsError
from nnsteps.generation.generate import dump_yaml
from nnsteps.generation.vary import degenerate, has_numbers, vary

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "nnsteps" / "examples"


def _write(tmp_path: Path, problems: list[dict]) -> Path:
    path = tmp_path / "given.yaml"
    path.write_text(yaml.safe_dump({"problems": problems}))
    return path


def test_generate_from_backprop_gives_five_variants_of_that_network_with_a_right_key(tmp_path):
    out = tmp_path / "variants"
    result = CliRunner().invoke(app, ["generate", "--from", str(EXAMPLES / "backprop.yaml"), "--count", "5",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    original = yaml.safe_load((EXAMPLES / "backprop.yaml").read_text())["problems"][0]
    variants = yaml.safe_load((out / "problems.yaml").read_text())["problems"]
    assert [v["id"] for v in variants] == ["mlp-1", "mlp-2", "mlp-3", "mlp-4", "mlp-5"]
    for v in variants:
        assert v["kind"] == "mlp" and v["loss"] == original["loss"] and v["learning_rate"] == original["learning_rate"]
        assert len(v["input"]) == len(original["input"]) and len(v["target"]) == len(original["target"])
        assert [layer["activation"] for layer in v["layers"]] == ["sigmoid", "sigmoid"]
        assert [[len(row) for row in layer["weights"]] for layer in v["layers"]] == [[2, 2], [2, 2]]
        assert all(0 < x < 1 for x in v["input"] + v["target"])
    numbers = [json.dumps([v["input"], v["layers"], v["target"]]) for v in variants]
    assert len(set(numbers)) == 5
    assert json.dumps([original["input"], original["layers"], original["target"]]) not in numbers
    graded = CliRunner().invoke(app, ["check", str(out / "problems.yaml"), str(out / "answers.yaml"), "-f", "json"])
    assert graded.exit_code == 0, graded.output
    assert json.loads(graded.stdout)["score"] == 5.0


def test_from_file_keeps_problems_without_numbers_as_written_and_says_so(tmp_path):
    path = _write(tmp_path, [{"id": "net", "kind": "network", "spec": "input 8x8x1\nconv 3x3x4"},
                             {"id": "r", "kind": "relu", "input": "1 -2; 3 -4"}])
    s = generate(from_file=path, count=2, seed=3)
    assert [p["id"] for p in s.problems] == ["net", "r-1", "r-2"]
    assert s.problems[0]["spec"] == "input 8x8x1\nconv 3x3x4" and s.kept == ["net"]
    result = CliRunner().invoke(app, ["generate", "--from", str(path), "-o", str(tmp_path / "o")])
    assert "kept as written (no numbers to vary): net" in result.output


def test_variants_keep_shapes_options_and_step_structure():
    pipeline = {"id": "p", "kind": "pipeline", "input": "1 0 2 1; 0 1 1 0; 2 1 0 1; 1 0 1 2",
                "steps": [{"conv2d": {"kernel": "1 -1; 0 1", "stride": 1}}, "relu", {"max_pool2d": {"kernel_size": 2}}]}
    import numpy as np

    v = vary(pipeline, np.random.default_rng(5))
    assert v["steps"][1] == "relu" and v["steps"][2] == {"max_pool2d": {"kernel_size": 2}}
    assert v["steps"][0]["conv2d"]["stride"] == 1 and v["steps"][0]["conv2d"]["kernel"].count(";") == 1
    assert v["input"].count(";") == 3 and v["input"] != pipeline["input"]


def test_boxes_stay_boxes_when_varied(tmp_path):
    path = _write(tmp_path, [{"id": "b", "kind": "iou", "box_a": [0, 0, 2, 3], "box_b": [1, 1, 4, 4]}])
    for p in generate(from_file=path, count=8, seed=1).problems:
        for x1, y1, x2, y2 in (p["box_a"], p["box_b"]):
            assert x1 <= x2 and y1 <= y2


def test_set_pins_the_rnn_cell_from_the_cli(tmp_path):
    result = CliRunner().invoke(app, ["generate", "rnn", "--set", "cell=lstm", "--count", "3", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    problems = yaml.safe_load((tmp_path / "problems.yaml").read_text())["problems"]
    assert [p["cell"] for p in problems] == ["lstm", "lstm", "lstm"]


def test_variants_of_one_call_share_structure_unless_vary_structure():
    shared = generate("optimizer", seed=0, count=5).problems
    assert len({p["method"] for p in shared}) == 1
    assert len({json.dumps(p["params"], default=str) for p in shared}) == 5  # the numbers differ
    mixed = generate("optimizer", seed=0, count=5, vary_structure=True).problems
    assert len({p["method"] for p in mixed}) > 1
    conv = generate("conv2d", seed=4, count=6).problems
    assert len({(p["input"] if isinstance(p["input"], str) else json.dumps(p["input"]), p.get("stride"))
                for p in conv}) == 6
    assert len({(json.dumps(p["kernel"]).count("["), p.get("stride"), p.get("padding")) for p in conv}) == 1


def test_generated_problems_are_never_degenerate():
    for kind in ("conv2d", "relu", "softmax", "max_pool2d", "linear"):
        for seed in range(5):
            s = generate(kind, seed=seed, count=4, upstream=True) if kind != "softmax" else generate(kind, seed=seed,
                                                                                                 count=4)
            for p in s.problems:
                from nnsteps.problems.solve import solve_problem

                assert degenerate(solve_problem(p).worked.answer) is None, p


def test_degenerate_tells_equal_outputs_and_zero_gradients():
    assert degenerate({"output": [[-2, -2], [-2, -2]]}) == "every output is -2"
    assert degenerate({"output": [1, 2], "grads": {"input": [[0, 0]], "kernel": [0]}}) == "every gradient is zero"
    assert degenerate([[1, 2]]) is None and degenerate(3) is None


def test_a_problem_degenerate_by_design_still_gets_variants(tmp_path):
    path = _write(tmp_path, [{"id": "z", "kind": "relu", "input": "-1 -2 -3"}])  # every output 0 by design
    problems = generate(from_file=path, count=3, seed=0).problems
    assert len({p["input"] for p in problems}) == 3


def test_generated_yaml_has_no_anchors(tmp_path):
    row = [1, 2]
    text = dump_yaml({"a": row, "b": row})
    assert "&id" not in text and "*id" not in text and yaml.safe_load(text) == {"a": [1, 2], "b": [1, 2]}
    generate("optimizer", seed=2, count=3, out=tmp_path)
    assert "&id" not in (tmp_path / "problems.yaml").read_text()


def test_has_numbers_tells_a_network_spec_from_data():
    assert has_numbers({"id": "r", "kind": "relu", "input": [1, -2]})
    assert not has_numbers({"id": "n", "kind": "network", "spec": "input 4x4x1\nflatten"})


@pytest.mark.parametrize(("args", "message"), [
    (["generate", "--set", "cell=lstm", "-o", "x"], "expected a kind or --from FILE (one of them), got neither"),
    (["generate", "rnn", "--set", "cell", "-o", "x"], "field --set: expected key=value, got 'cell'"),
    (["generate", "rnn", "--set", "cel=lstm", "-o", "x"], "generator rnn has no option 'cel'"),
    (["generate", "conv2d", "--stride", "2", "--set", "stride=1", "-o", "x"], "disagree"),
])
def test_bad_generate_options_are_one_line_errors(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output and result.output.count("\n") == 1


def test_from_and_kind_together_or_pins_with_from_are_refused(tmp_path):
    path = _write(tmp_path, [{"id": "r", "kind": "relu", "input": "1 -2"}])
    with pytest.raises(NnstepsError, match="got both"):
        generate("relu", from_file=path)
    with pytest.raises(NnstepsError, match="--from keeps each problem's options"):
        generate(from_file=path, stride=2)


def test_from_file_with_a_roster_gives_each_student_their_own_numbers(tmp_path):
    s = generate(from_file=EXAMPLES / "backprop.yaml", roster=["ana", "bo"], seed=1)
    ana, bo = s.variants["ana"].problems[0], s.variants["bo"].problems[0]
    assert ana["layers"] != bo["layers"] and ana["loss"] == bo["loss"]
    report = check(s.variants["ana"].document(), s.variants["ana"].answers)
    assert report.score == report.max_score == 1
