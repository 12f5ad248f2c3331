"""nnsteps check: verdicts per cell, tolerance, likely mistakes, follow-on marking, feedback, CLI."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnsteps.api_check import check
from nnsteps.cli import app
from nnsteps.errors import NnstepsError
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import Cell, Tolerance, compare, leaf
from nnsteps.grading.mistakes import sign_slip
from nnsteps.kinds.rnn import follow_on as rnn_follow_on
from nnsteps.problems.load import load_file
from nnsteps.problems.registry import load_kinds

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "assignment3.yaml"
ANSWERS = ROOT / "examples" / "assignment3_answers.yaml"
X = "1 1 1 1 0; 0 0 1 1 1; 0 0 0 0 0; 1 1 0 1 0; 1 1 0 1 1"
F = "1 4 1; 0 2 1; 2 4 2"
Q1A = [[7, 9, 8], [7, 9, 10], [8, 5, 8]]
# Reference Question 6 as printed (the rnn kind's answer contract).
Q6 = {"h": [0.16, 0.112, 0.0624], "y": 0.01248,
      "grads": {"w_in": -0.022631168, "w_hh": -0.012710656, "w_hy": -0.024181248},
      "updated": {"w_in": 0.2033947, "w_hh": 0.2019066, "w_hy": 0.2036272}}


def conv(**fields):
    return {"id": "q", "kind": "conv2d", "input": X, "kernel": F, **fields}


# --- the reference, as a student's answers file -------------------------------------------------

def test_reference_answers_score_full_marks():
    ids = [str(p["id"]) for p in load_file(EXAMPLE)["problems"]]
    answers = {k: v for k, v in load_file(ANSWERS).items() if k in ids}
    if "q6" in ids and "q6" not in answers:
        answers["q6"] = Q6
    report = check(EXAMPLE, answers)
    assert {"q1a", "q1b", "q1c", "q1d", "q1e", "q5"} <= set(answers)
    graded = [p for p in report.problems if p.id in answers]
    assert [p.id for p in graded if not p.correct] == []
    assert sum(p.score for p in graded) == len(graded)
    q5 = next(p for p in report.problems if p.id == "q5")
    assert [c.where for c in q5.cells][-1] == "stages[2][0][0]" and q5.cells[-1].expected == 1


# --- one perturbed cell: exactly that cell, with its derivation --------------------------------

def test_one_wrong_cell_is_flagged_with_its_derivation():
    given = [row[:] for row in Q1A]
    given[1][2] = 11
    result = check_problem(conv(), given)
    wrong = [c for c in result.cells if not c.credit]
    assert [(c.where, c.expected, c.given) for c in wrong] == [("[1][2]", 10, 11)]
    assert result.score == pytest.approx(8 / 9)
    assert result.step is not None and result.step.data["cell"] == [0, 0, 1, 2]
    assert result.step.result == 10
    text = result.feedback("full")
    assert "[1][2]: you wrote 11, the key is 10." in text
    assert "Output cell Y[1, 2]" in text and "= 10" in text


def test_hints_feedback_does_not_reveal_the_key():
    given = [row[:] for row in Q1A]
    given[0][0] = 6
    result = check_problem(conv(), given)
    hints = result.feedback("hints")
    assert "[0][0]" in hints and "the key is" not in hints and "Hint for [0][0]" in hints
    assert all(c["expected"] is None for c in result.to_dict("hints")["cells"])
    assert result.feedback("score") == ""


# --- tolerance ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "given", "verdict"), [
    (7, "7", "correct"), (7, 7.0, "correct"), (7, "7.001", "wrong"), (7, "6.9999", "wrong"),
    (Fraction(1, 3), "1/3", "correct"), (Fraction(1, 3), "0.33", "rounded"), (Fraction(1, 3), "0.3", "wrong"),
    (Fraction(1, 3), "0.34", "wrong"), (Fraction(1, 2), "0.49", "wrong"),
    (Fraction(-22631168, 10**9), "-0.0226", "rounded"), (Fraction(-22631168, 10**9), "-0.022631168", "correct"),
    (Fraction(2033946752, 10**10), "0.2033947", "rounded"), (Fraction(2033946752, 10**10), "0.2033946", "rounded"),
    (Fraction(1248, 10**5), "0", "wrong"), (Fraction(1248, 10**5), "0.0125", "rounded"),
    (0.7310585786300049, "0.731", "rounded"), (0.7310585786300049, "0.73", "rounded"),
    (0.7310585786300049, "0.72", "wrong"), (0.7310585786300049, 0.7310585786300049, "correct"),
    (None, "masked", "correct"), (None, 0, "wrong"), (3, "abc", "wrong"), (3, None, "missing"),
])
def test_tolerance_rules(key, given, verdict):
    assert leaf(key, given).verdict == verdict


def test_exact_mode_and_rtol_are_configurable():
    assert leaf(Fraction(1, 3), "0.33", tol=Tolerance(exact=True)).verdict == "wrong"
    assert leaf(Fraction(1, 3), "0.32", tol=Tolerance(rtol=0.05)).verdict == "rounded"
    assert "relative error 0.05" in Tolerance(rtol=0.05).describe()


def test_array_answers_in_every_written_form():
    key = [[7, 8], [8, 8]]
    for given in ("7 8; 8 8", "7 8\n8 8", r"\begin{bmatrix} 7 & 8 \\ 8 & 8 \end{bmatrix}", [[7, 8], [8, 8]]):
        assert compare(key, given).all_credit, given
    assert compare([[9]], 9).all_credit and compare([[9]], [9]).all_credit
    wrong_shape = compare(key, [[7, 8, 1]])
    assert wrong_shape.notes == ["answer: expected shape 2×2, got 1×3"]


def test_mapping_answers_grade_the_fields_given():
    key = {"z": Fraction(-5, 4), "probability": 0.22270013882530884}
    assert [c.where for c in compare(key, {"z": "-1.25"}).cells] == ["z"]
    assert [c.verdict for c in compare(key, {"z": "-1.25"}, complete=True).cells] == ["correct", "missing"]
    with pytest.raises(NnstepsError, match="unknown answer field 'probabilty'.*did you mean 'probability'"):
        compare(key, {"probabilty": 0.2})


# --- likely mistakes, each one named ------------------------------------------------------------

MISTAKE_CASES = [
    ("flip", conv(), "kernel flipped: true convolution", {"flip": True}),
    ("unflip", conv(flip=True), "kernel not flipped", {"flip": False}),
    ("padding forgotten", conv(padding=1), "padding forgotten", {"padding": 0}),
    ("padding doubled", conv(padding=1), "padding doubled", {"padding": 2}),
    ("stride ignored", conv(stride=2), "stride ignored", {"stride": 1}),
    ("dilation ignored", conv(dilation=2), "dilation ignored", {"dilation": 1}),
    ("kernel transposed", conv(), "kernel transposed", {"kernel": "1 0 2; 4 2 4; 1 1 2"}),
    ("bias dropped", conv(bias=2), "bias dropped", {"bias": None}),
]


@pytest.mark.parametrize(("label", "raw", "name", "wrong_fields"), MISTAKE_CASES, ids=[c[0] for c in MISTAKE_CASES])
def test_conv_mistakes_are_named(label, raw, name, wrong_fields):
    from nnsteps.problems.solve import solve_problem

    wrong = {**raw, **wrong_fields}
    wrong = {k: v for k, v in wrong.items() if v is not None}
    given = solve_problem(wrong).worked.answer.tolist()
    result = check_problem(raw, given)
    assert not result.correct
    assert result.likely_mistake is not None and result.likely_mistake.startswith(name)


def test_flipped_kernel_answer_written_by_hand():
    # X * rot180(F) for reference Q1(a), worked by hand: what a student gets by flipping the kernel.
    flipped = [[8, 10, 9], [9, 9, 6], [7, 5, 7]]
    from nnsteps.ops.grid.conv import conv2d

    assert conv2d(X, F, flip=True).value.tolist()[0] == flipped[0]
    result = check_problem(conv(), conv2d(X, F, flip=True).value.tolist())
    assert result.likely_mistake.startswith("kernel flipped")


POOL = "1 5 2 0 3; 4 0 9 1 1; 2 8 3 3 6; 0 1 7 2 4; 5 2 0 9 1"


@pytest.mark.parametrize(("raw", "given", "name"), [
    # key [[5, 9], [8, 7]]; with ceil_mode the last row and column of windows are kept
    ({"kind": "max_pool2d", "kernel_size": 2}, [[5, 9, 3], [8, 7, 6], [5, 9, 1]], "floor and ceil mixed up"),
    ({"kind": "max_pool2d", "kernel_size": 2}, [[Fraction(5, 2), 3], [Fraction(11, 4), Fraction(15, 4)]],
     "averaged instead of taking the max"),
    ({"kind": "avg_pool2d", "kernel_size": 2}, [[5, 9], [8, 7]], "took the max instead of the average"),
    ({"kind": "max_pool2d", "kernel_size": 2, "stride": 2},
     [[5, 9, 9, 3], [8, 9, 9, 6], [8, 8, 7, 6], [5, 7, 9, 9]], "stride ignored"),
    ({"kind": "max_pool2d", "kernel_size": 3, "stride": 2}, [[5, 9], [8, 7]], "wrong pooling window (one smaller)"),
    # count_include_pad=False: a corner window holds one real cell, so it divides by 1, not 4
    ({"kind": "avg_pool2d", "kernel_size": 2, "padding": 1},
     [[1, Fraction(7, 2), Fraction(3, 2)], [3, 5, Fraction(11, 4)], [Fraction(5, 2), Fraction(5, 2), 4]],
     "average divisor counts padding differently"),
])
def test_pool_mistakes_are_named(raw, given, name):
    result = check_problem({"id": "p", "input": POOL, **raw}, given)
    assert not result.correct
    assert result.likely_mistake is not None and result.likely_mistake.startswith(name), result.likely_mistake


def test_softmax_axis_and_linear_bias_mistakes():
    from nnsteps.problems.solve import solve_problem

    raw = {"id": "s", "kind": "softmax", "input": [[1, 2], [3, 5]]}
    columns = solve_problem({**raw, "axis": 0}).worked.answer.tolist()
    assert check_problem(raw, columns).likely_mistake == "softmax over the wrong axis"
    dense = {"id": "d", "kind": "linear", "input": [1, 2], "weights": [[1, 0], [2, 1]], "bias": [1, 1]}
    assert check_problem(dense, [1, 4]).likely_mistake == "bias dropped"
    assert check_problem(dense, [6, 3]).likely_mistake == "weights transposed"


def test_sign_slip_in_one_term_is_named():
    # Y[0][0] of Q1(a) is 1·1 + 1·4 + 1·1 + … = 7; with 1·4 counted as −4 a student gets −1.
    given = [row[:] for row in Q1A]
    given[0][0] = -1
    result = check_problem(conv(), given)
    assert result.likely_mistake == r"a sign slip in one term: 1 \cdot 4 counted as -4"
    assert sign_slip(Cell((0,), 7, 8, "wrong"), r"1 \cdot 1 + 2 \cdot 3") is None


# --- follow-on marking --------------------------------------------------------------------------

def test_pipeline_stage_consistent_with_own_wrong_stage_is_follow_on():
    given = {"stages": [[[-5, -3], [1, 3], [7, 8]], [[0, 0], [1, 3], [7, 8]], [[1]]]}
    result = next(p for p in check(EXAMPLE, {"q5": given}).problems if p.id == "q5")
    verdicts = {c.where: c.verdict for c in result.cells}
    assert verdicts["stages[0][2][1]"] == "wrong"
    assert verdicts["stages[1][2][1]"] == "follow-on"
    assert verdicts["stages[2][0][0]"] == "correct"
    assert result.score == pytest.approx(12 / 13)
    # A stage that is neither right nor consistent stays wrong.
    bad = {"stages": [[[-5, -3], [1, 3], [7, 8]], [[0, 0], [1, 3], [7, 6]], [[1]]]}
    cells = next(p for p in check(EXAMPLE, {"q5": bad}).problems if p.id == "q5").cells
    assert {c.where: c.verdict for c in cells}["stages[1][2][1]"] == "wrong"


def test_rnn_y_and_updates_consistent_with_students_own_values():
    raw = {"id": "q6", "kind": "rnn", "x": [Fraction(3, 10)], "h0": 0, "target": Fraction(2, 5),
           "weights": {"w_in": Fraction(1, 5), "w_hh": Fraction(1, 5), "w_hy": Fraction(1, 2)},
           "loss": "half_squared_error", "learning_rate": Fraction(1, 10)}
    key = {"h": [Fraction(6, 100)], "y": Fraction(3, 100), "grads": {"w_in": Fraction(-111, 2000)},
           "updated": {"w_in": Fraction(1, 5) + Fraction(111, 20000)}}
    given = {"h": [0.08], "y": 0.04, "grads": {"w_in": -0.05}, "updated": {"w_in": 0.205}}
    result = compare(key, given)
    rnn_follow_on(load_kinds()["rnn"].parse(raw), given, result, Tolerance())
    verdicts = {c.where: c.verdict for c in result.cells}
    assert verdicts == {"h[0]": "wrong", "y": "follow-on", "grads.w_in": "wrong", "updated.w_in": "follow-on"}


# --- the command line ---------------------------------------------------------------------------

runner = CliRunner()


def test_cli_exit_codes_and_json_contract(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("q1a: [[7, 9, 8], [7, 9, 10], [8, 5, 8]]\n")
    problems = tmp_path / "p.yaml"
    problems.write_text(f"problems:\n  - {{id: q1a, kind: conv2d, input: '{X}', kernel: '{F}'}}\n")
    ok = runner.invoke(app, ["check", str(problems), str(good), "--format", "json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert set(data) >= {"score", "max_score", "problems"} and data["score"] == 1.0
    assert set(data["problems"][0]) >= {"id", "score", "max_score", "correct", "cells", "likely_mistake", "feedback"}
    assert data["problems"][0]["cells"][0] == {"where": "[0][0]", "expected": 7, "given": 7, "correct": True,
                                               "verdict": "correct"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("q1a: '7 9 8; 7 9 10; 8 5 9'\n")
    wrong = runner.invoke(app, ["check", str(problems), str(bad), "--format", "markdown"])
    assert wrong.exit_code == 1
    assert "| [2][2] | 9 | 8 | wrong |" in wrong.stdout
    typo = tmp_path / "typo.yaml"
    typo.write_text("q1x: 3\n")
    err = runner.invoke(app, ["check", str(problems), str(typo)])
    assert err.exit_code == 2
    assert err.stderr.strip().count("\n") == 0 and "problem q1x" in err.stderr and "did you mean 'q1a'" in err.stderr
    fmt = runner.invoke(app, ["check", str(problems), str(good), "--feedback", "ful"])
    assert fmt.exit_code == 2 and "did you mean 'full'" in fmt.stderr


def test_cli_batch_writes_csv_summary_and_gradescope(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ana.yaml").write_text("q1b: [[7, 8], [8, 8]]\nq1e: 9\n")
    (subs / "bo.json").write_text('{"q1b": "7 8; 8 9", "q1e": [[9]]}')
    (subs / "cy.yaml").write_text("q1b: [[7, 8], [8, 8]\n")  # broken YAML: recorded, not fatal
    problems = tmp_path / "p.yaml"
    problems.write_text(f"problems:\n  - {{id: q1b, kind: conv2d, input: '{X}', kernel: '{F}', stride: 2, points: 2}}\n"
                        f"  - {{id: q1e, kind: conv2d, input: '{X}', kernel: '{F}', dilation: 2}}\n")
    out = tmp_path / "grades"
    result = runner.invoke(app, ["check", str(problems), str(subs), "-o", str(out), "--feedback", "hints"])
    assert result.exit_code == 1, result.output
    rows = list(csv.DictReader((out / "grades.csv").open()))
    by = {r["student"]: r for r in rows}
    assert (by["ana"]["score"], by["ana"]["q1b"], by["ana"]["q1e"]) == ("3", "2", "1")
    assert (by["bo"]["score"], by["bo"]["q1b"]) == ("2.5", "1.5")
    assert by["cy"]["score"] == "0" and "not valid YAML" in by["cy"]["error"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["students"] == 3 and summary["graded"] == 2 and summary["mean_score"] == 2.75
    gs = json.loads((out / "gradescope" / "bo" / "results.json").read_text())
    assert gs["score"] == 2.5 and gs["max_score"] == 3.0
    assert [(t["name"], t["score"], t["max_score"]) for t in gs["tests"]] == [("q1b", 1.5, 2.0), ("q1e", 1.0, 1.0)]
    assert "[1][1]" in gs["tests"][0]["output"] and "the key is" not in gs["tests"][0]["output"]


def test_python_api_check_report_renders():
    report = check(EXAMPLE, {"q1e": 8})
    assert report.score == 0 and report.problems[4].cells[0].given == 8
    text = report.render("text")
    assert "q1e (conv2d): 0/1  wrong" in text and "Derivation of [0][0]" in text


def test_rnn_reference_q6_answer_checks():
    """The values the reference prints are right; on a practice sheet (allow_missing) they are all it takes."""
    raw = {"id": "q6", "kind": "rnn", "x": [0.3, 0.4, 0.2], "h0": 0.5,
           "weights": {"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2}, "activation": "none", "output": "last",
           "target": 0.4, "loss": "half_squared_error", "learning_rate": 0.15}
    result = check({"problems": [raw]}, {"q6": Q6}, allow_missing=True).problems[0]
    assert result.correct, result.feedback()
    strict = check({"problems": [raw]}, {"q6": Q6}).problems[0]
    assert [c.where for c in strict.cells if not c.credit] == [
        "loss", "symbolic.h_L", "symbolic.y", "symbolic.grads.w_in", "symbolic.grads.w_hh", "symbolic.grads.w_hy"]
    assert all(c.verdict == "missing" for c in strict.cells if not c.credit) and strict.likely_mistake is None


def test_an_answer_of_the_wrong_shape_earns_nothing():
    # Q1(b)'s key is 2×2; the 3×3 of Q1(a) overlaps it in [0][0] but is the wrong answer.
    result = check_problem(conv(stride=2), Q1A)
    assert result.score == 0 and result.notes == ["answer: expected shape 2×2, got 3×3"]
    assert result.likely_mistake == "stride ignored (S = 1)"


def test_network_answers_grade_the_rows_and_fields_given():
    spec = "input 32x32x3\nconv 3x3x16 p=1 s=1\nconv 3x3x16 p=0 s=1\navgpool 2 s=2\nflatten\ndense 1"
    doc = {"problems": [{"id": "q2", "kind": "network", "spec": spec}]}
    result = check(doc, {"q2": {"total_params": 3000, "layers": [{"params": 448}, {"params": 2320}]}}).problems[0]
    assert [(c.where, c.verdict) for c in result.cells] == [
        ("layers[0].params", "correct"), ("layers[1].params", "correct"), ("total_params", "wrong")]
    assert "total_params: you wrote 3000, the key is 6369." in result.feedback()
    assert "448 + 2320 + 3601" in result.feedback()


# --- a value left out is wrong, "not answered", by default ---------------------------------------

BACKPROP = ROOT / "examples" / "backprop.yaml"
CONV_POOL = {"id": "cp", "kind": "pipeline", "input": "1 0 2 1; 0 1 1 0; 2 1 0 1; 1 0 1 2", "upstream": "1",
             "steps": [{"conv2d": {"kernel": "1 -1; 0 1"}}, {"max_pool2d": {"kernel_size": 2}}]}


def test_an_mlp_answer_giving_only_the_loss_earns_one_cell_of_twenty_nine():
    loss = check(BACKPROP, {}).problems[0].cells
    key = next(c.expected for c in loss if c.where == "loss")
    result = check(BACKPROP, {"mlp": {"loss": key}}).problems[0]
    assert (len(result.cells), sum(c.credit for c in result.cells)) == (29, 1)
    assert result.score == pytest.approx(1 / 29) and not result.correct and result.likely_mistake is None
    assert result.feedback().splitlines()[0].startswith("28 of 29 entries not answered: outputs[0][0], ")
    practice = check(BACKPROP, {"mlp": {"loss": key}}, allow_missing=True).problems[0]
    assert practice.correct and practice.score == 1.0 and practice.feedback() == "All correct."


def test_a_conv_pool_backprop_answer_giving_only_the_output_invents_no_mistake_and_no_derivation():
    result = check({"problems": [CONV_POOL]}, {"cp": {"output": [[2]]}}).problems[0]
    assert result.score == pytest.approx(1 / 46) and result.likely_mistake is None
    feedback = result.feedback("full")
    assert feedback.splitlines() == [
        "45 of 46 entries not answered: grads.input[0][0], grads.input[0][1], grads.input[0][2], grads.input[0][3], "
        "grads.input[1][0], grads.input[1][1], grads.input[1][2], grads.input[1][3], ….",
        "grads.input[0][0]: not answered; the key is 1."]  # no H_out step passed off as this cell's derivation
    assert check({"problems": [CONV_POOL]}, {"cp": {"output": [[2]]}}, allow_missing=True).problems[0].correct


def test_a_wrong_answered_cell_is_discussed_and_named_before_the_cells_left_out():
    flipped = check_problem({**conv(), "id": "q", "upstream": "1 0 0; 0 0 0; 0 0 0"},
                            {"output": [[8, 10, 9], [7, 8, 12], [8, 3, 7]]})  # kernel flipped; grads left out
    assert flipped.likely_mistake == "kernel flipped: true convolution instead of cross-correlation " \
                                     "(PyTorch does not flip)"
    lines = flipped.feedback().splitlines()
    assert lines[0] == ("7 of 43 entries wrong: output[0][0], output[0][1], output[0][2], output[1][1], output[1][2], "
                        "output[2][1], output[2][2].")
    assert lines[1].startswith("34 of 43 entries not answered: grads.input[0][0], ")
    assert "output[0][0]: you wrote 8, the key is 7." in lines


def test_a_network_ask_cell_answered_nowhere_is_missing_and_one_answered_in_its_row_counts():
    raw = {"id": "n", "kind": "network", "spec": "input 32x32x3\nConv1: conv 3x3x16 p=1", "ask": ["Conv1.neurons"]}
    name_only = check_problem(raw, {"layers": [{"name": "Conv1"}]})
    assert [(c.where, c.verdict) for c in name_only.cells] == [("layers[0].name", "correct"),
                                                               ("asked.Conv1.neurons", "missing")]
    assert check_problem(raw, {"layers": [{"name": "Conv1", "neurons": 16384}]}).correct
    assert check_problem(raw, {"asked": {"Conv1.neurons": 16384}}).correct


def test_the_cli_counts_a_left_out_value_wrong_unless_allow_missing(tmp_path):
    import yaml

    problems = tmp_path / "p.yaml"
    problems.write_text(yaml.safe_dump({"problems": [CONV_POOL]}))
    answers = tmp_path / "a.yaml"
    answers.write_text("cp: {output: [[2]]}\n")
    strict = runner.invoke(app, ["check", str(problems), str(answers)])
    assert strict.exit_code == 1 and "cp (pipeline): 0.02174/1  wrong" in strict.stdout
    assert "45 of 46 entries not answered" in strict.stdout and "Likely mistake" not in strict.stdout
    legacy = runner.invoke(app, ["check", str(problems), str(answers), "--require-all"])
    assert legacy.exit_code == 1 and legacy.stdout == strict.stdout
    practice = runner.invoke(app, ["check", str(problems), str(answers), "--allow-missing"])
    assert practice.exit_code == 0 and "cp (pipeline): 1/1  correct" in practice.stdout
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ann.yaml").write_text("cp: {output: [[2]]}\n")
    batch = runner.invoke(app, ["check", str(problems), str(subs), "-o", str(tmp_path / "grades")])
    assert batch.exit_code == 1
    assert next(csv.DictReader((tmp_path / "grades" / "grades.csv").open()))["cp"] == "0.0217391"


def test_check_feedback_mistakes_names_the_cell_and_the_mistake_but_not_the_key(tmp_path):
    problems = tmp_path / "p.yaml"
    problems.write_text(f"problems:\n  - {{id: q1a, kind: conv2d, input: '{X}', kernel: '{F}'}}\n")
    answers = tmp_path / "a.yaml"
    answers.write_text("q1a: [[8, 10, 9], [7, 8, 12], [8, 3, 7]]\n")  # the kernel flipped
    out = runner.invoke(app, ["check", str(problems), str(answers), "--feedback", "mistakes", "--format", "json"])
    assert out.exit_code == 1
    problem = json.loads(out.stdout)["problems"][0]
    assert problem["feedback"].splitlines() == [
        "7 of 9 entries wrong: [0][0], [0][1], [0][2], [1][1], [1][2], [2][1], [2][2].",
        "Likely mistake: kernel flipped: true convolution instead of cross-correlation (PyTorch does not flip)."]
    assert all(c["expected"] is None for c in problem["cells"])
