"""The ``init`` kind against torch.nn.init's fan and gain functions (and the spread of its samples); the
``moving_average`` kind against its formula, exactly; bad input and named mistakes of the new training kinds."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.grading import mistakes as M
from nnsteps.problems.solve import solve_problem

torch = pytest.importorskip("torch")

shapes = st.one_of(st.lists(st.integers(1, 40), min_size=2, max_size=2),
                   st.tuples(st.integers(1, 16), st.integers(1, 16), st.integers(1, 5)).map(lambda t: [t[0], t[1], t[2], t[2]]))


@settings(max_examples=40, deadline=None)
@given(shape=shapes, scheme=st.sampled_from(["xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
                                             "lecun_normal"]),
       nonlinearity=st.sampled_from(["relu", "leaky_relu", "tanh", "sigmoid", "linear", "selu", "conv2d"]),
       a=st.sampled_from([0, Fraction(1, 10), Fraction(1, 5)]), mode=st.sampled_from(["fan_in", "fan_out"]))
def test_init_matches_torch_fans_gain_and_std(shape: list[int], scheme: str, nonlinearity: str, a: Any,
                                              mode: str) -> None:
    raw: dict[str, Any] = {"id": "i", "kind": "init", "scheme": scheme, "shape": shape}
    kaiming = scheme.startswith("kaiming")
    if kaiming:
        raw.update({"nonlinearity": nonlinearity, "mode": mode, "a": a})
    elif scheme.startswith("xavier"):
        raw["nonlinearity"] = nonlinearity
    answer = solve_problem(raw).worked.answer
    w = torch.empty(*shape, dtype=torch.float64)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(w)
    assert (answer["fan_in"], answer["fan_out"]) == (fan_in, fan_out)
    if scheme == "lecun_normal":
        gain, std = 1.0, 1 / math.sqrt(fan_in)
    else:
        gain = torch.nn.init.calculate_gain(nonlinearity, float(a) if kaiming else None)
        fan = fan_in if mode == "fan_in" else fan_out
        std = gain / math.sqrt(fan) if kaiming else gain * math.sqrt(2 / (fan_in + fan_out))
    assert math.isclose(float(answer["gain"]), gain, rel_tol=1e-12)
    assert math.isclose(float(answer["std"]), std, rel_tol=1e-12)
    if scheme.endswith("uniform"):
        assert math.isclose(float(answer["bound"]), math.sqrt(3) * std, rel_tol=1e-12)
        # torch's own bound: every sample lies inside it
        torch.manual_seed(0)
        if kaiming:
            torch.nn.init.kaiming_uniform_(w, a=float(a), mode=mode, nonlinearity=nonlinearity)
        else:
            torch.nn.init.xavier_uniform_(w, gain=gain)
        assert float(w.abs().max()) <= float(answer["bound"]) * (1 + 1e-12)
    else:
        assert "bound" not in answer


def test_sampled_std_of_torch_is_close_to_the_answer() -> None:
    answer = solve_problem({"id": "he", "kind": "init", "scheme": "kaiming_normal", "shape": [64, 32, 3, 3],
                            "nonlinearity": "relu"}).worked.answer
    w = torch.empty(64, 32, 3, 3, dtype=torch.float64)
    torch.manual_seed(1)
    torch.nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(float(w.std()) / float(answer["std"]) - 1) < 0.03   # 18 432 samples: loose on purpose
    assert answer["std"] == Fraction(1, 12) and str(answer["gain"].exact) == "sqrt(2)"  # exact: rational or lazily


def test_contract_example_and_variance_argument_are_exact() -> None:
    answer = solve_problem({"id": "he", "kind": "init", "scheme": "kaiming_uniform", "shape": [64, 32, 3, 3], "a": 0,
                            "mode": "fan_in", "nonlinearity": "relu", "input_var": 1}).worked.answer
    assert answer["fan_in"] == 288 and answer["fan_out"] == 576
    assert answer["std"] == Fraction(1, 12) and str(answer["bound"].exact) == "sqrt(3)/12"
    assert answer["output_var"] == 2  # 288 · (2/288) · 1
    linear = solve_problem({"id": "x", "kind": "init", "scheme": "xavier_uniform", "fan_in": 2, "fan_out": 4}
                           ).worked.answer
    assert linear["bound"] == 1 and linear["gain"] == 1  # √(6/6)


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.integers(-20, 20), min_size=1, max_size=6),
       beta=st.sampled_from([0, Fraction(1, 2), Fraction(9, 10), Fraction(98, 100)]), bc=st.booleans())
def test_moving_average_is_its_formula_exactly(values: list[int], beta: Any, bc: bool) -> None:
    answer = solve_problem({"id": "e", "kind": "moving_average", "values": values, "beta": beta,
                            "bias_correction": bc}).worked.answer
    v = Fraction(0)
    for t, x in enumerate(values, start=1):
        v = beta * v + (1 - beta) * x
        assert answer["v"][t - 1] == v
        assert answer["v_corrected"][t - 1] == (v / (1 - Fraction(beta) ** t) if bc else v)


def test_contract_moving_average() -> None:
    answer = solve_problem({"id": "ema", "kind": "moving_average", "values": [10, 10], "beta": 0.5,
                            "bias_correction": True}).worked.answer
    assert answer == {"v": [5, Fraction(15, 2)], "v_corrected": [10, 10]}


@pytest.mark.parametrize(("raw", "pattern"), [
    ({"method": "adma", "params": 1, "grads": [1]}, r"field method: .*did you mean 'adam'"),
    ({"method": "sgd", "params": 1, "grads": [1], "schedule": "cosin", "T_max": 2}, r"did you mean 'cosine'"),
    ({"method": "sgd", "params": {"w": 1}, "loss": "(w - x)^2"}, r"field loss: .*unknown name 'x'"),
    ({"method": "sgd", "params": 1, "loss": "(w - 3)^^2"}, r"field loss: .*unexpected '\^'"),
    ({"method": "sgd", "params": 1, "loss": "relu(w)"}, r"field loss: .*no derivative everywhere"),
    ({"method": "sgd", "params": [1, 2], "grads": [[1]]}, r"field grads: .*shape \[2\]"),
    ({"method": "sgd", "params": 1, "grads": [1], "steps": 3}, r"field steps: 3 steps need 3 gradients"),
    ({"method": "adam", "params": 1, "grads": [1], "momentum": 0.9}, r"field momentum: adam takes no momentum"),
    ({"method": "sgd", "params": 1, "grads": [1], "schedule": "step"}, r"schedule step needs step_size"),
    ({"method": "sgd", "params": 1}, r"expected grads"),
    ({"method": "rmsprop", "params": 1, "grads": [0], "eps": 0}, r"field eps: step 1 divides by a zero denominator"),
])
def test_optimizer_bad_input_is_one_line(raw: dict[str, Any], pattern: str) -> None:
    with pytest.raises(NnstepsError, match=pattern) as err:
        solve_problem({"id": "bad", "kind": "optimizer", **raw})
    assert "\n" not in str(err.value) and "problem bad" in str(err.value)


def test_bad_init_and_average_inputs() -> None:
    with pytest.raises(NnstepsError, match=r"field scheme: .*did you mean 'xavier_normal'"):
        solve_problem({"id": "b", "kind": "init", "scheme": "xavier_norml", "fan_in": 2})
    with pytest.raises(NnstepsError, match=r"field shape: .*at least 2 dimensions"):
        solve_problem({"id": "b", "kind": "init", "scheme": "xavier_normal", "shape": [3]})
    with pytest.raises(NnstepsError, match=r"field beta: expected β in \[0, 1\)"):
        solve_problem({"id": "b", "kind": "moving_average", "values": [1], "beta": 1})


def _named(raw: dict[str, Any]) -> dict[str, Any]:
    key = solve_problem(raw).worked.answer
    return dict(M.mistaken_answers(raw, key))


def test_named_mistakes_are_recognised() -> None:
    adam = {"id": "a", "kind": "optimizer", "method": "adam", "params": [1, -2], "grads": [[0.1, 0.2], [0.3, -0.1]],
            "lr": 0.1, "weight_decay": 0.1}
    names = [n for n, _ in M.mistaken_answers(adam, solve_problem(adam).worked.answer)]
    assert any("bias correction forgotten" in n for n in names)
    assert any("β and 1 − β swapped" in n for n in names)
    assert any("decoupled" in n for n in names)
    ema = {"id": "e", "kind": "moving_average", "values": [10, 4, 6], "beta": 0.9, "bias_correction": True}
    names = [n for n, _ in M.mistaken_answers(ema, solve_problem(ema).worked.answer)]
    assert any("bias correction forgotten" in n for n in names) and any("swapped" in n for n in names)
    he = {"id": "h", "kind": "init", "scheme": "kaiming_normal", "shape": [8, 4, 3, 3], "nonlinearity": "relu"}
    names = [n for n, _ in M.mistaken_answers(he, solve_problem(he).worked.answer)]
    assert any("receptive field" in n for n in names) and any("mode" in n for n in names)
