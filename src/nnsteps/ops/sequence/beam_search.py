"""Beam search over a given table of next-token probabilities per prefix, step by step.

A sequence's score is the sum of the natural logs of its tokens' probabilities, divided by length^α when a
length penalty α is given. A beam that ends (its last token is the end token, or the table has no row
for its prefix) is carried forward as it is and competes with the extensions of the others.
Ties keep the earlier candidate (beams in order, tokens in the table's order).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from nnsteps.irrational import Real
from nnsteps.numbers import Number, to_latex_operand
from nnsteps.work import Step, Worked


def _score(logp: Real, length: int, alpha: Number | None) -> Real:
    if alpha is None or alpha == 0 or length == 0:
        return logp
    if isinstance(alpha, int) or (isinstance(alpha, Fraction) and alpha.denominator == 1):
        return logp / (Fraction(length) ** int(alpha))
    return logp / Real.of(length).apply("log").__mul__(alpha).apply("exp")  # length^α = e^{α ln length}


def _substituted(table: dict[str, dict[str, Number]], seq: list[str], alpha: Number | None) -> str | None:
    """The score's sum with the table's probabilities along ``seq`` (the same p the score added up)."""
    if not seq:
        return None
    logs = " + ".join(rf"\ln {to_latex_operand(table[' '.join(seq[:i])][tok])}" for i, tok in enumerate(seq))
    if alpha is None or alpha == 0:
        return logs
    return rf"\frac{{{logs}}}{{{len(seq)}^{{{to_latex_operand(alpha)}}}}}"


def beam_search(table: dict[str, dict[str, Number]], beam_width: int, max_length: int,
                length_penalty: Number | None = None, end: str | None = None, kind: str = "") -> Worked:
    """The beams after each step and the best sequence.

    >>> t = {"": {"a": Fraction(3, 5), "b": Fraction(2, 5)}, "a": {"c": 1}, "b": {"c": 1}}
    >>> w = beam_search(t, 1, 2)
    >>> [[b["sequence"] for b in step] for step in w.answer["beams"]], w.answer["best"]["sequence"]
    ([[['a']], [['a', 'c']]], ['a', 'c'])
    """
    beams: list[tuple[list[str], Real]] = [([], Real.of(0))]
    history: list[list[dict[str, Any]]] = []
    steps: list[Step[Any]] = []
    for t in range(1, max_length + 1):
        candidates: list[tuple[list[str], Real, bool]] = []
        step: Step[Any] = Step(f"Step {t}", note=f"keep the {beam_width} best of the candidates")
        grew = False
        for seq, logp in beams:
            row = table.get(" ".join(seq))
            if (end is not None and seq and seq[-1] == end) or row is None:
                candidates.append((seq, logp, False))
                continue
            for token, p in row.items():
                if p == 0:
                    continue  # ln 0: never chosen
                new = logp + Real.of(p).apply("log")
                candidates.append((seq + [token], new, True))
                grew = True
        if not grew:
            break
        scored = [(seq, logp, _score(logp, len(seq), length_penalty), fresh) for seq, logp, fresh in candidates]
        for seq, _, s, fresh in scored:
            step.steps.append(Step(" ".join(seq) or "(start)", formula=r"\text{score} = \sum \ln p" +
                                   (r" / L^{\alpha}" if length_penalty not in (None, 0) else ""),
                                   substituted=_substituted(table, seq, length_penalty),
                                   result=s.value(), note=None if fresh else "ended: carried forward"))
        order = sorted(range(len(scored)), key=lambda i: (-float(scored[i][2]), i))[:beam_width]
        beams = [(scored[i][0], scored[i][1]) for i in order]
        kept = [{"sequence": scored[i][0], "score": scored[i][2].value()} for i in order]
        step.result = [" ".join(k["sequence"]) for k in kept]
        history.append(kept)
        steps.append(step)
    last: list[dict[str, Any]] = history[-1] if history else [{"sequence": [], "score": 0}]
    best = last[0]
    # A list, as each step's kept beams: its tokens are shown as text, never read as LaTeX.
    steps.append(Step("Best sequence", result=[" ".join(best["sequence"]) or "(empty)"],
                      note="the highest score of the last beam"))
    answer = {"beams": history, "best": best}
    return Worked(kind, value=answer, steps=steps, title="Beam search", answer=answer)
