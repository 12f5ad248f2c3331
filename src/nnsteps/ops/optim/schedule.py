"""Learning-rate schedules as ``torch.optim.lr_scheduler`` steps them: after each update, so update t
(1-based) uses the rate of epoch t − 1 and the first update the initial rate.

Rates stay exact where the schedule does (step, exponential, inverse_time with exact inputs; cosine at the
angles whose cosine is rational); other cosines are float64.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.numbers import to_latex_operand
from nnsteps.work import Step

SCHEDULES = ("none", "step", "exponential", "cosine", "inverse_time")
# cos(π·r) for the r in [0, 2) where it is rational (Niven): exact rates at those epochs.
_RATIONAL_COS = {Fraction(0): 1, Fraction(1, 3): Fraction(1, 2), Fraction(1, 2): 0, Fraction(2, 3): Fraction(-1, 2),
                 Fraction(1): -1, Fraction(4, 3): Fraction(-1, 2), Fraction(3, 2): 0, Fraction(5, 3): Fraction(1, 2)}


def cos_pi(r: Fraction) -> Any:
    """cos(π·r): exact where rational, else float64.

    >>> cos_pi(Fraction(1, 3)), cos_pi(Fraction(7, 3)), round(cos_pi(Fraction(1, 4)), 6)
    (Fraction(1, 2), Fraction(1, 2), 0.707107)
    """
    reduced = r % 2
    if reduced in _RATIONAL_COS:
        return _RATIONAL_COS[reduced]
    return math.cos(math.pi * float(r))


def _q(x: Any) -> Any:
    return int(x) if isinstance(x, Fraction) and x.denominator == 1 else x


def _need(options: dict[str, Any], name: str, schedule: str) -> Any:
    if options.get(name) is None:
        raise NnstepsError(f"schedule {schedule} needs {name}", field=name)
    return options[name]


def lr_at(schedule: str, lr0: Any, epoch: int, options: dict[str, Any]) -> tuple[Any, Step[Any]]:
    """The learning rate at ``epoch`` (update t uses epoch t − 1) and the step that computes it.

    ``options``: ``step_size``, ``gamma`` (step, exponential), ``T_max``, ``eta_min`` (cosine), ``decay``
    (inverse_time: α₀ / (1 + decay·epoch)).

    >>> lr_at("step", Fraction(1, 10), 4, {"step_size": 2, "gamma": Fraction(1, 2)})[0]
    Fraction(1, 40)
    >>> lr_at("inverse_time", 1, 3, {"decay": 1})[1].substituted
    '\\\\frac{1}{1 + 1 \\\\cdot 3}'
    >>> lr_at("cosine", 1, 1, {"T_max": 2})[0]
    Fraction(1, 2)
    """
    a0 = to_latex_operand(lr0)
    value: Any
    if schedule == "none":
        return lr0, Step(f"Learning rate (epoch {epoch})", formula=r"\alpha_t = \alpha_0", substituted=a0, result=lr0)
    if schedule == "step":
        size, gamma = _need(options, "step_size", schedule), _need(options, "gamma", schedule)
        k = epoch // size
        value = _q(Fraction(lr0) * Fraction(gamma) ** k) if not isinstance(lr0, float) else lr0 * float(gamma) ** k
        return value, Step(f"Learning rate (epoch {epoch})",
                           formula=r"\alpha_t = \alpha_0 \cdot \gamma^{\lfloor e / s \rfloor}",
                           substituted=rf"{a0} \cdot {to_latex_operand(gamma)}^{{{k}}}", result=value)
    if schedule == "exponential":
        gamma = _need(options, "gamma", schedule)
        value = _q(Fraction(lr0) * Fraction(gamma) ** epoch) if not isinstance(lr0, float) else lr0 * float(gamma) ** epoch
        return value, Step(f"Learning rate (epoch {epoch})", formula=r"\alpha_t = \alpha_0 \cdot \gamma^{e}",
                           substituted=rf"{a0} \cdot {to_latex_operand(gamma)}^{{{epoch}}}", result=value)
    if schedule == "inverse_time":
        decay = _need(options, "decay", schedule)
        value = _q(Fraction(lr0) / (1 + Fraction(decay) * epoch)) if not isinstance(lr0, float) \
            else lr0 / (1 + float(decay) * epoch)
        return value, Step(f"Learning rate (epoch {epoch})", formula=r"\alpha_t = \frac{\alpha_0}{1 + d \cdot e}",
                           substituted=rf"\frac{{{a0}}}{{1 + {to_latex_operand(decay)} \cdot {epoch}}}", result=value)
    if schedule == "cosine":
        t_max, eta_min = _need(options, "T_max", schedule), options.get("eta_min") or 0
        c = cos_pi(Fraction(epoch, t_max))
        if isinstance(c, float) or isinstance(lr0, float):
            value = float(eta_min) + (float(lr0) - float(eta_min)) * (1 + float(c)) / 2
        else:
            value = _q(Fraction(eta_min) + (Fraction(lr0) - Fraction(eta_min)) * (1 + Fraction(c)) / 2)
        return value, Step(f"Learning rate (epoch {epoch})",
                           formula=r"\alpha_t = \eta_{min} + \frac{(\alpha_0 - \eta_{min})(1 + \cos(\pi e / T_{max}))}{2}",
                           substituted=rf"{to_latex_operand(eta_min)} + \frac{{({a0} - {to_latex_operand(eta_min)})"
                                       rf" \cdot (1 + {to_latex_operand(c)})}}{{2}}", result=value)
    raise NnstepsError(f"unknown schedule {schedule!r}")
