"""The standalone HTML report in a real browser at 1280 px: no horizontal overflow, floor brackets as
tall as the fractions they enclose (the bundled math font stretches them), network answers as tables.
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
def report_page(tmp_path_factory, open_file):
    from nnsteps.problems.solve import solve_file
    from nnsteps.render.document import render_solved

    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_solved(solve_file(EXAMPLE), "html"), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    page, requests = open_file(path)
    yield page
    assert requests == [], f"the report loaded {requests}"
    page.close()


def test_report_screenshots_and_no_horizontal_overflow(report_page) -> None:
    page = report_page
    page.screenshot(path=str(ARTIFACTS / "report-1280.png"), full_page=True)
    page.locator("section#p5-q2 .answer").screenshot(path=str(ARTIFACTS / "report-q2-answer.png"))
    page.locator("section#p0-q1a").screenshot(path=str(ARTIFACTS / "report-q1a.png"))
    page.locator("section#p15-q6 .answer").screenshot(path=str(ARTIFACTS / "report-q6-answer.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    too_wide = page.evaluate("""() => [...document.querySelectorAll('.answer, .eq, section.worked')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map(el => (el.closest('section') || el).id + ' ' + el.className)""")
    assert too_wide == []


def test_floor_brackets_stretch_around_their_fraction(report_page) -> None:
    page = report_page
    assert page.evaluate("""document.fonts.check('16px "nnsteps STIX Math"')""")
    pairs = page.evaluate("""() => [...document.querySelectorAll('section#p0-q1a mo[stretchy="true"]')]
        .filter(mo => mo.textContent.trim() === '\u230a')
        .map(mo => { const frac = mo.parentElement.querySelector(':scope > mfrac');
                     return [mo.getBoundingClientRect().height, frac ? frac.getBoundingClientRect().height : null]; })""")
    assert len(pairs) >= 4  # H_out and W_out: the rule and the numbers, each in floor brackets
    for floor, frac in pairs:
        assert frac is not None and floor >= frac, (floor, frac)


def test_the_q2_answer_is_a_table_with_every_column(report_page) -> None:
    page = report_page
    heads = page.locator("section#p5-q2 .answer table.layers thead th").all_inner_texts()
    assert heads == ["Layer", "Type", "Output", "Neurons", "Weights", "Biases", "Params", "MACs", "RF", "Jump",
                     "Memory"]
    assert page.locator("section#p5-q2 .answer table.layers tbody tr").count() == 8
    marked = page.locator("section#p8-q3b .answer td.asked").all_inner_texts()
    assert marked == ["432", "16"]


def test_the_report_prints_within_the_page(report_page) -> None:
    page = report_page
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    try:
        wide = page.evaluate("""() => [...document.querySelectorAll('.answer table.layers')]
            .filter(t => t.getBoundingClientRect().right > window.innerWidth + 0.5).length""")
        assert wide == 0
        page.locator("section#p5-q2 .answer").screenshot(path=str(ARTIFACTS / "report-print-a4-q2-answer.png"))
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 900})
