"""Sentence BLEU (NLTK's ``sentence_bleu``: clipped n-gram counts, closest-reference brevity penalty, uniform
weights) and perplexity, exact where the numbers stay rational.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.expr.values import power
from nnsteps.irrational import Real
from nnsteps.numbers import Number, to_latex_operand
from nnsteps.work import Step, Worked


def _ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _geometric(ps: list[Fraction]) -> Any:
    """(Π p)^(1/N): exact when that is rational, else a float with its exact form (via exp and log)."""
    prod = math.prod(ps, start=Fraction(1))
    root = power(prod, Fraction(1, len(ps)))
    if not isinstance(root, float):
        return root
    if len(ps) == 2:
        return Real.of(prod).apply("sqrt").value()
    return (Real.of(prod).apply("log") / len(ps)).apply("exp").value()


def bleu(candidate: list[str], references: list[list[str]], max_n: int = 4, smoothing: str = "none",
         clip: bool = True, *, kind: str) -> Worked:
    """Sentence BLEU with uniform weights 1/max_n, as NLTK's ``sentence_bleu``; ``clip=False`` is the named
    mistake of counting every candidate n-gram that appears in a reference, however often.

    >>> w = bleu("the the the the".split(), ["the cat".split()], max_n=1, kind="bleu")
    >>> w.answer["precisions"], w.answer["brevity_penalty"], w.answer["bleu"]
    ([Fraction(1, 4)], 1, Fraction(1, 4))
    """
    steps: list[Step[Any]] = []
    precisions: list[Fraction] = []
    zero = False
    for n in range(1, max_n + 1):
        counts = _ngrams(candidate, n)
        most = Counter[tuple[str, ...]]()
        for ref in references:
            for gram, c in _ngrams(ref, n).items():
                most[gram] = max(most[gram], c)
        step: Step[Any] = Step(f"{n}-gram precision", formula=r"p_{n} = \frac{\sum \min(\text{count}, \text{max ref count})}"
                    r"{\max(1, \sum \text{count})}")
        hits = []
        for gram, c in counts.items():
            kept = min(c, most[gram]) if clip else (c if most[gram] else 0)
            hits.append(kept)
            step.steps.append(Step(" ".join(gram), formula=r"\min(\text{count}, \text{max ref count})",
                                   substituted=rf"\min({c}, {most[gram]})" if clip else None, result=kept))
        num, den = sum(hits), max(1, sum(counts.values()))
        p = Fraction(num, den)
        top = " + ".join(map(str, hits)) or "0"
        if num == 0 and smoothing == "method1":
            p = (Fraction(num) + Fraction(1, 10)) / den  # NLTK's epsilon 0.1 for a zero count
            step.note = "method1 smoothing: ε = 0.1 added to the zero count"
            top = f"({top}) + 0.1"  # the substitution shows the ε the result has
        step.substituted = rf"\frac{{{top}}}{{\max(1, {sum(counts.values())})}}"
        step.result = p
        zero = zero or p == 0
        precisions.append(p)
        steps.append(step)
    c = len(candidate)
    r = min((len(ref) for ref in references), key=lambda length: (abs(length - c), length))
    bp: Any
    if c > r:
        bp, sub = 1, rf"{c} > {r}"
    elif c == 0:
        bp, sub = 0, "c = 0"
    else:
        bp, sub = Real.of(1 - Fraction(r, c)).apply("exp").value(), rf"e^{{1 - {r}/{c}}}"
    steps.append(Step("Brevity penalty", formula=r"BP = 1 \text{ if } c > r \text{ else } e^{1 - r/c}",
                      substituted=sub, result=bp,
                      note=f"c = {c} candidate tokens; r = {r}, the closest reference length (ties: the shorter)"))
    score: Any
    if precisions[0] == 0:
        score, note = 0, "no unigram matches: NLTK returns 0"
    elif zero:  # NLTK's method0 puts the smallest float in for a zero precision: a tiny, nonzero score
        logs = sum(math.log(float(p)) if p > 0 else math.log(sys.float_info.min) for p in precisions) / max_n
        score, note = float(bp) * math.exp(logs), "a zero precision counts as the smallest float (NLTK's method0)"
    else:
        g = _geometric(precisions)
        score = (Real.of(bp) * Real.of(g)).value()
        note = "uniform weights 1/N"
    if zero and precisions[0] != 0:  # the sum of logs NLTK computes, the smallest float in for each zero
        tiny = to_latex_operand(sys.float_info.min)
        tiny = tiny if tiny.startswith("(") else f"({tiny})"
        logs_tex = " + ".join(rf"\ln {to_latex_operand(p) if p > 0 else tiny}" for p in precisions)
        sub = rf"{to_latex_operand(bp)} \cdot \exp\left(\frac{{{logs_tex}}}{{{max_n}}}\right)"
    else:
        product = r" \cdot ".join(to_latex_operand(p) for p in precisions)
        sub = rf"{to_latex_operand(bp)} \cdot ({product})^{{1/{max_n}}}"
    steps.append(Step("BLEU", formula=r"BLEU = BP \cdot \left(\prod_{n=1}^{N} p_{n}\right)^{1/N}",
                      substituted=sub, result=score, note=note))
    # the headline number is named after the kind that asks for it (the kind module spells that name)
    answer = {"precisions": precisions, "brevity_penalty": bp, kind: score}
    return Worked(kind, value=answer, steps=steps, title="Sentence BLEU", answer=answer)


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
