"""The ROC curve, ROC-AUC, the precision-recall curve and average precision of a binary classifier's
scores, exactly as scikit-learn computes them (``roc_curve``, ``roc_auc_score``,
``precision_recall_curve``, ``average_precision_score``).

scikit-learn's ``_binary_clf_curve``: sort the scores from highest to lowest, take one threshold per
distinct score (tied samples cross it together) and count TP and FP among the samples scored at least
that high. ROC: FPR = FP / N⁻, TPR = TP / N⁺, with (0, 0) first (scikit-learn's threshold there is +∞)
and, by default (``drop_intermediate``), the points in the middle of a straight horizontal or vertical
run dropped; AUC = Σ (FPR_i − FPR_{i−1}) (TPR_i + TPR_{i−1}) / 2, the trapezoids. PR: P = TP / (TP + FP),
R = TP / N⁺, listed from the lowest threshold up and closed by (R, P) = (0, 1); AP = Σ (R_n − R_{n−1}) P_n,
a step sum (no interpolation). Every number is an exact Fraction.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.limits import MAX_EXACT_ELEMENTS, MAX_EXPLAINED_CELLS, MAX_SHOWN_TERMS
from nnsteps.numbers import normalize
from nnsteps.numbers import to_latex_operand as op
from nnsteps.ops.convention import convention
from nnsteps.work import Step, Worked


def _q(v: Any) -> Fraction:
    return Fraction(v)


def binary_counts(y: list[int], scores: list[Any]) -> tuple[list[Any], list[int], list[int]]:
    """The distinct thresholds (highest first) and the cumulative TP and FP at each, as scikit-learn's
    ``_binary_clf_curve``.

    >>> binary_counts([0, 0, 1, 1], [Fraction(1, 10), Fraction(2, 5), Fraction(7, 20), Fraction(4, 5)])
    ([Fraction(4, 5), Fraction(2, 5), Fraction(7, 20), Fraction(1, 10)], [1, 1, 2, 2], [0, 1, 1, 2])
    """
    order = sorted(range(len(scores)), key=lambda i: _q(scores[i]), reverse=True)
    thresholds: list[Any] = []
    tps: list[int] = []
    fps: list[int] = []
    tp = fp = 0
    for pos, i in enumerate(order):
        tp += y[i]
        fp += 1 - y[i]
        last = pos + 1 == len(order) or _q(scores[order[pos + 1]]) != _q(scores[i])
        if last:  # the next sample scores lower: a threshold at this score counts everything so far
            thresholds.append(normalize(_q(scores[i])))
            tps.append(tp)
            fps.append(fp)
    return thresholds, tps, fps


def _kept(tps: list[int], fps: list[int]) -> list[int]:
    """scikit-learn's ``drop_intermediate``: keep the ends and every point where the curve turns."""
    if len(fps) <= 2:
        return list(range(len(fps)))
    keep = [0]
    for i in range(1, len(fps) - 1):
        second_fp = fps[i + 1] - 2 * fps[i] + fps[i - 1]
        second_tp = tps[i + 1] - 2 * tps[i] + tps[i - 1]
        if second_fp or second_tp:
            keep.append(i)
    return keep + [len(fps) - 1]


def _pairs_auc(y: list[int], scores: list[Any], tie: Fraction) -> Fraction:
    """AUC as the share of (positive, negative) pairs ranked right, a tie counting ``tie``.

    >>> _pairs_auc([0, 1, 0, 1], [1, 2, 2, 3], Fraction(1))
    Fraction(1, 1)
    """
    pos = [_q(s) for s, t in zip(scores, y, strict=True) if t]
    neg = sorted(_q(s) for s, t in zip(scores, y, strict=True) if not t)
    # n log n, not every pair: the negatives below each positive, and those equal to it
    wins = sum(bisect_left(neg, a) + tie * (bisect_right(neg, a) - bisect_left(neg, a)) for a in pos)
    return Fraction(wins) / (len(pos) * len(neg))


def _readable(v: Any) -> Any:
    """An exact sum whose denominator passes 15 digits (average precision of hundreds of samples) as its
    correctly rounded float64: a key of that length could be neither read nor typed.

    >>> _readable(Fraction(1, 3)), _readable(Fraction(1, 3**40))
    (Fraction(1, 3), 8.225263339969959e-20)
    """
    return float(v) if isinstance(v, Fraction) and v.denominator > 10**15 else v


def _shown(rows: list[Step[Any]]) -> list[Step[Any]]:
    """At most MAX_EXPLAINED_CELLS rows, the rest summed up in one line (the curves in the answer stay whole)."""
    if len(rows) <= MAX_EXPLAINED_CELLS:
        return rows
    return rows[:MAX_EXPLAINED_CELLS] + [Step(f"… {len(rows) - MAX_EXPLAINED_CELLS} more thresholds, worked alike")]


def _joined(terms: list[str]) -> str:
    if len(terms) <= MAX_SHOWN_TERMS:
        return " + ".join(terms) or "0"
    return " + ".join(terms[:5]) + r" + \cdots + " + " + ".join(terms[-2:])


def roc(y: list[int], scores: list[Any], *, drop_intermediate: bool = True, kind: str = "") -> Worked:
    """The ROC curve, its AUC, the precision-recall curve and the average precision.

    >>> w = roc([0, 0, 1, 1], [Fraction(1, 10), Fraction(2, 5), Fraction(7, 20), Fraction(4, 5)])
    >>> w.answer["fpr"], w.answer["tpr"], w.answer["auc"]
    ([0, 0, Fraction(1, 2), Fraction(1, 2), 1], [0, Fraction(1, 2), Fraction(1, 2), 1, 1], Fraction(3, 4))
    >>> w.answer["precision"], w.answer["average_precision"]
    ([Fraction(1, 2), Fraction(2, 3), Fraction(1, 2), 1, 1], Fraction(5, 6))
    """
    if len(y) != len(scores):
        raise NnstepsError(f"expected one score per label ({len(y)}), got {len(scores)}", field="y_score")
    if len(y) > MAX_EXACT_ELEMENTS:
        raise NnstepsError(f"expected at most {MAX_EXACT_ELEMENTS:,} samples, got {len(y):,}", field="y_true")
    n_pos = sum(y)
    n_neg = len(y) - n_pos
    if not n_pos or not n_neg:
        raise NnstepsError(f"expected both classes among the labels (ROC-AUC is undefined otherwise), got "
                           f"{n_pos} positive and {n_neg} negative", field="y_true")
    thresholds, tps, fps = binary_counts(y, scores)
    ranked = sorted(zip(scores, y, strict=True), key=lambda sy: _q(sy[0]), reverse=True)
    steps: list[Step[Any]] = [Step(
        "Scores sorted from highest to lowest", result=[normalize(_q(s)) for s, _ in ranked],
        note="labels in that order: " + ", ".join(str(t) for _, t in ranked)
             + f"; N⁺ = {n_pos} positives, N⁻ = {n_neg} negatives; one threshold per distinct score")]
    keep = _kept(tps, fps) if drop_intermediate else list(range(len(tps)))
    r_tps = [0] + [tps[i] for i in keep]
    r_fps = [0] + [fps[i] for i in keep]
    r_thr = [thresholds[i] for i in keep]
    fpr = [normalize(Fraction(f, n_neg)) for f in r_fps]
    tpr = [normalize(Fraction(t, n_pos)) for t in r_tps]
    rows: list[Step[Any]] = [Step("Threshold ∞ (nothing predicted positive)", result={"fpr": 0, "tpr": 0})]
    for j, thr in enumerate(r_thr, start=1):
        rows.append(Step(f"Threshold {op(thr)}: predict positive when the score ≥ {op(thr)}",
                         # FPR first, as the result and the answer (an ROC point is (FPR, TPR))
                         formula=r"\mathrm{FPR} = \frac{FP}{N^-},\ \mathrm{TPR} = \frac{TP}{N^+}",
                         substituted=rf"\frac{{{r_fps[j]}}}{{{n_neg}}},\ \frac{{{r_tps[j]}}}{{{n_pos}}}",
                         result={"fpr": fpr[j], "tpr": tpr[j]}))
    dropped = len(tps) - len(keep)
    steps.append(Step("ROC points", steps=_shown(rows), result={"fpr": fpr, "tpr": tpr},
                      note=(f"{dropped} collinear point(s) dropped (drop_intermediate, as scikit-learn)"
                            if dropped else None)))
    traps = [(fpr[i] - fpr[i - 1], tpr[i] + tpr[i - 1]) for i in range(1, len(fpr))]
    area = _readable(normalize(sum((Fraction(dx) * Fraction(s) / 2 for dx, s in traps), Fraction(0))))
    shown = [rf"({op(fpr[i])} - {op(fpr[i - 1])}) \cdot \frac{{{op(tpr[i])} + {op(tpr[i - 1])}}}{{2}}"
             for i in range(1, len(fpr)) if fpr[i] != fpr[i - 1]]
    auc_note = None
    tie_rule = convention("auc_tie")
    if tie_rule != "half":  # a named mistake: the pairs counted with ties as wins (or as losses)
        area = _readable(normalize(_pairs_auc(y, scores, Fraction(1 if tie_rule == "win" else 0))))
        auc_note = f"ties counted as {'wins' if tie_rule == 'win' else 'losses'}"
    steps.append(Step("ROC-AUC: the trapezoids summed",
                      formula=r"\mathrm{AUC} = \sum_i (\mathrm{FPR}_i - \mathrm{FPR}_{i-1})"
                              r"\frac{\mathrm{TPR}_i + \mathrm{TPR}_{i-1}}{2}",
                      substituted=_joined(shown), result=area,
                      note=auc_note or "vertical steps (FPR unchanged) add nothing; a tied positive and "
                                       "negative give a slanted side: half a win"))
    precision, recall, pr_steps = _pr(tps, fps, thresholds, n_pos)
    steps.append(Step("Precision-recall points (lowest threshold first)", steps=_shown(pr_steps),
                      result={"precision": precision, "recall": recall},
                      note="closed by (R, P) = (0, 1), as scikit-learn"))
    ap, ap_step = _average_precision(precision, recall)
    steps.append(ap_step)
    answer = {"fpr": fpr, "tpr": tpr, "thresholds": r_thr, "auc": area, "precision": precision, "recall": recall,
              "pr_thresholds": thresholds[::-1], "average_precision": ap}
    return Worked(kind, value=answer, steps=steps, title="ROC curve, ROC-AUC and average precision", answer=answer)


def _pr(tps: list[int], fps: list[int], thresholds: list[Any], n_pos: int) -> tuple[list[Any], list[Any], list[Step[Any]]]:
    precision = [normalize(Fraction(t, t + f)) for t, f in zip(tps, fps, strict=True)][::-1] + [1]
    recall = [normalize(Fraction(t, n_pos)) for t in tps][::-1] + [0]
    rows = [Step(f"Threshold {op(thr)}", formula=r"P = \frac{TP}{TP + FP},\ R = \frac{TP}{N^+}",
                 substituted=rf"\frac{{{t}}}{{{t} + {f}}},\ \frac{{{t}}}{{{n_pos}}}",
                 result={"precision": normalize(Fraction(t, t + f)), "recall": normalize(Fraction(t, n_pos))})
            for thr, t, f in zip(thresholds[::-1], tps[::-1], fps[::-1], strict=True)]
    return precision, recall, rows


def _average_precision(precision: list[Any], recall: list[Any]) -> tuple[Any, Step[Any]]:
    # the lists run from full recall down to 0: R_n − R_{n−1} pairs each point with the next one down
    n = len(precision) - 1
    if convention("ap_rule") == "trapezoid":  # a named mistake: the PR curve's area by trapezoids
        area = sum((Fraction(recall[i] - recall[i + 1]) * Fraction(precision[i] + precision[i + 1]) / 2
                    for i in range(n)), Fraction(0))
        return _readable(normalize(area)), Step("Average precision by trapezoids", result=_readable(normalize(area)),
                                   formula=r"\sum_n (R_n - R_{n-1}) \frac{P_n + P_{n-1}}{2}")
    terms = [(recall[i], recall[i + 1], precision[i]) for i in range(n) if recall[i] != recall[i + 1]]
    ap = _readable(normalize(sum((Fraction(r - r0) * Fraction(p) for r, r0, p in terms), Fraction(0))))
    return ap, Step("Average precision: the step sum", formula=r"\mathrm{AP} = \sum_n (R_n - R_{n-1}) P_n",
                    substituted=_joined([rf"({op(r)} - {op(r0)}) \cdot {op(p)}" for r, r0, p in terms]),
                    result=ap, note="each rise in recall weighted by the precision where it is reached "
                                    "(no interpolation, as scikit-learn)")
