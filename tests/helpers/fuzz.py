"""Hostile values for any field (Hypothesis strategies) and the one check every fuzz test makes: a problem
is an answer in every text format, or one line of NnstepsError, never a traceback."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_document
from nnsteps.render.document import render_solved

WEIRD = st.sampled_from([
    None, True, "", "x", "−1", "1/0", "0/0", ".inf", "nan", "1e400", "1e999999999", "\\frac{1}{0}", "same", "all",
    "1 2; 3 4", 10**301, -(10**4000), 2**63, Fraction(1, 10**301), 0, -1, 1, 3, 100_001, "9" * 5000,
])
SCALARS = st.one_of(WEIRD, st.integers(-50, 50), st.fractions(max_denominator=100), st.text(max_size=6))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["kernel", "stride", "input", "relu", "conv2d", "a"]), inner, max_size=3)),
    max_leaves=10)


def solve_and_render(problem: dict[str, Any]) -> None:
    """Solve and render in every text format; only NnstepsError (one line) may escape."""
    try:
        solved = solve_document([problem])
        for fmt in ("json", "markdown", "text"):
            render_solved(solved, fmt)
    except NnstepsError as err:
        assert "\n" not in str(err)
