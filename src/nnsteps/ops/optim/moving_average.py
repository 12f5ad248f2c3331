"""Exponentially weighted moving averages as the courses write them: v₀ = 0, v_t = βv_{t−1} + (1 − β)θ_t, and
the bias-corrected v_t / (1 − βᵗ). Exact for exact inputs."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from nnsteps.numbers import to_latex_operand as tex
from nnsteps.work import Step, Worked


def _q(x: Fraction) -> Any:
    return int(x) if x.denominator == 1 else x


def moving_average(values: Sequence[Any], beta: Any, *, bias_correction: bool = False,
                   kind: str = "average") -> Worked:
    """v_t for each θ_t, and v_t / (1 − βᵗ) when ``bias_correction`` (else ``v_corrected`` repeats v).

    >>> w = moving_average([10, 10], Fraction(1, 2), bias_correction=True)
    >>> w.answer
    {'v': [5, Fraction(15, 2)], 'v_corrected': [10, 10]}
    """
    exact = not any(isinstance(x, float) for x in [*values, beta])
    b: Any = Fraction(beta) if exact else float(beta)
    v: Any = Fraction(0) if exact else 0.0
    vs: list[Any] = []
    cs: list[Any] = []
    steps: list[Step[Any]] = []
    for t, x in enumerate(values, start=1):
        old = v
        v = b * v + (1 - b) * (Fraction(x) if exact else float(x))
        parts = [Step(f"v_{t}", formula=r"v_t = \beta v_{t-1} + (1 - \beta) \theta_t",
                      substituted=rf"{tex(_out(b))} \cdot {tex(_out(old))} + (1 - {tex(_out(b))}) \cdot {tex(x)}",
                      result=_out(v))]
        vs.append(_out(v))
        if bias_correction:
            c = v / (1 - b ** t)
            parts.append(Step(f"v_{t} corrected", formula=r"\hat v_t = \frac{v_t}{1 - \beta^t}",
                              substituted=rf"\frac{{{tex(_out(v))}}}{{1 - {tex(_out(b))}^{{{t}}}}}", result=_out(c)))
            cs.append(_out(c))
        else:
            cs.append(_out(v))
        steps.append(Step(f"Step {t}", steps=parts))
    return Worked(kind, value={"v": vs, "v_corrected": cs}, steps=steps)


def _out(x: Any) -> Any:
    return _q(x) if isinstance(x, Fraction) else x
