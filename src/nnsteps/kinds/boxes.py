"""The ``iou`` and ``nms`` kinds: boxes (x1, y1, x2, y2) as ``torchvision.ops.box_iou`` and ``nms``
define them (:mod:`nnsteps.ops.metrics.boxes`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.problems.registry import Field, FieldType, Params, register
from nnsteps.work import Worked

T = FieldType
IOU, NMS = "iou", "nms"
PLUS_ONE = Field("plus_one", T.BOOLEAN, "the legacy +1 pixel convention (width = x2 − x1 + 1); torchvision has none",
                 default=False, example=False)
IOU_FIELDS = (
    Field("box_a", T.LIST, "a box [x1, y1, x2, y2]", required=True, example=[0, 0, 2, 2]),
    Field("box_b", T.LIST, "a box [x1, y1, x2, y2]", required=True, example=[1, 1, 3, 3]),
    PLUS_ONE,
)
NMS_FIELDS = (
    Field("boxes", T.LIST, "boxes [x1, y1, x2, y2], one a row", required=True,
          example=[[0, 0, 2, 2], [0, 0, 2, 3], [5, 5, 6, 6]]),
    Field("scores", T.LIST, "a score per box", required=True, example=[0.9, 0.8, 0.7]),
    Field("iou_threshold", T.NUMBER, "a later box is suppressed when its IoU with a kept box is > this",
          required=True, example=0.5),
    PLUS_ONE,
)


def _mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    return [("+1 pixel convention (width = x2 − x1 + 1) instead of torchvision's x2 − x1",
             M.set_field("plus_one", True))]


def _corners(v: Any) -> str:
    from nnsteps.render.statement import scalar

    return scalar(v)


def _iou_statement(p: Any) -> Any:
    """IoU's question: the two boxes as corners."""
    from nnsteps.render.statement import Given, Statement, value

    plus = bool(value(p, "plus_one"))
    return Statement("Find the intersection over union of boxes $A$ and $B$, each given as its corners "
                     "$(x_1, y_1, x_2, y_2)$" + (" in pixels (a side is $x_2 - x_1 + 1$)." if plus else "."),
                     [Given(f"Box A: ${_corners(value(p, 'box_a'))}$"), Given(f"Box B: ${_corners(value(p, 'box_b'))}$")],
                     ["the area of the intersection", "the area of the union", "the IoU"])


def _nms_statement(p: Any) -> Any:
    """NMS's question: boxes with their scores, the threshold."""
    from nnsteps.render.statement import Given, Statement, number, value

    boxes, scores = value(p, "boxes", []), value(p, "scores", [])
    givens = [Given(f"Box {i}: ${_corners(b)}$, score ${number(s)}$") for i, (b, s) in enumerate(zip(boxes, scores))]
    givens.append(Given(f"IoU threshold: ${number(value(p, 'iou_threshold', 0))}$"))
    return Statement("Apply non-maximum suppression to the boxes below (corners $(x_1, y_1, x_2, y_2)$): keep the "
                     "best-scoring box, drop every box overlapping it by more than the threshold, repeat.", givens,
                     ["the indices of the boxes kept, best first"])


@register(IOU, fields=IOU_FIELDS, statement=_iou_statement, summary="intersection over union of two boxes, as torchvision.ops.box_iou",
          answer=("intersection", "union", "iou"), example={"id": "i", "kind": IOU, "box_a": [0, 0, 2, 2],
                                                            "box_b": [1, 1, 3, 3]},
          mistakes=_mistakes, form={"group": "evaluation"})
def solve_iou(p: Params) -> Worked:
    """An ``iou`` problem.

    >>> from nnsteps.problems.registry import Problem
    >>> solve_iou(Problem({"id": "i", "kind": "iou", "box_a": [0, 0, 2, 2], "box_b": [1, 1, 3, 3]}).params).answer["iou"]
    Fraction(1, 7)
    """
    from nnsteps.ops.metrics.boxes import iou

    try:
        w = iou(p.box_a, p.box_b, plus_one=p.plus_one)
        w.answer = {**w.meta, IOU: w.value}
        return w
    except NnstepsError as err:
        raise err.located(problem=p.id) from None


@register(NMS, fields=NMS_FIELDS, statement=_nms_statement, summary="non-maximum suppression, as torchvision.ops.nms: the boxes kept",
          answer=("keep",), example={"id": "n", "kind": NMS, "boxes": [[0, 0, 2, 2], [0, 0, 2, 3], [5, 5, 6, 6]],
                                     "scores": [0.9, 0.8, 0.7], "iou_threshold": 0.5},
          mistakes=_mistakes, form={"group": "evaluation"})
def solve_nms(p: Params) -> Worked:
    """An ``nms`` problem.

    >>> from nnsteps.problems.registry import Problem
    >>> solve_nms(Problem({"id": "n", "kind": "nms", "boxes": [[0, 0, 2, 2], [1, 0, 2, 2]], "scores": [1, 2],
    ...                    "iou_threshold": 0.4}).params).answer
    {'keep': [1]}
    """
    from nnsteps.ops.metrics.boxes import nms

    try:
        return nms(p.boxes, p.scores, p.iou_threshold, plus_one=p.plus_one)
    except NnstepsError as err:
        raise err.located(problem=p.id) from None


def _box(rng: np.random.Generator, near: list[int] | None = None) -> list[int]:
    if near is None:
        x, y = (int(v) for v in rng.integers(0, 6, size=2))
    else:
        x, y = (int(v) for v in np.array(near[:2]) + rng.integers(-1, 2, size=2))
    w, h = (int(v) for v in rng.integers(1, 5, size=2))
    return [x, y, x + w, y + h]


@generator(IOU, ordered=("box_a", "box_b"))
def iou_problem(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """Two small overlapping (usually) integer boxes.

    >>> sorted(iou_problem(np.random.default_rng(0), {}))
    ['box_a', 'box_b', 'kind']
    """
    a = _box(rng)
    return {"kind": IOU, "box_a": a, "box_b": _box(rng, a)}


@generator(NMS, ordered=("boxes",))
def nms_problem(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """Three to five boxes in clusters, distinct scores in tenths, threshold 0.3 or 0.5.

    >>> sorted(nms_problem(np.random.default_rng(0), {}))
    ['boxes', 'iou_threshold', 'kind', 'scores']
    """
    n = int(rng.integers(3, 6))
    boxes: list[list[int]] = []
    for _ in range(n):
        boxes.append(_box(rng, boxes[int(rng.integers(0, len(boxes)))] if boxes and rng.random() < 0.7 else None))
    scores = [Fraction(int(s), 10) for s in rng.choice(np.arange(1, 10), size=n, replace=False)]
    return {"kind": NMS, "boxes": boxes, "scores": scores, "iou_threshold": Fraction(int(rng.choice([3, 5])), 10)}
