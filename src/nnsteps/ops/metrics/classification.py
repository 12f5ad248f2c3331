"""Classification metrics as scikit-learn defines them: the confusion matrix, accuracy, per-class
precision, recall and F1, their macro, micro and weighted averages, and top-k accuracy from scores.

Definitions (``sklearn.metrics.precision_recall_fscore_support``): with C[i][j] the count of samples of
true class i predicted as j, TP_c = C[c][c], predicted_c = Σ_i C[i][c] (column), support_c = Σ_j C[c][j]
(row). Precision_c = TP_c / predicted_c, recall_c = TP_c / support_c and F1_c = 2 TP_c / (support_c +
predicted_c) (scikit-learn's form, the harmonic mean of P and R when both are defined). A 0/0 takes the
``zero_division`` value ("warn" gives 0, as scikit-learn does after warning). Macro is the plain mean of
the per-class values, weighted the mean weighted by support, micro the same ratios of the summed counts.
Everything stays an exact Fraction.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.numbers import normalize
from nnsteps.numbers import to_latex_operand as op
from nnsteps.work import Step, Worked

ZERO_DIVISION = ("warn", "0", "1")


def _zero_value(zero_division: Any) -> int:
    text = str(zero_division).strip().lower()
    if text not in ZERO_DIVISION:
        raise NnstepsError(f"expected zero_division warn, 0 or 1, got {zero_division!r}", field="zero_division")
    return 1 if text == "1" else 0


def _label(v: Any, field: str) -> Any:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        raise NnstepsError(f"expected class labels (integers or words), got {v!r}", field=field)
    return v


def labels_of(y_true: list[Any], y_pred: list[Any], labels: list[Any] | None = None) -> list[Any]:
    """The classes in scikit-learn's order: the sorted union of the labels seen, or ``labels`` as given.

    >>> labels_of([2, 0], [1, 1]), labels_of(["b"], ["a"])
    ([0, 1, 2], ['a', 'b'])
    """
    if labels is not None:
        given = [_label(v, "labels") for v in labels]
        if len(set(given)) != len(given):
            raise NnstepsError(f"expected distinct labels, got {labels!r}", field="labels")
        missing = [v for v in [*y_true, *y_pred] if v not in given]
        if missing:
            raise NnstepsError(f"expected every label of y_true and y_pred among labels {given}, got {missing[0]!r}",
                               field="labels")
        return given
    seen = set(y_true) | set(y_pred)
    if len({type(v) for v in seen}) > 1:
        raise NnstepsError("expected labels all integers or all words, got a mix", field="y_pred")
    return sorted(seen)


def confusion_from_labels(y_true: Any, y_pred: Any, labels: list[Any] | None = None) -> tuple[list[list[int]], list[Any]]:
    """The confusion matrix (rows: true class, columns: predicted class) and the class order.

    >>> confusion_from_labels([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])
    ([[1, 0, 0], [0, 1, 1], [0, 0, 2]], [0, 1, 2])
    """
    if not isinstance(y_true, list) or not isinstance(y_pred, list):
        raise NnstepsError("expected y_true and y_pred as lists of labels", field="y_true")
    t = [_label(v, "y_true") for v in y_true]
    p = [_label(v, "y_pred") for v in y_pred]
    if len(t) != len(p):
        raise NnstepsError(f"expected y_pred as long as y_true ({len(t)} labels), got {len(p)}", field="y_pred")
    if not t:
        raise NnstepsError("expected at least one label, got none", field="y_true")
    classes = labels_of(t, p, labels)
    index = {c: i for i, c in enumerate(classes)}
    m = [[0] * len(classes) for _ in classes]
    for a, b in zip(t, p, strict=True):
        m[index[a]][index[b]] += 1
    return m, classes


def _ratio(num: int, den: int, zero: int) -> Any:
    return normalize(Fraction(num, den)) if den else zero


def _mean(values: list[Any], weights: list[int] | None = None) -> Any:
    w = weights or [1] * len(values)
    return normalize(Fraction(sum(Fraction(v) * k for v, k in zip(values, w, strict=True)), sum(w)))


def _weighted_latex(values: list[Any], weights: list[int]) -> str:
    terms = " + ".join(op(v) if k == 1 and set(weights) == {1} else str(k) + r" \cdot " + op(v)
                       for v, k in zip(values, weights, strict=True))
    return rf"\frac{{{terms}}}{{{sum(weights)}}}"


def metrics(confusion: list[list[int]], classes: list[Any], *, zero_division: Any = "warn",
            scores: list[list[Any]] | None = None, y_true: list[Any] | None = None, k: int = 1) -> Worked:
    """Every metric of a confusion matrix (and top-k accuracy when scores and true labels are given).

    >>> w = metrics([[1, 0, 0], [0, 1, 1], [0, 0, 2]], [0, 1, 2])
    >>> w.answer["precision"], w.answer["recall"], w.answer["macro"]["f1"]
    ([1, 1, Fraction(2, 3)], [1, Fraction(1, 2), 1], Fraction(37, 45))
    >>> w.answer["micro"]
    {'precision': Fraction(4, 5), 'recall': Fraction(4, 5), 'f1': Fraction(4, 5)}
    """
    zero = _zero_value(zero_division)
    n = len(classes)
    tp = [confusion[c][c] for c in range(n)]
    support = [sum(confusion[c]) for c in range(n)]
    predicted = [sum(row[c] for row in confusion) for c in range(n)]
    total = sum(support)
    if total == 0:
        raise NnstepsError("expected a confusion matrix with at least one sample, got all zeros", field="confusion")
    steps: list[Step[Any]] = [Step("Confusion matrix", formula=r"C_{ij} = \#\{\text{true } i,\ \text{predicted } j\}",
                                   result=confusion, note=f"rows and columns in class order {classes}")]
    accuracy = normalize(Fraction(sum(tp), total))
    steps.append(Step("Accuracy", formula=r"\frac{\sum_c C_{cc}}{\sum_{ij} C_{ij}}",
                      substituted=rf"\frac{{{' + '.join(map(str, tp))}}}{{{total}}}", result=accuracy))
    precision, recall, f1 = [], [], []
    per_class: list[Step[Any]] = []
    for c, name in enumerate(classes):
        pc, rc = _ratio(tp[c], predicted[c], zero), _ratio(tp[c], support[c], zero)
        fc = _ratio(2 * tp[c], support[c] + predicted[c], zero)
        precision.append(pc)
        recall.append(rc)
        f1.append(fc)
        undefined = " (0/0: zero_division)"
        per_class.append(Step(f"Class {name}", steps=[
            Step(f"Precision of class {name}", formula=r"P_c = \frac{TP_c}{TP_c + FP_c}",
                 substituted=rf"\frac{{{tp[c]}}}{{{predicted[c]}}}" if predicted[c] else None, result=pc,
                 note=None if predicted[c] else f"nothing predicted as {name}{undefined}"),
            Step(f"Recall of class {name}", formula=r"R_c = \frac{TP_c}{TP_c + FN_c}",
                 substituted=rf"\frac{{{tp[c]}}}{{{support[c]}}}" if support[c] else None, result=rc,
                 note=None if support[c] else f"no true {name}{undefined}"),
            Step(f"F1 of class {name}", formula=r"F1_c = \frac{2\,TP_c}{(TP_c + FN_c) + (TP_c + FP_c)}",
                 substituted=rf"\frac{{2 \cdot {tp[c]}}}{{{support[c]} + {predicted[c]}}}"
                 if support[c] + predicted[c] else None, result=fc,
                 note=None if support[c] + predicted[c] else f"{name} neither true nor predicted{undefined}"),
        ]))
    steps.append(Step("Per class", formula=r"TP_c = C_{cc},\ TP_c + FP_c = \sum_i C_{ic},\ TP_c + FN_c = \sum_j C_{cj}",
                      steps=per_class))
    averages: dict[str, dict[str, Any]] = {}
    ones = [1] * n
    avg_steps = []
    for name, weights in (("macro", ones), ("weighted", support)):
        values = {"precision": precision, "recall": recall, "f1": f1}
        averages[name] = {key: _mean(v, weights) for key, v in values.items()}
        formula = r"\frac{1}{C} \sum_c m_c" if name == "macro" else r"\frac{\sum_c \text{support}_c\, m_c}{\sum_c \text{support}_c}"
        avg_steps += [Step(f"{name.capitalize()} {key}", formula=formula, substituted=_weighted_latex(v, weights),
                           result=averages[name][key]) for key, v in values.items()]
    micro_p = _ratio(sum(tp), sum(predicted), zero)
    micro_r = _ratio(sum(tp), total, zero)
    micro_f = _ratio(2 * sum(tp), total + sum(predicted), zero)
    averages["micro"] = {"precision": micro_p, "recall": micro_r, "f1": micro_f}
    avg_steps += [
        Step("Micro precision", formula=r"\frac{\sum_c TP_c}{\sum_c (TP_c + FP_c)}",
             substituted=rf"\frac{{{sum(tp)}}}{{{sum(predicted)}}}", result=micro_p),
        Step("Micro recall", formula=r"\frac{\sum_c TP_c}{\sum_c (TP_c + FN_c)}",
             substituted=rf"\frac{{{sum(tp)}}}{{{total}}}", result=micro_r),
        Step("Micro F1", formula=r"\frac{2 \sum_c TP_c}{2 \sum_c TP_c + \sum_c FP_c + \sum_c FN_c}",
             substituted=rf"\frac{{2 \cdot {sum(tp)}}}{{{total} + {sum(predicted)}}}", result=micro_f),
    ]
    steps.append(Step("Averages", note="macro: plain mean over classes; weighted: by support; "
                      "micro: from the summed counts (single-label: micro = accuracy)", steps=avg_steps))
    answer: dict[str, Any] = {"confusion": confusion, "accuracy": accuracy, "precision": precision,
                              "recall": recall, "f1": f1, "macro": averages["macro"], "micro": averages["micro"],
                              "weighted": averages["weighted"]}
    if scores is not None:
        if y_true is None:
            raise NnstepsError("top-k accuracy needs y_true (the labels), not only a confusion matrix", field="scores")
        answer["top_k_accuracy"] = top_k(scores, y_true, classes, k, steps)
    return Worked("classification_metrics", value=answer, steps=steps, title="Classification metrics")


def top_k(scores: list[list[Any]], y_true: list[Any], classes: list[Any], k: int, steps: list[Step[Any]]) -> Any:
    """Top-k accuracy as ``sklearn.metrics.top_k_accuracy_score`` (multiclass): a sample is a hit when its true
    class is among the k highest scores; among equal scores the later class ranks first (scikit-learn sorts
    with a stable ascending sort and reverses it). Appends its step to ``steps``.

    >>> top_k([[1, 2, 3], [3, 3, 0]], [1, 0], [0, 1, 2], 1, [])
    0
    >>> top_k([[1, 2, 3], [3, 3, 0]], [1, 0], [0, 1, 2], 2, [])
    1
    """
    n = len(classes)
    if n < 3:
        raise NnstepsError(f"expected 3 or more classes for top-k accuracy (scikit-learn's multiclass rule), got {n}",
                           field="scores")
    if len(scores) != len(y_true) or any(not isinstance(r, list) or len(r) != n for r in scores):
        raise NnstepsError(f"expected scores as {len(y_true)} rows of {n} numbers (one per class {classes}), "
                           f"got {len(scores)} rows", field="scores")
    if k < 1:
        raise NnstepsError(f"expected k >= 1, got {k}", field="k")
    rows = []
    hits = 0
    for i, (row, truth) in enumerate(zip(scores, y_true, strict=True)):
        # stable ascending sort of the indices, reversed: ties put the higher class index first
        order = sorted(range(n), key=lambda j: row[j])[::-1]
        top = [classes[j] for j in order[:k]]
        hit = truth in top
        hits += hit
        rows.append(Step(f"Sample {i}", substituted=None, result=int(hit),
                         note=f"true {truth}; top {k}: {top} → {'hit' if hit else 'miss'}"))
    value = normalize(Fraction(hits, len(y_true)))
    steps.append(Step(f"Top-{k} accuracy", formula=r"\frac{\#\{\text{true class among the } k \text{ highest scores}\}}{N}",
                      substituted=rf"\frac{{{hits}}}{{{len(y_true)}}}", result=value, steps=rows,
                      note="equal scores: the later class ranks first (scikit-learn's order)"))
    return value
