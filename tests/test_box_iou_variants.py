"""GIoU, DIoU and CIoU of two boxes and their losses against torchvision's formulas ported to NumPy
(``torchvision/ops/metrics/boxes.py``, ``giou_loss.py``, ``diou_loss.py``, ``ciou_loss.py``; torchvision cannot be
installed beside this torch), in float64 with torchvision's eps; exact where rational; named mistakes."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.problems.registry import Problem, load_kinds
from nnsteps.problems.solve import solve_problem

EPS = 1e-7


# --- torchvision, ported (float64, one pair of boxes) ---
def _inter_union(b1, b2):
    x1, y1, x2, y2 = b1
    x1g, y1g, x2g, y2g = b2
    xk1, yk1, xk2, yk2 = max(x1, x1g), max(y1, y1g), min(x2, x2g), min(y2, y2g)
    inter = (xk2 - xk1) * (yk2 - yk1) if (yk2 > yk1 and xk2 > xk1) else 0.0
    return inter, (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter


def tv_generalized_box_iou(b1, b2):
    inter, union = _inter_union(b1, b2)
    iou = inter / union
    whi = np.clip(np.maximum(b1[2:], b2[2:]) - np.minimum(b1[:2], b2[:2]), 0, None)
    areai = whi[0] * whi[1]
    return iou - (areai - union) / areai


def _box_diou_iou(b1, b2, eps):
    inter, union = _inter_union(b1, b2)
    iou = inter / union
    whi = np.clip(np.maximum(b1[2:], b2[2:]) - np.minimum(b1[:2], b2[:2]), 0, None)
    diag = whi[0] ** 2 + whi[1] ** 2 + eps
    xp, yp, xg, yg = (b1[0] + b1[2]) / 2, (b1[1] + b1[3]) / 2, (b2[0] + b2[2]) / 2, (b2[1] + b2[3]) / 2
    return iou - ((xp - xg) ** 2 + (yp - yg) ** 2) / diag, iou


def tv_distance_box_iou(b1, b2, eps=EPS):
    return _box_diou_iou(b1, b2, eps)[0]


def tv_complete_box_iou(b1, b2, eps=EPS):
    diou, iou = _box_diou_iou(b1, b2, eps)
    w_pred, h_pred, w_gt, h_gt = b1[2] - b1[0], b1[3] - b1[1], b2[2] - b2[0], b2[3] - b2[1]
    v = (4 / (np.pi ** 2)) * np.power(np.arctan(w_pred / h_pred) - np.arctan(w_gt / h_gt), 2)
    alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


def tv_generalized_box_iou_loss(b1, b2, eps=EPS):
    inter, union = _inter_union(b1, b2)
    iouk = inter / (union + eps)
    xc1, yc1, xc2, yc2 = min(b1[0], b2[0]), min(b1[1], b2[1]), max(b1[2], b2[2]), max(b1[3], b2[3])
    area_c = (xc2 - xc1) * (yc2 - yc1)
    return 1 - (iouk - ((area_c - union) / (area_c + eps)))


def _diou_iou_loss(b1, b2, eps=EPS):
    inter, union = _inter_union(b1, b2)
    iou = inter / (union + eps)
    xc1, yc1, xc2, yc2 = min(b1[0], b2[0]), min(b1[1], b2[1]), max(b1[2], b2[2]), max(b1[3], b2[3])
    diag = (xc2 - xc1) ** 2 + (yc2 - yc1) ** 2 + eps
    xp, yp, xg, yg = (b1[0] + b1[2]) / 2, (b1[1] + b1[3]) / 2, (b2[0] + b2[2]) / 2, (b2[1] + b2[3]) / 2
    return 1 - iou + ((xp - xg) ** 2 + (yp - yg) ** 2) / diag, iou


def tv_distance_box_iou_loss(b1, b2, eps=EPS):
    return _diou_iou_loss(b1, b2, eps)[0]


def tv_complete_box_iou_loss(b1, b2, eps=EPS):
    diou_loss, iou = _diou_iou_loss(b1, b2)  # torchvision passes no eps here: its default
    w_pred, h_pred, w_gt, h_gt = b1[2] - b1[0], b1[3] - b1[1], b2[2] - b2[0], b2[3] - b2[1]
    v = (4 / (np.pi ** 2)) * np.power(np.arctan(w_gt / h_gt) - np.arctan(w_pred / h_pred), 2)
    alpha = v / (1 - iou + v + eps)
    return diou_loss + alpha * v


REFERENCE = {("giou", False): tv_generalized_box_iou, ("diou", False): tv_distance_box_iou,
             ("ciou", False): tv_complete_box_iou, ("giou", True): tv_generalized_box_iou_loss,
             ("diou", True): tv_distance_box_iou_loss, ("ciou", True): tv_complete_box_iou_loss}


def _solve(a, b, variant, loss=False, **more):
    raw = {"id": "q", "kind": "iou", "box_a": a, "box_b": b, "variant": variant, "as_loss": loss, **more}
    return load_kinds()["iou"].solve(Problem(raw)).answer


CASES = [([0, 0, 2, 2], [1, 1, 3, 3]), ([0, 0, 2, 2], [3, 4, 5, 7]), ([1, 1, 4, 3], [1, 1, 4, 3]),
         ([0, 0, 4, 1], [1, -2, 2, 5]), (["0.5", 0, "2.5", "1.5"], [1, "0.25", 3, 2])]


@pytest.mark.parametrize(("variant", "loss"), list(REFERENCE))
@pytest.mark.parametrize(("a", "b"), CASES)
def test_matches_torchvision_formulas_in_float64(a, b, variant, loss):
    want = REFERENCE[variant, loss](np.array([float(Fraction(v)) for v in a]), np.array([float(Fraction(v)) for v in b]))
    got = _solve(a, b, variant, loss)
    assert float(got[f"{variant}_loss" if loss else variant]) == pytest.approx(float(want), rel=1e-13, abs=1e-15)


def test_ciou_loss_keeps_torchvision_default_eps_in_its_diou_part():
    a, b = [0, 0, 2, 2], [1, 1, 3, 4]
    want = tv_complete_box_iou_loss(np.array(a, float), np.array(b, float), eps=0.01)
    got = _solve(a, b, "ciou", True, eps="0.01")["ciou_loss"]
    assert float(got) == pytest.approx(want, rel=1e-13)
    # and not the eps given everywhere
    assert abs(float(got) - (1 - tv_complete_box_iou(np.array(a, float), np.array(b, float), eps=0.01))) > 1e-6


def test_integer_boxes_are_exact_where_rational():
    g = _solve([0, 0, 2, 2], [1, 1, 3, 3], "giou")
    assert (g["iou"], g["enclosing_area"], g["giou"]) == (Fraction(1, 7), 9, Fraction(1, 7) - Fraction(9 - 7, 9))
    d = _solve([0, 0, 2, 2], [1, 1, 3, 3], "diou", eps=0)
    assert (d["center_distance_squared"], d["diagonal_squared"], d["diou"]) == (2, 18, Fraction(1, 7) - Fraction(2, 18))
    d = _solve([0, 0, 2, 2], [1, 1, 3, 3], "diou")  # torchvision's eps, still rational
    assert d["diou"] == Fraction(1, 7) - 2 / (18 + Fraction(1, 10**7))


def test_ciou_carries_arctan_as_an_exact_form():
    c = _solve([0, 0, 2, 2], [1, 1, 3, 4], "ciou", eps=0)
    assert str(c["v"].exact) == "4*(-pi/4 + atan(2/3))**2/pi**2"
    assert float(c["v"]) == pytest.approx(4 / np.pi ** 2 * (np.arctan(2 / 3) - np.pi / 4) ** 2, rel=1e-15)
    assert float(c["alpha"]) == pytest.approx(float(c["v"]) / (1 - 1 / 9 + float(c["v"])), rel=1e-14)
    with pytest.raises(NnstepsError, match="positive height"):
        _solve([0, 0, 2, 0], [1, 1, 3, 4], "ciou")


def test_steps_name_the_enclosing_box_centres_diagonal_v_and_alpha():
    w = solve_problem({"id": "c", "kind": "iou", "box_a": [0, 0, 2, 2], "box_b": [1, 1, 3, 4],
                       "variant": "ciou"}).worked
    titles = [s.title for s in w.steps]
    for name in ("Enclosing box", "Centre distance ρ²", "Enclosing diagonal c²", "Aspect term v", "Weight α", "CIoU"):
        assert name in titles
    assert w.steps[titles.index("Enclosing box")].result == [0, 0, 3, 4]


_coord = st.integers(-6, 6)


@st.composite
def _boxes(draw):
    x, y = draw(_coord), draw(_coord)
    return [x, y, x + draw(st.integers(1, 6)), y + draw(st.integers(1, 6))]


@settings(max_examples=40, deadline=None)
@given(_boxes(), _boxes(), st.sampled_from(list(REFERENCE)))
def test_matches_torchvision_on_random_integer_boxes(a, b, which):
    variant, loss = which
    want = REFERENCE[which](np.array(a, float), np.array(b, float))
    got = _solve(a, b, variant, loss)
    assert float(got[f"{variant}_loss" if loss else variant]) == pytest.approx(float(want), rel=1e-12, abs=1e-14)


CIOU_FILE = {"id": "ciou", "kind": "iou", "box_a": [0, 0, 2, 2], "box_b": [1, 1, 3, 4], "variant": "ciou"}


@pytest.mark.parametrize(("change", "name"), [
    ({"aspect": False}, "aspect-ratio term αv left out (CIoU computed as DIoU)"),
    ({"squared": False}, "centre distance over the enclosing diagonal not squared (ρ/c instead of ρ²/c²)"),
    ({"plus_one": True}, "+1 pixel convention (width = x2 − x1 + 1) instead of torchvision's x2 − x1"),
])
def test_check_grades_the_key_full_and_names_each_mistake(change, name):
    key = plain(solve_problem(CIOU_FILE).worked.answer)
    assert check_problem(CIOU_FILE, key).correct
    wrong = plain(solve_problem({**CIOU_FILE, **change}).worked.answer)
    result = check_problem(CIOU_FILE, wrong)
    assert not result.correct
    assert result.likely_mistake == name
