"""The ``metrics`` kind: a classifier's confusion matrix, accuracy, per-class precision, recall and F1 and
their macro, micro and weighted averages (scikit-learn's definitions), and top-k accuracy from scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import chance, ints
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType, Params, register
from nnsteps.work import Worked

T = FieldType
KIND = "metrics"
MISTAKES = ("none", "precision_recall_swapped", "micro_macro_swapped")
EXAMPLE = {"y_true": [0, 1, 2, 2, 1], "y_pred": [0, 2, 2, 2, 1]}
def _list(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
        value = [int(v) if v.lstrip("-").isdigit() else v for v in value]
    if not isinstance(value, list):
        raise NnstepsError(f"expected a list of labels, got {value!r}")
    return value


def _counts(value: Any) -> list[list[int]]:
    a = F.array("confusion", ndim=(2,))(value)
    if a.shape[0] != a.shape[1]:
        raise NnstepsError(f"expected a square confusion matrix, got shape {a.shape[0]}×{a.shape[1]}")
    out = []
    for row in a.tolist():
        for v in row:
            if isinstance(v, bool) or int(v) != v or v < 0:
                raise NnstepsError(f"expected counts (integers >= 0) in the confusion matrix, got {v}")
        out.append([int(v) for v in row])
    return out


FIELDS = (
    Field("y_true", T.LIST, "the true labels (integers or words)", example=[0, 1, 2, 2, 1], parse=_list),
    Field("y_pred", T.LIST, "the predicted labels, as many as y_true (leave out for top-k accuracy from scores alone)", example=[0, 2, 2, 2, 1], parse=_list),
    Field("confusion", T.ARRAY, "instead of labels: the confusion matrix (rows true, columns predicted)",
          example="1 0 0; 0 1 1; 0 0 2", parse=_counts, instead_of=("y_true", "y_pred")),
    Field("labels", T.LIST, "the classes in order (default: the sorted labels seen, or 0..n−1 for a confusion "
          "matrix)", example=[0, 1, 2], parse=_list),
    Field("zero_division", T.CHOICE, "the value of a 0/0 precision, recall or F1 (warn gives 0, as scikit-learn)",
          default="warn", choices=("warn", "0", "1"), example="warn"),
    Field("scores", T.ARRAY, "a score per sample and class (columns in class order), for top-k accuracy",
          example="0.5 0.3 0.2; 0.1 0.3 0.6", parse=F.array("scores", ndim=(2,))),
    Field("k", T.INTEGER, "top-k accuracy's k", default=1, example=2, parse=F.integer(1)),
    Field("convention", T.CHOICE, "solve under a named wrong convention (used to name a student's mistake)",
          default="none", choices=MISTAKES, example="none"),
)


def _swap_averages(w: Worked) -> Worked:
    w.answer = {**w.answer, "macro": w.answer["micro"], "micro": w.answer["macro"]}
    return w


def _statement(p: Any) -> Any:
    """A metrics question: labels (or the confusion matrix, then not asked back)."""
    from nnsteps.render.statement import Given, build, value

    confusion = value(p, "confusion") is not None
    scores = value(p, "scores") is not None
    k = value(p, "k", 1)
    top_k = [f"the top-{k} accuracy: the share of samples whose true class is among their {k} highest scores"]
    if scores and value(p, "y_pred") is None and not confusion:  # top-k accuracy alone, as the solver answers
        st = build(p, "Evaluate the classifier below as scikit-learn's top_k_accuracy_score does, from the true "
                   "label of each sample and its score for each class.",
                   arrays=[("scores", "Scores (a row per sample, a column per class)", "S")], asks=top_k)
    else:
        st = build(p, "Evaluate the classifier below as scikit-learn does" + (
                   " from its confusion matrix (rows: true class, columns: predicted)." if confusion else
                   ", from the true and predicted label of each sample."),
                   arrays=[("confusion", "Confusion matrix", "C"), ("scores", "Scores (a row per sample)", "S")],
                   scalars=[("zero_division", "a 0/0 ratio counts as", "", None)],
                   asks=[*([] if confusion else ["the confusion matrix (rows: true class, columns: predicted)"]),
                         "the accuracy", "the precision, recall and F1 of each class",
                         "their macro, micro and weighted averages", *(top_k if scores else [])],
                   skip=(("confusion",),) if confusion else ())
    for name, label in (("labels", "Classes, in order"), ("y_pred", "Predicted labels"), ("y_true", "True labels")):
        if value(p, name) is not None:
            st.givens.insert(0, Given(label, code=" ".join(str(v) for v in value(p, name))))
    return st


@register(KIND, fields=FIELDS, statement=_statement, summary="classification metrics as scikit-learn: confusion, accuracy, precision, "
          "recall, F1 and their averages", answer=("confusion", "accuracy", "precision", "recall", "f1", "macro",
                                                   "micro", "weighted"),
          example={"id": "m", "kind": KIND, **EXAMPLE}, form={"group": "evaluation"},
          aliases={**{name: f"answer key {name}" for name in ("f1", "precision", "recall", "accuracy", "confusion",
                                                               "macro", "micro")},
                   "f1_score": "answer key f1", "confusion_matrix": "answer key confusion"},
          mistakes=lambda p: [("precision and recall swapped",
                                 _set("convention", "precision_recall_swapped")),
                                ("micro and macro averages swapped", _set("convention", "micro_macro_swapped"))]
          + ([("top-1 instead of top-k (k ignored)", _set("k", 1))] if p.has("scores") and p.k != 1 else []))
def solve_metrics(p: Params) -> Worked:
    """A ``metrics`` problem (:mod:`nnsteps.ops.metrics.classification`).

    >>> from nnsteps.problems.registry import Problem
    >>> w = solve_metrics(Problem({"id": "m", "kind": "metrics", "y_true": [0, 1, 1], "y_pred": [0, 1, 0]}).params)
    >>> w.answer["confusion"], w.answer["accuracy"], w.answer["recall"]
    ([[1, 0], [1, 1]], Fraction(2, 3), [1, Fraction(1, 2)])
    """
    from nnsteps.ops.metrics.classification import confusion_from_labels, metrics

    labels, convention = p.labels, p.convention
    y_true: list[Any] | None = None
    try:
        if p.has("confusion"):
            for name in ("y_true", "y_pred"):
                if p.has(name):
                    raise NnstepsError("give either labels (y_true, y_pred) or a confusion matrix, not both",
                                       field=name)
            confusion = p.confusion
            n = len(confusion)
            if labels is not None and len(labels) != n:
                raise NnstepsError(f"expected {n} labels (one per row of the confusion matrix), got {len(labels)}",
                                   field="labels")
            classes = labels if labels is not None else list(range(n))
        elif p.has("scores") and not p.has("y_pred"):
            return _top_k_only(p)
        else:
            y_true, y_pred = p.need("y_true"), p.need("y_pred")
            if convention == "precision_recall_swapped":
                y_true, y_pred = y_pred, y_true
            confusion, classes = confusion_from_labels(y_true, y_pred, labels)
        if convention == "precision_recall_swapped" and p.has("confusion"):
            confusion = [list(r) for r in zip(*confusion, strict=True)]
        scores = p.scores
        w = metrics(confusion, classes, zero_division=p.zero_division,
                    scores=None if scores is None else scores.tolist(), y_true=y_true, k=p.k)
    except NnstepsError as err:
        raise err.located(problem=p.id) from None
    if convention == "precision_recall_swapped":
        # the student's confusion matrix was right: only the ratios were taken the wrong way round
        w.answer = {**w.answer, "confusion": [list(r) for r in zip(*w.answer["confusion"], strict=True)]}
    if convention == "micro_macro_swapped":
        w = _swap_averages(w)
    return w


def _top_k_only(p: Params) -> Worked:
    """Top-k accuracy from y_true and scores alone (``sklearn.metrics.top_k_accuracy_score``)."""
    from nnsteps.ops.metrics.classification import labels_of, top_k

    y_true = p.need("y_true")
    classes = labels_of(y_true, [], p.labels)
    columns = p.scores.shape[1]
    if columns != len(classes):
        raise NnstepsError(f"expected one score column per class of y_true ({len(classes)}: {classes}), got "
                           f"{columns}; name every class in labels", field="scores")
    steps: list[Any] = []
    value = top_k(p.scores.tolist(), y_true, classes, p.k, steps)
    answer = {"top_k_accuracy": value}
    return Worked("classification_metrics", value=answer, steps=steps, title=f"Top-{p.k} accuracy", answer=answer)


def _set(name: str, value: Any) -> Any:
    from nnsteps.grading import mistakes as M

    return M.set_field(name, value)


@generator(KIND, ("classes", "n", "confusion"))
def metrics_problem(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """Random labels of a few classes (or a confusion matrix), now and then with top-2 scores.

    >>> sorted(metrics_problem(np.random.default_rng(0), {"n": 6}))
    ['kind', 'y_pred', 'y_true']
    """
    c = int(options.get("classes") or rng.integers(2, 4))
    n = int(options.get("n") or rng.integers(5, 9))
    if options.get("confusion"):
        return {"kind": KIND, "confusion": ints(rng, (c, c), 0, 4)}
    y_true = ints(rng, (n,), 0, c - 1)
    # mostly right predictions, so the metrics are not all small
    y_pred = [t if chance(rng, 0.6) else int(rng.integers(0, c)) for t in y_true]
    problem: dict[str, Any] = {"kind": KIND, "y_true": y_true, "y_pred": y_pred}
    if c >= 3 and set(y_true) | set(y_pred) == set(range(c)) and chance(rng, 0.3):
        problem["scores"] = ints(rng, (n, c), 0, 9)
        problem["k"] = 2
    return problem
