"""Likely mistakes of the issue-12 kinds are named when a student's answer is what that convention gives."""

from __future__ import annotations

from typing import Any

import pytest

from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.problems.solve import solve_problem

CASES = [
    ("mean forgotten", {"kind": "loss", "loss": "mse", "input": "1 2; 3 4", "target": "0 0; 0 1"},
     {"reduction": "sum"}, "the 1/N of a mean reduction forgotten"),
    ("half", {"kind": "loss", "loss": "mse", "input": [1, 3], "target": [0, 0]},
     {"loss": "half_squared_error", "reduction": "mean"},
     "½(x − y)² instead of (x − y)²"),
    ("weights ignored", {"kind": "loss", "loss": "nll", "input": "-1 -2; -3 -4", "target": [0, 1], "weight": [1, 3]},
     {"weight": None}, "class weights ignored"),
    ("eval/training", {"kind": "batch_norm", "input": [[1, 2], [3, 6], [5, 1]], "eps": 0, "running_var": [4, 4]},
     {"training": False}, "eval and training statistics mixed up"),
    ("leaky slope", {"kind": "leaky_relu", "input": "-2 3", "negative_slope": 0.5, "upstream": "1 1"},
     {"negative_slope": 0}, "negative slope forgotten"),
    ("conv flip with upstream", {"kind": "conv2d", "input": "1 2 0; 0 1 3; 2 1 1", "kernel": "1 0; -1 2",
                                 "upstream": "1 -1; 2 0"}, {"flip": True}, "kernel flipped"),
    ("avg divisor with upstream", {"kind": "avg_pool2d", "input": "1 2 3; 4 5 6; 7 8 9", "kernel_size": 2,
                                   "padding": 1, "upstream": "1 1; 1 1"}, {"count_include_pad": False},
     "average divisor counts padding differently"),
]


@pytest.mark.parametrize(("label", "raw", "wrong_fields", "name"), CASES, ids=[c[0] for c in CASES])
def test_new_kinds_name_their_mistakes(label: str, raw: dict[str, Any], wrong_fields: dict[str, Any], name: str) -> None:
    raw = {"id": "q", **raw}
    wrong = {k: v for k, v in {**raw, **wrong_fields}.items() if v is not None}
    given = plain(solve_problem(wrong).worked.answer)
    result = check_problem(raw, given)
    assert not result.correct
    assert result.likely_mistake is not None and result.likely_mistake.startswith(name), result.likely_mistake
