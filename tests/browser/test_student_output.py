"""What a student sees, in Chromium at 1280 px: the student handout (each question as its kind's statement,
givens typeset as matrices) and an LSTM step in the HTML report (gates as a matrix, never a Python list).
Screenshots go to tests/artifacts/ to be looked at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
EXAMPLE = ROOT / "examples" / "assignment3.yaml"
LSTM = {"problems": [{"id": "lstm", "title": "One LSTM cell over two steps", "kind": "rnn", "cell": "lstm",
                      "x": [[1], [0.5]], "target": 0.5, "learning_rate": 0.1,
                      "weights": {"weight_ih": [[0.5], [0.2], [0.1], [0.3]], "weight_hh": [[0.1], [0.2], [0.3], [0.4]]}}]}


@pytest.fixture(scope="module")
def handout(tmp_path_factory, open_file):
    from nnsteps.export import export

    done = export(EXAMPLE, "html", tmp_path_factory.mktemp("handout") / "handout.html")
    page, requests = open_file(done.written[0])
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#q1a").screenshot(path=str(ARTIFACTS / "student-handout-q1a.png"))
    page.locator("#q6").screenshot(path=str(ARTIFACTS / "student-handout-q6.png"))
    yield page, requests
    page.close()


def test_student_handout_typesets_givens_and_asks_each_thing_once(handout) -> None:
    page, requests = handout
    assert requests == []
    q1a = page.locator("#q1a")
    assert q1a.locator(".givens math mtable").count() >= 2  # input and kernel as matrices
    text = q1a.inner_text()
    assert q1a.locator("pre").count() == 0  # no given shown as the file's text ("1 1 1 1 0; 0 0 1 1 1; ...")
    assert "grid kinds" not in text and "Find the output" in text
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    box = q1a.locator(".givens math").first.bounding_box()
    assert box and box["height"] > 60  # a 5×5 matrix set as a matrix, not one line of text


def test_an_lstm_step_reads_as_math_in_the_report(tmp_path, open_file) -> None:
    from nnsteps.problems.solve import solve_document
    from nnsteps.render.document import render_solved

    report = tmp_path / "lstm.html"
    report.write_text(render_solved(solve_document(LSTM), "html"))
    page, requests = open_file(report)
    step = page.locator(".step-title", has_text="Gate i at step 1").first.locator("xpath=..")
    step.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    step.screenshot(path=str(ARTIFACTS / "lstm-gate-step.png"))
    text = step.inner_text()
    assert requests == [] and "Fraction(" not in text and "[" not in text.split("\n")[1]
    assert step.locator("math mtable").count() >= 1  # the pre-activations as a (column) matrix
    page.close()
