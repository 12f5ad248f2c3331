"""The Check answers tab at 1280 and 390 px: a matrix answer is a grid in the key's shape, each entry as the
student wrote it, a wrong entry marked by a sign and the key (a class too, not colour alone), and the
feedback speaks the student's terms (no Python type names, no "you wrote" for an answer of the wrong shape).
The grid's screenshot is saved in the test's tmp dir."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("NNSTEPS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

PROBLEMS = """problems:
  - {id: grid, kind: relu, input: "1 -2 3; -4 5 -6; 7 8 -9"}
  - {id: decimals, kind: relu, input: "0.8333 229000"}
  - {id: shape, kind: relu, input: "1 2; 3 4"}
  - {id: opt, kind: optimizer, method: sgd, params: 1, grads: [2], lr: 0.5}
"""
ANSWERS = """grid: "1 0 3; 0 5.0 0; 7 8.00 1"
decimals: [0.8333, 229001]
shape: [[1, 2], [3, 4], [5, 6]]
opt: 0.5
"""


def _check(page, server, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{server}/#check")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#ck-out .score")
    page.fill("#ck-problems", PROBLEMS)
    page.fill("#ck-answers", ANSWERS)
    page.evaluate("document.querySelector('#ck-out').replaceChildren()")
    page.click("#ck-go")
    page.wait_for_selector("#ck-out section.ck-problem[data-id='opt']")


def _entry(page, problem, where):
    return page.locator(f"section.ck-problem[data-id='{problem}'] td[data-where='{where}']")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_matrix_answer_is_a_grid_with_the_wrong_entry_marked_and_the_text_as_written(page, server, tmp_path,
                                                                                      width):
    _check(page, server, width)
    grid = page.locator("section.ck-problem[data-id='grid'] table.ck-grid")
    assert grid.count() == 1
    assert grid.locator("tr").count() == 3 and grid.locator("td").count() == 9
    wrong = _entry(page, "grid", "[2][2]")
    assert "bad" in (wrong.get_attribute("class") or "")
    assert wrong.locator(".given").inner_text() == "1"
    assert wrong.locator(".mark").inner_text() == "✗"
    assert "0" in wrong.locator(".key").inner_text()
    assert grid.locator("td.bad").count() == 1
    # the student's own text, not the number it was read as
    assert _entry(page, "grid", "[1][1]").locator(".given").inner_text() == "5.0"
    assert _entry(page, "grid", "[2][1]").locator(".given").inner_text() == "8.00"
    assert _entry(page, "grid", "[1][1]").locator(".mark").count() == 0
    decimals = page.locator("section.ck-problem[data-id='decimals']")
    assert decimals.locator(".given").all_inner_texts() == ["0.8333", "229001"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("section.ck-problem[data-id='grid']").screenshot(path=str(tmp_path / f"check-grid-{width}.png"))


def test_check_feedback_names_what_came_in_the_students_terms(page, server):
    _check(page, server, 1280)
    opt = page.inner_text("section.ck-problem[data-id='opt']")
    assert "expected its fields params, state, lr (one entry each), got the number 0.5" in opt
    assert "Fraction" not in opt
    shape = page.locator("section.ck-problem[data-id='shape']")
    text = shape.inner_text()
    assert "expected shape 2×2, got 3×2" in text
    assert "you wrote" not in text  # its entries do not line up with the key's: none is "what you wrote there"
    assert "shape differs" in shape.locator("figcaption").inner_text()
    assert shape.locator(".given").count() == 0
