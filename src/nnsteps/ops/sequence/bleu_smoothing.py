"""NLTK's BLEU smoothing methods 0–7 (``nltk.translate.bleu_score.SmoothingFunction``, NLTK 3.8+), to the
letter: each takes the modified precisions as counts (matches m_n over n-grams l_n, before reducing) and
returns the smoothed precisions, exact where NLTK's formula is rational.

NLTK's quirks are kept because they change its numbers: ``corpus_bleu`` hands the smoothing the corpus's
hypothesis length but the *last* sentence pair as ``hypothesis`` and ``references``, so method5's extra
order is the last pair's 5-gram precision (whatever N is) and method6's l_n counts the last hypothesis's
n-grams; method4 and method7 read the corpus length.
"""

from __future__ import annotations

import sys
from collections import Counter
from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.irrational import Real
from nnsteps.numbers import to_latex_operand as op
from nnsteps.work import Step

METHODS = ("none", "method1", "method2", "method3", "method4", "method5", "method6", "method7")
HELP = {
    "none": "NLTK's default (method0): a zero precision counts as the smallest float",
    "method1": "ε (default 0.1) added to a zero match count",
    "method2": "add 1 to the matches and the n-grams of every order above 1 (Lin and Och)",
    "method3": "NIST: the k-th zero precision becomes 1/(2^k l_n)",
    "method4": "the k-th zero precision becomes ln(c)/(2^k K l_n), c the hypothesis length (K default 5)",
    "method5": "each precision averaged with its neighbours (the first's left neighbour p_1 + 1, the last's "
               "right the 5-gram precision)",
    "method6": "orders from 3 interpolated with the prior p_{n-1}²/p_{n-2}: (m_n + α π)/(l_n + α) (α default 5)",
    "method7": "method4, then method5",
}


def ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    """The n-grams of a token list, counted.

    >>> ngrams("a b a b".split(), 2)[("a", "b")]
    2
    """
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def modified_counts(candidate: list[str], references: list[list[str]], n: int,
                    clip: bool = True) -> tuple[int, int, list[tuple[str, int, int, int]]]:
    """NLTK's ``modified_precision`` as counts: (clipped matches, max(1, n-grams), rows of (n-gram, count,
    most in one reference, kept)); ``clip=False`` keeps every count whose n-gram is in a reference.

    >>> modified_counts("the the the".split(), ["the cat".split()], 1)[:2]
    (1, 3)
    """
    counts = ngrams(candidate, n)
    most: Counter[tuple[str, ...]] = Counter()
    for ref in references:
        for gram, c in ngrams(ref, n).items():
            most[gram] = max(most[gram], c)
    rows = [(" ".join(g), c, most[g], min(c, most[g]) if clip else (c if most[g] else 0)) for g, c in counts.items()]
    return sum(r[3] for r in rows), max(1, sum(counts.values())), rows


def smooth(method: str, counts: list[tuple[int, int]], hyp_len: int, last: tuple[list[str], list[list[str]]],
           epsilon: Any = Fraction(1, 10), alpha: Any = 5, k: Any = 5) -> tuple[list[Any], Step[Any] | None]:
    """The smoothed precisions of ``counts`` [(m_n, l_n), ...] and the step that shows them (None for a
    method that changes nothing). ``hyp_len`` is the (corpus) hypothesis length c; ``last`` the last
    (hypothesis, references) pair, as NLTK passes them.

    >>> smooth("method2", [(3, 4), (0, 3)], 4, (["a"], [["a"]]))[0]
    [Fraction(3, 4), Fraction(1, 4)]
    >>> smooth("method3", [(3, 4), (0, 3), (0, 2)], 4, (["a"], [["a"]]))[0]
    [Fraction(3, 4), Fraction(1, 6), Fraction(1, 8)]
    """
    p: list[Any] = [Fraction(m, d) for m, d in counts]
    rows: list[Step[Any]] = []
    if method == "none":
        pass  # method0's smallest float for a zero precision is the score's (:func:`log_sum_tex`), not p_n's
    elif method == "method1":
        for i, (m, d) in enumerate(counts):
            if m == 0:
                p[i] = _out((Real.of(m) + Real.of(epsilon)) / d)
                rows.append(Step(f"p_{i + 1}", formula=r"\frac{m_n + \epsilon}{l_n}",
                                 substituted=rf"\frac{{{m} + {op(epsilon)}}}{{{d}}}", result=p[i]))
    elif method == "method2":
        for i, (m, d) in enumerate(counts):
            if i:
                p[i] = Fraction(m + 1, d + 1)
                rows.append(Step(f"p_{i + 1}", formula=r"\frac{m_n + 1}{l_n + 1}",
                                 substituted=rf"\frac{{{m} + 1}}{{{d} + 1}}", result=p[i]))
    elif method == "method3":
        kk = 1
        for i, (m, d) in enumerate(counts):
            if m == 0:
                p[i] = Fraction(1, 2 ** kk * d)
                rows.append(Step(f"p_{i + 1}", formula=r"\frac{1}{2^{k} l_n}",
                                 substituted=rf"\frac{{1}}{{2^{{{kk}}} \cdot {d}}}", result=p[i]))
                kk += 1
    elif method in ("method4", "method7"):
        p = _method4(p, counts, hyp_len, k, rows)
    if method in ("method5", "method7"):
        p = _method5(p, last, rows)
    elif method == "method6":
        p = _method6(p, counts, last[0], alpha, rows)
    if not rows:
        return p, None
    return p, Step(f"Smoothing ({method})", note=HELP[method], steps=rows)


def _out(x: Any) -> Any:
    return x.value() if isinstance(x, Real) else x


def _method4(p: list[Any], counts: list[tuple[int, int]], hyp_len: int, k: Any, rows: list[Step[Any]]) -> list[Any]:
    kk = 1
    for i, (m, d) in enumerate(counts):
        if m == 0 and hyp_len > 1:
            p[i] = _out(Real.of(hyp_len).apply("log") / (Real.of(2 ** kk) * Real.of(k) * d))
            rows.append(Step(f"p_{i + 1}", formula=r"\frac{\ln c}{2^{k} K l_n}",
                             substituted=rf"\frac{{\ln {hyp_len}}}{{2^{{{kk}}} \cdot {op(k)} \cdot {d}}}",
                             result=p[i], note=f"c = {hyp_len} hypothesis tokens"))
            kk += 1
    return p


def _method5(p: list[Any], last: tuple[list[str], list[list[str]]], rows: list[Step[Any]]) -> list[Any]:
    m5, d5, _ = modified_counts(last[0], last[1], 5)
    right = [*p, Fraction(m5, d5)]  # NLTK's extra order is always the 5-gram precision
    prev: Any = Real.of(p[0]) + 1
    rows.append(Step("p_5 of the last sentence pair", formula=r"\frac{m_5}{l_5}", substituted=rf"\frac{{{m5}}}{{{d5}}}",
                     result=right[-1], note="method5's right neighbour of the last order (NLTK's extra order)"))
    out: list[Any] = []
    for i in range(len(p)):
        new = (Real.of(prev) + Real.of(p[i]) + Real.of(right[i + 1])) / 3
        left = r"p_1 + 1" if i == 0 else rf"p'_{{{i}}}"
        rows.append(Step(f"p'_{i + 1}", formula=rf"\frac{{{left} + p_{{{i + 1}}} + p_{{{i + 2}}}}}{{3}}",
                         substituted=rf"\frac{{{op(_out(prev))} + {op(p[i])} + {op(right[i + 1])}}}{{3}}",
                         result=_out(new)))
        out.append(_out(new))
        prev = new
    return out


def _method6(p: list[Any], counts: list[tuple[int, int]], hypothesis: list[str], alpha: Any,
             rows: list[Step[Any]]) -> list[Any]:
    if len(p) < 3 or p[2] == 0:
        raise NnstepsError("expected a nonzero trigram precision for method6 (NLTK asserts p_3 != 0)",
                           field="smoothing")
    for i in range(2, len(p)):
        prior = Fraction(0) if p[i - 2] == 0 else Fraction(p[i - 1]) ** 2 / Fraction(p[i - 2])
        m, length = counts[i][0], max(0, len(hypothesis) - i)
        p[i] = (m + Fraction(alpha) * prior) / (length + Fraction(alpha))
        rows.append(Step(f"p_{i + 1}", formula=rf"\frac{{m_n + \alpha \pi_0}}{{l_n + \alpha}}, \quad \pi_0 = "
                         rf"\frac{{p_{{{i}}}^2}}{{p_{{{i - 1}}}}}",
                         substituted=rf"\frac{{{m} + {op(alpha)} \cdot {op(prior)}}}{{{length} + {op(alpha)}}}",
                         result=p[i], note=f"l_n = {length}: the last hypothesis's {i + 1}-grams (as NLTK)"))
    return p


def log_sum_tex(weights: list[Any], p: list[Any], method0: bool) -> str:
    """The sum of w_n ln p_n NLTK exponentiates, as LaTeX: a zero precision is left out, or with method0
    (no smoothing) put in as the smallest float.

    >>> log_sum_tex([1, 1], [Fraction(1, 2), 0], False)
    '1 \\\\cdot \\\\ln 0.5'
    """
    tiny = op(sys.float_info.min)  # in the one number style (numfmt.DIGITS), bracketed as an operand
    tiny = tiny if tiny.startswith("(") else f"({tiny})"
    terms = [rf"{op(w)} \cdot \ln {op(v) if v > 0 else tiny}" for w, v in zip(weights, p, strict=True) if v > 0 or method0]
    return " + ".join(terms) or "0"


def weighted_log_mean(weights: list[Any], p: list[Any]) -> Any:
    """Σ w_n ln p_n over the nonzero precisions (NLTK skips a zero one), exact form where it has one.

    >>> float(weighted_log_mean([Fraction(1, 2), Fraction(1, 2)], [Fraction(1, 4), 1]))
    -0.6931471805599453
    """
    total = Real.of(0)
    for w, v in zip(weights, p, strict=True):
        if v > 0:
            total = total + Real.of(w) * Real.of(v).apply("log")
    return total
