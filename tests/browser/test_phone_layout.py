"""The web app on a phone (390 px) and a laptop (1280 px): no tab scrolls the page sideways, results sit
below the form, tab labels never break inside, math wider than its box scrolls inside it with a faded
edge as the cue, every asked cell of a layer table is in view at 1280 px, and a problem file's worked
problems are folded one per problem. Screenshots go to the test's tmp dir."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("NNSTEPS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

READY = {"playground": "#pg-output-grid td", "network": "#net-table tbody tr", "problems": "#pb-out section.worked",
         "check": "#ck-out .score"}


def _open(page, server, tab, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{server}/#{tab}")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector(READY[tab])
    page.wait_for_function("() => !document.querySelector('section.tab:not([hidden]) .results.stale')")


@pytest.mark.parametrize("tab", list(READY))
def test_every_tab_fits_a_phone_with_its_results_below_the_form(page, server, tmp_path, tab):
    _open(page, server, tab, 390)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    controls, stage = (page.locator(f"#tab-{tab} .panel").nth(i).bounding_box() for i in (0, 1))
    assert stage["y"] >= controls["y"] + controls["height"]  # below, not beside
    assert stage["x"] + stage["width"] <= 390
    # each tab label on one line: as tall as one line of its text
    heights = page.eval_on_selector_all("#tabs a", "as => as.map(a => a.getClientRects().length)")
    assert heights == [1, 1, 1, 1]
    page.screenshot(path=str(tmp_path / f"{tab}-390.png"), full_page=True)


def test_math_wider_than_a_phone_scrolls_in_its_box_with_a_faded_edge(page, server):
    _open(page, server, "problems", 390)
    page.locator("#pb-out details.work").first.evaluate("d => d.open = true")
    page.wait_for_function("() => document.querySelector('#pb-out details.work[open] .eq.more-right') !== null")
    box = page.locator("#pb-out details.work[open] .eq.more-right").first.element_handle()
    sizes = box.evaluate("b => [b.scrollWidth, b.clientWidth, getComputedStyle(b).overflowX]")
    assert sizes[0] > sizes[1] and sizes[2] == "auto"
    mask = box.evaluate("b => getComputedStyle(b).maskImage || getComputedStyle(b).webkitMaskImage")
    assert "linear-gradient" in mask
    box.evaluate("b => b.scrollLeft = b.scrollWidth")
    page.wait_for_function("b => b.classList.contains('more-left') && !b.classList.contains('more-right')",
                           arg=box)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_every_asked_cell_of_a_layer_table_is_in_view_at_1280px(page, server):
    _open(page, server, "problems", 1280)
    asked = page.eval_on_selector_all("#pb-out td.asked", """tds => tds.map(td => {
        const wrap = td.closest('.table-wrap').getBoundingClientRect(), r = td.getBoundingClientRect();
        return [td.textContent, r.left >= wrap.left - 0.5 && r.right <= wrap.right + 0.5]; })""")
    assert len(asked) >= 6
    assert [text for text, seen in asked if not seen] == []
    wraps = page.eval_on_selector_all("#pb-out .answer .table-wrap", "ws => ws.map(w => w.scrollWidth - w.clientWidth)")
    assert wraps and max(wraps) <= 0


def test_a_problem_files_work_is_folded_per_problem(page, server, tmp_path):
    _open(page, server, "problems", 1280)
    sections = page.locator("#pb-out section.worked")
    n = sections.count()
    assert n >= 10
    assert page.locator("#pb-out section.worked > details.work:not([open])").count() == n
    assert page.locator("#pb-out section.worked > .answer").count() == n  # each answer stays in sight
    assert page.evaluate("document.documentElement.scrollHeight") < 12000
    page.locator("#pb-out details.work > summary").first.click()
    assert page.locator("#pb-out details.work[open] math").count() > 5
    page.screenshot(path=str(tmp_path / "problems-folded.png"))
