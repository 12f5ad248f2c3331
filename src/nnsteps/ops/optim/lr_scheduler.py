"""The schedules of ``torch.optim.lr_scheduler`` with more than one knob, in torch's closed forms:
``MultiStepLR`` (multistep), ``LinearLR`` (linear, the warm-up), ``OneCycleLR`` (onecycle) and
``ReduceLROnPlateau`` (plateau, replayed from the metric seen after each update).

As in :mod:`nnsteps.ops.optim.schedule`, update t (1-based) uses the rate of epoch t − 1. Rates stay exact where
torch's formula does (all but the cosine of OneCycleLR at angles whose cosine is irrational, then float64).
OneCycleLR sets the starting rate itself, max_lr / div_factor, so the optimiser's lr is not read; as torch by
default (``cycle_momentum``) it also sets the momentum (sgd, rmsprop) or β₁ (adam, adamw) of each update,
annealed against the rate between ``max_momentum`` and ``base_momentum`` (:func:`onecycle_momentum`).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.names import Op
from nnsteps.numbers import to_latex_operand as tex
from nnsteps.ops.optim import schedule as simple
from nnsteps.ops.optim.schedule import cos_pi
from nnsteps.work import Step

LINEAR = Op.LINEAR.value  # LinearLR's name and OneCycleLR's linear annealing share the dense kind's word
MORE = ("multistep", LINEAR, "onecycle", "plateau")
SCHEDULES = (*simple.SCHEDULES, *MORE)
TORCH_DEFAULTS: dict[str, dict[str, Any]] = {
    "multistep": {"gamma": Fraction(1, 10)},
    LINEAR: {"start_factor": Fraction(1, 3), "end_factor": 1, "total_iters": 5},
    "onecycle": {"pct_start": Fraction(3, 10), "anneal_strategy": "cos", "div_factor": 25, "final_div_factor": 10**4,
                 "three_phase": False, "cycle_momentum": True, "base_momentum": Fraction(85, 100),
                 "max_momentum": Fraction(95, 100)},
    "plateau": {"mode": "min", "factor": Fraction(1, 10), "patience": 10, "threshold": Fraction(1, 10**4),
                "threshold_mode": "rel", "cooldown": 0, "min_lr": 0},
}
PLATEAU_EPS = Fraction(1, 10**8)
"""torch's ``eps``: a reduction smaller than this is not applied."""


def _q(x: Any) -> Any:
    return int(x) if isinstance(x, Fraction) and x.denominator == 1 else x


def _x(x: Any) -> Any:
    """A number for arithmetic: exact as a Fraction, float64 stays float (and makes what it touches float)."""
    return x if isinstance(x, float) else Fraction(x)


def _opt(options: dict[str, Any], schedule: str, name: str) -> Any:
    value = options.get(name)
    if value is None:
        if name not in TORCH_DEFAULTS[schedule]:
            raise NnstepsError(f"schedule {schedule} needs {name}", field=name)
        return TORCH_DEFAULTS[schedule][name]
    return value


def _title(epoch: int) -> str:
    return f"Learning rate (epoch {epoch})"


def multistep(lr0: Any, epoch: int, options: dict[str, Any]) -> tuple[Any, Step[Any]]:
    """MultiStepLR: α₀·γ^k, k the milestones passed (a milestone listed twice counts twice, as torch's Counter).

    >>> multistep(1, 5, {"milestones": [2, 5], "gamma": Fraction(1, 2)})[0]
    Fraction(1, 4)
    """
    milestones, gamma = _opt(options, "multistep", "milestones"), _opt(options, "multistep", "gamma")
    k = sum(1 for m in milestones if m <= epoch)
    value = _q(_x(lr0) * _x(gamma) ** k)
    return value, Step(_title(epoch), formula=r"\alpha_t = \alpha_0 \cdot \gamma^{\#\{m \le e\}}",
                       substituted=rf"{tex(lr0)} \cdot {tex(gamma)}^{{{k}}}", result=value)


def linear(lr0: Any, epoch: int, options: dict[str, Any]) -> tuple[Any, Step[Any]]:
    """LinearLR (warm-up): α₀·(s + (e − s)·min(epoch, T)/T) from start factor s to end factor e over T epochs.

    >>> [linear(1, k, {"start_factor": Fraction(1, 4), "total_iters": 3})[0] for k in range(5)]
    [Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), 1, 1]
    """
    s, e = _opt(options, LINEAR, "start_factor"), _opt(options, LINEAR, "end_factor")
    total = _opt(options, LINEAR, "total_iters")
    k = min(epoch, total)
    value = _q(_x(lr0) * (_x(s) + (_x(e) - _x(s)) * Fraction(k, total)))
    return value, Step(_title(epoch), formula=r"\alpha_t = \alpha_0 \left(s + (e - s) \frac{\min(t, T)}{T}\right)",
                       substituted=rf"{tex(lr0)} \cdot \left({tex(s)} + ({tex(e)} - {tex(s)}) \cdot "
                                   rf"\frac{{{k}}}{{{total}}}\right)", result=value)


def onecycle_phases(options: dict[str, Any]) -> list[tuple[Any, Any, Any]]:
    """OneCycleLR's phases as torch builds them: (end step, start rate, end rate).

    >>> onecycle_phases({"max_lr": 1, "total_steps": 10, "div_factor": 4, "final_div_factor": 2})
    [(2, Fraction(1, 4), 1), (9, 1, Fraction(1, 8))]
    """
    top, total = _x(_opt(options, "onecycle", "max_lr")), _opt(options, "onecycle", "total_steps")
    pct = _x(_opt(options, "onecycle", "pct_start"))
    if not 0 <= pct <= 1:
        raise NnstepsError(f"expected pct_start in [0, 1], got {pct}", field="pct_start")
    initial = top / _x(_opt(options, "onecycle", "div_factor"))
    low = initial / _x(_opt(options, "onecycle", "final_div_factor"))
    rise = _q(pct * total - 1)
    if _opt(options, "onecycle", "three_phase"):
        return [(rise, _q(initial), _q(top)), (_q(2 * pct * total - 2), _q(top), _q(initial)),
                (total - 1, _q(initial), _q(low))]
    return [(rise, _q(initial), _q(top)), (total - 1, _q(top), _q(low))]


def onecycle(epoch: int, options: dict[str, Any]) -> tuple[Any, Step[Any]]:
    """OneCycleLR at step ``epoch``: the phase holding it, annealed cos or linear from its start to its end rate.

    >>> [onecycle(k, {"max_lr": 1, "total_steps": 10, "div_factor": 4, "final_div_factor": 2})[0] for k in (0, 1, 2)]
    [Fraction(1, 4), Fraction(5, 8), 1]
    """
    phase = _phase(epoch, options)
    _, a, b = onecycle_phases(options)[phase[0]]
    return _anneal(_title(epoch), r"\alpha_t", a, b, epoch, options, phase)


def onecycle_momentum(epoch: int, options: dict[str, Any]) -> tuple[Any, Step[Any]]:
    """OneCycleLR's momentum at step ``epoch`` (``cycle_momentum``, torch's default): from ``max_momentum`` down to
    ``base_momentum`` while the rate rises, back up while it falls (three_phase: held at max_momentum in the last
    phase), annealed as the rate is.

    >>> o = {"max_lr": 1, "total_steps": 10, "pct_start": Fraction(1, 5), "anneal_strategy": "linear"}
    >>> [onecycle_momentum(k, o)[0] for k in (0, 1, 5, 9)]
    [Fraction(19, 20), Fraction(17, 20), Fraction(9, 10), Fraction(19, 20)]
    """
    phase = _phase(epoch, options)
    low, high = _opt(options, "onecycle", "base_momentum"), _opt(options, "onecycle", "max_momentum")
    a, b = [(high, low), (low, high), (high, high)][phase[0]]
    return _anneal(f"Momentum (epoch {epoch})", r"\mu_t", a, b, epoch, options, phase)


def _phase(epoch: int, options: dict[str, Any]) -> tuple[int, Any, Any, int]:
    """The phase of OneCycleLR holding step ``epoch``: (its index, its start step, its end step, the count)."""
    total = _opt(options, "onecycle", "total_steps")
    if epoch >= total:  # torch raises when stepped past total_steps, after that update
        raise NnstepsError(f"OneCycleLR runs total_steps = {total} updates; update {epoch + 1} is past it",
                           field="total_steps")
    phases, start, i = onecycle_phases(options), 0, 0
    while epoch > phases[i][0] and i < len(phases) - 1:
        start, i = phases[i][0], i + 1
    if phases[i][0] == start:
        raise NnstepsError(f"a OneCycleLR phase of zero length (pct_start · total_steps = {start + 1}); "
                           "expected pct_start · total_steps >= 2", field="pct_start")
    return i, start, phases[i][0], len(phases)


def _anneal(title: str, symbol: str, a: Any, b: Any, epoch: int, options: dict[str, Any],
            phase: tuple[int, Any, Any, int]) -> tuple[Any, Step[Any]]:
    """From a to b at the share p of its ``phase`` (:func:`_phase`) that step ``epoch`` has reached, cos or
    linear (torch's ``_annealing_cos``/``_annealing_linear``): the value and its step."""
    i, start, end, count = phase
    pct = (epoch - _x(start)) / (_x(end) - _x(start))
    where = rf"\frac{{{epoch} - {tex(start)}}}{{{tex(end)} - {tex(start)}}}"
    if _opt(options, "onecycle", "anneal_strategy") == LINEAR:
        value = _q(_x(a) + (_x(b) - _x(a)) * pct)
        return value, Step(title, formula=rf"{symbol} = a + (b - a) \cdot p, \quad p = \frac{{t - t_0}}{{t_1 - t_0}}",
                           substituted=rf"{tex(a)} + ({tex(b)} - {tex(a)}) \cdot {where}", result=value,
                           note=f"phase {i + 1} of {count}")
    c = cos_pi(pct) if isinstance(pct, Fraction) else math.cos(math.pi * pct)
    value = _q(_x(b) + (_x(a) - _x(b)) / 2 * (1 + _x(c)))
    return value, Step(title, formula=rf"{symbol} = b + \frac{{a - b}}{{2}} (1 + \cos(\pi p)), \quad "
                                      r"p = \frac{t - t_0}{t_1 - t_0}",
                       substituted=rf"{tex(b)} + \frac{{{tex(a)} - {tex(b)}}}{{2}} \cdot (1 + \cos(\pi \cdot {where}))",
                       result=value, note=f"phase {i + 1} of {count}")


def plateau(lr0: Any, epoch: int, options: dict[str, Any]) -> tuple[Any, Step[Any]]:
    """ReduceLROnPlateau after the metric values of the first ``epoch`` updates: the rate drops by ``factor`` (not
    below ``min_lr``) once more than ``patience`` epochs in a row were no better than the best, then waits
    ``cooldown`` epochs.

    >>> plateau(1, 3, {"metric_values": [1, 1, 1], "patience": 1, "factor": Fraction(1, 2)})[0]
    Fraction(1, 2)
    """
    o = {k: _opt(options, "plateau", k) for k in TORCH_DEFAULTS["plateau"]}
    metric_values = _opt(options, "plateau", "metric_values")
    if len(metric_values) < epoch:
        raise NnstepsError(f"the rate of update {epoch + 1} needs the metric after each of the {epoch} updates "
                           f"before it, got {len(metric_values)}", field="metric_values")
    rate, best, bad, cool = _x(lr0), None, 0, 0
    thr, high = _x(o["threshold"]), o["mode"] == "max"
    events: list[str] = []
    for k, m in enumerate(metric_values[:epoch]):
        m = _x(m)
        if best is None:
            better = True
        elif o["threshold_mode"] == "rel":
            better = m > best * (1 + thr) if high else m < best * (1 - thr)
        else:
            better = m > best + thr if high else m < best - thr
        best, bad = (m, 0) if better else (best, bad + 1)
        if cool > 0:
            cool, bad = cool - 1, 0
        if bad > o["patience"]:
            new = max(rate * _x(o["factor"]), _x(o["min_lr"]))
            if rate - new > PLATEAU_EPS:
                events.append(f"after update {k + 1}: {bad} epochs no better than the best {_q(best)}, "
                              f"rate {_q(rate)} → {_q(new)}")
                rate = new
            cool, bad = o["cooldown"], 0
    value = _q(rate)
    return value, Step(_title(epoch), formula=r"\alpha \leftarrow \max(\alpha \cdot f, \alpha_{min}) "
                                              r"\text{ after more than } p \text{ epochs without improvement}",
                       result=value, note="; ".join(events) if events else
                       f"no reduction yet (best {_q(best) if best is not None else 'none'}, {bad} epochs without improvement)")


def lr_at(schedule: str, lr0: Any, epoch: int, options: dict[str, Any]) -> tuple[Any, Step[Any]]:
    """The learning rate at ``epoch`` (update t uses epoch t − 1) and its step, for every schedule: these
    four here, the others :func:`nnsteps.ops.optim.schedule.lr_at`'s.

    >>> lr_at("multistep", 1, 2, {"milestones": [1, 2]})[0], lr_at("step", 1, 2, {"step_size": 1, "gamma": 2})[0]
    (Fraction(1, 100), 4)
    """
    if schedule == "multistep":
        return multistep(lr0, epoch, options)
    if schedule == LINEAR:
        return linear(lr0, epoch, options)
    if schedule == "onecycle":
        return onecycle(epoch, options)
    if schedule == "plateau":
        return plateau(lr0, epoch, options)
    return simple.lr_at(schedule, lr0, epoch, options)
