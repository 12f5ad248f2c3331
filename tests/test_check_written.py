"""What the checker says a student wrote: their own text of each entry (a matrix's tokens as typed, a
number's exact value, never thousands separators or rounding), what came in the student's terms when an
answer has the wrong structure (no Python type names), and no "you wrote" for an entry of an answer of the
wrong shape (its entries do not line up with the key's)."""

from __future__ import annotations

from nnsteps.grading.check import check
from nnsteps.problems.load import loads
from nnsteps.web.service import check as web_check

PROBLEMS = {"problems": [
    {"id": "grid", "kind": "relu", "input": "1 -2; 3 4"},
    {"id": "decimals", "kind": "relu", "input": "0.8333 229000"},
    {"id": "shape", "kind": "softmax", "input": "1 2; 3 4"},
    {"id": "opt", "kind": "optimizer", "method": "sgd", "params": 1, "grads": [2], "lr": 0.5},
]}


def _report(answers: str):
    return check(PROBLEMS, loads(answers, source="answers"))


def test_each_entry_of_matrix_text_is_shown_as_the_student_typed_it():
    cells = _report('grid: "1 0.0; 3.00 4.5"').problems[0].cells
    assert [c.shown for c in cells] == ["1", "0.0", "3.00", "4.5"]
    assert [c.verdict for c in cells] == ["correct", "correct", "correct", "wrong"]
    assert "[1][1]: you wrote 4.5, the key is 4." in _report('grid: "1 0.0; 3.00 4.5"').problems[0].feedback()


def test_numbers_are_shown_exactly_without_separators_or_rounding():
    result = _report("decimals: [0.8333, 229001]").problems[1]
    assert [c.shown for c in result.cells] == ["0.8333", "229001"]
    assert "[1]: you wrote 229001, the key is 229000." in result.feedback()


def test_a_number_given_for_named_fields_is_described_in_the_students_terms():
    result = _report("opt: 0.5").problems[3]
    assert result.notes == ["answer: expected its fields params, state, lr (one entry each), got the number 0.5"]
    feedback = result.feedback()
    assert "Fraction" not in feedback and "params[0]: not answered; the key is 0." in feedback


def test_an_answer_of_the_wrong_shape_gets_no_you_wrote_line():
    result = _report("shape: [0.909, 0.1, 0.3]").problems[2]
    feedback = result.feedback()
    assert "answer: expected shape 2×2, got 3 entries" in feedback
    assert "you wrote" not in feedback and "wrong shape." not in feedback
    assert {c.note for c in result.cells} == {"wrong shape"}
    assert "(answer of the wrong shape)" in _report("shape: [[0.27, 0.73], [0.27, 0.73], [1, 1]]").render("markdown")


def test_the_web_check_gives_each_entry_its_path_and_written_text():
    out = web_check(PROBLEMS, {"grid": "1 0.0; 3.00 4.5", "shape": [1, 2, 3]})
    grid = out["problems"][0]["cells"]
    assert [(c["path"], c["written"], c["lines_up"]) for c in grid] == [
        ([0, 0], "1", True), ([0, 1], "0.0", True), ([1, 0], "3.00", True), ([1, 1], "4.5", True)]
    assert {c["lines_up"] for c in out["problems"][2]["cells"]} == {False}
