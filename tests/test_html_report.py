"""Standalone HTML reports, MathML conversion, the Jupyter MIME bundle and plotting."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnsteps.cli import app as cli
from nnsteps.problems.solve import solve_file
from nnsteps.render.markdown import step_equation
from nnsteps.render.mathml import converts, latex_to_mathml
from nnsteps.render.values import latex_value
from nnsteps.work import Step, Worked

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "assignment3.yaml"
RAW_LATEX = re.compile(r"\\[A-Za-z]+|\$|\^\{|_\{")


class VisibleText(HTMLParser):
    """The text a reader sees: outside <style>, <script> and <math> (MathML is rendered, not read)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0
        self.math_text: list[str] = []
        self.in_math = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skip += 1
        if tag == "math":
            self.in_math += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skip -= 1
        if tag == "math":
            self.in_math -= 1

    def handle_data(self, data):
        if self.skip:
            return
        (self.math_text if self.in_math else self.parts).append(data)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(cli, ["solve", str(EXAMPLE), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_report_is_standalone_and_needs_no_script(report):
    assert report.startswith("<!DOCTYPE html>")
    assert "<script" not in report
    assert "$$" not in report
    external = set(re.findall(r"(?:https?:)?//[\w.-]+\.\w+[^\s\"'<>]*", report))
    assert external <= {"http://www.w3.org/1998/Math/MathML"}
    assert "<link" not in report and "@import" not in report


def test_report_has_no_raw_latex_in_its_visible_text(report):
    parser = VisibleText()
    parser.feed(report)
    visible = "".join(parser.parts)
    assert not RAW_LATEX.search(visible), RAW_LATEX.search(visible)
    math_text = "".join(parser.math_text)
    assert "\\" not in math_text  # latex2mathml left no command unconverted
    assert report.count("<math") > 100
    for pid in ("q1a", "q1b", "q1c", "q1d", "q1e", "q5"):
        assert f">{pid}:" in report


def test_every_formula_of_the_example_converts_to_mathml():
    solved = solve_file(EXAMPLE)
    parts = []
    for s in solved.solved:
        for step in s.worked.walk():
            parts += [step.formula, step.substituted, step_equation(step)]
            if step.result is not None:
                parts.append(latex_value(step.result))
    parts = [p for p in parts if p]
    assert len(parts) > 100
    failed = [p for p in parts if not converts(p)]
    assert failed == []


@pytest.mark.parametrize(
    "latex",
    [
        r"\left\lfloor \frac{5 + 2 \cdot 0 - 1 \cdot (3 - 1) - 1}{2} \right\rfloor + 1",
        r"\left\lceil \frac{5 - 2}{2} \right\rceil + 1",
        r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}",
        r"Y_{0,0} = \sum_{u=0}^{2} \sum_{v=0}^{2} X^{\text{pad}}_{u,\, v} F_{u,v}",
        r"\text{channel}_{0}: \begin{bmatrix} 1 \end{bmatrix},\quad \text{channel}_{1}: \begin{bmatrix} 2 \end{bmatrix}",
        r"\begin{array}{l} a \\ b \end{array}",
    ],
)
def test_our_latex_vocabulary_converts(latex):
    out = latex_to_mathml(latex)
    assert out.startswith("<math") and "\\" not in out


def test_matrices_get_css_brackets():
    out = latex_to_mathml(r"\begin{bmatrix} 7 & 8 \\ 8 & 8 \end{bmatrix}")
    assert '<mtable class="bmatrix">' in out and "&#x0005B;" not in out


def test_unconvertible_latex_falls_back_to_readable_text():
    out = latex_to_mathml(r"\frac{1}{")
    assert out.startswith('<span class="math-text">')


def test_mimebundle_has_every_type_and_html_is_mathml():
    import nnsteps

    w = nnsteps.conv2d("1 1 1 1 0; 0 0 1 1 1; 0 0 0 0 0; 1 1 0 1 0; 1 1 0 1 1", "1 4 1; 0 2 1; 2 4 2", stride=2)
    bundle = w._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/markdown", "text/latex", "text/html"}
    assert "<math" in bundle["text/html"] and "$$" not in bundle["text/html"]
    assert bundle["text/latex"].startswith("$$\\begin{array}")
    assert "7" in bundle["text/plain"]


def test_plot_draws_feature_maps_and_attention_like_dicts():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import numpy as np

    import nnsteps

    fig = nnsteps.conv2d("1 2 3; 4 5 6; 7 8 9", "1 0; 0 1").plot()
    assert len(fig.axes) == 2  # the map and its colour bar
    fig = Worked("attention", value={"weights": np.eye(3), "output": np.ones((3, 2))}).plot()
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == ["weights", "output"]
    with pytest.raises(Exception, match="no array to draw"):
        Worked("x", value="text", steps=[Step("s")]).plot()
