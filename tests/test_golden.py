"""Golden files: the Markdown and text renderings of the reference grid problems, pinned.

Only the grid problems of ``examples/assignment3.yaml`` (ids q1a–q1e and q5) are rendered, picked
by id, so problems that other parts of nnsteps add to the file later do not disturb these files.

When a rendering changes on purpose, regenerate and review the diff before committing::

    NNSTEPS_REGEN_GOLDEN=1 pytest tests/test_golden.py
    git diff tests/golden/
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nnsteps.problems.solve import SolvedFile, solve_file
from nnsteps.render.document import render_solved

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "assignment3.yaml"
GOLDEN = HERE / "golden"
GRID_IDS = ("q1a", "q1b", "q1c", "q1d", "q1e", "q5")


def grid_problems() -> SolvedFile:
    solved = solve_file(EXAMPLE)
    picked = [s for s in solved.solved if s.problem.id in GRID_IDS]
    assert [s.problem.id for s in picked] == list(GRID_IDS)
    return SolvedFile(solved.title, picked)


@pytest.mark.parametrize("fmt, suffix", [("markdown", "md"), ("text", "txt")])
def test_rendering_matches_golden_file(fmt: str, suffix: str) -> None:
    rendered = render_solved(grid_problems(), fmt)
    path = GOLDEN / f"assignment3_grid.{suffix}"
    if os.environ.get("NNSTEPS_REGEN_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run NNSTEPS_REGEN_GOLDEN=1 pytest tests/test_golden.py"
    expected = path.read_text(encoding="utf-8")
    assert rendered == expected, f"{path.name} differs; if intended, regenerate (see this module's docstring)"


def test_golden_files_hold_the_reference_answers() -> None:
    """The pinned files are not just any output: they carry the reference's numbers."""
    md = (GOLDEN / "assignment3_grid.md").read_text(encoding="utf-8")
    txt = (GOLDEN / "assignment3_grid.txt").read_text(encoding="utf-8")
    assert r"\begin{bmatrix} 7 & 9 & 8 \\ 7 & 9 & 10 \\ 8 & 5 & 8 \end{bmatrix}" in md
    assert r"\frac{0 + 0 + 1 + 3}{4} = 1" in md
    for pid in GRID_IDS:
        assert f"## {pid}:" in md and f"\n{pid}: " in "\n" + txt
    assert "[  7   9   8 ]\n" in txt and "= 9\n" in txt


def test_text_subscripts_of_several_terms_are_bracketed() -> None:
    """Text has no lowering: X_{1 + u, v} must not read as "X_1 + u, v" (that is X_1 plus u)."""
    txt = (GOLDEN / "assignment3_grid.txt").read_text(encoding="utf-8")
    # q5 is unpadded, so its input is X (X^pad appears only where there is padding, as in q1c)
    assert "Y_1,1 = ∑_(u=0)^1 ∑_(v=0)^1 X_(1 + u, 1 + v) F_u,v\n" in txt
    assert "Y_0,0 = ∑_(u=0)^2 ∑_(v=0)^2 X^pad_(u, v) F_u,v\n" in txt
    assert "X^pad ∈ ℝ^(7 × 7)\n" in txt
    assert "Y = X ⋆ F\n" in txt
    assert "Y_0,0 = 1/4 ∑ X_(0:2, 0:2)\n" in txt
