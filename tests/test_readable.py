"""What a reader sees (issue 10): answers first, readable by default, tables as tables, no internals.

Each test pins one item of the issue's "Why" list with real values from the reference problem set.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnsteps.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "assignment3.yaml"
BACKPROP = ROOT / "examples" / "backprop.yaml"
LATEX = ("\\frac", "$$", "\\left", "\\lfloor", "\\begin", "\\text", "\\cdot")
runner = CliRunner()


def _solve(*args: str) -> str:
    result = runner.invoke(app, ["solve", *args], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def text() -> str:
    return _solve(str(EXAMPLE))


@pytest.fixture(scope="module")
def brief() -> str:
    return _solve(str(EXAMPLE), "--brief")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    _solve(str(EXAMPLE), "-o", str(out))
    return out.read_text(encoding="utf-8")


# ------------------------------------------------------------------ readable by default, answers first


def test_solve_prints_readable_text_with_no_latex_by_default(text: str) -> None:
    for token in LATEX:
        assert token not in text, token
    assert text.startswith("COMP433 Assignment 3")
    assert "⌊(5 - 3 + 2·0)/1⌋ + 1" in text  # the textbook output-size rule, as text


def test_every_problem_opens_with_its_answer(text: str) -> None:
    for pid in ("q1a", "q2", "q3a", "q5", "q6", "q7-numeric"):
        block = text.split(f"\n{pid}: ", 1)[1]
        assert block.splitlines()[2].startswith("Answer:"), pid
    q1a = text.split("\nq1a: ", 1)[1]
    assert "Answer:\n  [  7   9   8 ]\n  [  7   9  10 ]\n  [  8   5   8 ]\n" in q1a


def test_brief_is_the_answer_key_in_under_150_lines(brief: str) -> None:
    lines = brief.splitlines()
    assert len(lines) < 150
    assert "Output size" not in brief and "⌊" not in brief  # no work, only answers
    # the reference's answers (assignment3-theory.md)
    assert "q1a: " in brief and "  [  7   9   8 ]\n  [  7   9  10 ]\n  [  8   5   8 ]" in brief
    assert "  [ 9 ]" in brief  # Q1(e)
    assert "Conv1 neurons: 16384" in brief and "Conv1 weights: 432" in brief and "Conv1 biases: 16" in brief
    assert "Conv2 neurons: 14400" in brief and "Conv2 weights: 2304" in brief
    assert "Pool output shape: 15 × 15 × 16" in brief and "flatten1 neurons: 3600" in brief
    assert "Flatten   flatten  30976" in brief  # Q2's table: 1 × 1 × 30976 into the dense layer
    assert "w_in = -0.022631168" in brief and "y = 0.01248" in brief  # Q6
    assert "q5: Q5 conv -> ReLU -> 2x2 average pooling\n  [ 1 ]" in brief


@pytest.mark.parametrize("suffix, check", [
    (".md", lambda s: s.startswith("# COMP433") and "**Answer:**" in s and "$$" in s),
    (".txt", lambda s: s.startswith("COMP433") and "Answer:" in s and "$$" not in s),
    (".json", lambda s: json.loads(s)["problems"][0]["answer"] == [[7, 9, 8], [7, 9, 10], [8, 5, 8]]),
    (".html", lambda s: s.startswith("<!DOCTYPE html>") and "<math" in s),
])
def test_the_output_files_extension_picks_the_format(tmp_path: Path, suffix: str, check) -> None:
    out = tmp_path / f"x{suffix}"
    _solve(str(EXAMPLE), "-o", str(out))
    assert check(out.read_text(encoding="utf-8"))


def test_format_wins_over_the_extension_and_bad_formats_are_one_line(tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    _solve(str(EXAMPLE), "-o", str(out), "--format", "json")
    assert json.loads(out.read_text())["problems"][1]["id"] == "q1b"
    bad = runner.invoke(app, ["solve", str(EXAMPLE), "--format", "jsn"])
    assert bad.exit_code == 2
    assert "error: field --format: expected one of text, markdown, json, html, got 'jsn' (did you mean 'json'?)" in bad.output


def test_an_unknown_output_extension_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["solve", str(EXAMPLE), "-o", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 2 and not (tmp_path / "x.pdf").exists()
    assert "error: field --output: cannot tell the format from '.pdf': expected .md, .txt, .json or .html" in bad.output
    _solve(str(EXAMPLE), "-o", str(tmp_path / "key"), "--brief")  # no extension: text
    assert (tmp_path / "key").read_text().startswith("COMP433")


def test_brief_json_has_answers_and_no_steps() -> None:
    data = json.loads(_solve(str(EXAMPLE), "--brief", "--format", "json"))
    q3a = next(p for p in data["problems"] if p["id"] == "q3a")
    assert q3a["answer"]["asked"] == {"Conv1.output_shape": [32, 32, 16], "Conv1.neurons": 16384}
    assert all("steps" not in p for p in data["problems"])


def test_colour_only_for_a_terminal_and_never_with_no_color(monkeypatch) -> None:
    from nnsteps.cli import use_colour

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Tty()) is True
    assert use_colour(object()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_colour(Tty()) is False
    from nnsteps.problems.solve import solve_file
    from nnsteps.render.document import render_solved

    coloured = render_solved(solve_file(EXAMPLE), "text", colour=True)
    assert "\033[1mAnswer:\033[0m" in coloured and "\033[1m*16,384*\033[0m" in coloured
    assert "\033[" not in _solve(str(EXAMPLE), "--brief")


def test_version_has_one_home() -> None:
    import nnsteps

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"nnsteps {nnsteps.__version__}\n"


# ------------------------------------------------------------------ every answer has a proper rendering


def test_an_ask_answers_exactly_what_it_asks(text: str) -> None:
    q3a = text.split("\nq3a: ", 1)[1].split("\nq3b: ", 1)[0]
    work = q3a.split("MACs = multiply-accumulates", 1)[1]
    assert work.count("Neurons (output values)") == 1
    assert "Total parameters" not in q3a and "2768" not in work
    assert [line for line in work.splitlines() if line and not line.startswith(" ")] == [
        "Conv1: Output size H_out", "Conv1: Output size W_out", "Conv1: Neurons (output values)"]
    q4 = text.split("\nq4: ", 1)[1].split("\nq5: ", 1)[0]
    assert "Logistic: Weights" in q4 and "Conv2: conv" not in q4


def test_network_answers_show_the_layer_table_with_the_asked_cells_marked(text: str) -> None:
    q3b = text.split("\nq3b: ", 1)[1].split("\nq3c: ", 1)[0]
    assert re.search(r"Conv1 +conv +32×32×16 +16,384 +\*432\* +\*16\* +448", q3b)
    md = _solve(str(EXAMPLE), "--format", "markdown")
    assert "| Conv1 | conv | 32×32×16 | 16,384 | **432** | **16** | 448 |" in md


def test_long_exact_forms_give_way_to_decimals_in_text() -> None:
    out = _solve(str(BACKPROP))
    assert "Loss: 0.2983711088" in out
    assert "**" not in out and "(-99/100" not in out  # no SymPy strings
    assert not re.search(r"exp\([^)]*exp\(", out)  # no nested exp tower anywhere
    attention = _solve(str(EXAMPLE))
    assert "exp(sqrt(2))/(exp(sqrt(2))" not in attention
    assert "sqrt(2) (≈ 1.414213562)" in attention  # a short exact form stays beside its decimal


def test_the_textbook_size_rule_and_x_pad_only_when_padded(text: str) -> None:
    q1c = text.split("\nq1c: ", 1)[1].split("\nq1d: ", 1)[0]
    q1e = text.split("\nq1e: ", 1)[1].split("\nq2: ", 1)[0]
    q1a = text.split("\nq1a: ", 1)[1].split("\nq1b: ", 1)[0]
    assert "H_out = ⌊(H - K + 2P)/S⌋ + 1\n      = ⌊(5 - 3 + 2·1)/1⌋ + 1\n      = 5" in q1c
    assert "X^pad_(u, v)" in q1c and "X^pad" not in q1a and "X_(u, v)" in q1a
    assert "H_out = ⌊(H + 2P - D(K - 1) - 1)/S⌋ + 1\n      = ⌊(5 + 2·0 - 2·(3 - 1) - 1)/1⌋ + 1\n      = 1" in q1e


# ------------------------------------------------------------------ the HTML report


class Visible(HTMLParser):
    """Text outside <style> and <math>, and which elements hold the answers."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "math", "script"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "math", "script"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)


def _sections(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section class="worked"[^>]*id="p\d+-([\w-]+)">(.*?)</section>', html, flags=re.S))


def test_report_network_answers_are_tables_with_the_asked_cells_marked(report: str) -> None:
    sections = _sections(report)
    for pid in ("q2", "q2-pasted", "q3a", "q3b", "q3c", "q3d", "q3e", "q4"):
        answer = sections[pid].split('<div class="answer">', 1)[1].split('<div class="step"', 1)[0]
        assert '<table class="layers">' in answer, pid
    q3b = sections["q3b"]
    assert "<td class='asked'>432</td><td class='asked'>16</td><td>448</td>" in q3b
    assert "<td>Conv4</td><td>conv</td><td>23×23×256</td><td>135,424</td><td>1,605,632</td>" in sections["q2"]


def test_report_shows_no_raw_structures_nulls_or_internal_names(report: str) -> None:
    parser = Visible()
    parser.feed(report)
    visible = " ".join(parser.text)
    for bad in ("null", "None", "mac_convention", "output_shape", "{'", "'name'", "receptive_field", "memory_bytes"):
        assert bad not in visible, bad
    mathml = " ".join(re.findall(r"<math.*?</math>", report, flags=re.S))
    for bad in ("name", "mac", "layers"):
        assert f"<mi>{bad}</mi>" not in mathml
    assert "′" not in mathml  # quotes of a dict typeset as primes


def test_report_embeds_the_math_font_and_loads_nothing(report: str) -> None:
    assert '@font-face { font-family: "nnsteps STIX Math"; src: url(data:font/woff;base64,' in report
    assert "<script" not in report and "<link" not in report
    from nnsteps.render.fonts import font_bytes

    assert len(font_bytes()) < 150_000  # subset: the whole STIX Math is 477 kB
    import io

    ttlib = pytest.importorskip("fontTools.ttLib")  # fontTools comes with matplotlib (the test extra)
    font = ttlib.TTFont(io.BytesIO(font_bytes()))
    assert "MATH" in font  # the table that makes delimiters stretch
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "⌊⌋⌈⌉∑×·−αδ")


def test_latex2mathml_marks_left_right_delimiters_stretchy() -> None:
    from nnsteps.render.mathml import latex_to_mathml

    out = latex_to_mathml(r"\left\lfloor \frac{5 - 3 + 2 \cdot 0}{2} \right\rfloor + 1")
    assert re.search(r'<mo stretchy="true" fence="true" form="prefix">&#x0230A;</mo>', out), out
    assert re.search(r'<mo stretchy="true" fence="true" form="postfix">&#x0230B;</mo>', out), out


def test_report_long_exact_forms_sit_behind_a_disclosure(tmp_path: Path) -> None:
    out = tmp_path / "bp.html"
    _solve(str(BACKPROP), "-o", str(out))
    html = out.read_text(encoding="utf-8")
    answer = html.split('<div class="answer">', 1)[1].split('<div class="step"', 1)[0]
    assert "<mn>0.2983711088</mn>" in answer
    assert "<details><summary>exact form</summary>" in answer
    assert "<msup><mi>e</mi>" not in answer  # no e^{…} tower as the answer


# ------------------------------------------------------------------ Python and CLI polish


def test_repr_of_worked_is_short_and_print_shows_chained_stages_in_order() -> None:
    import nnsteps

    z = nnsteps.avg_pool2d(nnsteps.relu(nnsteps.conv2d("-1 0 1; 2 3 4; 5 6 7; 8 9 10", "2 1; 0 -1")), 2)
    assert repr(z) == "Worked(kind='avg_pool2d', value=1×1 array [[1]], steps=13)"
    printed = str(z)
    assert printed.index("Stage: conv2d") < printed.index("Stage: relu") < printed.index("Y = avg-pool(X)")
    assert "Step(" not in repr(z)


def test_a_one_row_string_is_a_1_by_w_grid() -> None:
    import nnsteps
    from nnsteps.errors import NnstepsError

    assert nnsteps.conv2d("1 2 3 4", "1 1").value.tolist() == [[3, 5, 7]]
    assert nnsteps.max_pool2d("1 2 3 4", [1, 2]).value.tolist() == [[2, 4]]
    with pytest.raises(NnstepsError, match="expected a 2-D or 3-D or 4-D array, got shape 4"):
        nnsteps.conv2d([1, 2, 3, 4], "1 1")  # a list is taken as written


def test_did_you_mean_ranks_by_edit_distance_then_prefix() -> None:
    import nnsteps
    from nnsteps.errors import NnstepsError, did_you_mean

    assert did_you_mean("w_h", ["w_in", "w_hh", "w_hy"]) == "did you mean 'w_hh'?"
    assert did_you_mean("maxpol", ["avgpool", "maxpool", "max"]) == "did you mean 'maxpool'?"
    with pytest.raises(NnstepsError, match=r"unknown weight 'w_h'.*\(did you mean 'w_hh'\?\)"):
        nnsteps.rnn([0.3], h0=0.5, weights={"w_in": 0.2, "w_h": 0.2, "w_hy": 0.2}, target=0.4)


def test_generate_help_documents_the_roster_csv() -> None:
    out = runner.invoke(app, ["generate", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"}).output
    assert "one student per row" in out and "id, student, sid, email" in out


def test_backprop_text_puts_a_negative_upstream_in_one_pair_of_parentheses() -> None:
    text = _solve(str(BACKPROP))
    assert "= (-0.217071534679)·0.772928465321·(1 - 0.772928465321)" in text
    assert "= 0.741365069552·0.751365069552·(1 - 0.751365069552)" in text
    assert "((-0.2" not in text and "(0.741365069552)" not in text
    # A sum of products stays grouped before f'.
    assert "= (0.4·0.138498561629 + 0.5·(-0.0380982365166))·0.593269992107" in text


def test_a_step_with_named_matrices_hangs_each_matrix_under_its_name() -> None:
    text = _solve(str(BACKPROP))
    assert ("    = W = [ 0.0004385677345  0.0008771354689 ]\n"
            "          [ 0.0004977127353  0.0009954254705 ]\n"
            "      b = [ 0.008771354689  0.009954254705 ]\n") in text


def test_box_bleu_roc_and_top_k_answers_are_labelled_as_their_steps_name_them() -> None:
    text = _solve(str(ROOT / "examples" / "bleu_iou_attention.yaml"), "--brief")
    for label in ("  IoU: 1/9 (≈ 0.1111111111)", "  CIoU: -0.01916454945", "  GIoU loss: ", "  Enclosing area C: 15",
                  "  Centre distance ρ²: 3.25", "  Weight α: ", "  BLEU: sqrt(858)/39"):
        assert label in text
    assert "  Giou" not in text and "  bleu:" not in text and "  iou:" not in text
    roc = _solve(str(ROOT / "examples" / "evaluation.yaml"), "--brief", "--only", "roc,topk")
    assert "  ROC-AUC: 0.90625" in roc and "  False positive rates: [ 0  0  0  0.25  0.25  1 ]" in roc
    assert "  Top-k accuracy: 0.75" in roc


def test_an_roc_point_step_lists_fpr_then_tpr_in_its_formula_numbers_and_result() -> None:
    text = _solve(str(ROOT / "examples" / "evaluation.yaml"), "--only", "roc")
    assert ("  Threshold 0.6: predict positive when the score ≥ 0.6\n    FPR = FP/(N^-), TPR = TP/(N^+)\n"
            "      = 1/4, 3/4\n      = fpr = 0.25, tpr = 0.75\n") in text


def test_plain_sgds_empty_state_is_not_listed_step_by_step() -> None:
    text = _solve(str(ROOT / "examples" / "optimizers_sequences.yaml"), "--brief", "--only",
                  "linear_warmup,onecycle,sgd_from_velocity")
    warmup = text.split("linear_warmup:")[1].split("onecycle:")[0]
    assert "State" not in warmup and "Learning rate: [ 0.1" in warmup
    assert "State" in text.split("linear_warmup:")[0]  # SGD with momentum keeps its buffer b
    assert "State" in text.split("onecycle:")[1]  # and so does plain SGD under OneCycleLR, which sets a momentum
