"""iou and nms: torchvision's published box_iou cases, hand-worked NMS (strictly greater suppresses), a float
replica of torchvision's CPU kernel on random boxes (Hypothesis), the +1 mistake and bad input."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.ops.metrics.boxes import iou, nms
from nnsteps.problems.solve import solve_problem


def test_torchvision_published_box_iou_case() -> None:
    # test/test_ops.py, TestBoxIou.test_iou: expected [[1, 0.25, 0], [0.25, 1, 0], [0, 0, 1]]
    boxes = [[0, 0, 100, 100], [0, 0, 50, 50], [200, 200, 300, 300]]
    expected = [[1, Fraction(1, 4), 0], [Fraction(1, 4), 1, 0], [0, 0, 1]]
    assert [[iou(a, b).value for b in boxes] for a in boxes] == expected


def test_torchvision_published_float_boxes_case() -> None:
    boxes = [["285.3538", "185.5758", "1193.5110", "851.4551"], ["285.1472", "188.7374", "1192.4984", "851.0669"],
             ["279.2440", "197.9812", "1189.4746", "849.2019"]]
    expected = [[1.0, 0.9933, 0.9673], [0.9933, 1.0, 0.9737], [0.9673, 0.9737, 1.0]]
    for a, row in zip(boxes, expected, strict=True):
        for b, e in zip(boxes, row, strict=True):
            assert float(iou(a, b).value) == pytest.approx(e, abs=1e-4)


def test_iou_of_two_overlapping_squares_worked_by_hand() -> None:
    # A = B = 2×2, overlap 1×1: union 4 + 4 − 1 = 7
    answer = solve_problem({"id": "i", "kind": "iou", "box_a": [0, 0, 2, 2], "box_b": [1, 1, 3, 3]}).worked.answer
    assert answer == {"intersection": 1, "union": 7, "iou": Fraction(1, 7)}
    assert iou([0, 0, 1, 1], [2, 2, 3, 3]).meta["intersection"] == 0
    # the legacy +1: 3×3 boxes, overlap 2×2: 4 / (9 + 9 − 4)
    assert iou([0, 0, 2, 2], [1, 1, 3, 3], plus_one=True).value == Fraction(2, 7)


def test_nms_suppresses_only_strictly_greater_iou() -> None:
    # box 1 overlaps box 0 with IoU exactly 1/2: kept at threshold 1/2, suppressed below it
    boxes = [[0, 0, 3, 1], [1, 0, 3, 1], [10, 10, 11, 11]]
    assert iou(boxes[0], boxes[1]).value == Fraction(2, 3)
    boxes = [[0, 0, 4, 1], [2, 0, 6, 1]]  # intersection 2, union 6: IoU 1/3
    assert nms(boxes, [2, 1], "1/3").answer == {"keep": [0, 1]}
    assert nms(boxes, [2, 1], "0.33").answer == {"keep": [0]}
    # score order, not index order: box 1 (area 6) first; box 0: 4/6 > 1/2 goes, box 2: 4/8 = 1/2 stays
    boxes = [[0, 0, 2, 2], [0, 0, 2, 3], [0, 1, 2, 4]]
    assert nms(boxes, [0.5, 0.9, 0.1], 0.5).answer == {"keep": [1, 2]}
    assert nms([[0, 0, 2, 2], [0, 1, 2, 3], [0, 2, 2, 4]], [0.9, 0.8, 0.7], "0.3").answer == {"keep": [0, 2]}


def _kernel(boxes: list[list[float]], scores: list[float], thr: float) -> list[int]:
    """torchvision's CPU nms kernel line by line, in float64 (the order: a stable descending sort)."""
    areas = [(b[2] - b[0]) * (b[3] - b[1]) for b in boxes]
    order = sorted(range(len(boxes)), key=lambda i: -scores[i])
    suppressed, keep = [False] * len(boxes), []
    for pi, i in enumerate(order):
        if suppressed[i]:
            continue
        keep.append(i)
        for j in order[pi + 1:]:
            if suppressed[j]:
                continue
            w = max(0.0, min(boxes[i][2], boxes[j][2]) - max(boxes[i][0], boxes[j][0]))
            h = max(0.0, min(boxes[i][3], boxes[j][3]) - max(boxes[i][1], boxes[j][1]))
            inter = w * h
            if inter / (areas[i] + areas[j] - inter) > thr:
                suppressed[j] = True
    return keep


small_box = st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(1, 5), st.integers(1, 5)).map(
    lambda t: [t[0], t[1], t[0] + t[2], t[1] + t[3]])


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 7).flatmap(lambda n: st.tuples(st.lists(small_box, min_size=n, max_size=n),
                                                      st.lists(st.integers(0, 20), min_size=n, max_size=n))),
       st.sampled_from(["0.3", "0.5", "0.7", "0.1"]))
def test_nms_matches_torchvision_kernel_and_torch_float_iou(case: tuple[list[list[int]], list[int]], thr: str) -> None:
    torch = pytest.importorskip("torch")
    boxes, scores = case
    ours = nms(boxes, scores, thr).answer["keep"]
    assert ours == _kernel([list(map(float, b)) for b in boxes], list(map(float, scores)), float(thr))
    # torch's own stable descending sort gives the same visiting order
    order = torch.sort(torch.tensor(scores, dtype=torch.float64), descending=True, stable=True).indices.tolist()
    assert [i for i in order if i in ours] == ours


@pytest.mark.parametrize(("kind", "raw"), [
    ("iou", {"box_a": [0, 0, 2, 2], "box_b": [1, 1, 3, 3]}),
    ("nms", {"boxes": [[0, 0, 4, 1], [2, 0, 6, 1]], "scores": [2, 1], "iou_threshold": "0.4"}),
])
def test_plus_one_is_named(kind: str, raw: dict[str, Any]) -> None:
    raw = {"id": "q", "kind": kind, **raw}
    given_answer = plain(solve_problem({**raw, "plus_one": True}).worked.answer)
    result = check_problem(raw, given_answer)
    assert not result.correct and result.likely_mistake is not None
    assert result.likely_mistake.startswith("+1 pixel convention")


@pytest.mark.parametrize(("raw", "message"), [
    ({"kind": "iou", "box_a": [3, 0, 2, 2], "box_b": [1, 1, 3, 3]},
     "problem q, field box_a: expected x1 <= x2 and y1 <= y2 (x1, y1, x2, y2), got x1 = 3 > x2 = 2"),
    ({"kind": "iou", "box_a": [0, 0, 2], "box_b": [1, 1, 3, 3]}, "field box_a: expected a box of 4 numbers"),
    ({"kind": "nms", "boxes": [[0, 0, 1, 1]], "scores": [1, 2], "iou_threshold": 0.5},
     "field scores: expected one score per box (1), got 2"),
    ({"kind": "nms", "boxes": [[0, 0, 1, 1], [0, 2, 1, 1]], "scores": [1, 2], "iou_threshold": 0.5},
     "field boxes[1]: expected x1 <= x2 and y1 <= y2"),
])
def test_boxes_bad_input_is_one_line(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(NnstepsError, match=re.escape(message)) as err:
        solve_problem({"id": "q", **raw})
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("raw", [
    {"kind": "iou", "box_a": [0, 0, "2.5", 2], "box_b": [1, 1, 3, 3]},
    {"kind": "iou", "box_a": [0, 0, 2, 2], "box_b": [1, 1, 3, 3], "plus_one": True},
    {"kind": "nms", "boxes": [[0, 0, 2, 2], [0, 0, 2, 3], [0, 1, 2, 4], [0, 0, 2, 2]], "scores": [5, 9, 1, 5],
     "iou_threshold": 0.5},
    {"kind": "metrics", "y_true": [0, 1, 2, 2, 1, 0], "y_pred": [0, 2, 2, 2, 1, 1], "scores": "1 2 3; 3 3 0; 0 1 2; "
     "5 1 1; 1 2 3; 0 0 0", "k": 2},
    {"kind": "metrics", "confusion": "2 0 1; 0 0 0; 1 0 3", "zero_division": 1},
])
def test_steps_are_honest(raw: dict[str, Any]) -> None:
    from tests.helpers.step_honesty import check_steps

    assert check_steps(solve_problem({"id": "q", **raw}).worked.walk()) >= 3
