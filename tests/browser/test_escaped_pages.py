"""Hostile tokens from a problem file (a beam search's vocabulary, an optimizer's parameter names) in the
standalone pages Chromium opens: the HTML report and both HTML handouts. No script runs (the payloads set
``window.__pwned`` and the title), no request leaves the file, and the page's Content-Security-Policy still
lets its own styles and math font in; markup forced into the page past the escaping is stopped by the CSP.
Pages open through the ``open_file`` fixture of conftest.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

PWN = "window.__pwned=1;document.title='pwned'"
TOKENS = (r'\text{<img/src="x"/onerror=' + PWN + ">}", r"\href{javascript:" + PWN + "}{a}",
          r"\style{background:url(http://127.0.0.1:9/leak)}{a}", "<script>" + PWN + "</script>",
          r"\text{<svg/onload=" + PWN + ">}")
TITLE = "Hostile <script>" + PWN + "</script>"


def _problems() -> dict[str, Any]:
    vocab = [*TOKENS, "b"]
    row = {t: f"{1 / (len(vocab) + 1):.6f}" for t in vocab}
    return {"title": TITLE, "problems": [
        {"id": "b1", "kind": "beam_search", "beam_width": 2, "max_length": 2,
         "probabilities": {"": row, **{t: row for t in vocab}}},
        {"id": "o1<img src=x onerror=" + PWN + ">", "kind": "optimizer", "method": "sgd", "lr": "0.1",
         "params": {n: i + 1 for i, n in enumerate(TOKENS)}, "grads": [{n: "0.5" for n in TOKENS}]}]}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    from nnsteps.export import export
    from nnsteps.problems.solve import solve_document
    from nnsteps.render.document import render_solved

    out = tmp_path_factory.mktemp("hostile")
    report = out / "report.html"
    report.write_text(render_solved(solve_document(_problems()), "html"), encoding="utf-8")
    done = export(_problems(), "html", out / "handout")
    return {"report": report, **{p.stem: p for p in done.written}}


def _visit(open_file, path: Path) -> dict[str, Any]:
    page, requests = open_file(path)
    seen = {"title": page.title(), "pwned": page.evaluate("window.__pwned === undefined ? null : window.__pwned"),
            "requests": requests,
            "styled": page.evaluate("getComputedStyle(document.body).maxWidth"),
            "tokens": page.locator("text=onerror").count()}
    page.close()
    return seen


@pytest.mark.parametrize("name", ["report", "student", "instructor"])
def test_hostile_tokens_run_no_script_and_fetch_nothing_in_chromium(open_file, files: dict[str, Path],
                                                                    name: str) -> None:
    seen = _visit(open_file, files[name])
    assert seen["title"] == TITLE + (" (instructor)" if name == "instructor" else "")
    assert seen["pwned"] is None
    assert seen["requests"] == []
    assert seen["styled"] == "960px"  # the CSP lets the page's own <style> in (by its hash)
    if name != "student":
        assert seen["tokens"] >= 1  # the payload is on the page, as text


def test_the_csp_stops_markup_forced_into_the_report(browser, files: dict[str, Path], tmp_path: Path) -> None:
    """Markup placed past the escaping (as a bug would): Chromium asks for the outside image and the
    background, and the CSP refuses each before it leaves; the inline handler and script never run."""
    forced = tmp_path / "forced.html"
    text = files["report"].read_text(encoding="utf-8")
    forced.write_text(text.replace("<main>", f'<main><img src="x" onerror="{PWN}"><script>{PWN}</script>'
                                   '<img src="http://127.0.0.1:9/leak.png">'
                                   '<div style="background:url(http://127.0.0.1:9/leak2.png)">x</div>', 1),
                      encoding="utf-8")
    page = browser.new_page()
    asked: list[str] = []
    refused: dict[str, str | None] = {}
    violations: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url != forced.as_uri() else None)
    page.on("requestfailed", lambda r: refused.__setitem__(r.url, r.failure))
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(forced.as_uri())
    page.wait_for_load_state("load")
    pwned = page.evaluate("window.__pwned === undefined ? null : window.__pwned")
    title = page.title()
    page.close()
    assert pwned is None and title == TITLE
    assert asked and {url: refused.get(url) for url in asked} == {url: "csp" for url in asked}
    assert any("script-src" in v or "default-src" in v for v in violations)


def test_the_check_tab_places_hostile_answers_keys_and_ids_as_text(page, server) -> None:
    """The web app's Check tab: a student's verbatim text in the grid and the rows, a key holding hostile
    tokens (the best beam), hostile problem ids; nothing runs, and the student's text reads as typed."""
    import json

    written = '<img src=x onerror="' + PWN + '">'
    answers = {"b1": {"best": written, "beams": [[written]]}, "o1<img src=x onerror=" + PWN + ">": 1,
               "g": [[1, written], [f"<svg/onload={PWN}>", 4]]}
    problems = {**_problems(), "problems": [*_problems()["problems"], {"id": "g", "kind": "relu", "input": "1 -2; 3 4"}]}
    page.goto(f"{server}/#check")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#ck-out .score")
    page.fill("#ck-problems", json.dumps(problems))
    page.fill("#ck-answers", json.dumps(answers))
    page.evaluate("document.querySelector('#ck-out').replaceChildren()")
    page.click("#ck-go")
    page.wait_for_selector("#ck-out section.ck-problem[data-id='g']")
    assert page.evaluate("window.__pwned === undefined ? null : window.__pwned") is None
    assert page.title() != "pwned"
    out = page.locator("#ck-out")
    assert out.locator("img, script, svg, iframe, a[href^='javascript']").count() == 0
    grid = page.locator("section.ck-problem[data-id='g'] td[data-where='[0][1]'] .given")
    assert grid.inner_text() == written  # the student's text, as text
    assert written in out.inner_text()
