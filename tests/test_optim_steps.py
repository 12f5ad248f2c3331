"""The training kinds' steps are honest (every arithmetic substitution equals its result), their generated
problems solve, and every method/schedule/scheme shows its work."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from tests.helpers.step_honesty import check_steps

from nnsteps.generation.generate import draw
from nnsteps.problems.solve import solve_problem

OPTIONS: list[dict[str, Any]] = [
    {"method": "sgd", "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
    {"method": "sgd", "momentum": 0.5, "dampening": 0.5},
    {"method": "momentum_ema", "beta": 0.9, "schedule": "exponential", "gamma": 0.5},
    {"method": "adagrad", "lr_decay": 0.5, "initial_accumulator_value": 1, "eps": 0},
    {"method": "rmsprop", "alpha": 0.9, "centered": True, "momentum": 0.5, "eps": 0},
    {"method": "adam", "amsgrad": True, "schedule": "step", "step_size": 1, "gamma": 0.5},
    {"method": "adamw", "weight_decay": 0.1, "schedule": "cosine", "T_max": 3},
    {"method": "adam", "schedule": "inverse_time", "decay": 1, "eps": 0},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: o["method"] + "-" + o.get("schedule", "none"))
def test_every_method_writes_honest_steps(options: dict[str, Any]) -> None:
    raw = {"id": "o", "kind": "optimizer", "params": {"w": [1, -2], "b": 0.5}, "lr": 0.1,
           "grads": [{"w": [0.1, 0.2], "b": -0.3}, {"w": [0.5, -0.1], "b": 0.2}, {"w": [0, 1], "b": 1}], **options}
    worked = solve_problem(raw).worked
    assert check_steps(worked.walk()) >= 2
    assert len(worked.answer["params"]) == 3 and set(worked.answer["params"][0]) == {"w", "b"}
    assert len(worked.answer["lr"]) == 3


def test_loss_gradients_show_the_loss_and_adam_state_is_exact_while_rational() -> None:
    raw = {"id": "l", "kind": "optimizer", "method": "adam", "params": {"w": 0, "b": 1}, "loss": "(w - 3)^2 + 2*b^2",
           "steps": 2, "lr": 0.1, "eps": 0}
    worked = solve_problem(raw).worked
    assert worked.steps[0].formula == "L = (w - 3)^2 + 2*b^2"
    state = worked.answer["state"][0]
    assert state["m"] == {"w": Fraction(-6, 10), "b": Fraction(4, 10)} and state["m_hat"] == {"w": -6, "b": 4}
    assert worked.answer["params"][0] == {"w": Fraction(1, 10), "b": Fraction(9, 10)}  # α·m̂/√v̂ = α·sign(g)
    check_steps(worked.walk())


@pytest.mark.parametrize("raw", [
    {"kind": "moving_average", "values": [10, 4, 7], "beta": 0.9, "bias_correction": True},
    {"kind": "init", "scheme": "kaiming_uniform", "shape": [8, 4, 3, 3], "nonlinearity": "leaky_relu", "a": 0.5,
     "input_var": 2},
    {"kind": "init", "scheme": "xavier_normal", "fan_in": 3, "fan_out": 5, "gain": 2},
])
def test_average_and_init_steps_are_honest(raw: dict[str, Any]) -> None:
    assert check_steps(solve_problem({"id": "s", **raw}).worked.walk()) >= 1


@pytest.mark.parametrize("kind", ["optimizer", "moving_average", "init"])
def test_generated_problems_solve_with_steps(kind: str) -> None:
    for raw in draw(kind, 3, 8, solve=False):
        worked = solve_problem(raw).worked
        assert worked.steps and worked.answer
        check_steps(worked.walk())


def test_the_readme_examples_of_the_training_kinds_solve_as_documented() -> None:
    import re
    from pathlib import Path

    import yaml

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S) if "kind: optimizer" in b)
    solved = {p["id"]: solve_problem(p).worked.answer for p in yaml.safe_load(block)}
    assert solved["ema"] == {"v": [5, Fraction(15, 2)], "v_corrected": [10, 10]}
    he = solved["he"]
    assert (he["fan_in"], he["fan_out"], he["std"], he["output_var"]) == (288, 576, Fraction(1, 12), 2)
    assert str(he["gain"].exact) == "sqrt(2)" and str(he["bound"].exact) == "sqrt(3)/12"
    assert solved["descent"]["lr"] == [Fraction(1, 10), Fraction(1, 20), Fraction(1, 40)]
    assert len(solved["adam"]["state"]) == 2
