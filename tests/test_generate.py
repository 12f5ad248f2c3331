"""nnsteps generate: deterministic exercises whose key scores full marks against its own problems."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from nnsteps.api_check import check, generate
from nnsteps.cli import app
from nnsteps.errors import NnstepsError
from nnsteps.generation.generate import draw, kinds

COUNT = 200


@pytest.mark.parametrize("kind", kinds())
def test_key_scores_full_marks_on_its_own_problems(kind):
    count = COUNT
    exercises = generate(kind, seed=2024, count=count)
    assert len(exercises.problems) == count and len(exercises.answers) == count
    report = check(exercises.document(), exercises.answers)
    assert [p.id for p in report.problems if not p.correct] == []
    assert report.score == report.max_score == count


def test_written_files_round_trip_through_check(tmp_path):
    runner = CliRunner()
    for kind in ("conv2d", "avg_pool2d", "pipeline", "logistic"):
        out = tmp_path / kind
        result = runner.invoke(app, ["generate", kind, "--seed", "5", "--count", "6", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert {p.name for p in out.iterdir()} == {"problems.yaml", "answers.yaml", "solutions.md"}
        graded = runner.invoke(app, ["check", str(out / "problems.yaml"), str(out / "answers.yaml"), "-f", "json"])
        assert graded.exit_code == 0, graded.output
        assert json.loads(graded.stdout)["score"] == 6.0
        assert f"## {kind}-6" in (out / "solutions.md").read_text()


def test_one_perturbed_cell_of_a_generated_key_is_flagged_with_its_derivation():
    exercises = generate("conv2d", seed=11, count=3)
    pid = exercises.problems[1]["id"]
    answers = json.loads(json.dumps(exercises.answers, default=str))
    cell = answers[pid]
    cell[-1][-1] = int(cell[-1][-1]) + 1
    report = check(exercises.document(), answers)
    result = next(p for p in report.problems if p.id == pid)
    wrong = [c for c in result.cells if not c.credit]
    rows, cols = len(cell), len(cell[0])
    assert [c.where for c in wrong] == [f"[{rows - 1}][{cols - 1}]"]
    assert result.step is not None and result.step.data["cell"][-2:] == [rows - 1, cols - 1]
    assert f"Derivation of [{rows - 1}][{cols - 1}]" in result.feedback()
    assert [p.correct for p in report.problems] == [True, False, True]


def test_generation_is_deterministic_and_seed_dependent():
    a = draw("conv2d", 3, 5, solve=False)
    assert a == draw("conv2d", 3, 5, solve=False)
    assert a != draw("conv2d", 4, 5, solve=False)
    assert [p["id"] for p in a] == [f"conv2d-{i}" for i in range(1, 6)]


def test_options_fix_choices_and_unknown_options_fail():
    problems = draw("conv2d", 1, 20, stride=2, padding=1)
    assert {p["stride"] for p in problems} == {2} and {p["padding"] for p in problems} == {1}
    with pytest.raises(NnstepsError, match="generator relu has no option 'stride'"):
        draw("relu", 1, 1, stride=2)
    with pytest.raises(NnstepsError, match="no generator for kind 'convv'.*did you mean 'conv2d'"):
        draw("convv", 1, 1)


def test_numbers_stay_small_and_readable():
    for p in draw("conv2d", 9, 50, solve=False):
        flat = [v for row in p["input"] for v in row]
        assert min(flat) >= 0 and max(flat) <= 3
        assert 2 <= len(p["kernel"]) <= 3
    for p in draw("linear", 9, 20, solve=False):
        assert all(abs(w) <= 1 and (w * 10).denominator == 1 for row in p["weights"] for w in row)


def test_roster_gives_each_student_a_deterministic_variant(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,email\nAna,ana@uni.edu\nBo,bo@uni.edu\n")
    out = tmp_path / "variants"
    result = CliRunner().invoke(app, ["generate", "pipeline", "--seed", "1", "--roster", str(roster), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "variants.csv").read_text().splitlines() == ["student,folder", "ana@uni.edu,ana_uni.edu",
                                                              "bo@uni.edu,bo_uni.edu"]
    ana = (out / "ana_uni.edu" / "problems.yaml").read_text()
    assert ana != (out / "bo_uni.edu" / "problems.yaml").read_text()
    again = generate("pipeline", 1, roster=str(roster))
    assert again.variants["ana@uni.edu"].problems == generate("pipeline", 1, roster=["ana@uni.edu"]).variants[
        "ana@uni.edu"].problems


def test_network_specs_never_have_impossible_shapes():
    from nnsteps import shapes

    for p in draw("network", 0, 200, solve=False):
        lines = p["spec"].splitlines()
        h = int(lines[0].split()[1].split("x")[0])
        for line in lines[1:]:
            words = line.split()
            opts = dict(w.split("=") for w in words[2:] if "=" in w)
            if words[0] == "conv":
                k = int(words[1].split("x")[0])
                pad = int(opts["p"])
                h = shapes.conv_out(h, k, pad=(pad, pad), stride=int(opts["s"])).value
            elif words[0] == "maxpool":
                h = shapes.pool_out(h, 2, stride=2).value
            assert h >= 1, p["spec"]


def test_cli_generate_bad_input_exits_2(tmp_path):
    result = CliRunner().invoke(app, ["generate", "conv2d", "--count", "0", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "--count" in result.stderr and result.stderr.count("\n") == 1
