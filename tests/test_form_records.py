"""The web form's description of each kind (``/api/kinds``, from the records): every ``when`` hint names a
choice of the same kind and only its choices, every ``instead_of`` names fields of the kind, and for the
optimizer and the loss the hint agrees with the solver: an option is shown exactly for the methods (losses)
whose solve accepts it."""

from __future__ import annotations

import pytest

from nnsteps.errors import NnstepsError
from nnsteps.problems.describe import describe_kinds
from nnsteps.problems.solve import solve_problem

KINDS = {k["name"]: k for k in describe_kinds()}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_when_and_instead_of_names_a_field_of_its_kind(name):
    fields = {f["name"]: f for f in KINDS[name]["fields"]}
    for f in fields.values():
        if "when" in f:
            ruler = fields[f["when"]["field"]]
            assert ruler.get("choices"), (f["name"], "depends on a field with no fixed set")
            assert set(f["when"]["is"]) <= set(ruler["choices"]) and f["when"]["is"]
        for other in f.get("instead_of", ()):
            assert other in fields and other != f["name"]


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_field_of_a_kinds_example_is_one_its_form_shows_and_sends(name):
    kind = KINDS[name]
    fields = {f["name"]: f for f in kind["fields"]}
    example = kind["example"]
    for key in example:
        f = fields.get(key)
        if f is None:
            continue  # id, kind
        if "when" in f:
            ruler = fields[f["when"]["field"]]
            assert str(example.get(ruler["name"], ruler["default"])) in f["when"]["is"], key
        assert not any(key in fields[other].get("instead_of", ()) for other in example if other in fields), key


def _accepts(raw: dict) -> bool:
    try:
        solve_problem(raw)
    except NnstepsError as err:
        assert "takes no" in str(err), str(err)
        return False
    return True


def test_the_optimizer_form_shows_an_option_exactly_for_the_methods_that_take_it():
    fields = {f["name"]: f for f in KINDS["optimizer"]["fields"]}
    values = {"momentum": 0.5, "dampening": 0, "nesterov": False, "weight_decay": 0, "lr_decay": 0,
              "initial_accumulator_value": 0, "eps": 0.1, "alpha": 0.9, "centered": False, "betas": [0.9, 0.99],
              "amsgrad": False, "bias_correction": True, "beta": 0.9}
    shown = {}
    for option, value in values.items():
        for method in fields["method"]["choices"]:
            raw = {"id": "o", "kind": "optimizer", "method": method, "params": 1, "grads": [1], option: value}
            shown[option, method] = _accepts(raw)
    assert shown == {(o, m): m in fields[o]["when"]["is"] for o, m in shown}
    assert fields["momentum"]["when"] == {"field": "method", "is": ["sgd", "rmsprop"]}


def test_the_loss_form_shows_an_option_exactly_for_the_losses_that_take_it():
    fields = {f["name"]: f for f in KINDS["loss"]["fields"]}
    values = {"weight": [1, 1], "pos_weight": [1, 1], "ignore_index": -100, "label_smoothing": 0, "beta": 1,
              "delta": 1, "log_target": False}
    for option, value in values.items():
        for loss in ("mse", "smooth_l1", "huber", "binary_cross_entropy_with_logits", "kl_div"):
            raw = {"id": "l", "kind": "loss", "loss": loss, "input": [0.25, 0.5], "target": [0, 1], option: value}
            assert _accepts(raw) == (loss in fields[option]["when"]["is"]), (option, loss)
        raw = {"id": "l", "kind": "loss", "loss": "cross_entropy", "input": [[2, 1]], "target": [0],
               option: value if option != "weight" else [1, 2]}
        assert _accepts(raw) == ("cross_entropy" in fields[option]["when"]["is"]), option
