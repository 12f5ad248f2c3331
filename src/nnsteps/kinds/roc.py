"""The ``roc`` kind: a binary classifier's ROC curve, ROC-AUC, precision-recall curve and average
precision from its scores, as scikit-learn: fields, solver, named mistakes and generator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import ints
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType, Params, register
from nnsteps.work import Worked

T = FieldType
KIND = "roc"
EXAMPLE = {"y_true": [0, 0, 1, 1], "y_score": [0.1, 0.4, 0.35, 0.8]}


def _labels(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
        value = [int(v) if v.lstrip("-").isdigit() else v for v in value]
    if not isinstance(value, list) or not value:
        raise NnstepsError(f"expected a list of labels, got {value!r}")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            raise NnstepsError(f"expected labels (integers or words), got {v!r}")
    return value


def _label(value: Any) -> Any:
    return _labels([value])[0]


FIELDS = (
    Field("y_true", T.LIST, "each sample's true label (0/1, −1/1, or name the positive class in pos_label)",
          required=True, example=EXAMPLE["y_true"], parse=_labels),
    Field("y_score", T.ARRAY, "each sample's score for the positive class (a probability or any score)",
          required=True, example=EXAMPLE["y_score"], parse=F.array("y_score", ndim=(1,))),
    Field("pos_label", T.VALUE, "the positive class (default 1)", default=1, example=1, parse=_label),
    Field("drop_intermediate", T.BOOLEAN, "drop the ROC points in the middle of a straight run (scikit-learn's "
          "default)", default=True, example=True),
)


def _mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    return [("AUC with tied scores counted as wins (not half)", M.convention(needs=(), auc_tie="win")),
            ("AUC with tied scores counted as losses (not half)", M.convention(needs=(), auc_tie="miss")),
            ("average precision by trapezoids instead of the step sum Σ (R_n − R_{n−1}) P_n",
             M.convention(needs=(), ap_rule="trapezoid"))]


def _statement(p: Any) -> Any:
    """A ROC question: each sample's label and score, the positive class stated."""
    from nnsteps.render.statement import Given, build, number, value

    st = build(p, "A classifier gave each sample the score below for the positive class. Sweep the decision "
               "threshold over the distinct scores, from the highest down, as scikit-learn does"
               + (" (every point kept)." if value(p, "drop_intermediate") is False else
                  " (a point in the middle of a straight run of the ROC curve dropped)."),
               scalars=[("pos_label", "positive class", "", 1)],
               asks=["the ROC curve: the false and true positive rate at each threshold",
                     "the area under the ROC curve (AUC)",
                     r"the precision-recall curve and the average precision $\mathrm{AP} = \sum_n (R_n - R_{n-1}) P_n$"])
    for name, label in (("y_score", "Scores"), ("y_true", "True labels")):
        if value(p, name) is not None:
            st.givens.insert(0, Given(label, code=" ".join(number(v) for v in value(p, name))))
    return st


@register(KIND, fields=FIELDS, statement=_statement, summary="ROC curve, ROC-AUC, precision-recall curve and average precision as "
          "scikit-learn", answer=("fpr", "tpr", "thresholds", "auc", "precision", "recall", "pr_thresholds",
                                  "average_precision"),
          example={"id": "r", "kind": KIND, **EXAMPLE}, form={"group": "evaluation"}, mistakes=_mistakes)
def solve_roc(p: Params) -> Worked:
    """A ``roc`` problem (:mod:`nnsteps.ops.metrics.roc`); ``thresholds`` leaves out scikit-learn's leading +∞.

    >>> from nnsteps.problems.registry import Problem
    >>> w = solve_roc(Problem({"id": "r", "kind": KIND, **EXAMPLE}).params)
    >>> w.answer["auc"], w.answer["average_precision"]
    (Fraction(3, 4), Fraction(5, 6))
    """
    from nnsteps.ops.metrics.roc import roc

    y_true, pos = p.y_true, p.pos_label
    if len({type(v) for v in y_true}) > 1:
        raise NnstepsError("expected labels all integers or all words, got a mix", problem=p.id, field="y_true")
    classes = sorted(set(y_true))
    if not p.has("pos_label") and classes not in ([0, 1], [-1, 1], [0], [1], [-1]):
        raise NnstepsError(f"expected 0/1 or −1/1 labels, or pos_label naming the positive class, got {classes}",
                           problem=p.id, field="pos_label")
    if len(classes) > 2:
        raise NnstepsError(f"expected two classes (a binary problem), got {len(classes)}: {classes}",
                           problem=p.id, field="y_true")
    y = [int(v == pos) for v in y_true]
    try:
        return roc(y, p.y_score.tolist(), drop_intermediate=p.drop_intermediate, kind=KIND)
    except NnstepsError as err:
        raise err.located(problem=p.id) from None


@generator(KIND, ("n",))
def roc_problem(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A few samples of both classes with scores in tenths, now and then tied.

    >>> sorted(roc_problem(np.random.default_rng(0), {"n": 6}))
    ['kind', 'y_score', 'y_true']
    """
    n = int(options.get("n") or rng.integers(4, 9))
    if n < 2:
        raise NnstepsError(f"expected n >= 2 (both classes), got {n}", field="--n")
    y = ints(rng, (n,), 0, 1)
    y[0], y[-1] = 0, 1  # both classes, so the AUC is defined
    # a positive's score leans higher, and tenths from a small range tie now and then
    scores = [round(float(np.clip(rng.normal(0.35 + 0.3 * t, 0.2), 0.05, 0.95)) * 10) / 10 for t in y]
    return {"kind": KIND, "y_true": y, "y_score": scores}
