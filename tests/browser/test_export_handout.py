"""The HTML handouts of ``nnsteps export --to html`` in Chromium at 1280 px: every question shown, no request
leaves the file, the student's answer grids are visible boxes, the instructor's formulas render as MathML.
Screenshots go to tests/artifacts/.
Pages open through the ``open_file`` fixture of conftest.py (Chromium, no request leaving the file).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
EXAMPLE = ROOT / "examples" / "assignment3.yaml"



@pytest.fixture(scope="module")
def pages(tmp_path_factory, open_file):
    from nnsteps.export import export

    done = export(EXAMPLE, "html", tmp_path_factory.mktemp("handout") / "html")
    ARTIFACTS.mkdir(exist_ok=True)
    seen = {}
    for path in done.written:
        page, requests = open_file(path)
        page.screenshot(path=str(ARTIFACTS / f"export-{path.stem}.png"), full_page=False)
        seen[path.stem] = {
            "requests": requests,
            "sections": page.locator("section.question").count(),
            "box": page.locator("#q1a table.space td").first.bounding_box() if path.stem == "student" else None,
            "boxes": page.locator("#q1a table.space td").count(),
            "math": page.locator("section.question math").count(),
            "overflow": page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"),
        }
        page.close()
    return seen


def test_both_handouts_show_every_question_offline(pages) -> None:
    from nnsteps.export.items import load

    count = len(load(EXAMPLE).items)
    for name in ("student", "instructor"):
        assert pages[name]["sections"] == count and pages[name]["requests"] == []
        assert not pages[name]["overflow"]


def test_student_boxes_are_visible_and_instructor_math_renders(pages) -> None:
    box = pages["student"]["box"]
    assert pages["student"]["boxes"] == 9 and box["width"] > 30 and box["height"] > 20
    # the student's questions typeset their givens (statements); the key's answers and steps more so
    assert pages["student"]["math"] > 20 and pages["instructor"]["math"] > 50


def test_a_student_handout_with_a_yes_no_answer_fits_a_phone(browser, tmp_path) -> None:
    """evaluation.yaml's perceptron asks whether it converges: its answer line was 30rem, 90 px past 390."""
    from nnsteps.export import export

    done = export(ROOT / "examples" / "evaluation.yaml", "html", tmp_path / "h.html")
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(done.written[0].as_uri())
    assert page.locator("span.line.wide").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "export-evaluation-390.png"), full_page=False)
    page.close()
