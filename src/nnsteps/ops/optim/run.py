"""An optimisation run: T updates of one method (:mod:`nnsteps.ops.optim.updates`) with its learning-rate schedule
(:mod:`nnsteps.ops.optim.schedule`), gradients given per step or taken exactly from a loss expression.

The loss is read by :mod:`nnsteps.expr` (never eval/sympify) and differentiated on the reader's own tree,
so each gradient is the derivative evaluated exactly at the current θ (float once θ left the rationals).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nnsteps.errors import NnstepsError
from nnsteps.expr import Call, Expr, Neg, Num, Power, Product, Sum, Sym
from nnsteps.expr.values import EvaluationError
from nnsteps.irrational import Real
from nnsteps.names import Op
from nnsteps.ops.optim.lr_scheduler import lr_at, onecycle_momentum
from nnsteps.ops.optim.updates import MOMENTUM_SET_BY_SCHEDULE, initial_state, out, update, with_momentum
from nnsteps.work import Step, Worked

_SMOOTH = ("exp", "log", "sqrt", Op.TANH.value, Op.SIGMOID.value)


def derivative(e: Expr, x: str) -> Expr:
    """∂e/∂x on the reader's tree (no simplification: it is evaluated, not shown).

    >>> from nnsteps.expr import parse
    >>> derivative(parse("(w - 3)^2 + 2*b^2", ["w", "b"]), "w").evaluate({"w": 1, "b": 5})
    -4
    >>> derivative(parse("w / (1 + w)", ["w"]), "w").evaluate({"w": 1})
    Fraction(1, 4)
    """
    if isinstance(e, Num):
        return Num(0)
    if isinstance(e, Sym):
        return Num(1 if e.name == x else 0)
    if isinstance(e, Neg):
        return Neg(derivative(e.operand, x))
    if isinstance(e, Sum):
        return Sum(tuple(derivative(t, x) for t in e.terms))
    if isinstance(e, Product):
        terms: list[Expr] = []
        for i, (f, div) in enumerate(zip(e.factors, e.divide)):
            if x not in f.symbols():
                continue
            df = derivative(f, x)
            rest = [g for j, g in enumerate(e.factors) if j != i]
            flags = [d for j, d in enumerate(e.divide) if j != i]
            if div:  # d(1/f) = −f′/f²
                terms.append(Neg(Product((Num(1), *rest, df, Power(f, Num(2))), (False, *flags, False, True))))
            else:
                terms.append(Product((Num(1), *rest, df), (False, *flags, False)))
        return Sum(tuple(terms)) if terms else Num(0)
    if isinstance(e, Power):
        db = derivative(e.base, x)
        if x not in e.exponent.symbols():
            return Product((e.exponent, Power(e.base, Sum((e.exponent, Num(-1)))), db), (False, False, False))
        de = derivative(e.exponent, x)  # b^e (e′ log b + e b′/b)
        return Product((e, Sum((Product((de, Call("log", (e.base,))), (False, False)),
                                Product((e.exponent, db, e.base), (False, False, True))))), (False, False))
    if isinstance(e, Call) and e.name in _SMOOTH:
        a = e.args[0]
        da = derivative(a, x)
        inner: Expr = {
            "exp": e, "log": Power(a, Num(-1)), "sqrt": Product((Num(1), Num(2), e), (False, True, True)),
            Op.TANH.value: Sum((Num(1), Neg(Power(e, Num(2))))),
            Op.SIGMOID.value: Product((e, Sum((Num(1), Neg(e)))), (False, False)),
        }[e.name]
        return Product((inner, da), (False, False))
    if isinstance(e, Call):
        raise NnstepsError(f"the loss uses {e.name}, which has no derivative everywhere; "
                           f"expected a smooth loss (+ - * / ^, {', '.join(_SMOOTH)})")
    raise NnstepsError(f"cannot differentiate {e}")


def optimize(method: str, names: Sequence[str], theta: Sequence[Any], *, grads: Sequence[Sequence[Any]] | None,
             loss: Expr | None, steps: int, lr: Any, options: dict[str, Any], schedule: str = "none",
             schedule_options: dict[str, Any] | None = None, kind: str = "run", loss_text: str | None = None,
             start: dict[str, list[Any]] | None = None, t0: int = 0) -> Worked:
    """``steps`` updates of the flat parameters ``theta`` (entry i is the symbol ``names[i]`` of the loss),
    from the state ``start`` (flat, by state name; zeros where absent) after ``t0`` updates already taken
    (the first update here is update t0 + 1, as torch's ``state["step"]``; the schedule counts from epoch 0).

    Returns a Worked whose value is {"params": [θ after each step], "state": [state per step], "lr": [...]},
    each θ and state a flat list (the kind puts the user's shape back).

    >>> w = optimize("momentum_ema", ["w"], [1], grads=[[1], [1]], loss=None, steps=2, lr=1,
    ...              options={"beta": 0.5})
    >>> w.value["params"], w.value["state"], w.value["lr"]
    ([[0.5], [-0.25]], [{'v': [0.5]}, {'v': [0.75]}], [1, 1])
    """
    n = len(theta)
    th: list[Any] = [Real.of(v) for v in theta]
    cycled = schedule == "onecycle" and (schedule_options or {}).get("cycle_momentum", True)
    if cycled and method not in MOMENTUM_SET_BY_SCHEDULE:
        raise NnstepsError(f"OneCycleLR cycles the momentum (cycle_momentum, torch's default) and {method} has none "
                           "(torch raises); expected cycle_momentum: false", field="cycle_momentum")

    def momentum_at(t: int) -> tuple[dict[str, Any], list[Step[Any]]]:
        """Update t's options and, when the schedule sets the momentum, its step."""
        if not cycled:
            return options, []
        mu, step = onecycle_momentum(t - 1, schedule_options or {})
        return with_momentum(method, options, mu), [step]

    # torch makes the state at the first update, with the momentum the schedule set for it (rmsprop's buffer)
    state = initial_state(method, momentum_at(1)[0], n, start)
    try:
        derivs = [derivative(loss, name) for name in names] if loss is not None else None
    except NnstepsError as err:
        raise err.located(field=Op.LOSS.value) from None
    history: dict[str, list[Any]] = {"params": [], "state": [], "lr": []}
    out_steps: list[Step[Any]] = []
    if loss is not None:
        out_steps.append(Step("Loss", formula=f"L = {loss_text or loss}", note="gradients are its exact derivatives at each θ"))
    for t in range(1, steps + 1):
        rate, rate_step = lr_at(schedule, lr, t - 1, schedule_options or {})
        if derivs is not None:
            point = {name: out(v) for name, v in zip(names, th)}
            try:
                g = [d.evaluate(point) for d in derivs]
            except EvaluationError as err:
                raise NnstepsError(f"the loss's gradient has no value at step {t}: {err}", field=Op.LOSS.value) from None
        else:
            assert grads is not None
            g = list(grads[t - 1])
        step_options, momentum_step = momentum_at(t)
        try:
            th, new, used, parts = update(method, th, g, state, t0 + t, rate, step_options, expand=t == 1,
                                          label=f"{names[0]}")
        except ZeroDivisionError:
            raise NnstepsError(f"step {t} divides by a zero denominator (eps 0 with a zero second moment); "
                               "expected eps > 0", field="eps") from None
        state.update({k: v for k, v in new.items()})
        history["params"].append([out(v) for v in th])
        history["state"].append({k: [out(v) for v in new[k]] for k in new})
        history["lr"].append(out(used) if isinstance(used, Real) else used)
        out_steps.append(Step(f"Step {t0 + t}", steps=[rate_step, *momentum_step, *parts] if schedule != "none" else parts))
    return Worked(kind, value=history, steps=out_steps)
