"""Keras's parameter convention for recurrent layers, totals checked against Keras's formulas."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.arch.table import summary
from nnsteps.errors import NnstepsError
from nnsteps.problems.solve import solve_problem


@settings(max_examples=30, deadline=None)
@given(u=st.integers(1, 64), d=st.integers(1, 64), t=st.integers(1, 20))
def test_keras_totals(u: int, d: int, t: int) -> None:
    keras = {"rnn": u * d + u * u + u, "lstm": 4 * (u * d + u * u + u), "gru": 3 * (u * d + u * u + 2 * u)}
    torch = {"rnn": u * d + u * u + 2 * u, "lstm": 4 * (u * d + u * u + 2 * u), "gru": 3 * (u * d + u * u + 2 * u)}
    for layer in ("rnn", "lstm", "gru"):
        spec = f"input seq {t}x{d}\n{layer} {u}"
        assert summary(spec, convention="keras").rows[0].params == keras[layer]
        assert summary(spec).rows[0].params == torch[layer]


def test_network_problem_and_bad_convention() -> None:
    raw = {"id": "k", "kind": "network", "spec": "input seq 35x300\nlstm 128", "convention": "keras"}
    assert solve_problem(raw).worked.answer["total_params"] == 4 * (128 * 300 + 128 * 128 + 128)
    with pytest.raises(NnstepsError, match="did you mean 'keras'"):
        summary("input seq 3x2\nrnn 2", convention="kears")
