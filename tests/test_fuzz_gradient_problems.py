"""Any value in any field of a backward problem (an upstream gradient on the grid, activation and layer
kinds, a loss, a learning mlp, rnn or pipeline) is an answer or one line of NnstepsError, never a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers.fuzz import VALUES, solve_and_render

from nnsteps.problems.registry import load_kinds

BASE: dict[str, dict[str, Any]] = {
    "loss": {"loss": "cross_entropy", "input": [[2, 1, 0.1]], "target": [0]},
    "batch_norm": {"input": [[1, 2], [3, 6], [5, 1]], "upstream": "1 0; 0 1; 1 1"},
    "layer_norm": {"input": [[1, 2, 3]], "upstream": [[1, 0, 0]]},
    "dropout": {"input": "2 4; 6 8", "p": 0.5, "mask": "1 0; 1 1", "upstream": "1 1; 1 1"},
    "embedding": {"weight": "1 2; 3 4; 5 6", "indices": [2, 0, 2], "upstream": "1 1; 2 0; 1 -1"},
    **{name: {"input": "-2 0 1", "upstream": "1 2 3"} for name in
       ("leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh", "prelu")},
    "conv2d": {"input": "1 2 0; 0 1 3; 2 1 1", "kernel": "1 0; -1 2", "bias": [1], "upstream": "1 -1; 2 0"},
    "mlp": {"input": [[1, 2], [0, 1]], "target": [[2], [0]], "reduction": "mean", "l2": 0.1, "learning_rate": 0.5,
            "layers": [{"weights": [[1, 1]], "bias": [0], "activation": "relu"}]},
    "rnn": {"x": [1, 2], "weights": {"w_in": 2, "w_hh": 3, "w_hy": 1}, "upstream": 1},
    "max_pool2d": {"input": "1 2; 3 4", "kernel_size": 2, "upstream": [[1]]},
    "pipeline": {"input": "1 2 0; 0 1 3; 2 1 1", "steps": [{"conv2d": {"kernel": "1 0; -1 2"}}, "flatten",
                                                           {"linear": {"weights": "1 0 0 1; 0 1 1 0"}}],
                 "target": 1, "learning_rate": 0.1},
}


@pytest.mark.parametrize("kind", sorted(BASE))
@settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_value_in_any_field_is_an_answer_or_one_line(kind: str, data: st.DataObject) -> None:
    fields = st.sampled_from(sorted(load_kinds()[kind].fields))
    override = data.draw(st.dictionaries(fields, VALUES, max_size=2))
    solve_and_render({"id": "p", "kind": kind, **BASE[kind], **override})


@pytest.mark.parametrize("kind", sorted(BASE))
def test_the_base_problems_solve(kind: str) -> None:
    solve_and_render({"id": "p", "kind": kind, **BASE[kind]})
