"""Found by a hostile pass over every field of every kind (issue 9): values that used to end in a
traceback now end in one line naming the problem and the field, or in an answer."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_document
from nnsteps.render.document import render_solved

BN = {"kind": "batch_norm", "input": "1 2; 3 6; 5 1"}
LN = {"kind": "layer_norm", "input": "1 2 3", "normalized_shape": [3]}


def one_line(problem: dict[str, Any]) -> str:
    with pytest.raises(NnstepsError) as info:
        solved = solve_document([{"id": "p", **problem}])
        for fmt in ("json", "markdown", "text"):
            render_solved(solved, fmt)
    message = str(info.value)
    assert "\n" not in message and "problem p" in message
    return message


@pytest.mark.parametrize("problem", [
    {**BN, "eps": -10}, {**BN, "eps": "−10"}, {**BN, "eps": -(10**38)},
    {**BN, "training": False, "running_mean": "0 0", "running_var": "-1 1"},
    {**LN, "eps": -1}, {**LN, "eps": -(2**63)},
], ids=["bn-eps", "bn-eps-minus-sign", "bn-eps-huge", "bn-negative-running-var", "ln-eps", "ln-eps-huge"])
def test_a_negative_variance_plus_eps_is_one_line(problem: dict[str, Any]) -> None:
    assert "σ² + ε" in one_line(problem)


def test_a_negative_eps_that_keeps_variance_positive_still_solves() -> None:
    solved = solve_document([{"id": "p", **BN, "eps": -1}])  # σ² = 8/3, 14/3: σ² + ε > 0, as torch computes it
    assert solved.solved[0].worked.answer["var"] == [Fraction(8, 3), Fraction(14, 3)]


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_of_huge_numbers_saturates_as_the_float_formula_does(approximate: str) -> None:
    big = 10**300
    w = solve_document([{"id": "p", "kind": "gelu", "input": [-big, big, -11, 11], "upstream": [1, 1, 1, 1],
                         "approximate": approximate}])
    out = w.solved[0].worked.answer
    assert out["output"] == [0.0, 1e300, pytest.approx(0.0, abs=1e-20), 11.0]
    assert out["grads"]["input"][1] == 1.0 and out["grads"]["input"][0] == 0.0


MLP = {"kind": "mlp", "input": [1, 2], "target": [2], "learning_rate": 0.5,
       "layers": [{"weights": [[1, 1]], "bias": [0], "activation": "relu"}]}


@pytest.mark.parametrize("override", [{"l1": 1e308}, {"l2": -1e308}, {"target": [1e308]},
                                      {"target": [-(10**299)]}], ids=["l1", "l2", "target", "target-neg"])
def test_floats_past_the_digit_limit_are_one_line(override: dict[str, Any]) -> None:
    assert "digits" in one_line({**MLP, **override})


def test_half_squared_error_of_ints_stays_exact() -> None:
    w = solve_document([{"id": "p", **MLP, "learning_rate": "1/2"}])
    assert w.solved[0].worked.answer["loss"] == Fraction(1, 2)
    assert isinstance(w.solved[0].worked.answer["loss"], Fraction)


@pytest.mark.parametrize("how", ["fifo", "link-to-fifo"])
def test_an_output_path_that_is_a_device_or_fifo_is_refused_and_left_alone(tmp_path: Path, how: str) -> None:
    """``-o /dev/null`` used to rename a regular file over the device (as root: /dev/null became a file).
    A FIFO stands in for a device here; os.replace treats both alike."""
    import stat

    from nnsteps.files import write_atomic

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    target = fifo
    if how == "link-to-fifo":
        target = tmp_path / "out.md"
        target.symlink_to(fifo)
    with pytest.raises(NnstepsError, match="expected a regular file to write, got a FIFO") as info:
        write_atomic(target, "7\n", field="--output")
    assert "\n" not in str(info.value)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and os.path.lexists(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"pipe", target.name})


def test_softmax_of_one_number_with_an_upstream_has_a_zero_gradient() -> None:
    """Found by test_fuzz_inputs (input 2**63, upstream 0): an AxisError traceback for a 0-d input."""
    w = solve_document([{"id": "p", "kind": "softmax", "input": 3, "upstream": 5}])
    assert w.solved[0].worked.answer["grads"]["input"] == 0


# Values past float64's range: an answer or one line naming the problem and the field, never a traceback.
PAST_FLOAT64 = {
    "layer_norm": {"kind": "layer_norm", "input": [10**170, 0]},
    "batch_norm": {"kind": "batch_norm", "input": [[10**200], [0]]},
    "attention": {"kind": "attention", "x": "1e200 0; 0 1", "w_q": "1 0; 0 1", "w_k": "1 0; 0 1",
                  "w_v": "1 0; 0 1", "scale": True},
}


@pytest.mark.parametrize("name", sorted(PAST_FLOAT64))
def test_a_result_past_float64_is_one_line_naming_the_field(name: str) -> None:
    message = one_line(PAST_FLOAT64[name])
    field = "x" if name == "attention" else "input"
    assert message.startswith(f"problem p, field {field}: expected values whose results stay within float64's range")


@pytest.mark.parametrize("name, field, size", [("layer_norm", "input", "2.5e+339"), ("batch_norm", "input", "2.5e+399"),
                                               ("attention", "x", "1e+400")])
def test_the_cli_ends_a_result_past_float64_in_one_line_and_exit_2(tmp_path: Path, name: str, field: str,
                                                                    size: str) -> None:
    import subprocess
    import sys

    import yaml

    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump({"problems": [{"id": "big", **PAST_FLOAT64[name]}]}))
    done = subprocess.run([sys.executable, "-m", "nnsteps", "solve", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (f"error: problem big, field {field}: expected values whose results stay within float64's "
                           f"range (|x| < 1.8e308) where the work leaves the rationals, got one of about {size}\n")


@pytest.mark.parametrize("text, where, got", [
    ('{"problems": [{"id": "q", "kind": "relu", "input": [1, NaN]}]}', "problem q, field input[1]", "NaN"),
    ('{"problems": [{"id": "a", "kind": "relu", "input": "1"}, {"id": "b", "kind": "conv2d", "input": "1 2",'
     ' "kernel": "1", "stride": [-Infinity, 1]}]}', "problem b, field stride[0]", "-Infinity"),
    ('{"title": "t", "rtol": Infinity, "problems": []}', "field rtol", "Infinity"),
])
def test_nan_or_infinity_in_a_json_problem_file_is_one_line_naming_the_problem_and_field(
        tmp_path: Path, text: str, where: str, got: str) -> None:
    path = tmp_path / "problems.json"
    path.write_text(text)
    done = _nnsteps("solve", str(path), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: {where}: expected a finite number, got {got}\n"


@pytest.mark.parametrize("number, where, message", [
    ("1e999999999", "problem q, field input[1]", "expected a number of at most 300 digits, got '1e999999999'"),
    ("9" * 400, "problem q, field input[1]", "expected a number of at most 300 digits, got 400"),
    ("0." + "1" * 400, "problem q, field input[1]", "expected a number of at most 300 digits, got '0.1111111111"),
], ids=["exponent", "integer", "decimal"])
def test_a_json_number_over_the_digit_limit_is_one_line_naming_the_problem_and_field(
        tmp_path: Path, number: str, where: str, message: str) -> None:
    path = tmp_path / "problems.json"
    path.write_text('{"problems": [{"id": "q", "kind": "relu", "input": [1, ' + number + "]}]}")
    done = _nnsteps("solve", str(path), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"error: {where}: {message}") and done.stderr.count("\n") == 1, done.stderr


@pytest.mark.parametrize("text, where", [
    ('{"problems": [[NaN]]}', "field problems[0][0]"),  # was: AttributeError traceback, exit 1
    ('{"problems": {"a": [1e999999999]}}', "field problems.a[0]"),
    ('{"problems": [{"id": ["q"], "input": [Infinity]}]}', "field problems[0].input[0]"),
], ids=["entry-a-list", "problems-a-mapping", "id-not-text"])
def test_a_refused_json_number_in_a_file_of_the_wrong_shape_is_still_one_line(tmp_path: Path, text: str,
                                                                              where: str) -> None:
    path = tmp_path / "problems.json"
    path.write_text(text)
    done = _nnsteps("solve", str(path), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"error: {where}: expected a ") and done.stderr.count("\n") == 1, done.stderr


def test_the_server_names_the_problem_and_field_of_a_json_number_over_the_digit_limit() -> None:
    from nnsteps.web.app import handle

    with pytest.raises(NnstepsError) as info:
        handle("solve", b'{"id": "q", "kind": "relu", "input": [1e999999999]}')
    assert (info.value.problem, info.value.field) == ("q", "input[0]")


def test_exact_values_past_float64_that_stay_rational_are_still_answered() -> None:
    """Only the float a value carries once it leaves the rationals is bounded: exact work is not."""
    w = solve_document([{"id": "p", "kind": "relu", "input": [10**200, -(10**200)]}]).solved[0].worked
    assert w.value.tolist() == [10**200, 0]


def _scaled(value: Any, exponent: int) -> Any:
    import re

    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Fraction)):
        return value * 10**exponent
    if isinstance(value, str):  # "1 0; 0 1" -> "1e200 0e200; 0e200 1e200"
        return re.sub(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", lambda m: f"{m[0]}e{exponent}", value)
    if isinstance(value, list):
        return [_scaled(v, exponent) for v in value]
    if isinstance(value, dict):
        return {k: _scaled(v, exponent) for k, v in value.items()}
    return value


def _kind_names() -> list[str]:
    from nnsteps.problems.registry import load_kinds

    return sorted(name for name, kind in load_kinds().items() if kind.example is not None)


@pytest.mark.parametrize("kind", _kind_names())
def test_every_kind_scaled_past_float64_answers_or_ends_in_one_line(kind: str) -> None:
    """Each kind's example with the numbers of some of its value fields scaled by 1e200 or 1e300: the CLI's
    work (solve, then every output format) and the server's (``handle``, whose only 4xx is NnstepsError)
    end in an answer or in one NnstepsError line naming the problem, never another exception."""
    import json

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from nnsteps.problems.registry import FieldType, load_kinds
    from nnsteps.web.app import handle

    record = load_kinds()[kind]
    assert record.example is not None
    valued = (FieldType.ARRAY, FieldType.NUMBER, FieldType.VALUE, FieldType.MAPPING, FieldType.LIST)
    names = sorted(f.name for f in record.specs if f.type in valued and f.name in record.example)

    @settings(max_examples=4, deadline=None)
    @given(exponent=st.sampled_from([200, 300]), chosen=st.sets(st.sampled_from(names or ["-"]), min_size=1))
    def run(exponent: int, chosen: set[str]) -> None:
        problem = {**{k: _scaled(v, exponent) if k in chosen else v for k, v in (record.example or {}).items()},
                   "id": "big", "kind": kind}
        try:
            solved = solve_document([problem])
            for fmt in ("text", "markdown", "json", "html"):
                render_solved(solved, fmt)
        except NnstepsError as err:
            assert "\n" not in str(err) and err.problem == "big"
        try:
            handle("solve", json.dumps(problem, default=str).encode())
        except NnstepsError as err:
            assert "\n" not in str(err)

    run()


def test_the_float_paths_past_float64_give_what_torch_gives_in_float64() -> None:
    """Float input (the Python API's NumPy arrays) follows torch to the letter, nan included: layer_norm's
    moments of a row whose σ² overflows are nan, batch_norm's σ² is inf (so x̂ is 0), attention's softmax is
    max-shifted (a row of inf scores is nan, a finite one is not)."""
    import warnings

    import numpy as np

    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    from nnsteps.ops.layers.norm import batch_norm, layer_norm
    from nnsteps.ops.sequence.attention import self_attention

    def same(ours: Any, theirs: Any) -> None:
        np.testing.assert_allclose(np.array(ours, dtype=np.float64), theirs.detach().numpy(), rtol=1e-9,
                                   equal_nan=True)

    rows = np.array([[1e170, 0.0], [1.0, 3.0]])
    up = np.array([[1.0, 0.0], [1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy notes the overflow torch passes over
        ln = layer_norm(rows, [2], upstream=up)
        bn = batch_norm(np.array([[1e200], [0.0]]))
        x = np.array([[1e200, 0.0], [0.0, 1.0]])
        att = self_attention(x, np.eye(2), np.eye(2), np.eye(2), layout="rows", scale=True)
    t = torch.tensor(rows, requires_grad=True)
    out = F.layer_norm(t, [2], eps=1e-5)
    out.backward(torch.tensor(up))
    same(ln.answer["output"], out)
    same(ln.answer["grads"]["input"], t.grad)
    assert np.isnan(ln.answer["output"][0]).all() and not np.isnan(ln.answer["output"][1]).any()
    same(bn.answer["output"], F.batch_norm(torch.tensor([[1e200], [0.0]], dtype=torch.float64), None, None,
                                           training=True, eps=1e-5))
    tx = torch.tensor(x)
    same(att.answer["output"], F.scaled_dot_product_attention(tx[None], tx[None], tx[None])[0])
@pytest.mark.parametrize("labels, names", [
    (("forward", "training"), ["forward_2", "training_2"]),  # were: KeyError "attribute 'forward' already exists"
    (("Conv-1", "Conv_1"), ["Conv_1", "Conv_1_2"]),  # were: one child, the second conv silently in the first's place
    (("_modules", "Conv1"), ["_modules_2", "Conv1"]),
], ids=["module-attributes", "names-alike-once-safe", "private-attribute"])
def test_layer_names_from_a_spec_never_break_or_merge_the_pytorch_export(labels: tuple[str, str],
                                                                         names: list[str]) -> None:
    torch = pytest.importorskip("torch")
    from nnsteps.arch import to_torch

    model = to_torch(f"input 8x8x3\n- {labels[0]}: conv 3x3x4 p=1\n- {labels[1]}: conv 3x3x5 p=1")
    assert [n for n, _ in model.named_children()] == names
    assert [m.out_channels for m in model.children()] == [4, 5]
    assert tuple(model(torch.zeros(1, 3, 8, 8)).shape) == (1, 5, 8, 8)


# --- one student never costs another's grade -------------------------------------------------------------------

RNN_TANH = {"id": "rnn", "kind": "rnn", "x": [0.3, 0.4, 0.2], "h0": 0.5,
            "weights": {"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2}, "activation": "tanh", "target": 0.4,
            "learning_rate": 0.15}
CLASS = {"problems": [RNN_TANH, {"id": "relu", "kind": "relu", "input": "1 -2; 3 -4"}]}


def _nnsteps(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    src = str(Path(__file__).resolve().parents[1] / "src")
    return subprocess.run([sys.executable, "-m", "nnsteps.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": src}, timeout=300)


def test_a_class_with_one_bomb_answer_grades_every_honest_student(tmp_path: Path) -> None:
    from nnsteps.grading.check import Grader

    key = {k.id: k.key for k in Grader(CLASS)._keys}
    (tmp_path / "problems.json").write_text(json.dumps(CLASS))
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("ann", "bo", "cy", "di"):
        (subs / f"{name}.json").write_text(json.dumps(key))
    (subs / "eve.json").write_text(json.dumps({"relu": [[1, 0], [3, 4]]}))  # one cell of four wrong, no rnn
    bomb = json.loads(json.dumps(key))
    bomb["rnn"]["symbolic"]["grads"]["w_in"] = "x_1^(1/10^290)"  # was 15.7 s, 1.17 GB and no grades for anyone
    (subs / "zed.json").write_text(json.dumps(bomb))
    done = _nnsteps("check", "problems.json", "subs", "-o", "grades", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO((tmp_path / "grades" / "grades.csv").read_text()))}
    assert {s: (r["score"], r["rnn"], r["relu"], r["error"]) for s, r in rows.items()} == {
        "ann": ("2", "1", "1", ""), "bo": ("2", "1", "1", ""), "cy": ("2", "1", "1", ""), "di": ("2", "1", "1", ""),
        "eve": ("0.75", "0", "0.75", ""), "zed": ("1.9375", "0.9375", "1", "")}
    summary = json.loads((tmp_path / "grades" / "summary.json").read_text())
    wrong = [(c["where"], c["verdict"], c["note"]) for p in summary["reports"]["zed"]["problems"] for c in p["cells"]
             if not c["correct"]]
    assert wrong == [("symbolic.grads.w_in", "wrong", "too large to evaluate: a root of degree about 10^290 (an "
                      "exponent's denominator), over the limit of 1,000 (column 4)")]
    assert "zed      1.938/2" in done.stdout and "ann      2/2" in done.stdout


def _moodle_regrade(tmp_path: Path, eve: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """A Moodle Responses report of a three-blank cloze question: ann answers the key, eve types ``eve``."""
    import html
    import re
    import xml.etree.ElementTree as ET

    from nnsteps.export import export

    (tmp_path / "p.yaml").write_text("problems:\n  - {id: q, kind: relu, input: '1 -2 3'}\n")
    quiz = ET.parse(export(tmp_path / "p.yaml", "moodle", tmp_path / "quiz.xml").written[0]).getroot()
    (question,) = [q for q in quiz.iter("question") if q.get("type") == "cloze"]
    text = re.sub(r"\{\d+:NUMERICAL:[^}]+\}", "_____", question.findtext("questiontext/text") or "")
    summary = html.unescape(re.sub(r"<[^>]+>", " ", text))  # Moodle's text version of the question
    out = io.StringIO()
    csv.writer(out).writerows([["Surname", "First name", "Email address", "State", "Grade/1.00", "Question 1", "Response 1"],
                               ["Lee", "Ann", "ann@x.edu", "Finished", "1.00", summary, "part 1: 1; part 2: 0; part 3: 3"],
                               ["Eve", "Eve", "eve@x.edu", "Finished", "0.00", summary, eve]])
    (tmp_path / "report.csv").write_text(out.getvalue())
    done = _nnsteps("check", "p.yaml", "report.csv", "-o", "grades", cwd=tmp_path)
    grades = tmp_path / "grades" / "grades.csv"
    rows = {r["student"]: r["score"] for r in csv.DictReader(io.StringIO(grades.read_text()))} if grades.exists() else {}
    return done, rows


@pytest.mark.parametrize("eve", [
    "part 1: 1; part 9: 1; part 2: 0; part 3: 3",  # was: the whole regrade stopped ("has part 9"), exit 2
    "part 1: 1; part " + "9" * 5000 + ": 1; part 2: 0; part 3: 3",  # was: a ValueError traceback
    "part 1: " + "1" * 200_000 + "; part 2: 0; part 3: 3",  # was: "not a CSV file (field larger than field limit)"
], ids=["part-out-of-range", "part-number-of-5000-digits", "response-over-csv-field-limit"])
def test_text_a_student_types_into_a_cloze_blank_never_stops_the_regrade_of_the_class(tmp_path: Path, eve: str) -> None:
    done, rows = _moodle_regrade(tmp_path, eve)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert rows == {"ann@x.edu": "1", "eve@x.edu": "0.666667"}  # eve's first blank wrong, her other two right


def test_a_part_marker_typed_into_a_blank_stays_that_blanks_text() -> None:
    from nnsteps.export.items import load
    from nnsteps.export.responses import _moodle_parts

    item = load({"problems": [{"id": "q", "kind": "relu", "input": "1 -2 3"}]}).items[0]
    assert _moodle_parts("part 1: 1; part 3: 5; part 2: 0; part 3: 3", item) == {0: " 1", 2: " 5; part 2: 0; part 3: 3"}
    assert _moodle_parts("part 1: 1; part 2: 0; part 3: 3", item) == {0: " 1", 1: " 0", 2: " 3"}


_POOL_SCRIPT = """
import json, sys, time
from nnsteps.budget import Budget
from nnsteps.grading.check import Grader
from nnsteps.grading.pool import grade_each

grader = Grader({"problems": [{"id": "q", "kind": "relu", "input": "1 -2"}]})
honest = grader.grade

def grade(given, *, student=None, before=None):  # one student whose grading never ends, one who eats memory
    if student == "slow":
        before("q")
        time.sleep(600)
    if student == "greedy":
        before("q")
        hoard = bytearray(3 * 1024**3)
    return honest(given, student=student, before=before)

grader.grade = grade
students = [("ann", {"q": [1, 0]}), ("slow", {"q": [1, 0]}), ("bo", {"q": [1, -2]}), ("greedy", {"q": [1, 0]}),
            ("cy", {"q": "1 0"})]
out = grade_each(grader, students, budget=Budget(float(sys.argv[1]), memory=1536 * 1024**2))
print(json.dumps([(s, r.score if r else None, e) for s, r, e in out]))
"""


def test_a_student_over_the_time_or_memory_budget_is_stopped_and_reported_alone(tmp_path: Path) -> None:
    src = str(Path(__file__).resolve().parents[1] / "src")
    done = subprocess.run([sys.executable, "-c", _POOL_SCRIPT, "1"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": src}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        ["ann", 1.0, None],
        ["slow", None, "problem q: stopped after 1 s (time limit; --time-limit to change)"],
        ["bo", 0.5, None],
        ["greedy", None, "problem q: stopped: needs more than 1.5 GiB of memory (memory limit)"],
        ["cy", 1.0, None]]


def test_a_batch_shows_its_progress_on_a_terminal_and_clears_it(tmp_path: Path) -> None:
    import pty

    (tmp_path / "problems.json").write_text(json.dumps({"problems": [CLASS["problems"][1]]}))
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("ann", "bo", "cy"):
        (subs / f"{name}.json").write_text(json.dumps({"relu": [[1, 0], [3, 0]]}))
    ours, theirs = pty.openpty()
    src = str(Path(__file__).resolve().parents[1] / "src")
    done = subprocess.run([sys.executable, "-m", "nnsteps.cli", "check", "problems.json", "subs", "-o", "grades"],
                          cwd=tmp_path, stdout=subprocess.PIPE, stderr=theirs, env={**os.environ, "PYTHONPATH": src},
                          timeout=300)
    os.close(theirs)
    shown = b""
    while True:
        try:
            chunk = os.read(ours, 65536)
        except OSError:  # the terminal's other end is closed: all read
            break
        if not chunk:
            break
        shown += chunk
    os.close(ours)
    assert done.returncode == 0
    assert shown.endswith(b"\rgrading [" + b"#" * 30 + b"] 3/3 students\r\x1b[2K")
    assert b"] 0/3 students" in shown


@pytest.mark.parametrize("grid", ["1e299 -1e-299; 3 4", "100000000000000000000000 1; 2 -3", "-1e40 2.5; 0.5 1e40"],
                         ids=["huge-decimals", "huge-integers", "huge-negative"])
def test_generate_from_a_file_of_huge_numbers_draws_variants_in_a_bounded_range(tmp_path: Path, grid: str) -> None:
    from nnsteps.generation.generate import generate
    from nnsteps.generation.vary import MAX_DRAWN
    from nnsteps.numbers import parse_number

    path = tmp_path / "big.yaml"
    path.write_text(f"problems:\n  - {{id: q, kind: relu, input: '{grid}'}}\n")
    drawn = generate(from_file=path, count=3, seed=1)
    assert [p["id"] for p in drawn.problems] == ["q-1", "q-2", "q-3"]
    for p in drawn.problems:
        values = [parse_number(v) for v in p["input"].replace(";", " ").split()]
        assert len(values) == 4 and all(abs(v) <= MAX_DRAWN for v in values), p["input"]
    done = subprocess.run([sys.executable, "-m", "nnsteps", "generate", "--from", str(path), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
