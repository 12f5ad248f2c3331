"""A likely mistake is named when a student's answer is what that slip gives: conventions of the losses,
layers and grid kinds with an upstream, fan-out in a graph, swapped metrics, the +1-pixel IoU, unclipped BLEU."""

from __future__ import annotations

from typing import Any

import pytest

from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.problems.registry import load_kinds
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
def test_a_convention_slip_is_named(label: str, raw: dict[str, Any], wrong_fields: dict[str, Any], name: str) -> None:
    raw = {"id": "q", **raw}
    wrong = {k: v for k, v in {**raw, **wrong_fields}.items() if v is not None}
    given = plain(solve_problem(wrong).worked.answer)
    result = check_problem(raw, given)
    assert not result.correct
    assert result.likely_mistake is not None and result.likely_mistake.startswith(name), result.likely_mistake


def _named(raw: dict[str, Any], wrong: dict[str, Any]) -> str | None:
    given = plain(solve_problem({**raw, **wrong}).worked.answer)
    result = check_problem(raw, given)
    assert not result.correct
    return result.likely_mistake


def test_graph_fan_out_not_summed_is_named() -> None:
    raw = {"id": "g", "kind": "graph", "expression": "a = x * y; f = a + x", "values": {"x": 3, "y": 2}}
    assert _named(raw, {"fan_out": "last"}) == "fan-out gradients not summed (one path kept)"
    # CS231n's (x + y)·z has no fan-out: no such mistake is offered there
    cs231n = {"id": "g", "kind": "graph", "expression": "q = x + y; f = q * z", "values": {"x": -2, "y": 5, "z": -4}}
    assert [n for n, _ in load_kinds()["graph"].likely_mistakes(cs231n)] == []


def test_metrics_swaps_are_named() -> None:
    raw = {"id": "m", "kind": "metrics", "y_true": [0, 0, 1, 2, 2, 2, 1], "y_pred": [0, 1, 1, 2, 0, 2, 1]}
    assert _named(raw, {"convention": "precision_recall_swapped"}) == "precision and recall swapped"
    assert _named(raw, {"convention": "micro_macro_swapped"}) == "micro and macro averages swapped"


@pytest.mark.parametrize(("kind", "raw"), [
    ("iou", {"box_a": [0, 0, 4, 3], "box_b": [2, 1, 6, 5]}),
    # IoU 1/3 stays under 0.4; with +1 pixel 9/21 goes over: keep [0, 1, 2] becomes [0, 2]
    ("nms", {"boxes": [[0, 0, 4, 2], [2, 0, 6, 2], [5, 0, 9, 2]], "scores": [3, 2, 1], "iou_threshold": "0.4"}),
])
def test_iou_plus_one_pixel_is_named(kind: str, raw: dict[str, Any]) -> None:
    name = _named({"id": "b", "kind": kind, **raw}, {"plus_one": True})
    assert name is not None and name.startswith("+1 pixel convention")


def test_bleu_counts_not_clipped_is_named() -> None:
    raw = {"id": "b", "kind": "bleu", "candidate": "the the cat the mat", "references": ["the cat on the mat"],
           "max_n": 1}
    assert _named(raw, {"clip": False}) == "n-gram counts not clipped"
