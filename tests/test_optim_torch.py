"""Every optimiser and schedule of the ``optimizer`` kind against torch.optim / torch.optim.lr_scheduler, step for
step in float64, on random problems (each option); exact results where rational."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
tenth = st.integers(-20, 20).map(lambda k: Fraction(k, 10))
rate = st.sampled_from([Fraction(1, 10), Fraction(1, 100), Fraction(1, 2), Fraction(3, 1000)])
unit = st.sampled_from([0, Fraction(1, 2), Fraction(9, 10), Fraction(99, 100)])


def method_options(method: str) -> st.SearchStrategy[dict[str, Any]]:
    wd = st.sampled_from([0, 0, Fraction(1, 10), Fraction(1, 100)])
    eps = st.sampled_from([Fraction(1, 10**8), Fraction(1, 1000), 0]) if method != "adagrad" else \
        st.sampled_from([Fraction(1, 10**10), Fraction(1, 100)])
    if method == "sgd":
        return st.fixed_dictionaries({"momentum": unit, "dampening": st.sampled_from([0, Fraction(1, 10)]),
                                      "nesterov": st.booleans(), "weight_decay": wd})
    if method == "adagrad":
        return st.fixed_dictionaries({"lr_decay": st.sampled_from([0, Fraction(1, 10)]), "weight_decay": wd,
                                      "initial_accumulator_value": st.sampled_from([0, Fraction(1, 10)]), "eps": eps})
    if method == "rmsprop":
        return st.fixed_dictionaries({"alpha": st.sampled_from([Fraction(9, 10), Fraction(99, 100)]), "eps": eps,
                                      "momentum": unit, "centered": st.booleans(), "weight_decay": wd})
    if method in ("adam", "adamw"):
        return st.fixed_dictionaries({"betas": st.sampled_from([[Fraction(9, 10), Fraction(999, 1000)],
                                                               [Fraction(1, 2), Fraction(3, 4)]]),
                                      "eps": eps, "weight_decay": wd, "amsgrad": st.booleans()})
    return st.fixed_dictionaries({"beta": unit})


def schedules() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.just({}),
        st.fixed_dictionaries({"schedule": st.just("step"), "step_size": st.integers(1, 3),
                               "gamma": st.sampled_from([Fraction(1, 2), Fraction(1, 10)])}),
        st.fixed_dictionaries({"schedule": st.just("exponential"), "gamma": st.sampled_from([Fraction(9, 10),
                                                                                              Fraction(1, 2)])}),
        st.fixed_dictionaries({"schedule": st.just("cosine"), "T_max": st.integers(1, 6),
                               "eta_min": st.sampled_from([0, Fraction(1, 1000)])}),
        st.fixed_dictionaries({"schedule": st.just("inverse_time"), "decay": st.sampled_from([Fraction(1, 2), 1])}),
    )


def torch_scheduler(opt: Any, s: dict[str, Any]) -> Any:
    sched = torch.optim.lr_scheduler
    name = s.get("schedule")
    if name == "step":
        return sched.StepLR(opt, step_size=s["step_size"], gamma=float(s["gamma"]))
    if name == "exponential":
        return sched.ExponentialLR(opt, gamma=float(s["gamma"]))
    if name == "cosine":
        return sched.CosineAnnealingLR(opt, T_max=s["T_max"], eta_min=float(s["eta_min"]))
    if name == "inverse_time":
        return sched.LambdaLR(opt, lambda e: 1 / (1 + float(s["decay"]) * e))
    return None


def torch_run(method: str, theta: list[Any], grads: list[list[Any]] | None, loss: Any, steps: int, lr: Any,
              options: dict[str, Any], s: dict[str, Any]) -> tuple[list[list[float]], list[float]]:
    p = torch.tensor([float(x) for x in theta], dtype=torch.float64, requires_grad=True)
    kw = {k: (float(v) if not isinstance(v, (bool, list)) else [float(b) for b in v] if isinstance(v, list) else v)
          for k, v in options.items()}
    cls = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
           "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[method]
    opt = cls([p], lr=float(lr), **kw)
    sched = torch_scheduler(opt, s)
    params, rates = [], []
    for t in range(steps):
        opt.zero_grad()
        if loss is None:
            p.grad = torch.tensor([float(x) for x in grads[t]], dtype=torch.float64)  # type: ignore[index]
        else:
            loss(p).backward()
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        if sched is not None:
            sched.step()
        params.append(p.detach().tolist())
    return params, rates


def close(a: Any, b: float) -> bool:
    return math.isclose(float(a), b, rel_tol=1e-9, abs_tol=1e-12)


METHODS = ["sgd", "adagrad", "rmsprop", "adam", "adamw"]


@pytest.mark.parametrize("method", METHODS)
@SETTINGS
@given(data=st.data())
def test_every_optimiser_and_schedule_matches_torch_step_for_step(method: str, data: Any) -> None:
    n = data.draw(st.integers(1, 3))
    theta = data.draw(st.lists(tenth, min_size=n, max_size=n))
    steps = data.draw(st.integers(1, 4))
    grads = data.draw(st.lists(st.lists(tenth, min_size=n, max_size=n), min_size=steps, max_size=steps))
    options = data.draw(method_options(method))
    if method == "sgd" and (not options["momentum"] or options["dampening"]):
        options["nesterov"] = False
    if "eps" in options and not options["eps"] and any(x == 0 for g in grads for x in g):
        options["eps"] = Fraction(1, 10**8)  # 0/0: torch gives nan, nnsteps a one-line error (tested below)
    s = data.draw(schedules())
    lr = data.draw(rate)
    raw = {"id": "o", "kind": "optimizer", "method": method, "params": theta, "grads": grads, "lr": lr, **options, **s}
    answer = solve_problem(raw).worked.answer
    want, rates = torch_run(method, theta, grads, None, steps, lr, options, s)
    for t in range(steps):
        assert all(close(a, b) for a, b in zip(answer["params"][t], want[t])), (t, answer["params"], want)
        if method != "adagrad" or not options["lr_decay"]:
            assert close(answer["lr"][t], rates[t])
        else:
            assert close(answer["lr"][t], rates[t] / (1 + t * float(options["lr_decay"])))


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_gradients_from_a_loss_match_torch_autograd(method: str, data: Any) -> None:
    c, k = data.draw(st.integers(-3, 3)), data.draw(st.integers(1, 3))
    w0, b0 = data.draw(tenth), data.draw(tenth)
    options = data.draw(method_options(method))
    if method == "sgd":
        options["nesterov"] = False
    steps = data.draw(st.integers(1, 3))
    raw = {"id": "o", "kind": "optimizer", "method": method, "params": {"w": w0, "b": b0}, "lr": Fraction(1, 10),
           "loss": f"(w - {c})^2 + {k}*b^2 + w*b/4 + tanh(b)", "steps": steps, **options}
    answer = solve_problem(raw).worked.answer

    def loss(p: Any) -> Any:
        w, b = p[0], p[1]
        return (w - c) ** 2 + k * b ** 2 + w * b / 4 + torch.tanh(b)

    want, _ = torch_run(method, [w0, b0], None, loss, steps, Fraction(1, 10), options, {})
    for t in range(steps):
        assert close(answer["params"][t]["w"], want[t][0]) and close(answer["params"][t]["b"], want[t][1])


@settings(max_examples=25, deadline=None)
@given(theta=st.lists(tenth, min_size=1, max_size=3), beta=unit, lr=rate, data=st.data())
def test_momentum_ema_is_the_course_formula_exactly(theta: list[Any], beta: Any, lr: Any, data: Any) -> None:
    grads = data.draw(st.lists(st.lists(tenth, min_size=len(theta), max_size=len(theta)), min_size=1, max_size=4))
    answer = solve_problem({"id": "m", "kind": "optimizer", "method": "momentum_ema", "params": theta,
                            "grads": grads, "lr": lr, "beta": beta}).worked.answer
    v, th = [Fraction(0)] * len(theta), list(map(Fraction, theta))
    for t, g in enumerate(grads):
        v = [beta * a + (1 - beta) * b for a, b in zip(v, g)]
        th = [a - lr * b for a, b in zip(th, v)]
        assert answer["params"][t] == th and answer["state"][t]["v"] == v  # exact


def test_adam_first_step_is_exact_and_named_as_the_contract() -> None:
    answer = solve_problem({"id": "a", "kind": "optimizer", "method": "adam", "params": {"w": [1, -2], "b": 0.5},
                            "grads": [{"w": [0.1, 0.2], "b": -0.3}], "lr": 0.001, "eps": 0}).worked.answer
    assert answer["params"][0] == {"w": [Fraction(999, 1000), Fraction(-2001, 1000)], "b": Fraction(501, 1000)}
    assert answer["state"][0]["m_hat"] == {"w": [Fraction(1, 10), Fraction(1, 5)], "b": Fraction(-3, 10)}
    assert answer["state"][0]["v_hat"]["b"] == Fraction(9, 100)
    assert answer["lr"] == [Fraction(1, 1000)]
