"""Whether two expressions are equal, decided by evaluating them, never by ``simplify``.

An identity test: both are evaluated at a few random exact points (deterministic for a seed). Two
different polynomials agree at a random point only by chance (Schwartz–Zippel), so agreement at every
point means equal; one point where they differ means different, and that point is the evidence. When too
few points give values (division by zero, a log of a negative, an overflow, the work budget
``limits.MAX_EXPR_WORK`` spent) or float values agree only roughly, the answer is ``unknown``: a grader
says "could not confirm" rather than guess, and never hangs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from nnsteps import limits
from nnsteps.expr.tree import Expr
from nnsteps.expr.values import EvaluationError
from nnsteps.numbers import Number, normalize, to_text

CLOSE = 1e-9
"""Float values this close (relative, or absolute below 1) count as equal: the rounding of two ways of
writing one formula."""

FAR = 1e-6
"""Float values further apart than this count as different; in between, the point decides nothing."""


@dataclass(frozen=True)
class Identity:
    """The outcome of :func:`same_value`: ``equal``, ``different`` (with the ``point``) or ``unknown``
    (with the ``reason``)."""

    verdict: str
    point: dict[str, Number] | None = None
    reason: str | None = None

    def point_text(self) -> str:
        """The point as ``a = 1/2, b = 3``.

        >>> Identity("different", {"b": 3, "a": Fraction(1, 2)}).point_text()
        'a = 1/2, b = 3'
        """
        return ", ".join(f"{k} = {_plain(v)}" for k, v in sorted((self.point or {}).items()))


def same_value(a: Expr, b: Expr, *, seed: int = 0, points: int = 6, work: int = limits.MAX_EXPR_WORK) -> Identity:
    """Decide whether ``a`` and ``b`` are the same function of their symbols by evaluating both at
    ``points`` random exact points (up to four times as many tries), within ``work`` node evaluations.

    >>> from nnsteps.expr import parse
    >>> names = ["x", "y"]
    >>> same_value(parse("(x + y)^2", names), parse("x^2 + 2*x*y + y^2", names)).verdict
    'equal'
    >>> r = same_value(parse("(x + y)^2", names), parse("x^2 + y^2", names))
    >>> r.verdict, r.point_text()
    ('different', 'x = 25/7, y = 3/5')
    >>> same_value(parse("tanh(x)", names), parse("1 - 2/(exp(2*x) + 1)", names)).verdict
    'equal'
    >>> same_value(parse("log(-x^2 - 1)", names), parse("x", names)).reason
    'no value at any point tried (log of a number <= 0)'
    """
    names = sorted(a.symbols() | b.symbols())
    rng = random.Random(seed)
    budget = [work]
    agree = 0
    rough = 0
    failure = None
    for attempt in range(4 * points):
        negative = attempt % 2 == 1  # every other point keeps to positive values, where log and sqrt live
        point = {n: _draw(rng, negative) for n in names}
        try:
            va = a.evaluate(point, budget=budget)
            vb = b.evaluate(point, budget=budget)
        except EvaluationError as err:
            if budget[0] < 0:
                return Identity("unknown", reason=f"the work budget ran out ({work:,} evaluations)")
            failure = failure or err.message
            continue
        outcome = _compare(va, vb)
        if outcome == "different":
            return Identity("different", point)
        if outcome == "rough":
            rough += 1
            continue
        agree += 1
        if agree >= points or not names:
            return Identity("equal")
    if agree == 0 and failure is not None and not rough:
        return Identity("unknown", reason=f"no value at any point tried ({failure})")
    why = f"values agree only roughly at {rough} point{'s' if rough != 1 else ''}" if rough else (
        f"values at only {agree} of {4 * points} points tried ({failure})")
    return Identity("unknown", reason=why)


def _draw(rng: random.Random, negative: bool) -> Number:
    """A random exact value: a fraction with a small numerator and denominator, never 0 (where many
    different expressions agree)."""
    value = Fraction(rng.randint(1, 40), rng.randint(1, 12))
    if negative and rng.random() < 0.5:
        value = -value
    return normalize(value)


def _compare(a: Number, b: Number) -> str:
    if isinstance(a, (int, Fraction)) and isinstance(b, (int, Fraction)):
        return "equal" if a == b else "different"
    fa, fb = float(a), float(b)
    scale = max(1.0, abs(fa), abs(fb))
    gap = abs(fa - fb)
    if gap <= CLOSE * scale:
        return "equal"
    return "different" if gap > FAR * scale else "rough"


def _plain(v: Number) -> str:
    return str(v) if isinstance(v, (int, Fraction)) else to_text(v)
