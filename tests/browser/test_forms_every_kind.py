"""The web app's New problem form, for every registered kind, at a laptop's 1280 px and a phone's 390 px:
opened on the kind's record example and submitted untouched, it solves (no error), shows the answer the
CLI gives for the YAML it previews, and the page stays within the window's width."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("NNSTEPS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")


def _kinds() -> list[str]:
    from nnsteps.problems.registry import load_kinds

    return list(load_kinds())


def _cli_answer(yaml_text: str, tmp_path: Path) -> object:
    from typer.testing import CliRunner

    from nnsteps.cli import app as cli

    source = tmp_path / "form.yaml"
    source.write_text(yaml_text)
    result = CliRunner().invoke(cli, ["solve", str(source), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["problems"][0]["answer"]


def _solve_untouched(pg, kind: str) -> tuple[str, str | None, dict | None]:
    """Choose ``kind`` and press Solve: (the YAML previewed, the error shown or None, the solution)."""
    pg.evaluate("() => { const e = document.querySelector('#pb-error'); e.hidden = true; e.textContent = '';"
                " document.querySelector('#pb-out').dataset.source = ''; }")
    pg.select_option("#nf-kind", kind)
    pg.click("#nf-go")
    pg.wait_for_function("""() => {
        const out = document.querySelector('#pb-out'), err = document.querySelector('#pb-error');
        return !out.classList.contains('stale') && out.dataset.source === document.querySelector('#nf-yaml').textContent
            || !err.hidden; }""")
    yaml_text = pg.text_content("#nf-yaml") or ""
    if pg.is_visible("#pb-error"):
        return yaml_text, pg.inner_text("#pb-error"), None
    return yaml_text, None, json.loads(pg.get_attribute("#pb-out", "data-solutions") or "[]")[0]


@pytest.mark.parametrize("width", [1280, 390])
def test_every_kinds_form_solves_its_own_example_unedited(browser, server, tmp_path, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    script_errors: list[str] = []
    pg.on("pageerror", lambda e: script_errors.append(str(e)))
    pg.goto(f"{server}/#problems")
    pg.wait_for_selector("body[data-ready='1']")
    pg.click("#pb-mode-new")
    failures: dict[str, str] = {}
    kinds = _kinds()
    for kind in kinds:
        yaml_text, error, solution = _solve_untouched(pg, kind)
        if error is not None or solution is None:
            failures[kind] = error or "no solution"
            continue
        if solution["answer"] != _cli_answer(yaml_text, tmp_path):
            failures[kind] = "the page's answer differs from nnsteps solve's"
        elif pg.locator("#pb-out section.worked .answer").count() < 1:
            failures[kind] = "no answer box shown"
        wide = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 0:
            failures[kind] = f"the page is {wide} px wider than the window"
    context.close()
    assert len(kinds) >= 40
    assert failures == {}
    assert script_errors == []


def _form(page, server, kind):
    page.goto(f"{server}/#problems")
    page.wait_for_selector("body[data-ready='1']")
    page.click("#pb-mode-new")
    page.select_option("#nf-kind", kind)


def _shown_fields(page) -> list[str]:
    return page.eval_on_selector_all("#nf-fields label.field:not([hidden])", "ls => ls.map(l => l.dataset.field)")


def test_the_optimizer_form_shows_only_the_chosen_methods_options(page, server, tmp_path):
    _form(page, server, "optimizer")
    assert page.eval_on_selector("#nf-f-method", "s => s.tagName") == "SELECT"
    adam = _shown_fields(page)
    assert {"betas", "eps", "amsgrad", "weight_decay"} <= set(adam)
    assert not {"momentum", "nesterov", "alpha", "beta", "step_size"} & set(adam)
    assert len(adam) <= 13
    page.select_option("#nf-f-method", "sgd")
    sgd = _shown_fields(page)
    assert {"momentum", "dampening", "nesterov"} <= set(sgd) and "betas" not in sgd
    assert "betas:" not in page.text_content("#nf-yaml")  # a hidden field is not sent
    page.select_option("#nf-f-schedule", "step")
    assert {"step_size", "gamma"} <= set(_shown_fields(page))
    page.screenshot(path=str(tmp_path / "optimizer-form.png"), full_page=True)


def test_choices_are_selects_and_a_cell_shows_its_own_fields(page, server):
    _form(page, server, "rnn")
    assert page.eval_on_selector_all("#nf-fields select", "ss => ss.map(s => s.id)") == [
        "nf-f-cell", "nf-f-variant", "nf-f-activation", "nf-f-output", "nf-f-loss", "nf-f-symbolic"]
    assert "c0" not in _shown_fields(page) and "activation" in _shown_fields(page)
    page.select_option("#nf-f-cell", "lstm")
    assert {"c0", "variant"} <= set(_shown_fields(page)) and "activation" not in _shown_fields(page)


def test_typing_a_confusion_matrix_replaces_the_labels(page, server):
    _form(page, server, "metrics")
    page.fill("#nf-f-confusion", "5 1; 2 7")
    assert page.is_disabled("#nf-f-y_true") and page.is_disabled("#nf-f-y_pred")
    assert "y_true is given instead" not in page.inner_text("#nf-fields")
    assert "confusion is given instead" in page.inner_text("#nf-fields")
    yaml_text = page.text_content("#nf-yaml")
    assert "y_true" not in yaml_text and "confusion: 5 1; 2 7" in yaml_text
    page.click("#nf-go")
    page.wait_for_function("() => document.querySelector('#pb-out').dataset.source === "
                           "document.querySelector('#nf-yaml').textContent")
    assert page.is_hidden("#pb-error")
    solution = json.loads(page.get_attribute("#pb-out", "data-solutions") or "[]")[0]
    assert solution["answer"]["confusion"] == [[5, 1], [2, 7]]


def _choices_with_examples() -> list[tuple[str, str, str]]:
    from nnsteps.problems.describe import describe_kinds

    return [(k["name"], field, choice) for k in describe_kinds()
            for field, by_choice in k["choice_examples"].items() for choice in by_choice]


def test_choosing_a_cell_loss_schedule_or_label_kind_keeps_the_form_solving(page, server, tmp_path):
    """lstm's weights, a regression loss's target, onecycle's max_lr: the record's example for the choice
    is filled in (it failed on the default's weights, class target or lr before)."""
    page.goto(f"{server}/#problems")
    page.wait_for_selector("body[data-ready='1']")
    page.click("#pb-mode-new")
    choices = _choices_with_examples()
    assert {("rnn", "cell", "lstm"), ("loss", "loss", "hinge"), ("optimizer", "schedule", "onecycle"),
            ("perceptron", "labels", "sign")} <= set(choices)
    failures = {}
    for kind, field, choice in choices:
        if page.input_value("#nf-kind") != kind:
            page.select_option("#nf-kind", kind)
        page.evaluate("() => { const e = document.querySelector('#pb-error'); e.hidden = true; e.textContent = '';"
                      " document.querySelector('#pb-out').dataset.source = ''; }")
        page.select_option(f"#nf-f-{field}", choice)
        page.click("#nf-go")
        page.wait_for_function("""() => {
            const out = document.querySelector('#pb-out'), err = document.querySelector('#pb-error');
            return !out.classList.contains('stale') && out.dataset.source === document.querySelector('#nf-yaml').textContent
                || !err.hidden; }""")
        if page.is_visible("#pb-error"):
            failures[f"{kind} {field}: {choice}"] = page.inner_text("#pb-error")
        elif choice == "lstm":
            assert "weight_ih" in (page.text_content("#nf-yaml") or "")
    assert len(choices) >= 25 and failures == {}
