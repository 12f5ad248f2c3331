"""One number style everywhere a reader looks: over every kind's example, in every output format (text,
Markdown, HTML, the strings of JSON) and every export target, no Python repr (``Fraction(``, ``array(``),
no ``\\_`` of an internal name shown literally inside text, no decimal with more than 12 significant digits."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest

from nnsteps import numfmt
from nnsteps.problems.registry import load_kinds
from nnsteps.problems.solve import solve_document
from nnsteps.render.document import render_solved

KINDS = list(load_kinds())
DECIMAL = re.compile(r"(?<![\w.#&])-?\d+\.\d+(?:e-?\d+)?")
KEY_DATA = re.compile(r"\{\d+:NUMERICAL:[^}]*\}|<(varequal|vargte|varlte|tolerance)[^>]*>[^<]*<|"
                      r"<answer fraction[^>]*>\s*<text>[^<]*<")
"""What an LMS reads as the key (the exact number it compares with), not text a student sees."""
LITERAL_UNDERSCORE = re.compile(r"\\text\{[^}]*\\_|<mtext>[^<]*\\_|\\operatorname\{[^}]*\\_")


def example(kind: str) -> dict[str, Any]:
    record = load_kinds()[kind]
    return {"id": "q", "kind": kind, **{k: v for k, v in (record.example or {}).items() if k not in ("id", "kind")}}


def problems() -> list[str]:
    return [s for s in (json.dumps(example(k)) for k in KINDS)]


def faults(text: str) -> list[str]:
    """What breaks the style in one rendered text."""
    out = [bad for bad in ("Fraction(", "array(") if bad in text]
    out += [m.group() for m in LITERAL_UNDERSCORE.finditer(text)]
    out += [t for t in DECIMAL.findall(text) if len(t.lstrip("-").split("e")[0].replace(".", "").lstrip("0")) > 12]
    return out


def strings(value: Any) -> list[str]:
    """The text a JSON document shows (its steps' strings); its numbers, exact forms (``answer_exact``) and
    step data are data, kept at full precision."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in ("answer_exact", "data") for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_reads_in_one_number_style_in_every_format(kind: str) -> None:
    solved = solve_document({"problems": [example(kind)]})
    for fmt in ("text", "markdown", "html"):
        assert faults(render_solved(solved, fmt)) == [], fmt
    assert faults("\n".join(strings(json.loads(render_solved(solved, "json"))))) == [], "json"


@pytest.mark.parametrize("fmt", ["html", "latex", "moodle", "canvas", "prairielearn", "notebook", "gradescope"])
def test_every_export_of_every_kind_reads_in_one_number_style(fmt: str) -> None:
    from nnsteps.export import build

    built = build({"problems": [{**example(k), "id": f"q-{k}"} for k in KINDS]}, fmt)
    for name, data in built.files.items():
        if isinstance(data, bytes):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                texts = {f"{name}/{n}": z.read(n).decode("utf-8", "replace") for n in z.namelist()}
        else:
            texts = {name: data}
        for where, text in texts.items():
            if where.endswith((".py", ".sh")) or "nnsteps_problems" in where:
                continue  # code and the problem file itself (the autograder's copy), not text for a reader
            assert faults(KEY_DATA.sub("", text)) == [], where


def test_digits_sets_every_decimal_shown() -> None:
    solved = solve_document({"problems": [example("sigmoid")]})
    try:
        numfmt.set_digits(4)
        four = render_solved(solved, "text")
    finally:
        numfmt.set_digits(10)
    assert "0.7311" in four and "0.7310585786" in render_solved(solved, "text")


def test_a_vector_reads_in_one_form() -> None:
    from fractions import Fraction

    from nnsteps.render.values import latex_matrix, text_matrix

    assert text_matrix([Fraction(5, 6), Fraction(7, 8)]) == "[ 5/6  7/8 ]"
    assert latex_matrix([Fraction(1, 2), Fraction(1, 4)]) == r"\begin{bmatrix} 0.5 & 0.25 \end{bmatrix}"
    assert "≈ 0.49" in text_matrix([Fraction(19600001, 40000002)])


def test_a_vector_with_one_long_fraction_shows_every_fractions_decimal() -> None:
    from fractions import Fraction

    from nnsteps.render.values import latex_matrix, text_matrix

    lr = [Fraction(1, 25), 1, Fraction(1500001, 1750000)]  # OneCycleLR's rates in optimizers_sequences.yaml
    assert text_matrix(lr) == "[ 1/25 (≈ 0.04)  1  1500001/1750000 (≈ 0.8571434286) ]"
    assert latex_matrix(lr) == (r"\begin{bmatrix} \frac{1}{25} \approx 0.04 & 1 & "
                                r"\frac{1500001}{1750000} \approx 0.8571434286 \end{bmatrix}")


def test_an_lstm_step_shows_its_gates_as_a_matrix_not_a_python_list() -> None:
    doc = {"problems": [{"id": "l", "kind": "rnn", "cell": "lstm", "x": [[1], [0.5]],
                         "weights": {"weight_ih": [[0.5], [0.2], [0.1], [0.3]], "weight_hh": [[0.1], [0.2], [0.3], [0.4]]}}]}
    text = render_solved(solve_document(doc), "text")
    assert "Fraction(" not in text and "= σ([0.5])" in text


def test_digits_on_the_command_line_sets_solve_export_and_check(tmp_path) -> None:
    import subprocess
    import sys
    from pathlib import Path

    problems = tmp_path / "p.yaml"
    problems.write_text("problems: [{id: s, kind: sigmoid, input: '1 -2'}]\n")
    run = [sys.executable, "-m", "nnsteps"]
    solved = subprocess.run([*run, "solve", str(problems), "--digits", "4"], capture_output=True, text=True)
    assert solved.returncode == 0 and "0.7311" in solved.stdout and "0.73105" not in solved.stdout
    exported = subprocess.run([*run, "export", str(problems), "--to", "html", "-o", str(tmp_path / "h.html"),
                               "--digits", "4"], capture_output=True, text=True)
    assert exported.returncode == 0 and "0.7311" in Path(tmp_path / "h-key.html").read_text()
    bad = subprocess.run([*run, "solve", str(problems), "--digits", "40"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr == "error: field --digits: expected 3 to 15 significant digits, got 40\n"
