"""The metrics kind against scikit-learn on random labels (Hypothesis), exact in float; its mistakes and bad input."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.problems.solve import solve_problem

sk = pytest.importorskip("sklearn.metrics")


def _solve(raw: dict[str, Any]) -> dict[str, Any]:
    return solve_problem({"id": "m", "kind": "metrics", **raw}).worked.answer  # type: ignore[no-any-return]


def _f(values: Any) -> list[float]:
    return [float(v) for v in values]


labels = st.integers(2, 5).flatmap(lambda c: st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, c - 1), min_size=n, max_size=n), st.lists(st.integers(0, c - 1), min_size=n, max_size=n))))


@settings(max_examples=60, deadline=None)
@given(labels, st.sampled_from(["warn", "0", "1"]))
def test_metrics_equal_scikit_learn_exactly(pair: tuple[list[int], list[int]], zero_division: str) -> None:
    y_true, y_pred = pair
    a = _solve({"y_true": y_true, "y_pred": y_pred, "zero_division": zero_division})
    zd: Any = zero_division if zero_division == "warn" else int(zero_division)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert a["confusion"] == sk.confusion_matrix(y_true, y_pred).tolist()
        assert float(a["accuracy"]) == sk.accuracy_score(y_true, y_pred)
        p, r, f, _ = sk.precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=zd)
        assert (_f(a["precision"]), _f(a["recall"]), _f(a["f1"])) == (p.tolist(), r.tolist(), f.tolist())
        for average in ("macro", "micro", "weighted"):
            p, r, f, _ = sk.precision_recall_fscore_support(y_true, y_pred, average=average, zero_division=zd)
            mine = a[average]
            if average != "micro":  # scikit-learn's average is np.average of its per-class floats: ours, exactly
                weights = None if average == "macro" else [sum(row) for row in a["confusion"]]
                assert [np.average(_f(a[key]), weights=weights) for key in ("precision", "recall", "f1")] == [p, r, f]
            # the exact mean, rounded once, differs from that float average by rounding only
            for ours, theirs in ((mine["precision"], p), (mine["recall"], r), (mine["f1"], f)):
                assert float(ours) == pytest.approx(theirs, rel=1e-14, abs=1e-15), (average, ours, theirs)


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 5).flatmap(lambda c: st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.just(c), st.lists(st.integers(0, c - 1), min_size=n, max_size=n),
    st.lists(st.lists(st.integers(0, 3), min_size=c, max_size=c), min_size=n, max_size=n),
    st.integers(1, c - 1)))))
def test_top_k_equals_scikit_learn_with_ties(case: tuple[int, list[int], list[list[int]], int]) -> None:
    c, y_true, scores, k = case
    a = _solve({"y_true": y_true, "y_pred": y_true, "labels": list(range(c)), "scores": scores, "k": k})
    expected = sk.top_k_accuracy_score(y_true, np.array(scores, dtype=float), k=k, labels=list(range(c)))
    assert float(a["top_k_accuracy"]) == expected


def test_labels_and_their_confusion_matrix_give_the_same_metrics() -> None:
    a = _solve({"y_true": [0, 1, 2, 2, 1], "y_pred": [0, 2, 2, 2, 1]})
    assert a["precision"] == [1, 1, pytest.approx(2 / 3)] and a["macro"]["f1"] * 45 == 37
    assert _solve({"confusion": "1 0 0; 0 1 1; 0 0 2"}) == a
    words = _solve({"y_true": ["cat", "dog"], "y_pred": ["dog", "dog"]})
    assert words["precision"] == [0, pytest.approx(1 / 2)] and words["recall"] == [0, 1]
    # a class neither true nor predicted (from a confusion matrix) takes zero_division everywhere
    assert _solve({"confusion": "2 0; 0 0", "zero_division": 1})["f1"] == [1, 1]


@pytest.mark.parametrize(("fields", "name"), [
    ({"convention": "precision_recall_swapped"}, "precision and recall swapped"),
    ({"convention": "micro_macro_swapped"}, "micro and macro averages swapped"),
])
def test_metrics_mistakes_are_named(fields: dict[str, Any], name: str) -> None:
    raw = {"id": "m", "kind": "metrics", "y_true": [0, 1, 2, 2, 1, 0], "y_pred": [0, 2, 2, 2, 1, 1]}
    given_answer = plain(solve_problem({**raw, **fields}).worked.answer)
    assert given_answer["confusion"] == plain(solve_problem(raw).worked.answer)["confusion"]
    result = check_problem(raw, given_answer)
    assert not result.correct and result.likely_mistake == name


@pytest.mark.parametrize(("raw", "message"), [
    ({"y_true": [0, 1], "y_pred": [0]}, "field y_pred: expected y_pred as long as y_true (2 labels), got 1"),
    ({"confusion": "1 2; 3"}, "field confusion"),
    ({"confusion": "1 2 3; 4 5 6"}, "expected a square confusion matrix"),
    ({"confusion": "1 -1; 0 2"}, "expected counts"),
    ({"y_true": [0, 1, 2], "y_pred": [0, 1, 2], "scores": "1 2 3", "k": 1}, "field scores"),
])
def test_metrics_bad_input_is_one_line(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(NnstepsError, match=re.escape(message)) as err:
        _solve(raw)
    assert "\n" not in str(err.value) and "problem m" in str(err.value)


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 5).flatmap(lambda c: st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.just(c), st.lists(st.integers(0, c - 1), min_size=n, max_size=n),
    st.lists(st.lists(st.integers(0, 3), min_size=c, max_size=c), min_size=n, max_size=n),
    st.integers(1, c - 1)))))
def test_top_k_from_scores_alone_equals_scikit_learn(case: tuple[int, list[int], list[list[int]], int]) -> None:
    c, y_true, scores, k = case
    a = _solve({"y_true": y_true, "labels": list(range(c)), "scores": scores, "k": k})
    assert list(a) == ["top_k_accuracy"]
    expected = sk.top_k_accuracy_score(y_true, np.array(scores, dtype=float), k=k, labels=list(range(c)))
    assert float(a["top_k_accuracy"]) == expected


def test_top_k_from_scores_alone_reads_the_classes_of_y_true() -> None:
    scores = "0.5 0.2 0.2; 0.3 0.4 0.2; 0.2 0.4 0.3; 0.7 0.2 0.1"
    assert _solve({"y_true": [0, 1, 2, 2], "scores": scores, "k": 2}) == {"top_k_accuracy": pytest.approx(3 / 4)}
    assert _solve({"y_true": [0, 1, 2, 2], "scores": scores}) == {"top_k_accuracy": pytest.approx(1 / 2)}
    with pytest.raises(NnstepsError, match=re.escape("field scores: expected one score column per class of y_true "
                                                     "(2: [0, 1]), got 3; name every class in labels")):
        _solve({"y_true": [0, 1, 1, 0], "scores": scores})
