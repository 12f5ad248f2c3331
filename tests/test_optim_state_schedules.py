"""Optimiser updates from a given state (torch's ``optimizer.state`` set before stepping, as CS231n's optimizer
tests start), ε under the square root (d2l's Adagrad and RMSProp, their published numbers), and the
MultiStepLR, LinearLR, OneCycleLR and ReduceLROnPlateau schedules, each against torch in float64 and exact
where torch's formula stays rational; the named mistakes of each."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
tenth = st.integers(-20, 20).map(lambda k: Fraction(k, 10))
square = st.integers(0, 20).map(lambda k: Fraction(k, 100))
ADAM_STATE = {"m": "exp_avg", "v": "exp_avg_sq", "v_max": "max_exp_avg_sq"}
TORCH_NAMES = {"sgd": {"b": "momentum_buffer"}, "adagrad": {"sum": "sum"},
               "rmsprop": {"v": "square_avg", "b": "momentum_buffer", "g_avg": "grad_avg"},
               "adam": ADAM_STATE, "adamw": ADAM_STATE}


def close(a: Any, b: float) -> bool:
    return math.isclose(float(a), b, rel_tol=1e-9, abs_tol=1e-12)


def f64(values: Any) -> Any:
    return torch.tensor([float(x) for x in values], dtype=torch.float64)


def start_state(method: str, options: dict[str, Any], n: int, data: Any) -> dict[str, Any]:
    """A random starting state of the entries ``method`` keeps with ``options``."""
    vec = lambda s: data.draw(st.lists(s, min_size=n, max_size=n))  # noqa: E731
    if method == "sgd":
        return {"b": vec(tenth)}
    state: dict[str, Any] = {"t": data.draw(st.integers(0, 6))}
    if method == "adagrad":
        state["sum"] = vec(square)
    elif method == "rmsprop":
        state["v"] = vec(square)
        if options.get("momentum"):
            state["b"] = vec(tenth)
        if options.get("centered"):  # ḡ² below v keeps the variance positive
            state["g_avg"] = [Fraction(0)] * n
    else:
        state.update(m=vec(tenth), v=vec(square))
        if options.get("amsgrad"):
            state["v_max"] = [v + Fraction(1, 100) for v in state["v"]]
    return state


def torch_from_state(method: str, theta: list[Any], grads: list[list[Any]], lr: Any, options: dict[str, Any],
                     state: dict[str, Any]) -> list[list[float]]:
    p = f64(theta).requires_grad_(True)
    kw = {k: [float(b) for b in v] if isinstance(v, list) else v if isinstance(v, bool) else float(v)
          for k, v in options.items()}
    cls = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
           "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[method]
    opt = cls([p], lr=float(lr), **kw)
    opt.state[p] = {TORCH_NAMES[method][k]: f64(v) for k, v in state.items() if k != "t"}
    if "t" in state:
        opt.state[p]["step"] = torch.tensor(float(state["t"]))
    out = []
    for g in grads:
        p.grad = f64(g)
        opt.step()
        out.append(p.detach().tolist())
    return out


def options_for(method: str, data: Any) -> dict[str, Any]:
    if method == "sgd":
        return {"momentum": data.draw(st.sampled_from([Fraction(1, 2), Fraction(9, 10)])),
                "nesterov": data.draw(st.booleans())}
    if method == "adagrad":
        return {"lr_decay": data.draw(st.sampled_from([0, Fraction(1, 10)])), "eps": Fraction(1, 10**10)}
    if method == "rmsprop":
        return {"alpha": Fraction(9, 10), "momentum": data.draw(st.sampled_from([0, Fraction(1, 2)])),
                "centered": data.draw(st.booleans())}
    return {"betas": [Fraction(9, 10), Fraction(999, 1000)], "amsgrad": data.draw(st.booleans()),
            "weight_decay": data.draw(st.sampled_from([0, Fraction(1, 10)]))}


@pytest.mark.parametrize("method", ["sgd", "adagrad", "rmsprop", "adam", "adamw"])
@SETTINGS
@given(data=st.data())
def test_each_optimiser_from_a_given_state_matches_torch_stepped_from_that_state(method: str, data: Any) -> None:
    n, steps = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    theta = data.draw(st.lists(tenth, min_size=n, max_size=n))
    grads = data.draw(st.lists(st.lists(tenth.filter(bool), min_size=n, max_size=n), min_size=steps, max_size=steps))
    options = options_for(method, data)
    state = start_state(method, options, n, data)
    answer = solve_problem({"id": "s", "kind": "optimizer", "method": method, "params": theta, "grads": grads,
                            "lr": Fraction(1, 10), "state": state, **options}).worked.answer
    want = torch_from_state(method, theta, grads, Fraction(1, 10), options, state)
    for t in range(steps):
        assert all(close(a, b) for a, b in zip(answer["params"][t], want[t])), (t, answer["params"], want)


def test_sgd_momentum_from_a_given_buffer_is_exact_and_uses_it_on_the_first_step() -> None:
    answer = solve_problem({"id": "v", "kind": "optimizer", "method": "sgd", "params": [1, -1], "momentum": 0.9,
                            "lr": 0.1, "grads": [[0.5, 1]], "state": {"momentum_buffer": [1, 2]}}).worked.answer
    assert answer["state"][0]["b"] == [Fraction(7, 5), Fraction(14, 5)]  # 0.9·b + g, not g
    assert answer["params"][0] == [Fraction(43, 50), Fraction(-32, 25)]


def test_adam_from_step_t_corrects_with_t_plus_one_exactly() -> None:
    # t = 1 already taken: the update is the second, m̂ = m/(1 − ½²), v̂ = v/(1 − ¾²) with β = (½, ¾).
    answer = solve_problem({"id": "a", "kind": "optimizer", "method": "adam", "params": [1], "grads": [[1]],
                            "lr": 1, "betas": [0.5, 0.75], "eps": 0,
                            "state": {"m": [1], "v": [Fraction(9, 16)], "t": 1}}).worked.answer
    s = answer["state"][0]
    assert s["m"] == [1] and s["v"] == [Fraction(43, 64)]
    assert s["m_hat"] == [Fraction(4, 3)] and s["v_hat"] == [Fraction(43, 28)]


def test_eps_inside_the_root_reproduces_d2l_adagrad_and_rmsprop_published_numbers() -> None:
    # d2l 12.7 (Adagrad) and 12.8 (RMSProp): f = 0.1 x1² + 2 x2², x = (−5, −2), η = 0.4, ε = 1e-6, 20 epochs.
    base = {"id": "d", "kind": "optimizer", "params": [-5, -2], "loss": "0.1*w_1^2 + 2*w_2^2", "lr": 0.4,
            "eps": "1e-6", "steps": 20}
    ada = solve_problem({**base, "method": "adagrad", "eps_inside": True}).worked.answer["params"][-1]
    assert f"{float(ada[0]):.6f}" == "-2.382563" and f"{float(ada[1]):.6f}" == "-0.158591"
    outside = solve_problem({**base, "method": "adagrad"}).worked.answer["params"][-1]
    assert f"{float(outside[0]):.6f}" == "-2.382564"  # torch's √s + ε: the number d2l does not print
    rms = solve_problem({**base, "method": "rmsprop", "alpha": 0.9, "eps_inside": True}).worked.answer["params"][-1]
    assert f"{float(rms[0]):.6f}" == "-0.010599" and f"{float(rms[1]):.6f}" == "0.000000"


def test_eps_inside_is_the_root_of_the_sum_exactly_where_that_is_rational() -> None:
    answer = solve_problem({"id": "e", "kind": "optimizer", "method": "adagrad", "params": [1], "grads": [[2]],
                            "lr": 1, "eps": 5, "eps_inside": True}).worked.answer
    assert answer["params"][0] == [Fraction(1, 3)]  # 1 − 2/√(4 + 5)


def torch_rates(make: Any, steps: int, lr: float, metric_values: list[Any] | None = None) -> list[float]:
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched, rates = make(opt), []
    for t in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step(float(metric_values[t])) if metric_values is not None else sched.step()
    return rates


def our_rates(schedule: dict[str, Any], steps: int, lr: Any) -> list[Any]:
    raw = {"id": "r", "kind": "optimizer", "method": "sgd", "params": [1], "grads": [[1]] * steps, **schedule}
    if schedule["schedule"] != "onecycle":
        raw["lr"] = lr
    return list(solve_problem(raw).worked.answer["lr"])


S = torch.optim.lr_scheduler


@SETTINGS
@given(milestones=st.lists(st.integers(1, 8), min_size=1, max_size=3), gamma=st.sampled_from([Fraction(1, 2),
                                                                                              Fraction(1, 10)]))
def test_multistep_matches_torch_exactly_rational(milestones: list[int], gamma: Any) -> None:
    got = our_rates({"schedule": "multistep", "milestones": milestones, "gamma": gamma}, 9, Fraction(1, 10))
    want = torch_rates(lambda o: S.MultiStepLR(o, milestones, float(gamma)), 9, 0.1)
    assert all(isinstance(r, (int, Fraction)) and close(r, w) for r, w in zip(got, want))


@SETTINGS
@given(start=st.sampled_from([Fraction(1, 4), Fraction(1, 3), Fraction(1, 10)]),
       end=st.sampled_from([1, Fraction(1, 2)]), total=st.integers(1, 6))
def test_linear_warm_up_matches_torch(start: Any, end: Any, total: int) -> None:
    got = our_rates({"schedule": "linear", "start_factor": start, "end_factor": end, "total_iters": total}, 8,
                    Fraction(1, 10))
    want = torch_rates(lambda o: S.LinearLR(o, float(start), float(end), total), 8, 0.1)
    assert all(isinstance(r, (int, Fraction)) and close(r, w) for r, w in zip(got, want))
    assert got[0] == Fraction(1, 10) * start and got[-1] == Fraction(1, 10) * end


@SETTINGS
@given(total=st.integers(4, 12), pct=st.sampled_from([Fraction(3, 10), Fraction(1, 2), Fraction(1, 4)]),
       strategy=st.sampled_from(["cos", "linear"]), three=st.booleans(), div=st.sampled_from([25, 4]),
       final=st.sampled_from([10**4, 10]))
def test_onecycle_matches_torch_without_momentum_cycling(total: int, pct: Any, strategy: str, three: bool, div: int,
                                                         final: int) -> None:
    if pct * total < 2 or three and 2 * pct * total - 2 >= total - 1:
        return  # a phase of zero length: torch divides by zero (nnsteps says so in one line, tested below)
    o = {"max_lr": 1, "total_steps": total, "pct_start": pct, "anneal_strategy": strategy, "three_phase": three,
         "div_factor": div, "final_div_factor": final}
    got = our_rates({"schedule": "onecycle", **o}, total, None)
    want = torch_rates(lambda opt: S.OneCycleLR(opt, 1.0, total_steps=total, pct_start=float(pct),
                                                anneal_strategy=strategy, three_phase=three, div_factor=div,
                                                final_div_factor=final, cycle_momentum=False), total, 0.1)
    assert all(close(r, w) for r, w in zip(got, want)), (got, want)
    assert got[0] == Fraction(1, div)  # the rate it starts from, exact


@SETTINGS
@given(metric_values=st.lists(st.integers(0, 6), min_size=8, max_size=8), mode=st.sampled_from(["min", "max"]),
       patience=st.integers(0, 2), cooldown=st.integers(0, 2), threshold_mode=st.sampled_from(["rel", "abs"]),
       threshold=st.sampled_from([0, Fraction(1, 4), Fraction(1, 10**4)]), min_lr=st.sampled_from([0, Fraction(1, 50)]))
def test_plateau_matches_torch_from_the_metric_after_each_update(metric_values: list[int], mode: str, patience: int,
                                                                 cooldown: int, threshold_mode: str, threshold: Any,
                                                                 min_lr: Any) -> None:
    o = {"mode": mode, "factor": Fraction(1, 2), "patience": patience, "cooldown": cooldown,
         "threshold_mode": threshold_mode, "threshold": threshold, "min_lr": min_lr}
    got = our_rates({"schedule": "plateau", "metric_values": metric_values, **o}, 8, Fraction(1, 10))
    want = torch_rates(lambda opt: S.ReduceLROnPlateau(opt, mode=mode, factor=0.5, patience=patience,
                                                       cooldown=cooldown, threshold_mode=threshold_mode,
                                                       threshold=float(threshold), min_lr=float(min_lr)),
                       8, 0.1, metric_values)
    assert all(close(r, w) for r, w in zip(got, want)), (got, want)


def check(raw: dict[str, Any], wrong: dict[str, Any]) -> Any:
    given_answer = plain(solve_problem({**raw, **wrong}).worked.answer)
    return check_problem(raw, given_answer)


ADAM = {"id": "a", "kind": "optimizer", "method": "adam", "params": [1, -1], "grads": [[0.5, -0.2]], "lr": 0.1,
        "state": {"m": [0.2, 0.1], "v": [0.04, 0.01], "t": 2}}


def test_adam_from_a_given_t_names_bias_correction_with_t_instead_of_t_plus_one() -> None:
    result = check(ADAM, {"state": {**ADAM["state"], "t": 1}})
    assert not result.correct and result.likely_mistake.startswith("bias correction with the given t instead of t + 1")


def test_a_given_state_ignored_is_named() -> None:
    raw = {"id": "s", "kind": "optimizer", "method": "sgd", "params": [1], "grads": [[1]], "lr": 0.1,
           "momentum": 0.9, "state": {"b": [2]}}
    result = check(raw, {"state": None})
    assert result.likely_mistake.startswith("given state ignored")


def test_eps_outside_the_root_is_named_when_the_problem_puts_it_inside() -> None:
    raw = {"id": "e", "kind": "optimizer", "method": "adagrad", "params": [1], "grads": [[2]], "lr": 1, "eps": 5,
           "eps_inside": True}
    result = check(raw, {"eps_inside": False})
    assert result.likely_mistake.startswith("ε outside the square root")


def test_plateau_patience_off_by_one_and_a_schedule_ignored_are_named() -> None:
    raw = {"id": "p", "kind": "optimizer", "method": "sgd", "params": [1], "grads": [[1]] * 5, "lr": 1,
           "schedule": "plateau", "metric_values": [3, 3, 3, 3], "patience": 2, "factor": 0.5}
    assert check(raw, {"patience": 1}).likely_mistake.startswith("plateau reduced after patience epochs")
    plain_raw = {k: v for k, v in raw.items() if k not in ("schedule", "metric_values", "patience", "factor")}
    wrong = plain(solve_problem(plain_raw).worked.answer)
    assert check_problem(raw, wrong).likely_mistake.startswith("learning-rate schedule ignored")


@pytest.mark.parametrize(("raw", "message"), [
    ({"method": "sgd", "state": {"m": [1]}}, "field state.m: sgd keeps no state 'm'"),
    ({"method": "adam", "state": {"m": [1, 2]}}, r"field state.m: w has shape \[1\], got shape \[2\]"),
    ({"method": "adam", "state": {"t": -1}}, "field state.t: expected a step count >= 0"),
    ({"method": "adagrad", "state": {"sum": [-1]}}, "field state.sum: expected a sum of squares >= 0"),
    ({"method": "adam", "state": [1]}, "field state: expected a mapping"),
    ({"method": "sgd", "schedule": "onecycle", "max_lr": 1, "total_steps": 4}, "field lr: onecycle sets the rate"),
    ({"method": "sgd", "schedule": "plateau", "metric_values": [1], "steps": 3, "grads": [[1]] * 3},
     "field metric_values: the rate of update 3 needs the metric after each of the 2 updates"),
    ({"method": "sgd", "schedule": "onecycle", "max_lr": 1, "total_steps": 2, "grads": [[1]] * 3, "lr": None},
     "field total_steps: OneCycleLR runs total_steps = 2 updates; update 3 is past it"),
    ({"method": "sgd", "schedule": "multistep", "gamma": 0.5}, "field milestones: schedule multistep needs milestones"),
    ({"method": "sgd", "schedule": "linear", "start_factor": 0}, r"field start_factor: expected start_factor in \(0"),
])
def test_bad_state_and_schedule_options_end_in_one_line(raw: dict[str, Any], message: str) -> None:
    base = {"id": "q", "kind": "optimizer", "params": [1], "grads": [[1]], "lr": 0.1}
    with pytest.raises(NnstepsError, match=message):
        solve_problem({**base, **raw})


TORCH_OPTIMIZERS = {"sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}
CYCLE_GRADS = [[1, Fraction(1, 2)], [Fraction(-1, 2), 2], [1, 1], [2, -1], [Fraction(1, 4), 1], [1, -1]]


@pytest.mark.parametrize(("method", "options"), [
    ("sgd", {}), ("sgd", {"momentum": "0.9"}), ("sgd", {"momentum": "0.9", "nesterov": True}),
    ("rmsprop", {}), ("rmsprop", {"centered": True, "momentum": "0.5"}), ("adam", {}), ("adamw", {}),
    ("adam", {"amsgrad": True}),
])
@pytest.mark.parametrize(("strategy", "three", "bounds"), [
    ("cos", False, {}), ("linear", False, {}), ("linear", True, {"base_momentum": "0.8", "max_momentum": "0.9"}),
])
def test_onecycle_sets_each_updates_momentum_or_beta1_as_torch_does_by_default(
        method: str, options: dict[str, Any], strategy: str, three: bool, bounds: dict[str, Any]) -> None:
    raw = {"id": "c", "kind": "optimizer", "method": method, "params": [1, -2], "grads": CYCLE_GRADS, **options,
           "schedule": "onecycle", "max_lr": 1, "total_steps": 10, "anneal_strategy": strategy, "three_phase": three,
           **bounds}
    ours = solve_problem(raw).worked.answer["params"]
    p = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    kw = {k: float(v) if isinstance(v, str) else v for k, v in options.items()}
    opt = getattr(torch.optim, TORCH_OPTIMIZERS[method])([p], lr=0.1, **kw)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy=strategy,
                                                three_phase=three, **{k: float(v) for k, v in bounds.items()})
    for t, g in enumerate(CYCLE_GRADS):
        p.grad = f64(g)
        opt.step()
        sched.step()
        assert all(close(a, b) for a, b in zip(ours[t], p.detach().tolist())), (t, ours[t], p.tolist())


def test_onecycle_momentum_steps_show_the_cycle_and_stay_exact_when_linear() -> None:
    raw = {"id": "c", "kind": "optimizer", "method": "sgd", "params": [1], "grads": [[1]] * 4, "schedule": "onecycle",
           "max_lr": 1, "total_steps": 5, "pct_start": Fraction(2, 5), "anneal_strategy": "linear"}
    worked = solve_problem(raw).worked
    momenta = [next(s.result for s in step.steps if s.title.startswith("Momentum")) for step in worked.steps]
    assert momenta == [Fraction(19, 20), Fraction(17, 20), Fraction(53, 60), Fraction(11, 12)]
    assert worked.answer["state"][1]["b"] == [Fraction(37, 20)]  # b₂ = μ₂ b₁ + g₂ with μ₂ = 0.85, b₁ = g₁ = 1
    off = solve_problem({**raw, "cycle_momentum": False}).worked
    assert off.answer["state"][1] == {} and not any(s.title.startswith("Momentum") for s in off.steps[0].steps)


def test_onecycle_without_a_momentum_to_cycle_is_one_line_unless_told_not_to_cycle() -> None:
    raw = {"id": "a", "kind": "optimizer", "method": "adagrad", "params": [1], "grads": [[1]], "schedule": "onecycle",
           "max_lr": 1, "total_steps": 4, "pct_start": 0.5}
    with pytest.raises(NnstepsError, match="problem a, field cycle_momentum: OneCycleLR cycles the momentum "
                                           r"\(cycle_momentum, torch's default\) and adagrad has none"):
        solve_problem(raw)
    assert solve_problem({**raw, "cycle_momentum": False}).worked.answer["lr"] == [Fraction(1, 25)]


def test_a_onecycle_answer_computed_without_the_momentum_cycle_is_named() -> None:
    raw = {"id": "c", "kind": "optimizer", "method": "adam", "params": [1], "grads": [[1], [-1], [2]],
           "schedule": "onecycle", "max_lr": 1, "total_steps": 6, "anneal_strategy": "linear"}
    wrong = solve_problem({**raw, "cycle_momentum": False}).worked.answer
    result = check_problem(raw, plain(wrong))
    assert not result.correct and result.likely_mistake.startswith("momentum not cycled")


def test_a_onecycle_statement_states_the_momentum_cycle_and_no_unused_rate() -> None:
    from nnsteps.export.items import load
    from nnsteps.export.statement import statement

    raw = {"id": "c", "kind": "optimizer", "method": "sgd", "params": [1], "grads": [[1]] * 2, "schedule": "onecycle",
           "max_lr": 1, "total_steps": 10}
    st = statement(load({"problems": [raw]}).items[0])
    text = " ".join(g.label for g in st.givens)
    assert "OneCycleLR also sets $\\mu$ at each update" in text and "from $0.95$ down to $0.85$" in text
    assert "learning rate" not in text and "\\mu = 0" not in text


def test_onecycle_with_a_phase_of_zero_length_is_a_one_line_error() -> None:
    with pytest.raises(NnstepsError, match="field pct_start: a OneCycleLR phase of zero length"):
        solve_problem({"id": "z", "kind": "optimizer", "method": "sgd", "params": [1], "grads": [[1]] * 2,
                       "schedule": "onecycle", "max_lr": 1, "total_steps": 4, "pct_start": 0.25})


def test_a_wrong_rmsprop_answer_is_graded_though_one_mistake_keeps_other_state() -> None:
    # "centred variance toggled" answers a state with ḡ the key does not have: a candidate, not a crash.
    raw = {"id": "r", "kind": "optimizer", "method": "rmsprop", "params": [1], "grads": [[1]], "lr": 0.1,
           "alpha": 0.9, "eps": 0.01, "eps_inside": True}
    result = check(raw, {"eps_inside": False})
    assert not result.correct and result.likely_mistake.startswith("ε outside the square root")


@pytest.mark.parametrize("schedule", ["multistep", "linear", "onecycle", "plateau"])
@pytest.mark.parametrize("method", ["sgd", "adagrad", "rmsprop", "adam"])
def test_generated_problems_with_a_state_and_each_new_schedule_solve(method: str, schedule: str) -> None:
    from nnsteps.generation.generate import draw

    for problem in draw("optimizer", 3, 2, method=method, schedule=schedule, state=True):
        assert problem["schedule"] == schedule and "state" in problem
        assert len(solve_problem(problem).worked.answer["lr"]) == len(problem.get("grads") or [0] * problem["steps"])
