"""The roc kind against scikit-learn (roc_curve, roc_auc_score, precision_recall_curve,
average_precision_score) on random tied scores (Hypothesis), its named mistakes and bad input."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.ops.convention import following
from nnsteps.problems.solve import solve_problem

sk = pytest.importorskip("sklearn.metrics")


def _solve(raw: dict[str, Any]) -> dict[str, Any]:
    return solve_problem({"id": "r", "kind": "roc", **raw}).worked.answer  # type: ignore[no-any-return]


def _f(values: Any) -> list[float]:
    return [float(v) for v in values]


# scores in tenths from a small range: ties are common, as in the exercises that trip students
cases = st.integers(2, 12).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda y: 0 < sum(y) < len(y)),
    st.lists(st.integers(0, 6), min_size=n, max_size=n)))


@settings(max_examples=60, deadline=None)
@given(cases, st.booleans())
def test_roc_and_pr_curves_equal_scikit_learn(case: tuple[list[int], list[int]], drop: bool) -> None:
    y, tenths = case
    scores = [Fraction(t, 10) for t in tenths]
    a = _solve({"y_true": y, "y_score": [str(s) for s in scores], "drop_intermediate": drop})
    # integer scores keep scikit-learn's float arithmetic exact, so the curves compare equal
    fpr, tpr, thr = sk.roc_curve(y, np.array(tenths, dtype=float), drop_intermediate=drop)
    assert (_f(a["fpr"]), _f(a["tpr"])) == (fpr.tolist(), tpr.tolist())
    assert [float(t) * 10 for t in a["thresholds"]] == pytest.approx(thr[1:].tolist()) and thr[0] == np.inf
    p, r, t = sk.precision_recall_curve(y, np.array(tenths, dtype=float))
    assert (_f(a["precision"]), _f(a["recall"])) == (p.tolist(), r.tolist())
    assert [float(v) * 10 for v in a["pr_thresholds"]] == pytest.approx(t.tolist())
    assert float(a["auc"]) == pytest.approx(sk.roc_auc_score(y, tenths), rel=1e-15, abs=0)
    assert float(a["average_precision"]) == pytest.approx(sk.average_precision_score(y, tenths), rel=1e-15, abs=0)


@settings(max_examples=40, deadline=None)
@given(cases)
def test_auc_is_the_share_of_pairs_ranked_right_ties_half(case: tuple[list[int], list[int]]) -> None:
    y, s = case
    pos = [v for v, t in zip(s, y) if t]
    neg = [v for v, t in zip(s, y) if not t]
    wins = sum(Fraction(1) if a > b else Fraction(1, 2) if a == b else 0 for a in pos for b in neg)
    assert _solve({"y_true": y, "y_score": s})["auc"] == wins / (len(pos) * len(neg))


def test_worked_example_of_the_problem_file() -> None:
    a = _solve({"y_true": [0, 0, 1, 1], "y_score": [0.1, 0.4, 0.35, 0.8]})
    assert a["fpr"] == [0, 0, Fraction(1, 2), Fraction(1, 2), 1]
    assert a["tpr"] == [0, Fraction(1, 2), Fraction(1, 2), 1, 1]
    assert a["thresholds"] == [Fraction(4, 5), Fraction(2, 5), Fraction(7, 20), Fraction(1, 10)]
    assert a["auc"] == Fraction(3, 4) and a["average_precision"] == Fraction(5, 6)
    assert a["precision"] == [Fraction(1, 2), Fraction(2, 3), Fraction(1, 2), 1, 1]
    assert a["recall"] == [1, 1, Fraction(1, 2), Fraction(1, 2), 0]


def test_words_with_pos_label_and_minus_one_labels_match_zero_one() -> None:
    base = _solve({"y_true": [0, 1, 0, 1, 1], "y_score": [1, 3, 3, 2, 5]})
    assert _solve({"y_true": [-1, 1, -1, 1, 1], "y_score": [1, 3, 3, 2, 5]}) == base
    words = _solve({"y_true": ["ham", "spam", "ham", "spam", "spam"], "y_score": [1, 3, 3, 2, 5],
                    "pos_label": "spam"})
    assert words == base and base["auc"] == Fraction(3, 4)


@pytest.mark.parametrize(("conventions", "name"), [
    ({"auc_tie": "win"}, "AUC with tied scores counted as wins (not half)"),
    ({"auc_tie": "miss"}, "AUC with tied scores counted as losses (not half)"),
    ({"ap_rule": "trapezoid"}, "average precision by trapezoids instead of the step sum Σ (R_n − R_{n−1}) P_n"),
])
def test_roc_mistakes_are_named(conventions: dict[str, Any], name: str) -> None:
    raw = {"id": "r", "kind": "roc", "y_true": [0, 1, 0, 1, 1, 0], "y_score": [0.2, 0.6, 0.6, 0.4, 0.9, 0.1]}
    with following(conventions):
        wrong = plain(solve_problem(raw).worked.answer)
    right = plain(solve_problem(raw).worked.answer)
    assert wrong != right and wrong["fpr"] == right["fpr"]
    assert check_problem(raw, right).correct
    result = check_problem(raw, wrong)
    assert not result.correct and result.likely_mistake == name


@pytest.mark.parametrize(("raw", "message"), [
    ({"y_true": [0, 0, 0], "y_score": [1, 2, 3]}, "field y_true: expected both classes"),
    ({"y_true": [0, 1], "y_score": [1]}, "field y_score: expected one score per label (2), got 1"),
    ({"y_true": ["a", "b"], "y_score": [1, 2]}, "field pos_label: expected 0/1 or −1/1 labels"),
    ({"y_true": [0, 1, 2], "y_score": [1, 2, 3], "pos_label": 2}, "field y_true: expected two classes"),
    ({"y_true": [0, 1], "y_score": "1 x"}, "field y_score"),
])
def test_roc_bad_input_is_one_line(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(NnstepsError, match=re.escape(message)) as err:
        _solve(raw)
    assert "\n" not in str(err.value) and "problem r" in str(err.value)


def test_thousands_of_scores_match_scikit_learn_and_the_key_grades_full() -> None:
    rng = np.random.default_rng(0)
    y, s = rng.integers(0, 2, 3000).tolist(), (rng.integers(0, 500, 3000) / 500).tolist()
    raw = {"id": "r", "kind": "roc", "y_true": y, "y_score": s}
    key = plain(solve_problem(raw).worked.answer)
    assert float(key["auc"]) == pytest.approx(sk.roc_auc_score(y, s), rel=1e-15)
    # 3000 samples: an exact AP has thousands of digits, so it is given as its float64
    assert key["average_precision"] == pytest.approx(sk.average_precision_score(y, s), rel=1e-14)
    assert check_problem(raw, key).correct
