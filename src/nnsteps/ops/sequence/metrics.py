"""Sentence and corpus BLEU (NLTK's ``sentence_bleu`` and ``corpus_bleu``: clipped n-gram counts pooled over
the corpus, closest-reference brevity penalty, weights, smoothing) and perplexity, exact where the numbers stay rational.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.expr.values import power
from nnsteps.irrational import Real
from nnsteps.numbers import Number, to_latex_operand
from nnsteps.work import Step, Worked


def _geometric(ps: list[Any], w: Fraction) -> Any:
    """(Π p)^w: exact when that is rational, else a float with its exact form (via exp and log)."""
    prod = math.prod(ps, start=Fraction(1))
    root = power(prod, w)
    if not isinstance(root, float):
        return root
    if w == Fraction(1, 2):
        return Real.of(prod).apply("sqrt").value()
    return (Real.of(prod).apply("log") * w).apply("exp").value()


Pair = tuple[list[str], list[list[str]]]


def bleu(pairs: list[Pair], weights: list[Any], smoothing: str = "none", clip: bool = True, pool: bool = True,
         constants: dict[str, Any] | None = None, *, kind: str, auto_reweigh: bool = False) -> Worked:
    """BLEU as NLTK's ``corpus_bleu`` (one pair: ``sentence_bleu``): each order's clipped matches and n-gram
    counts summed over the corpus before the ratio, the brevity penalty from the summed hypothesis and
    closest-reference lengths, smoothing (:mod:`nnsteps.ops.sequence.bleu_smoothing`), then BP · exp(Σ w_n ln p_n).
    ``clip=False`` is the named mistake of counting every n-gram found in a reference however often;
    ``pool=False`` the mistake of averaging sentence BLEUs (the pooled precisions and BP are kept).
    ``auto_reweigh`` is NLTK's: with the default weights (¼ each) and c < 4 hypothesis tokens in all, the score
    weighs the first c orders 1/c each (the precisions are still those of the four orders).

    >>> w = bleu([("the the the the".split(), ["the cat".split()])], [1], kind="bleu")
    >>> w.answer["precisions"], w.answer["brevity_penalty"], w.answer["bleu"]
    ([Fraction(1, 4)], 1, Fraction(1, 4))
    >>> pairs = [("a b c d".split(), ["a b c d".split()]), ("a b".split(), ["a c".split()])]
    >>> bleu(pairs, [Fraction(1, 2)] * 2, kind="bleu").answer["precisions"]
    [Fraction(5, 6), Fraction(3, 4)]
    >>> bleu([("a b c".split(), ["a b c".split()])], [Fraction(1, 4)] * 4, kind="bleu", auto_reweigh=True).answer["bleu"]
    1
    """
    from nnsteps.ops.sequence.bleu_smoothing import log_sum_tex, modified_counts, smooth

    corpus = len(pairs) > 1
    steps: list[Step[Any]] = []
    counts: list[tuple[int, int]] = []
    for n in range(1, len(weights) + 1):
        step: Step[Any] = Step(f"{n}-gram precision", formula=r"p_{n} = \frac{\sum \min(\text{count}, "
                               r"\text{max ref count})}{\max(1, \sum \text{count})}" + (r" \text{, summed over the corpus}"
                                                                                    if corpus else ""))
        nums, dens = [], []
        for s_i, (cand, refs) in enumerate(pairs):
            m, d, rows = modified_counts(cand, refs, n, clip)
            nums.append(m)
            dens.append(d)
            grams = [Step(g, formula=r"\min(\text{count}, \text{max ref count})",
                          substituted=rf"\min({c}, {most})" if clip else None, result=kept) for g, c, most, kept in rows]
            if corpus:
                step.steps.append(Step(f"sentence {s_i + 1}", formula=r"\frac{m}{\max(1, l)}",
                                       substituted=rf"\frac{{{m}}}{{{d}}}", result=Fraction(m, d), steps=grams))
            else:
                step.steps.extend(grams)
        m, d = sum(nums), sum(dens)
        counts.append((m, d))
        step.substituted = rf"\frac{{{' + '.join(map(str, nums))}}}{{{' + '.join(map(str, dens))}}}"
        step.result = Fraction(m, d)
        steps.append(step)
    c = sum(len(cand) for cand, _ in pairs)
    r = sum(_closest(refs, len(cand)) for cand, refs in pairs)
    bp = _brevity(c, r, steps, corpus)
    constants = constants or {}
    precisions: list[Any] = [Fraction(m, d) for m, d in counts]
    if counts[0][0]:  # NLTK returns 0 before smoothing when no unigram matches
        precisions, smoothed = smooth(smoothing, counts, c, pairs[-1], **constants)
        if smoothed is not None:
            steps.append(smoothed)
    if counts[0][0] == 0:
        score: Any = 0
        sub, note = "0", "no unigram matches: NLTK returns 0"
    else:
        method0 = smoothing == "none"
        weights, used = _reweighted(weights, precisions, c, steps) if auto_reweigh else (weights, precisions)
        score = _score(bp, weights, used, method0)
        sub = rf"{to_latex_operand(bp)} \cdot \exp\left({log_sum_tex(weights, used, method0)}\right)"
        note = ""
        if any(p == 0 for p in used):
            note = ("a zero precision counts as the smallest float (NLTK's method0)" if method0
                    else "a zero precision is left out of the sum (NLTK)")
    if not pool:
        sentence = [bleu([pair], weights, smoothing, clip, constants=constants, kind=kind,
                         auto_reweigh=auto_reweigh).answer[kind] for pair in pairs]
        score = (sum((Real.of(s) for s in sentence), Real.of(0)) / len(sentence)).value()
        sub = rf"\frac{{{' + '.join(to_latex_operand(s) for s in sentence)}}}{{{len(sentence)}}}"
        note = "the named mistake: the mean of the sentence BLEUs, not corpus BLEU"
    steps.append(Step("BLEU", formula=r"BLEU = BP \cdot \exp\left(\sum_{n=1}^{N} w_{n} \ln p_{n}\right)",
                      substituted=sub, result=score, note=note or f"weights {', '.join(map(str, weights))}"))
    # the headline number is named after the kind that asks for it (the kind module spells that name)
    answer = {"precisions": precisions, "brevity_penalty": bp, kind: score}
    return Worked(kind, value=answer, steps=steps, title="Corpus BLEU" if corpus else "Sentence BLEU", answer=answer)


def _reweighted(weights: list[Any], precisions: list[Any], c: int, steps: list[Step[Any]]) -> tuple[list[Any], list[Any]]:
    """NLTK's auto_reweigh: the default weights (¼ each) with c < 4 hypothesis tokens become 1/c for the first c
    orders; any other weights stay."""
    if c >= 4 or weights != [Fraction(1, 4)] * 4:
        return weights, precisions
    new = [Fraction(1, c)] * c
    steps.append(Step("Weights reweighted (auto_reweigh)", formula=r"w_n = \frac{1}{c} \text{ for } n \le c",
                      substituted=rf"\frac{{1}}{{{c}}}", result=new,
                      note=f"the default weights with only c = {c} hypothesis tokens: orders above {c} are left out"))
    return new, precisions[:c]


def _closest(refs: list[list[str]], h: int) -> int:
    return min((len(ref) for ref in refs), key=lambda length: (abs(length - h), length))


def _brevity(c: int, r: int, steps: list[Step[Any]], corpus: bool) -> Any:
    bp: Any
    if c > r:
        bp, sub = 1, rf"{c} > {r}"
    elif c == 0:
        bp, sub = 0, "c = 0"
    else:
        bp, sub = Real.of(1 - Fraction(r, c)).apply("exp").value(), rf"e^{{1 - {r}/{c}}}"
    what = ("c = {c} hypothesis tokens in the corpus; r = {r}, the sum of each sentence's closest reference "
            "length (ties: the shorter)") if corpus else ("c = {c} candidate tokens; r = {r}, the closest reference "
                                                          "length (ties: the shorter)")
    steps.append(Step("Brevity penalty", formula=r"BP = 1 \text{ if } c > r \text{ else } e^{1 - r/c}",
                      substituted=sub, result=bp, note=what.format(c=c, r=r)))
    return bp


def _score(bp: Any, weights: list[Any], precisions: list[Any], method0: bool) -> Any:
    """BP · exp(Σ w ln p), as the exact root of the product where the weights are equal and p rational."""
    from nnsteps.ops.sequence.bleu_smoothing import weighted_log_mean

    rational = all(isinstance(v, (int, Fraction)) for v in [*precisions, *weights]) and all(p > 0 for p in precisions)
    if rational and len(set(weights)) == 1:
        return (Real.of(bp) * Real.of(_geometric(precisions, Fraction(weights[0])))).value()
    if rational:
        terms = [power(p, w) for p, w in zip(precisions, weights, strict=True)]
        if not any(isinstance(t, float) for t in terms):
            return (Real.of(bp) * math.prod(terms, start=Fraction(1))).value()
    if method0 and any(p == 0 for p in precisions):  # NLTK's method0 puts the smallest float in: a tiny score
        logs = math.fsum(float(w) * math.log(float(p) if p > 0 else sys.float_info.min)
                         for w, p in zip(weights, precisions, strict=True))
        return float(bp) * math.exp(logs)
    return (Real.of(bp) * weighted_log_mean(weights, precisions).apply("exp")).value()


def perplexity(probabilities: list[Number] | None = None, log_probabilities: list[Number] | None = None,
               *, kind: str) -> Worked:
    """Cross-entropy H = −(1/N) Σ ln p and perplexity e^H = (Π p)^(−1/N) of a sequence's token probabilities
    (or their natural logs).

    >>> w = perplexity([Fraction(1, 4), Fraction(1, 2), Fraction(1, 8)], kind="perplexity")
    >>> w.answer["perplexity"], str(w.answer["cross_entropy"].exact), round(float(w.answer["cross_entropy"]), 6)
    (4, 'log(64)/3', 1.386294)
    """
    steps: list[Step[Any]] = []
    if probabilities is not None:
        n = len(probabilities)
        ps = [Fraction(p) if not isinstance(p, float) else p for p in probabilities]
        if any(p == 0 for p in ps):
            raise NnstepsError("a probability of 0 makes the perplexity infinite", field="probabilities")
        exact = all(not isinstance(p, float) for p in ps)
        if exact:  # one log of the exact product: the short form, ln of a rational
            total = Real.of(math.prod(ps, start=Fraction(1))).apply("log")
        else:
            total = Real.of(0)
            for p in ps:
                total = total + Real.of(p).apply("log")
        ce = (-total / n).value()
        steps.append(Step("Cross-entropy", formula=r"H = -\frac{1}{N} \sum_{i} \ln p_{i}",
                          substituted=rf"-\frac{{1}}{{{n}}}(" + " + ".join(rf"\ln {to_latex_operand(p)}" for p in ps)
                          + ")", result=ce))
        root = power(math.prod(ps, start=Fraction(1)), Fraction(-1, n)) if exact else None
        ppl = root if root is not None and not isinstance(root, float) else Real.of(ce).apply("exp").value()
        product = r" \cdot ".join(to_latex_operand(p) for p in ps)
        steps.append(Step("Perplexity", formula=r"PP = e^{H} = \left(\prod_{i} p_{i}\right)^{-1/N}",
                          substituted=rf"({product})^{{-1/{n}}}", result=ppl))
    else:
        assert log_probabilities is not None
        n = len(log_probabilities)
        ce_q = -sum(log_probabilities, start=Fraction(0)) / n
        ce = ce_q if isinstance(ce_q, float) else (int(ce_q) if ce_q.denominator == 1 else ce_q)
        steps.append(Step("Cross-entropy", formula=r"H = -\frac{1}{N} \sum_{i} \ln p_{i}",
                          substituted=rf"-\frac{{{' + '.join(to_latex_operand(v) for v in log_probabilities)}}}{{{n}}}",
                          result=ce))
        ppl = Real.of(ce).apply("exp").value()
        steps.append(Step("Perplexity", formula=r"PP = e^{H}", substituted=rf"e^{{{to_latex_operand(ce)}}}",
                          result=ppl))
    answer = {kind: ppl, "cross_entropy": ce}  # the headline number is named after its kind
    return Worked(kind, value=answer, steps=steps, title="Perplexity", answer=answer)
