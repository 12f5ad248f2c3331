"""Every number the reference solution prints for Questions 1 and 5, out of the CLI.

Source: ``shared/reference/assignment3-theory.md``. The CLI runs in-process
(``nnsteps solve examples/assignment3.yaml --format json`` / ``--format markdown``) and each number
is looked up in the contract's JSON: answers, output sizes (from the size steps), the expanded top-left
cell, the dilated-kernel positions, K_eff, Q5's three stages and the pooled average.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nnsteps.cli import app

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "assignment3.yaml")


def run_cli(*args: str) -> str:
    result = CliRunner().invoke(app, ["solve", EXAMPLE, *args])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


@pytest.fixture(scope="module")
def problems() -> dict[str, dict[str, Any]]:
    document = json.loads(run_cli("--format", "json"))
    assert document["title"] == "COMP433 Assignment 3: theory questions, worked by nnsteps"
    return {p["id"]: p for p in document["problems"]}


@pytest.fixture(scope="module")
def markdown() -> str:
    return run_cli("--format", "markdown")


def walk(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for s in steps:
        out.append(s)
        out += walk(s["steps"])
    return out


def step(steps: list[dict[str, Any]], title: str) -> dict[str, Any]:
    found = [s for s in walk(steps) if s["title"] == title]
    assert len(found) == 1, f"expected one step titled {title!r}, found {len(found)}"
    return found[0]


def sizes(steps: list[dict[str, Any]]) -> tuple[int, int]:
    return int(step(steps, "Output size H_out")["result"]), int(step(steps, "Output size W_out")["result"])


Y_A = [[7, 9, 8], [7, 9, 10], [8, 5, 8]]
Y_B = [[7, 8], [8, 8]]
Y_C = [[3, 5, 9, 10, 6], [5, 7, 9, 8, 3], [6, 7, 9, 10, 7], [9, 8, 5, 8, 6], [8, 7, 3, 7, 3]]
Y_D = [[1, 1], [1, 1]]


@pytest.mark.parametrize(
    "pid, kind, answer, size",
    [("q1a", "conv2d", Y_A, (3, 3)), ("q1b", "conv2d", Y_B, (2, 2)), ("q1c", "conv2d", Y_C, (5, 5)),
     ("q1d", "max_pool2d", Y_D, (2, 2)), ("q1e", "conv2d", [[9]], (1, 1))],
)
def test_q1_outputs_and_sizes(problems: dict[str, Any], pid: str, kind: str, answer: Any, size: tuple[int, int]) -> None:
    p = problems[pid]
    assert p["kind"] == kind
    assert p["answer"] == answer
    assert p["answer_exact"] == [[str(v) for v in row] for row in answer]
    assert sizes(p["steps"]) == size
    assert step(p["steps"], "Output size")["result"] == rf"{size[0]} \times {size[1]}"


def test_q1a_top_left_cell_expansion(problems: dict[str, Any]) -> None:
    cell = step(problems["q1a"]["steps"], "Output cell Y[0, 0]")
    # Y_{0,0} = 1·1 + 1·4 + 1·1 + 0·0 + 0·2 + 1·1 + 0·2 + 0·4 + 0·2 = 7, the reference's line
    assert cell["substituted"] == (r"1 \cdot 1 + 1 \cdot 4 + 1 \cdot 1 + 0 \cdot 0 + 0 \cdot 2 + 1 \cdot 1 + "
                                   r"0 \cdot 2 + 0 \cdot 4 + 0 \cdot 2")
    assert cell["result"] == "7"
    assert cell["formula"].startswith("Y_{0,0} = ")


def test_q1b_size_substitution(problems: dict[str, Any]) -> None:
    h = step(problems["q1b"]["steps"], "Output size H_out")
    # the textbook form (dilation 1), as the reference writes it: floor((W - K + 2P)/S) + 1
    assert h["substituted"] == r"\left\lfloor \frac{5 - 3 + 2 \cdot 0}{2} \right\rfloor + 1"
    assert h["result"] == "2"


def test_q1c_padding_gives_a_7x7_input(problems: dict[str, Any]) -> None:
    pad = step(problems["q1c"]["steps"], "Pad the input with zeros (top 1, bottom 1, left 1, right 1)")
    assert r"\mathbb{R}^{7 \times 7}" in pad["formula"]
    rows = pad["result"].removeprefix(r"\begin{bmatrix} ").removesuffix(r" \end{bmatrix}").split(r" \\ ")
    assert len(rows) == 7 and rows[0] == " & ".join(["0"] * 7) and rows[1] == "0 & 1 & 1 & 1 & 1 & 0 & 0"


def test_q1d_each_window_maximum(problems: dict[str, Any]) -> None:
    steps = problems["q1d"]["steps"]
    windows = {(0, 0): "1, 1, 0, 0", (0, 1): "1, 1, 1, 1", (1, 0): "0, 0, 1, 1", (1, 1): "0, 0, 0, 1"}
    for (i, j), values in windows.items():
        cell = step(steps, f"Output cell Y[{i}, {j}]: the maximum of its window")
        assert cell["substituted"] == rf"\max({values})"
        assert cell["result"] == "1"


def test_q1e_dilation(problems: dict[str, Any]) -> None:
    steps = problems["q1e"]["steps"]
    k_eff = step(steps, "Effective kernel size")
    assert (k_eff["substituted"], k_eff["result"]) == (r"1 + (3 - 1) \cdot 2", "5")
    positions = step(steps, "Positions the dilated kernel reads")
    assert positions["formula"] == (r"\begin{bmatrix} X_{0,0} & X_{0,2} & X_{0,4} \\ X_{2,0} & X_{2,2} & X_{2,4} \\ "
                                    r"X_{4,0} & X_{4,2} & X_{4,4} \end{bmatrix}")
    assert positions["result"] == r"\begin{bmatrix} 1 & 1 & 0 \\ 0 & 0 & 0 \\ 1 & 0 & 1 \end{bmatrix}"
    cell = step(steps, "Output cell Y[0, 0]")
    assert cell["substituted"] == (r"1 \cdot 1 + 1 \cdot 4 + 0 \cdot 1 + 0 \cdot 0 + 0 \cdot 2 + 0 \cdot 1 + "
                                   r"1 \cdot 2 + 0 \cdot 4 + 1 \cdot 2")
    assert cell["result"] == "9"
    reads = cell["data"]["reads"]
    assert [r[1:] for r in reads] == [[r, c] for r in (0, 2, 4) for c in (0, 2, 4)]


def stage(problem: dict[str, Any], number: int) -> dict[str, Any]:
    (found,) = [s for s in problem["steps"] if s["title"].startswith(f"Stage {number}:")]
    return found


def test_q5_conv_relu_average(problems: dict[str, Any]) -> None:
    q5 = problems["q5"]
    assert q5["kind"] == "pipeline"
    assert q5["answer"] == [[1]] and q5["answer_exact"] == [["1"]]

    conv = stage(q5, 1)
    assert conv["title"] == "Stage 1: conv2d"
    assert sizes(conv["steps"]) == (3, 2)  # H_out = 4 - 2 + 1 = 3, W_out = 3 - 2 + 1 = 2
    assert step(conv["steps"], "Output")["result"] == r"\begin{bmatrix} -5 & -3 \\ 1 & 3 \\ 7 & 9 \end{bmatrix}"
    cells = {(i, j): step(conv["steps"], f"Output cell Y[{i}, {j}]")["result"] for i in range(3) for j in range(2)}
    assert cells == {(0, 0): "-5", (0, 1): "-3", (1, 0): "1", (1, 1): "3", (2, 0): "7", (2, 1): "9"}

    relu = stage(q5, 2)
    assert step(relu["steps"], "Apply ReLU elementwise")["result"] == (
        r"\begin{bmatrix} 0 & 0 \\ 1 & 3 \\ 7 & 9 \end{bmatrix}")

    avg = stage(q5, 3)
    assert sizes(avg["steps"]) == (1, 1)
    cell = step(avg["steps"], "Output cell Y[0, 0]: the average of its window (divisor 4)")
    assert (cell["substituted"], cell["result"]) == (r"\frac{0 + 0 + 1 + 3}{4}", "1")
    assert Fraction(0 + 0 + 1 + 3, 4) == 1


def _section(markdown: str, pid: str) -> str:
    m = re.search(rf"^## {pid}:.*?(?=^## |\Z)", markdown, re.S | re.M)
    assert m, f"no section for {pid}"
    return m.group(0)


@pytest.mark.parametrize(
    "pid, equations",
    [
        ("q1a", [r"H_{\text{out}} = \left\lfloor \frac{H - K + 2P}{S} \right\rfloor + 1 = "
                 r"\left\lfloor \frac{5 - 3 + 2 \cdot 0}{1} \right\rfloor + 1 = 3",
                 r"Y_{0,0} = \sum_{u=0}^{2} \sum_{v=0}^{2} X_{u,\, v} F_{u,v} = 1 \cdot 1 + 1 \cdot 4 + "
                 r"1 \cdot 1 + 0 \cdot 0 + 0 \cdot 2 + 1 \cdot 1 + 0 \cdot 2 + 0 \cdot 4 + 0 \cdot 2 = 7",
                 r"Y = X \star F = \begin{bmatrix} 7 & 9 & 8 \\ 7 & 9 & 10 \\ 8 & 5 & 8 \end{bmatrix}"]),
        ("q1b", [r"\left\lfloor \frac{5 - 3 + 2 \cdot 0}{2} \right\rfloor + 1 = 2",
                 r"Y = X \star F = \begin{bmatrix} 7 & 8 \\ 8 & 8 \end{bmatrix}"]),
        ("q1c", [r"\left\lfloor \frac{5 - 3 + 2 \cdot 1}{1} \right\rfloor + 1 = 5",
                 r"Y = X \star F = \begin{bmatrix} 3 & 5 & 9 & 10 & 6 \\ 5 & 7 & 9 & 8 & 3 \\ 6 & 7 & 9 & 10 & 7 "
                 r"\\ 9 & 8 & 5 & 8 & 6 \\ 8 & 7 & 3 & 7 & 3 \end{bmatrix}"]),
        ("q1d", [r"\left\lfloor \frac{5 - 2 + 2 \cdot 0}{2} \right\rfloor + 1 = 2",
                 r"Y_{0,0} = \max\left(X_{0:2,\, 0:2}\right) = \max(1, 1, 0, 0) = 1",
                 r"\begin{bmatrix} 1 & 1 \\ 1 & 1 \end{bmatrix}"]),
        ("q1e", [r"K_{\text{eff}} = 1 + (K - 1) D = 1 + (3 - 1) \cdot 2 = 5",
                 r"\left\lfloor \frac{5 + 2 \cdot 0 - 2 \cdot (3 - 1) - 1}{1} \right\rfloor + 1 = 1",
                 r"1 \cdot 1 + 1 \cdot 4 + 0 \cdot 1 + 0 \cdot 0 + 0 \cdot 2 + 0 \cdot 1 + 1 \cdot 2 + 0 \cdot 4 + "
                 r"1 \cdot 2 = 9",
                 r"= \begin{bmatrix} 1 & 1 & 0 \\ 0 & 0 & 0 \\ 1 & 0 & 1 \end{bmatrix}"]),
        ("q5", [r"\left\lfloor \frac{4 - 2 + 2 \cdot 0}{1} \right\rfloor + 1 = 3",
                r"(-1) \cdot 2 + 0 \cdot 1 + 2 \cdot 0 + 3 \cdot (-1) = -5",
                r"\begin{bmatrix} -5 & -3 \\ 1 & 3 \\ 7 & 9 \end{bmatrix}",
                r"\operatorname{ReLU}(z) = \max(0, z) = \begin{bmatrix} 0 & 0 \\ 1 & 3 \\ 7 & 9 \end{bmatrix}",
                r"Y_{0,0} = \frac{1}{4} \sum X_{0:2,\, 0:2} = \frac{0 + 0 + 1 + 3}{4} = 1"]),
    ],
)
def test_markdown_shows_formula_substitution_and_result(markdown: str, pid: str, equations: list[str]) -> None:
    section = _section(markdown, pid)
    for equation in equations:
        assert equation in section, f"{pid}: missing {equation!r}"
    # display math only, never an unbalanced $$
    assert section.count("$$") % 2 == 0 and section.count("$$") >= 2 * len(equations)
