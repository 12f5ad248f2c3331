"""What a student sees in the web app at 1280 px (issue 10): every tab opens on an example and fits
the width, network answers are tables, math stretches, no panel ever shows results of inputs that
have changed, and the generated New problem forms solve exactly as ``nnsteps solve`` does.
Screenshots of every tab go to tests/artifacts/.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("NNSTEPS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"

if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

READY = {
    "playground": "#pg-output-grid td",
    "network": "#net-table tbody tr",
    "problems": "#pb-out section.worked",
    "check": "#ck-out .score",
}


def _open(page, server, tab):
    page.goto(f"{server}/#{tab}")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector(READY[tab])
    page.wait_for_function("() => !document.querySelector('section.tab:not([hidden]) .results.stale')")


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tall = page.evaluate("document.documentElement.scrollHeight") > 15000
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=not tall)


def _flat(page, selector):
    """An element's text with MathML's line breaks and spaces gone: ``= 9`` reads ``=9``."""
    return "".join(page.inner_text(selector).split())


def _overflow(page):
    """How far the page, and the widest answer box, reach past the window's right edge (px)."""
    return page.evaluate("""() => {
        const doc = document.documentElement.scrollWidth - document.documentElement.clientWidth;
        const boxes = [...document.querySelectorAll('section.tab:not([hidden]) .answer')]
            .map(b => b.getBoundingClientRect().right - document.documentElement.clientWidth);
        return Math.max(doc, ...boxes, 0);
    }""")


@pytest.mark.parametrize("tab", ["playground", "network", "problems", "check"])
def test_every_tab_opens_on_an_example_and_fits_1280px(page1280, server, tab):
    _open(page1280, server, tab)
    assert _overflow(page1280) <= 0
    text = page1280.inner_text(f"#tab-{tab}")
    for leak in ("null", "mac_convention", "playground", "{'", '{"', "$$"):
        assert leak not in text, leak
    _shot(page1280, f"tab-{tab}")


def test_floor_brackets_are_as_tall_as_their_fractions(page1280, server):
    _open(page1280, server, "playground")
    page1280.wait_for_selector("#pg-size math")
    # Measure only once the bundled math font has arrived: before that the brackets are set in a
    # fallback font, and fonts.check() answers False while the font is still on its way.
    loaded = page1280.evaluate("""async () => {
        const faces = await document.fonts.load('16px "nnsteps STIX Math"');
        await document.fonts.ready;
        return faces.length;
    }""")
    assert loaded >= 1
    pairs = page1280.evaluate("""() => [...document.querySelectorAll('#pg-size mo')]
        .filter(mo => mo.textContent === '\\u230A' && mo.nextElementSibling && mo.nextElementSibling.tagName === 'mfrac')
        .map(mo => [mo.getBoundingClientRect().height, mo.nextElementSibling.getBoundingClientRect().height])""")
    assert len(pairs) >= 2
    for bracket, fraction in pairs:
        assert bracket >= fraction - 0.5, (bracket, fraction)
    # the page's math font is the bundled one, served from this origin
    assert page1280.evaluate("document.fonts.check('16px \"nnsteps STIX Math\"')")
    _shot(page1280, "floor-brackets")


def test_network_answers_are_tables_with_the_asked_cells_marked(page1280, server):
    _open(page1280, server, "problems")
    q2 = page1280.locator("#pb-out section.worked", has=page1280.locator("h2", has_text="q2: Question 2"))
    table = q2.locator(".answer table.layers")
    assert table.count() == 1
    assert table.locator("tbody tr").count() == 8
    assert "30,976" in table.inner_text()
    heads = table.locator("th").all_inner_texts()
    assert {"Layer", "Type", "Output", "Neurons", "Weights", "Biases", "Params", "MACs", "RF", "Memory"} <= set(heads)
    q3a = page1280.locator("#pb-out section.worked", has=page1280.locator("h2", has_text="q3a:"))
    assert q3a.locator("td.asked").all_inner_texts() == ["32×32×16", "16,384"]
    assert "layers =" not in page1280.inner_text("#pb-out")
    q2.scroll_into_view_if_needed()
    q2.screenshot(path=str(ARTIFACTS / "q2-answer.png")) if ARTIFACTS.is_dir() else None


def test_the_web_layer_table_has_every_column_of_the_cli(page1280, server):
    from typer.testing import CliRunner

    from nnsteps.cli import app as cli

    _open(page1280, server, "network")
    web = page1280.locator("#net-table th").all_inner_texts()
    out = CliRunner().invoke(cli, ["summary", str(ROOT / "examples" / "networks" / "lenet5.txt")]).output
    assert web == out.splitlines()[0].split()
    # and Question 2's table shows all of them at 1280 px without scrolling
    assert page1280.evaluate("(() => { const w = document.querySelector('#net-table .table-wrap');"
                             " return w.scrollWidth <= w.clientWidth; })()")


def test_changing_stride_after_choosing_a_cell_never_keeps_its_old_derivation(page1280, server):
    _open(page1280, server, "playground")
    page1280.click("text=Q1(a)")
    page1280.wait_for_function("() => document.querySelectorAll('#pg-output-grid td').length === 9")
    page1280.click("#pg-output-grid td[data-pos='0,0,1']")
    page1280.wait_for_function("() => document.querySelector('#pg-cell').dataset.cell === '[0,0,1]'")
    assert _flat(page1280, "#pg-cell").endswith("=9")
    page1280.fill("#pg-stride", "2")
    # at once, before the server answers, the old derivation is gone
    assert "=9" not in _flat(page1280, "#pg-cell")
    page1280.wait_for_function("() => document.querySelectorAll('#pg-output-grid td').length === 4")
    page1280.wait_for_function("() => document.querySelector('#pg-cell').dataset.cell === '[0,0,1]'")
    assert _flat(page1280, "#pg-cell").endswith("=8")  # Y[0, 1] with stride 2
    assert page1280.locator("#pg-output-grid td.current").inner_text() == "8"
    page1280.fill("#pg-stride", "1")
    page1280.fill("#pg-padding", "1")
    page1280.wait_for_function("() => document.querySelectorAll('#pg-output-grid td').length === 25")
    page1280.wait_for_function("() => document.querySelector('#pg-cell').dataset.cell === '[0,0,1]'")
    assert _flat(page1280, "#pg-cell").endswith("=5")  # Q1(c)'s Y[0, 1]
    _shot(page1280, "playground-recomputed-cell")


def test_an_error_greys_out_the_results_it_invalidates_on_every_tab(page1280, server):
    def greyed(selector):
        return page1280.evaluate(f"""() => {{
            const n = document.querySelector('{selector}');
            return n.classList.contains('stale') && parseFloat(getComputedStyle(n).opacity) < 0.5;
        }}""")

    _open(page1280, server, "playground")
    page1280.click("#pg-output-grid td[data-pos='0,1,1']")
    page1280.wait_for_function("() => document.querySelector('#pg-cell').dataset.cell === '[0,1,1]'")
    page1280.fill("#pg-stride", "0")
    page1280.wait_for_selector("#pg-error:not([hidden])")
    message = page1280.inner_text("#pg-error")
    assert "stride" in message and "playground" not in message and "problem" not in message
    assert greyed("#pg-results")
    assert page1280.locator("#pg-cell math").count() == 0
    _shot(page1280, "error-playground")

    _open(page1280, server, "network")
    page1280.fill("#net-spec", "input 8x8x1\nconvv 3x3x2")
    page1280.wait_for_selector("#net-error:not([hidden])")
    assert "line 2" in page1280.inner_text("#net-error")
    assert greyed("#net-results")
    _shot(page1280, "error-network")

    _open(page1280, server, "problems")
    page1280.fill("#pb-text", "id: q\nkind: conv2d\ninput: 1 2; 3 4\nkernel: 1\nstride: -1")
    page1280.wait_for_selector("#pb-error:not([hidden])")
    assert greyed("#pb-out")
    _shot(page1280, "error-problems")

    _open(page1280, server, "check")
    page1280.fill("#ck-answers", "q1a: [1, 2")
    page1280.wait_for_selector("#ck-error:not([hidden])")
    assert greyed("#ck-out")
    _shot(page1280, "error-check")


def test_a_fix_after_an_error_brings_the_results_back(page1280, server):
    _open(page1280, server, "playground")
    page1280.fill("#pg-stride", "0")
    page1280.wait_for_selector("#pg-error:not([hidden])")
    page1280.fill("#pg-stride", "2")
    page1280.wait_for_selector("#pg-error", state="hidden")
    page1280.wait_for_function("() => !document.querySelector('#pg-results').classList.contains('stale')")
    assert page1280.locator("#pg-output-grid td").count() == 4


def test_the_answers_example_goes_to_check_not_to_solve(page1280, server):
    _open(page1280, server, "problems")
    buttons = page1280.locator("#pb-presets button").all_inner_texts()
    assert buttons and not any("answers" in b for b in buttons)
    _open(page1280, server, "check")
    page1280.click("#ck-presets button:has-text('assignment3_answers')")
    page1280.wait_for_function("() => document.querySelector('#ck-out .score') && "
                               "!document.querySelector('#ck-out').classList.contains('stale')")
    assert "problems:" in page1280.input_value("#ck-problems")
    assert page1280.input_value("#ck-answers").lstrip().startswith("# The numbers printed")
    assert page1280.inner_text("#ck-out .score") == "Score 18 / 18"


def test_check_lists_unanswered_problems_by_id_and_typesets_the_derivation(page1280, server):
    _open(page1280, server, "check")
    page1280.click("#ck-presets button:has-text('partly answered')")
    page1280.wait_for_selector("#ck-out p.unanswered")
    page1280.wait_for_function("() => !document.querySelector('#ck-out').classList.contains('stale')")
    assert page1280.locator("#ck-out section.ck-problem").count() == 2
    unanswered = page1280.inner_text("#ck-out p.unanswered").split(", ")
    assert unanswered[:3] == ["q1c", "q1d", "q1e"] and "q6" in unanswered
    text = page1280.inner_text("#ck-out")
    assert "null" not in text and "mac_convention" not in text
    assert page1280.locator("section.ck-problem[data-id='q1b'] .feedback-html math").count() >= 2
    _shot(page1280, "check-partial")


def test_a_problem_pasted_without_an_id_is_solved(page1280, server):
    _open(page1280, server, "problems")
    page1280.fill("#pb-text", "kind: relu\ninput: 1 -2 3")
    page1280.wait_for_function("() => document.querySelector('#pb-out').dataset.source === 'kind: relu\\ninput: 1 -2 3'")
    assert json.loads(page1280.get_attribute("#pb-out", "data-solutions"))[0]["answer"] == [1, 0, 3]


def test_resnet50_drawing_fits_1280px_with_no_overlapping_labels(page1280, server):
    _open(page1280, server, "network")
    page1280.click("#net-presets button:has-text('resnet50')")
    page1280.wait_for_function("() => document.querySelectorAll('#net-draw figure').length > 50 && "
                               "!document.querySelector('#net-results').classList.contains('stale')")
    assert _overflow(page1280) <= 0
    boxes = page1280.eval_on_selector_all(
        "#net-draw figure", "fs => fs.map(f => { const r = f.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })")
    width = page1280.evaluate("document.documentElement.clientWidth")
    for i, a in enumerate(boxes):
        assert a[2] <= width
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    page1280.locator("#net-draw").screenshot(path=str(ARTIFACTS / "resnet50-drawing.png"))


@pytest.mark.parametrize("kind, edit", [("rnn", ("learning_rate", "0.3")), ("attention", ("heads", "2")),
                                        ("max_pool2d", ("stride", "1"))])
def test_generated_forms_solve_as_the_cli_does(page1280, server, tmp_path, kind, edit):
    from typer.testing import CliRunner

    from nnsteps.cli import app as cli

    _open(page1280, server, "problems")
    page1280.click("#pb-mode-new")
    page1280.select_option("#nf-kind", kind)
    field, value = edit
    page1280.fill(f"#nf-f-{field}", value)
    page1280.click("#nf-go")
    page1280.wait_for_function("() => document.querySelector('#pb-out').dataset.source === "
                               "document.querySelector('#nf-yaml').textContent")
    yaml_text = page1280.text_content("#nf-yaml")
    assert f"    {field}: {value}\n" in yaml_text
    web = json.loads(page1280.get_attribute("#pb-out", "data-solutions"))[0]
    source = tmp_path / f"{kind}.yaml"
    source.write_text(yaml_text)
    result = CliRunner().invoke(cli, ["solve", str(source), "--format", "json"])
    assert result.exit_code == 0, result.output
    want = json.loads(result.output)["problems"][0]
    assert web["answer"] == want["answer"] and web["answer_exact"] == want["answer_exact"]
    assert page1280.locator("#pb-out .answer math").count() >= 1
    _shot(page1280, f"new-problem-{kind}")


def test_check_counts_a_left_out_value_wrong_unless_the_practice_sheet_box_is_ticked(page1280, server):
    _open(page1280, server, "check")
    page1280.click("#ck-presets button:has-text('assignment3_answers')")
    page1280.wait_for_selector("#ck-out .score")
    page1280.fill("#ck-answers", "q1e: 9\nq6: {h: [0.16, 0.112, 0.0624]}\n")  # q6 asks 16 values; 3 given

    def score() -> str:
        page1280.evaluate("document.querySelector('#ck-out').replaceChildren()")
        page1280.click("#ck-go")
        page1280.wait_for_selector("#ck-out .score")
        return page1280.inner_text("#ck-out .score")

    assert score() == "Score 1.188 / 18"
    assert "13 of 16 entries not answered" in page1280.inner_text("section.ck-problem[data-id='q6']")
    page1280.check("#ck-allow-missing")
    assert score() == "Score 2 / 18"
