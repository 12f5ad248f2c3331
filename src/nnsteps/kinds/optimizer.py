"""The ``optimizer`` kind: T updates of a torch.optim method (or the course's momentum_ema) with an optional
learning-rate schedule, gradients given per step or from a loss expression: fields, solver, likely mistakes
and generator. The math is in :mod:`nnsteps.ops.optim.updates`, :mod:`nnsteps.ops.optim.run` and
:mod:`nnsteps.ops.optim.schedule`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import chance, ints, one, tenths
from nnsteps.kinds._optimizer_params import STEP_COUNTED, Layout, given_state, state_mapping
from nnsteps.kinds._schedules import SCHEDULE_FIELDS, SCHEDULE_OPTIONS, random_schedule
from nnsteps.names import Op
from nnsteps.ops.optim.lr_scheduler import SCHEDULES
from nnsteps.ops.optim.updates import DEFAULTS, METHODS, MOMENTUM_SET_BY_SCHEDULE, state_names
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType, Params, register
from nnsteps.work import Worked

KIND = "optimizer"
T = FieldType
EXAMPLE = {"method": "adam", "params": {"w": [1, -2], "b": Fraction(1, 2)},
           "grads": [{"w": [Fraction(1, 10), Fraction(1, 5)], "b": Fraction(-3, 10)},
                     {"w": [Fraction(1, 20), Fraction(-1, 10)], "b": Fraction(1, 5)}],
           "lr": Fraction(1, 1000), "betas": [Fraction(9, 10), Fraction(999, 1000)], "eps": "1e-8"}
_RATE = {"lr": EXAMPLE["lr"]}
SCHEDULE_EXAMPLES = {"none": _RATE, "step": {**_RATE, "step_size": 1, "gamma": Fraction(1, 2)},
                     "exponential": {**_RATE, "gamma": Fraction(1, 2)}, "cosine": {**_RATE, "T_max": 2},
                     "inverse_time": {**_RATE, "decay": Fraction(1, 2)},
                     "multistep": {**_RATE, "milestones": [1], "gamma": Fraction(1, 2)}, Op.LINEAR.value: _RATE,
                     "onecycle": {"lr": None, "max_lr": Fraction(1, 100), "total_steps": 4},
                     "plateau": {**_RATE, "metric_values": [1, Fraction(9, 10)]}}
"""The web form's example per schedule: the options it needs filled in (onecycle reads no lr: it is cleared)."""


def _betas(value: Any) -> tuple[Any, Any]:
    betas = [F.number(x) for x in value] if isinstance(value, (list, tuple)) else None
    if betas is None or len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise NnstepsError(f"expected betas [β₁, β₂] in [0, 1), got {value!r}")
    return betas[0], betas[1]


def _nonnegative(name: str) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        v = F.number(value)
        if v < 0:
            raise NnstepsError(f"expected {name} >= 0, got {value!r}")
        return v

    return parse


FIELDS: tuple[Field, ...] = (
    Field("method", T.CHOICE, "the optimiser", required=True, choices=METHODS, example="adam"),
    Field("params", T.VALUE, "θ₀: a number, a vector, or named numbers/tensors {w: [...], b: 0.5}; in a loss a "
          "number is w (or its name), vector entries are w_1, w_2, … (name_1, …)", required=True,
          example={"w": [1, -2], "b": 0.5}, parse=Layout),
    Field("grads", T.LIST, "the gradient of each step, shaped as params", example=[{"w": [0.1, 0.2], "b": -0.3}]),
    Field(Op.LOSS.value, T.TEXT, "or a loss in the parameters, differentiated exactly: \"(w - 3)^2 + 2*b^2\"",
          example="(w - 3)^2 + 2*b^2", instead_of=("grads",)),
    Field("steps", T.INTEGER, "number of updates (default: the number of gradients given)", example=2,
          parse=F.integer(1, "a step count")),
    Field("lr", T.NUMBER, "the learning rate α₀ (torch's default per method)", example=0.001),
    Field("momentum", T.NUMBER, "μ (sgd, rmsprop)", default=0, example=0.9, parse=_nonnegative("momentum")),
    Field("dampening", T.NUMBER, "τ (sgd)", default=0, example=0, parse=_nonnegative("dampening")),
    Field("nesterov", T.BOOLEAN, "Nesterov momentum (sgd)", default=False, example=False),
    Field("weight_decay", T.NUMBER, "λ: added to g as λθ (L2), or decoupled θ(1 − αλ) for adamw (default 0.01)",
          default=0, example=0, parse=_nonnegative("weight_decay")),
    Field("lr_decay", T.NUMBER, "adagrad: α/(1 + (t − 1)·lr_decay)", default=0, example=0,
          parse=_nonnegative("lr_decay")),
    Field("initial_accumulator_value", T.NUMBER, "adagrad's starting sum", default=0, example=0,
          parse=_nonnegative("initial_accumulator_value")),
    Field("eps", T.NUMBER, "ε in the denominator (adam/adamw/rmsprop 1e-8, adagrad 1e-10)", example="1e-8",
          parse=_nonnegative("eps")),
    Field("alpha", T.NUMBER, "rmsprop's smoothing constant", default=0.99, example=0.99, parse=_nonnegative("alpha")),
    Field("centered", T.BOOLEAN, "rmsprop: divide by the centred second moment", default=False, example=False),
    Field("betas", T.LIST, "[β₁, β₂] (adam, adamw)", default=[0.9, 0.999], example=[0.9, 0.999], parse=_betas),
    Field("amsgrad", T.BOOLEAN, "adam/adamw: use the running max of v", default=False, example=False),
    Field("bias_correction", T.BOOLEAN, "adam/adamw: divide by 1 − βᵗ (torch always does)", default=True,
          example=True),
    Field("beta", T.NUMBER, "momentum_ema's β", default=0.9, example=0.9, parse=_nonnegative("beta")),
    Field("eps_inside", T.BOOLEAN, "adagrad/rmsprop: ε under the root, √(s + ε), as d2l (torch: √s + ε)",
          default=False, example=False),
    Field("state", T.MAPPING, "the state before the first update (torch's optimizer.state), each entry shaped as "
          "params: sgd {b}; adagrad {sum}; rmsprop {v, g_avg, b}; adam/adamw {m, v, v_max}; and t, the updates "
          "already taken (torch's names momentum_buffer, square_avg, grad_avg, exp_avg, exp_avg_sq, "
          "max_exp_avg_sq, step also read)", example={"m": [0.1, 0.2], "v": [0.01, 0.04], "t": 3}, parse=state_mapping),
    Field("schedule", T.CHOICE, "learning-rate schedule, stepped after each update", default="none",
          choices=SCHEDULES, example="step"),
    Field("step_size", T.INTEGER, "schedule step: epochs between decays", example=2,
          parse=F.integer(1, "a positive integer")),
    Field("gamma", T.NUMBER, "schedule step/exponential/multistep: the factor", example=0.5),
    Field("T_max", T.INTEGER, "schedule cosine: half period", example=10, parse=F.integer(1, "a positive integer")),
    Field("eta_min", T.NUMBER, "schedule cosine: the lowest rate", default=0, example=0),
    Field("decay", T.NUMBER, "schedule inverse_time: α₀/(1 + decay·epoch)", example=0.5),
    *SCHEDULE_FIELDS,
)
OPTION_FIELDS = ("momentum", "dampening", "nesterov", "weight_decay", "lr_decay", "initial_accumulator_value", "eps",
                 "alpha", "centered", "betas", "amsgrad", "bias_correction", "beta", "eps_inside")
# Each option applies to the methods (torch.optim's defaults) or schedules taking it: the form shows no other.
FIELDS = tuple(replace(f, when=("method", tuple(m for m in METHODS if f.name in DEFAULTS[m])))
               if f.name in OPTION_FIELDS else
               replace(f, when=("schedule", tuple(s for s, o in SCHEDULE_OPTIONS.items() if f.name in o)))
               if any(f.name in o for o in SCHEDULE_OPTIONS.values()) else f for f in FIELDS)


def _options(p: Params, method: str) -> dict[str, Any]:
    o = dict(DEFAULTS[method])
    allowed = set(o) - {"lr"}
    for name in OPTION_FIELDS:
        if p.has(name) and name not in allowed:
            raise NnstepsError(f"{method} takes no {name} (it takes {', '.join(sorted(allowed))})", problem=p.id,
                               field=name)
    o.update((name, p[name]) for name in allowed if p.has(name))
    if method == "sgd" and o["nesterov"] and (not o["momentum"] or o["dampening"]):
        raise NnstepsError("Nesterov momentum needs a momentum and zero dampening (as torch)", problem=p.id,
                           field="nesterov")
    return o


def _step_count_off_by_one(p: Params) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """The given step count t used as the first update's own (bias correction with t instead of t + 1)."""
    state = p.state if p.has("state") else {}
    key = next((k for k in ("t", "step") if k in state), None)
    if key is None or not isinstance(state[key], int) or state[key] < 1:
        return lambda raw_problem: None
    return lambda raw_problem: {**raw_problem, "state": {**state, key: state[key] - 1}}


def _mistakes(p: Params) -> list[tuple[str, Any]]:
    from nnsteps.grading import mistakes as M

    def given(name: str, default: Any) -> Any:  # the record's defaults are torch's per method, not one value
        return p[name] if p.has(name) else default

    method = str(p.method or "")
    out: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
    if method in ("adam", "adamw"):
        out.append(("bias correction forgotten (m and v not divided by 1 − βᵗ)", M.set_field("bias_correction", False)))
        out.append(("bias correction with the given t instead of t + 1", _step_count_off_by_one(p)))
        b1, b2 = (F.number(x) for x in given("betas", DEFAULTS[method]["betas"]))
        out.append(("β and 1 − β swapped", M.set_field("betas", [1 - b1, 1 - b2])))
        if given("weight_decay", 0) != 0 or method == "adamw":
            other = "adam" if method == "adamw" else "adamw"
            name = "weight decay as L2 (added to g) instead of decoupled" if method == "adamw" else \
                "weight decay decoupled (AdamW) instead of added to g"
            decay = given("weight_decay", Fraction(1, 100))
            out.append((name, lambda r: {**r, "method": other, "weight_decay": decay}))
    if method == "momentum_ema":
        out.append(("β and 1 − β swapped", M.set_field("beta", 1 - given("beta", Fraction(9, 10)))))
    if method == "rmsprop":
        out.append(("α and 1 − α swapped", M.set_field("alpha", 1 - given("alpha", Fraction(99, 100)))))
        out.append(("centred variance toggled", M.set_field("centered", not p.centered)))
    if p.has("state"):
        out.append(("given state ignored (started from zeros)", lambda r: {k: v for k, v in r.items() if k != "state"}))
    if method in ("adagrad", "rmsprop") and p.eps_inside:
        out.append(("ε outside the square root (√s + ε)", M.set_field("eps_inside", False)))
    if method == "sgd" and given("momentum", 0) != 0 and not p.dampening:
        out.append(("Nesterov toggled", M.set_field("nesterov", not p.nesterov)))
    if p.schedule not in (None, "none", "onecycle"):  # onecycle's rate is its own: without it there is no lr
        dropped = SCHEDULE_OPTIONS[p.schedule]
        out.append(("learning-rate schedule ignored",
                    lambda r: {k: v for k, v in r.items() if k not in dropped and k != "schedule"}))
    if p.schedule == "onecycle":
        other = "cos" if p.anneal_strategy == Op.LINEAR.value else Op.LINEAR.value
        out.append(("OneCycleLR annealed cos and linear swapped", M.set_field("anneal_strategy", other)))
        if p.cycle_momentum and method in MOMENTUM_SET_BY_SCHEDULE:
            out.append(("momentum not cycled (OneCycleLR sets it by default: cycle_momentum)",
                        M.set_field("cycle_momentum", False)))
    if p.schedule == "plateau" and given("patience", 10) >= 1:
        out.append(("plateau reduced after patience epochs instead of more than patience",
                    M.set_field("patience", given("patience", 10) - 1)))
    return out


def _statement(p: Any) -> Any:
    """An optimiser question: θ₀, the gradients (or the loss), the learning rate and every hyperparameter the
    method uses stated, torch's defaults included (Adam's betas and eps); the first learning rate is not asked."""
    from nnsteps.render.statement import Given, Statement, named, scalar, settings, value

    method = str(value(p, "method", "sgd"))
    defaults = DEFAULTS.get(method, {})
    names = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad",
             "momentum_ema": "momentum (exponential moving average of the gradients)"}
    grads, loss = value(p, "grads"), value(p, Op.LOSS.value)
    steps = value(p, "steps", len(grads) if isinstance(grads, list) else 1)
    intro = (f"Take {steps} update step{'s' if steps != 1 else ''} of {names.get(method, method)} (as torch.optim "
             "does) from the parameters $\\theta_0$ below.")
    givens = [Given(r"Parameters $\theta_0$", named(value(p, "params")))]
    if isinstance(grads, list):
        givens += [Given(f"Gradient at step {t}", named(g)) for t, g in enumerate(grads[:steps], 1)]
    elif loss is not None:
        givens.append(Given("Loss (differentiate it at each step)", code=str(loss)))
    if value(p, "state") is not None:  # resumed from a given state: a student needs it to take the first step
        givens.append(Given("The optimiser's state before step 1", named(value(p, "state"))))
    symbols = {"lr": r"\alpha", "betas": r"(\beta_1, \beta_2)", "eps": r"\epsilon", "momentum": r"\mu",
               "dampening": r"\tau", "weight_decay": r"\lambda", "alpha": r"\alpha_{\text{rms}}", "beta": r"\beta"}
    schedule = value(p, "schedule", "none")
    cycled = schedule == "onecycle" and value(p, "cycle_momentum", True) and method in MOMENTUM_SET_BY_SCHEDULE
    # onecycle sets the rate (and by default μ or β₁) itself: stating the optimiser's own would mislead
    pairs = [] if schedule == "onecycle" else \
        [("learning rate", f"{symbols['lr']} = {scalar(value(p, 'lr', defaults.get('lr')))}")]
    for name in OPTION_FIELDS:
        if name in defaults and not (cycled and name == "momentum"):
            v = value(p, name, defaults[name])
            if isinstance(v, bool) and not v and name != "bias_correction":
                continue
            if cycled and name == "betas":
                pairs.append(("", rf"\beta_2 = {scalar(v[1])}"))
                continue
            pairs.append((name.replace("_", " ") if name not in symbols else "",
                          f"{symbols.get(name, '')}{' = ' if name in symbols else ''}{scalar(v)}"))
    if schedule != "none":  # one Settings line: the optimiser's, then the schedule's
        shown = [o for o in SCHEDULE_OPTIONS.get(str(schedule), ()) if value(p, o) is not None
                 and o not in ("cycle_momentum", "base_momentum", "max_momentum")]
        pairs += [("schedule", scalar(schedule)), *((o.replace("_", " "), scalar(value(p, o))) for o in shown)]
    if pairs:
        givens.append(settings(pairs))
    if cycled:
        mu = r"\beta_1" if method in ("adam", "adamw") else r"\mu"
        high, low = value(p, "max_momentum", Fraction(95, 100)), value(p, "base_momentum", Fraction(85, 100))
        givens.append(Given(f"OneCycleLR also sets ${mu}$ at each update (torch's cycle_momentum): from "
                            f"${scalar(high)}$ down to ${scalar(low)}$ as the rate rises, and back up as it falls."))
    asks = ["the parameters after each step", "the optimiser's state after each step"]
    if schedule == "none":  # the rate never changes: nothing to ask
        return Statement(intro, givens, asks, skip=(("lr",),))
    return Statement(intro, givens, [*asks, "the learning rate used at each later step"], skip=(("lr", 0),))


@register(KIND, fields=FIELDS, statement=_statement, summary="steps of a torch.optim optimiser (sgd, adagrad, rmsprop, adam, adamw) or "
          "the course's momentum_ema, with a learning-rate schedule", answer=("params", "state", "lr"),
          example=EXAMPLE, mistakes=_mistakes, form={"group": "training", "examples": {"schedule": SCHEDULE_EXAMPLES}},
          aliases={"sgd": "method: sgd", "momentum": "method: sgd, momentum: 0.9", "nesterov": "method: sgd, "
                   "nesterov: true", "adam": "method: adam", "adamw": "method: adamw", "rmsprop": "method: rmsprop",
                   "adagrad": "method: adagrad", "lr_schedule": "schedule: step", "learning_rate": ""})
def solve_optimizer(p: Params) -> Worked:
    """An ``optimizer`` problem (:func:`nnsteps.ops.optim.run.optimize`).

    >>> from nnsteps.problems.registry import Problem
    >>> w = solve_optimizer(Problem({"id": "o", "kind": "optimizer", "method": "sgd", "params": 1, "grads": [2, 2],
    ...                              "lr": 0.5, "momentum": 0.5}).params)
    >>> w.answer["params"], w.answer["state"]
    ([0, Fraction(-3, 2)], [{'b': 2}, {'b': 3}])
    """
    from nnsteps.expr import parse
    from nnsteps.ops.optim.run import optimize

    method, layout = p.method, p.params
    o = _options(p, method)
    lr = p.lr if p.has("lr") else DEFAULTS[method]["lr"]
    schedule = p.schedule
    sched: dict[str, Any] = {}
    if schedule == "onecycle" and p.has("lr"):
        raise NnstepsError("onecycle sets the rate itself (max_lr / div_factor to start); expected no lr",
                           problem=p.id, field="lr")
    for name in sorted({n for names in SCHEDULE_OPTIONS.values() for n in names}):
        if p.has(name) and name not in SCHEDULE_OPTIONS[schedule]:
            raise NnstepsError(f"schedule {schedule} takes no {name}", problem=p.id, field=name)
        if p.has(name):
            sched[name] = p[name]
    if p.has(Op.LOSS.value) == p.has("grads"):
        raise NnstepsError("give either grads (one per step) or a loss, not both" if p.has(Op.LOSS.value) else
                           "expected grads (one per step) or a loss", problem=p.id, field="grads")
    start, t0 = given_state(p, layout, method, o)
    grads, loss = None, None
    if p.has("grads"):
        given = p.grads
        if not isinstance(given, list) or not given:
            raise NnstepsError(f"expected a list of gradients, one per step, got {given!r}", problem=p.id,
                               field="grads")
        try:
            grads = [layout.grads(g, i) for i, g in enumerate(given)]
        except NnstepsError as err:
            raise err.located(problem=p.id, field="grads") from None
        steps = p.steps if p.has("steps") else len(grads)
        if steps > len(grads):
            raise NnstepsError(f"{steps} steps need {steps} gradients, got {len(grads)}", problem=p.id, field="steps")
    else:
        try:  # the loss is read against the parameters' names, so here rather than by its field
            loss = parse(str(p[Op.LOSS.value]), layout.names)
        except NnstepsError as err:
            raise err.located(problem=p.id, field=Op.LOSS.value) from None
        steps = p.steps if p.has("steps") else 1
    try:
        worked = optimize(method, layout.names, layout.values, grads=grads, loss=loss, steps=steps, lr=lr,
                          options=o, schedule=schedule, schedule_options=sched, kind=KIND,
                          loss_text=str(p[Op.LOSS.value]) if loss is not None else None, start=start, t0=t0)
    except NnstepsError as err:
        raise err.located(problem=p.id) from None
    h = worked.value
    worked.answer = {"params": [layout.shape(v) for v in h["params"]],
                     "state": [{k: layout.shape(v) for k, v in s.items()} for s in h["state"]], "lr": h["lr"]}
    return worked


@generator(KIND, ("method", "schedule", "state"))
def optimizer(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """Two or three updates of a small problem, gradients given or from a quadratic loss; options ``schedule``
    (one of the schedules) and ``state`` (true: start from a given state, as CS231n's optimizer tests).

    >>> sorted(optimizer(np.random.default_rng(0), {"method": "adam"}))[:3]
    ['betas', 'kind', 'loss']
    >>> sorted(optimizer(np.random.default_rng(0), {"method": "adam", "state": "true"})["state"])
    ['m', 't', 'v']
    """
    method = options.get("method") or one(rng, list(METHODS))
    if method not in METHODS:
        raise NnstepsError(f"expected one of {', '.join(METHODS)}, got {method!r}", field="--method")
    problem: dict[str, Any] = {"kind": KIND, "method": method}
    steps = int(rng.integers(2, 4))
    if chance(rng, 0.5):
        problem["params"] = {"w": int(rng.integers(-3, 4)), "b": int(rng.integers(-3, 4))}
        problem[Op.LOSS.value] = f"(w - {int(rng.integers(1, 4))})^2 + {int(rng.integers(1, 3))}*b^2"
        problem["steps"] = steps
    else:
        problem["params"] = ints(rng, (2,), -3, 3)
        problem["grads"] = [tenths(rng, (2,), -10, 10) for _ in range(steps)]
    problem["lr"] = one(rng, [Fraction(1, 10), Fraction(1, 2), Fraction(1, 100)])
    if method == "sgd":
        problem["momentum"] = one(rng, [0, Fraction(9, 10), Fraction(1, 2)])
        if problem["momentum"] and chance(rng, 0.3):
            problem["nesterov"] = True
    elif method == "momentum_ema":
        problem["beta"] = one(rng, [Fraction(9, 10), Fraction(1, 2)])
    elif method in ("adam", "adamw"):
        problem["betas"] = [Fraction(9, 10), Fraction(999, 1000)]
    elif method == "rmsprop":
        problem["alpha"] = one(rng, [Fraction(9, 10), Fraction(99, 100)])
    if options.get("schedule"):
        problem.update(random_schedule(rng, str(options["schedule"]), steps))
        if problem["schedule"] == "onecycle":
            del problem["lr"]
            if method not in MOMENTUM_SET_BY_SCHEDULE:  # no momentum to cycle: torch raises unless told not to
                problem["cycle_momentum"] = False
    elif chance(rng, 0.25):
        problem.update({"schedule": "step", "step_size": 1, "gamma": Fraction(1, 2)})
    if F.boolean(options.get("state", False)):
        problem["state"] = _random_state(rng, problem)
    return problem


def _random_state(rng: np.random.Generator, problem: dict[str, Any]) -> dict[str, Any]:
    """A given starting state shaped as the problem's params: non-negative sums, a step count for torch's."""
    shape = (2,) if isinstance(problem["params"], list) else ()

    def entry(low: int) -> Any:
        if shape:
            return tenths(rng, shape, low, 5)
        return {name: tenths(rng, (), low, 5) for name in problem["params"]}

    method = problem["method"]
    names = state_names(method, {**problem, "momentum": problem.get("momentum") or (method == "sgd")})
    state = {n: entry(0 if n in ("sum", "v", "v_max") else -5) for n in names if n not in ("m_hat", "v_hat", "g_avg")}
    if method == "sgd" and not problem.get("momentum"):
        problem["momentum"] = Fraction(9, 10)
    if method in STEP_COUNTED:
        state["t"] = int(rng.integers(1, 10))
    return state
