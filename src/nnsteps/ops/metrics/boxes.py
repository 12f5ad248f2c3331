"""Boxes (x1, y1, x2, y2) as ``torchvision.ops.box_iou`` and ``torchvision.ops.nms`` define them.

Area = (x2 − x1)(y2 − y1), with no "+1 pixel" (the legacy VOC/Detectron convention adds 1 to each side;
``plus_one`` computes it, for comparison). Intersection = max(0, min x2 − max x1) · max(0, min y2 − max y1),
union = area_a + area_b − intersection, IoU = intersection / union, all exact.

NMS is a port of torchvision's CPU kernel (``torchvision/csrc/ops/cpu/nms_kernel.cpp``): visit the boxes
in descending score order; a box not yet suppressed is kept and suppresses every later box whose IoU
with it is strictly greater than the threshold. torchvision sorts with a sort that is not guaranteed
stable, so equal scores have no promised order there; here they go in index order (lower index first).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.numbers import normalize, parse_number
from nnsteps.numbers import to_latex_operand as op
from nnsteps.work import Step, Worked


def box(value: Any, field: str = "box") -> list[Any]:
    """One box (x1, y1, x2, y2) of exact numbers, with x1 <= x2 and y1 <= y2.

    >>> box([0, 0, "1.5", 2])
    [0, 0, Fraction(3, 2), 2]
    >>> box([2, 0, 1, 1])
    Traceback (most recent call last):
    ...
    nnsteps.errors.NnstepsError: field box: expected x1 <= x2 and y1 <= y2 (x1, y1, x2, y2), got x1 = 2 > x2 = 1
    """
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise NnstepsError(f"expected a box of 4 numbers (x1, y1, x2, y2), got {value!r}", field=field)
    b = [parse_number(v) for v in value]
    for lo, hi, a in ((0, 2, "x"), (1, 3, "y")):
        if b[hi] < b[lo]:
            raise NnstepsError(f"expected x1 <= x2 and y1 <= y2 (x1, y1, x2, y2), got {a}1 = {b[lo]} > {a}2 = {b[hi]}",
                               field=field)
    return b


def _area(b: list[Any], one: int) -> Any:
    return (b[2] - b[0] + one) * (b[3] - b[1] + one)


def iou(box_a: Any, box_b: Any, *, plus_one: bool = False) -> Worked:
    """The IoU of two boxes, worked; ``meta`` holds the intersection and union areas.

    >>> w = iou([0, 0, 2, 2], [1, 1, 3, 3])
    >>> w.value, w.meta
    (Fraction(1, 7), {'intersection': 1, 'union': 7})
    """
    a, b = box(box_a, "box_a"), box(box_b, "box_b")
    (inter, union, value), steps = _iou(a, b, 1 if plus_one else 0, "A", "B")
    return Worked("box_iou", value=value, steps=steps, title="Intersection over union",
                  meta={"intersection": inter, "union": union})


def _iou(a: list[Any], b: list[Any], one: int, na: str, nb: str) -> tuple[tuple[Any, Any, Any], list[Step[Any]]]:
    plus = " + 1" if one else ""
    area_a, area_b = _area(a, one), _area(b, one)
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]) + one)
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]) + one)
    inter = normalize(Fraction(w * h))
    union = normalize(Fraction(area_a + area_b - inter))
    if union == 0:
        raise NnstepsError("expected boxes with a positive union, got two empty boxes (IoU 0/0)", field="boxes")
    value = normalize(Fraction(inter) / Fraction(union))
    steps = [
        Step(f"Area of {na}", formula=rf"(x_2 - x_1{plus})(y_2 - y_1{plus})",
             substituted=rf"({op(a[2])} - {op(a[0])}{plus}) \cdot ({op(a[3])} - {op(a[1])}{plus})",
             result=normalize(Fraction(area_a))),
        Step(f"Area of {nb}", formula=rf"(x_2 - x_1{plus})(y_2 - y_1{plus})",
             substituted=rf"({op(b[2])} - {op(b[0])}{plus}) \cdot ({op(b[3])} - {op(b[1])}{plus})",
             result=normalize(Fraction(area_b))),
        Step("Intersection", formula=rf"\max(0, \min(x_2) - \max(x_1){plus}) \cdot \max(0, \min(y_2) - \max(y_1){plus})",
             substituted=rf"\max(0, {op(min(a[2], b[2]))} - {op(max(a[0], b[0]))}{plus}) \cdot "
                         rf"\max(0, {op(min(a[3], b[3]))} - {op(max(a[1], b[1]))}{plus})", result=inter),
        Step("Union", formula=rf"\text{{area}}_{{{na}}} + \text{{area}}_{{{nb}}} - \text{{intersection}}",
             substituted=rf"{op(area_a)} + {op(area_b)} - {op(inter)}", result=union),
        Step("IoU", formula=r"\frac{\text{intersection}}{\text{union}}", substituted=rf"\frac{{{op(inter)}}}{{{op(union)}}}",
             result=value),
    ]
    return (inter, union, value), steps


def nms(boxes: Any, scores: Any, iou_threshold: Any, *, plus_one: bool = False) -> Worked:
    """Non-maximum suppression as ``torchvision.ops.nms``: the kept indices in score order, worked.

    >>> nms([[0, 0, 2, 2], [0, 0, 2, 3], [5, 5, 6, 6]], [0.9, 0.8, 0.7], 0.5).answer
    {'keep': [0, 2]}
    """
    if not isinstance(boxes, list) or not isinstance(scores, list):
        raise NnstepsError("expected boxes as a list of [x1, y1, x2, y2] and scores as a list", field="boxes")
    bs = [box(b, f"boxes[{i}]") for i, b in enumerate(boxes)]
    ss = [parse_number(s) for s in scores]
    if len(ss) != len(bs):
        raise NnstepsError(f"expected one score per box ({len(bs)}), got {len(ss)}", field="scores")
    threshold = parse_number(iou_threshold)
    one = 1 if plus_one else 0
    # Python's sort is stable: equal scores keep index order
    order = sorted(range(len(bs)), key=lambda i: -Fraction(ss[i]))
    suppressed: dict[int, int] = {}
    keep: list[int] = []
    rows: list[Step[Any]] = []
    for pos, i in enumerate(order):
        if i in suppressed:
            rows.append(Step(f"Box {i} (score {ss[i]})", result="suppressed",
                             note=f"already suppressed by box {suppressed[i]}"))
            continue
        keep.append(i)
        pairs: list[Step[Any]] = []
        removed = []
        for j in order[pos + 1:]:
            if j in suppressed:
                continue
            (_, _, ratio), work = _iou(bs[i], bs[j], one, str(i), str(j))
            gone = ratio > threshold
            if gone:
                suppressed[j] = i
                removed.append(j)
            pairs.append(Step(f"IoU of box {i} and box {j}", formula=work[-1].formula, substituted=work[-1].substituted,
                              result=ratio, steps=work[:-1],
                              note=f"{'>' if gone else '<='} {threshold}: {'suppressed' if gone else 'stays'}"))
        rows.append(Step(f"Box {i} (score {ss[i]})", result="kept", steps=pairs,
                         note=f"suppresses {removed}" if removed else "suppresses none"))
    steps = [Step("Score order", formula=r"\text{descending score; equal scores in index order}", result=order),
             Step("Visit the boxes", note=f"keep a box not yet suppressed; it suppresses later boxes with IoU > "
                  f"{threshold}", steps=rows),
             Step("Kept", result=keep)]
    return Worked("box_nms", value={"keep": keep}, steps=steps, title="Non-maximum suppression")
