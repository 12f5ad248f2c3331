"""Every kind and cross-attention in the web app's New problem form (built from each kind's record):
the form opens on the record's example, the YAML it shows solves in the browser exactly as
``nnsteps solve`` solves that same YAML."""

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

from nnsteps.problems.registry import load_kinds  # noqa: E402  (after the skips)

KINDS = sorted(load_kinds())
CROSS = {"x": "1 0 1 0; 0 2 0 2", "memory": "1 2 0; 0 1 1; 2 0 1", "w_k": "1 0 0; 0 1 1", "w_v": "1 1 0; 0 0 1",
         "w_q": "1 0 1 0; 0 1 0 1", "key_padding_mask": "0 0 1"}


def _solve_in_form(page, server, kind: str, edits: dict[str, str]) -> tuple[str, dict]:
    page.goto(f"{server}/#problems")
    page.wait_for_selector("body[data-ready='1']")
    page.click("#pb-mode-new")
    page.select_option("#nf-kind", kind)
    for field, value in edits.items():
        page.fill(f"#nf-f-{field}", value)
    page.click("#nf-go")
    page.wait_for_function("() => document.querySelector('#pb-out').dataset.source === "
                           "document.querySelector('#nf-yaml').textContent")
    yaml_text = page.text_content("#nf-yaml")
    return yaml_text, json.loads(page.get_attribute("#pb-out", "data-solutions"))[0]


def _cli(tmp_path, yaml_text: str) -> dict:
    from typer.testing import CliRunner

    from nnsteps.cli import app as cli

    source = tmp_path / "form.yaml"
    source.write_text(yaml_text)
    result = CliRunner().invoke(cli, ["solve", str(source), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["problems"][0]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kinds_form_solves_as_the_cli_does(page, server, tmp_path, kind):
    yaml_text, web = _solve_in_form(page, server, kind, {})
    assert f"kind: {kind}\n" in yaml_text
    want = _cli(tmp_path, yaml_text)
    assert web["answer"] == want["answer"] and web["answer_exact"] == want["answer_exact"]
    assert page.locator("#pb-out section.worked").count() == 1


def test_attention_form_takes_a_memory(page, server, tmp_path):
    yaml_text, web = _solve_in_form(page, server, "attention", CROSS)
    assert "    memory: 1 2 0; 0 1 1; 2 0 1\n" in yaml_text
    want = _cli(tmp_path, yaml_text)
    assert web["answer"] == want["answer"]
    assert [len(row) for row in web["answer"]["scores"]] == [3, 3]  # T × S
    assert "from memory" in page.text_content("#pb-out")
