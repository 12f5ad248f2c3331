"""Every kind shows its answer keys (or that it answers one array or number) in ``nnsteps kinds``, every kind
with an upstream declares its keys, and every kind's example solves."""

from __future__ import annotations

import pytest

from nnsteps.problems.describe import answer_text, example_of, kinds_text
from nnsteps.problems.registry import load_kinds
from nnsteps.problems.solve import solve_problem

GRID = ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "linear", "relu", "sigmoid", "tanh", "softmax",
        "leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh", "prelu", "dropout", "embedding"]


@pytest.mark.parametrize("name", sorted(load_kinds()))
def test_every_kind_shows_its_answer_keys_and_an_example_that_solves(name: str) -> None:
    kind = load_kinds()[name]
    assert kind.answer or "upstream" not in kind.fields, name
    text = kinds_text(name)
    assert ("answer keys: one array or number" in text) == (not kind.answer), name
    assert f"kind: {name}" in text.split("example file:", 1)[1]
    assert solve_problem(example_of(kind)).worked is not None


@pytest.mark.parametrize("name", GRID)
def test_grid_kinds_answer_the_output_alone_without_upstream_and_output_grads_with_it(name: str) -> None:
    kind = load_kinds()[name]
    assert kind.answer == ("output", "grads")
    assert answer_text(kind) == "without upstream: one array (the output); with upstream: output, grads"


def test_conv2d_with_upstream_answers_its_declared_keys() -> None:
    raw = {"id": "dconv", "kind": "conv2d", "input": "1 2 0; 0 1 3; 2 1 1", "kernel": "1 0; -1 2", "bias": [1],
           "upstream": "1 -1; 2 0"}
    answer = solve_problem(raw).worked.answer
    assert set(answer) == set(load_kinds()["conv2d"].answer)
    assert answer["grads"]["bias"] == [2]
    plain = solve_problem({k: v for k, v in raw.items() if k != "upstream"}).worked.answer
    assert plain.tolist() == answer["output"]
