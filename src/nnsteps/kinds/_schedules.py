"""The learning-rate schedules' fields of the ``optimizer`` kind: which options each schedule takes, and the
fields of the torch.optim.lr_scheduler schedules with several knobs (:mod:`nnsteps.ops.optim.lr_scheduler`; the
defaults shown are torch's).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation.common import one, tenths
from nnsteps.names import Op
from nnsteps.problems import fields as F
from nnsteps.problems.params import Field, FieldType

T = FieldType
SCHEDULE_OPTIONS: dict[str, tuple[str, ...]] = {
    "step": ("step_size", "gamma"), "exponential": ("gamma",), "cosine": ("T_max", "eta_min"),
    "inverse_time": ("decay",), "multistep": ("milestones", "gamma"),
    Op.LINEAR.value: ("start_factor", "end_factor", "total_iters"),
    "onecycle": ("max_lr", "total_steps", "pct_start", "anneal_strategy", "div_factor", "final_div_factor",
                 "three_phase", "cycle_momentum", "base_momentum", "max_momentum"),
    "plateau": ("metric_values", "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr"),
    "none": (),
}
"""The options of each schedule (the form shows a field only beside its schedules)."""


def _between(name: str, low: Any, high: Any, *, open_low: bool = False, open_high: bool = False) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        v = F.number(value)
        if v < low or v > high or open_low and v == low or open_high and v == high:
            lo, hi = "(" if open_low else "[", ")" if open_high else "]"
            raise NnstepsError(f"expected {name} in {lo}{low}, {high}{hi}, got {value!r}")
        return v

    return parse


def _positive(name: str) -> Callable[[Any], Any]:
    return _between(name, 0, float("inf"), open_low=True)


def milestones(value: Any) -> list[int]:
    """MultiStepLR's milestones: epochs (integers >= 1) at which the rate is multiplied by γ.

    >>> milestones([2, 5])
    [2, 5]
    """
    if not isinstance(value, list) or not value:
        raise NnstepsError(f"expected a list of epochs such as [2, 5], got {value!r}")
    return [F.integer(1, "a milestone epoch")(m) for m in value]


def metric_values(value: Any) -> list[Any]:
    """ReduceLROnPlateau's metric after each update (a validation loss, an accuracy…).

    >>> metric_values([1, "0.5"])
    [1, Fraction(1, 2)]
    """
    if not isinstance(value, list) or not value:
        raise NnstepsError(f"expected a list of metric values, one after each update, got {value!r}")
    return [F.number(m) for m in value]


SCHEDULE_FIELDS: tuple[Field, ...] = (
    Field("milestones", T.LIST, "schedule multistep: the epochs at which the rate is multiplied by gamma",
          example=[2, 4], parse=milestones),
    Field("start_factor", T.NUMBER, "schedule linear: the first epoch's factor (warm-up from it)", default=Fraction(1, 3),
          example=Fraction(1, 4), parse=_between("start_factor", 0, 1, open_low=True)),
    Field("end_factor", T.NUMBER, "schedule linear: the factor reached after total_iters", default=1, example=1,
          parse=_between("end_factor", 0, 1)),
    Field("total_iters", T.INTEGER, "schedule linear: epochs from start_factor to end_factor", default=5, example=3,
          parse=F.integer(1, "a positive integer")),
    Field("max_lr", T.NUMBER, "schedule onecycle: the peak rate (it starts at max_lr / div_factor; lr is not read)",
          example=1, parse=_positive("max_lr")),
    Field("total_steps", T.INTEGER, "schedule onecycle: the cycle's length in updates", example=10,
          parse=F.integer(1, "a positive integer")),
    Field("pct_start", T.NUMBER, "schedule onecycle: the share of the cycle spent rising", default=Fraction(3, 10),
          example=Fraction(3, 10), parse=_between("pct_start", 0, 1)),
    Field("anneal_strategy", T.CHOICE, "schedule onecycle: cos or linear", default="cos", choices=("cos", Op.LINEAR.value),
          example="cos"),
    Field("div_factor", T.NUMBER, "schedule onecycle: initial rate = max_lr / div_factor", default=25, example=25,
          parse=_positive("div_factor")),
    Field("final_div_factor", T.NUMBER, "schedule onecycle: lowest rate = initial rate / final_div_factor",
          default=10**4, example=10**4, parse=_positive("final_div_factor")),
    Field("three_phase", T.BOOLEAN, "schedule onecycle: rise, fall back to the initial rate, then anneal",
          default=False, example=False),
    Field("cycle_momentum", T.BOOLEAN, "schedule onecycle: also set each update's momentum (sgd, rmsprop) or β₁ "
          "(adam, adamw), from max_momentum down to base_momentum as the rate rises and back (torch's default)",
          default=True, example=True),
    Field("base_momentum", T.NUMBER, "schedule onecycle: the lowest momentum, at the peak rate",
          default=Fraction(85, 100), example=Fraction(85, 100), parse=_between("base_momentum", 0, 1, open_high=True)),
    Field("max_momentum", T.NUMBER, "schedule onecycle: the highest momentum, at the start and end of the cycle",
          default=Fraction(95, 100), example=Fraction(95, 100), parse=_between("max_momentum", 0, 1, open_high=True)),
    Field("metric_values", T.LIST, "schedule plateau: the metric seen after each update (the rate of update t reads "
          "the first t − 1)", example=[1, 0.9, 0.9, 0.95], parse=metric_values),
    Field("mode", T.CHOICE, "schedule plateau: min (a loss) or max (an accuracy)", default="min",
          choices=("min", "max"), example="min"),
    Field("factor", T.NUMBER, "schedule plateau: the rate's multiplier on a plateau", default=Fraction(1, 10),
          example=Fraction(1, 2), parse=_between("factor", 0, 1, open_high=True)),
    Field("patience", T.INTEGER, "schedule plateau: epochs without improvement tolerated", default=10, example=1,
          parse=F.integer(0, "an epoch count")),
    Field("threshold", T.NUMBER, "schedule plateau: the improvement that counts", default=Fraction(1, 10**4),
          example="1e-4", parse=_between("threshold", 0, float("inf"))),
    Field("threshold_mode", T.CHOICE, "schedule plateau: rel (best·(1 ∓ threshold)) or abs (best ∓ threshold)",
          default="rel", choices=("rel", "abs"), example="rel"),
    Field("cooldown", T.INTEGER, "schedule plateau: epochs to wait after a reduction", default=0, example=0,
          parse=F.integer(0, "an epoch count")),
    Field("min_lr", T.NUMBER, "schedule plateau: the lowest rate", default=0, example=0,
          parse=_between("min_lr", 0, float("inf"))),
)


def random_schedule(rng: np.random.Generator, name: str, steps: int) -> dict[str, Any]:
    """A schedule ``name`` with small exact options for a run of ``steps`` updates (the generator's).

    >>> random_schedule(np.random.default_rng(0), "onecycle", 3)["total_steps"]
    10
    """
    if name not in SCHEDULE_OPTIONS:
        raise NnstepsError(f"expected a schedule one of {', '.join(SCHEDULE_OPTIONS)}, got {name!r}", field="--schedule")
    half = Fraction(1, 2)
    drawn: dict[str, dict[str, Any]] = {
        "none": {}, "step": {"step_size": 1, "gamma": half}, "exponential": {"gamma": half},
        "cosine": {"T_max": steps}, "inverse_time": {"decay": half},
        "multistep": {"milestones": sorted({int(m) for m in rng.integers(1, steps + 1, size=2)}), "gamma": half},
        Op.LINEAR.value: {"start_factor": one(rng, [Fraction(1, 4), half]), "total_iters": max(1, steps - 1)},
        "onecycle": {"max_lr": one(rng, [Fraction(1, 10), 1]), "total_steps": 10,
                     "anneal_strategy": one(rng, ["cos", Op.LINEAR.value])},
        "plateau": {"metric_values": tenths(rng, (steps,), 1, 9), "patience": 0, "factor": half},
    }
    return {"schedule": name, **drawn[name]}
