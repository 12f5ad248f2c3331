"""Adversarial inputs: any JSON value in any field of any kind ends in a one-line NnstepsError or an answer,
never a traceback, and the worst inputs under the limits finish inside the time budget.

Complements ``test_bad_inputs.py`` (one file per documented error, through the CLI) with Hypothesis draws
and the cases that used to hang: huge numbers, Fraction-heavy convolutions, long sums rendered as text.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers.fuzz import VALUES, solve_and_render

from nnsteps import budget
from nnsteps.errors import NnstepsError
from nnsteps.problems.load import loads
from nnsteps.problems.registry import load_kinds
from nnsteps.problems.solve import solve_document
from nnsteps.render.document import render_solved

BASE: dict[str, dict[str, Any]] = {
    "conv2d": {"input": "1 2 3; 4 5 6; 7 8 9", "kernel": "1 0; 0 1"},
    "conv_transpose2d": {"input": "1 2; 3 4", "kernel": "1 0; 0 1"},
    "max_pool2d": {"input": "1 2; 3 4", "kernel_size": 2},
    "avg_pool2d": {"input": "1 2; 3 4", "kernel_size": 2},
    "relu": {"input": "1 -2"}, "sigmoid": {"input": "1 -2"}, "tanh": {"input": "1 -2"}, "softmax": {"input": "1 -2"},
    "linear": {"input": [1, 2], "weights": [[1, 2]], "bias": [1]},
    "logistic": {"input": [1, 2], "weights": [1, 2], "bias": 1},
    "pipeline": {"input": "1 2; 3 4", "steps": ["relu", {"avg_pool2d": {"kernel_size": 2}}]},
    "network": {"spec": "input 8x8x3\nconv 3x3x4 p=1\nflatten\ndense 2"},
    "stacked_filters": {"n": 2, "kernel": 3, "channels": 4},
    "size_inverse": {"find": "padding", "input": 32, "output": 32, "kernel": 3},
}
"""A small valid problem of the grid/network kinds, whose fields the draws replace; every other kind's
draws replace fields of its record's example."""


def _base(kind: str) -> dict[str, Any]:
    return BASE[kind] if kind in BASE else {k: v for k, v in load_kinds()[kind].example.items() if k != "id"}


@pytest.mark.parametrize("kind", sorted(load_kinds()))
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_value_in_any_field_is_an_answer_or_one_line(kind: str, data: st.DataObject) -> None:
    fields = st.sampled_from(sorted(load_kinds()[kind].fields))
    override = data.draw(st.dictionaries(fields, VALUES, max_size=2))
    solve_and_render({"id": "p", "kind": kind, **_base(kind), **override})


@pytest.mark.parametrize("text", [
    "[" * 5000 + "]" * 5000, "a: " + "[" * 5000 + "]" * 5000, "- " * 3000 + "1", '{"a": [1e999999999]}',
    "a: 1.0e+999999999", "a: " + "1" * 5000, '{"a": ' + "1" * 5000 + "}", "a: 0x" + "f" * 2000,
])
def test_loader_refuses_deep_or_huge_documents_in_one_line(text: str) -> None:
    with pytest.raises(NnstepsError) as info:
        loads(text)
    assert "\n" not in str(info.value)


N_LONG = 20_000
HEAVY: dict[str, dict[str, Any]] = {
    # 4M Fraction MACs
    "conv-fractions": {"kind": "conv2d", "input": [[Fraction(i * 200 + j + 1, 7) for j in range(200)] for i in range(200)],
                       "kernel": [[Fraction(i * 10 + j + 1, 7) for j in range(10)] for i in range(10)]},
    # 20,000 terms rendered as text
    "logistic-long-sum": {"kind": "logistic", "input": [Fraction(i, 7) for i in range(N_LONG)],
                          "weights": [Fraction(i, 11) for i in range(N_LONG)]},
    # 160,000 SymPy terms once; now the fast number path
    "softmax-long-row": {"kind": "softmax", "input": [Fraction(i, 7) for i in range(400)]},
}


def _solve_and_render_answer(problem: dict[str, Any]) -> Any:
    solved = solve_document([problem])
    for fmt in ("json", "markdown", "text"):
        render_solved(solved, fmt)
    return solved.solved[0].worked.answer


@pytest.mark.parametrize("name", list(HEAVY))
def test_the_heaviest_problems_solve_and_render_under_the_budget(name: str) -> None:
    """The worst inputs under the limits used to hang; they must now finish inside a killable worker's
    budget (a hang fails the test instead of blocking the suite) with the right numbers. How long they
    take is measured by ``python bench/bench_heavy_inputs.py``, not asserted here."""
    answer = budget.run(_solve_and_render_answer, {"id": "p", **HEAVY[name]}, budget=budget.Budget(240),
                        unit=budget.Unit(name))
    if name == "conv-fractions":
        x, k = HEAVY[name]["input"], HEAVY[name]["kernel"]
        assert len(answer) == 191 and len(answer[0]) == 191
        for r, c in [(0, 0), (190, 190), (17, 101)]:
            assert answer[r][c] == sum(x[r + i][c + j] * k[i][j] for i in range(10) for j in range(10))
    elif name == "logistic-long-sum":
        assert answer["z"] == Fraction((N_LONG - 1) * N_LONG * (2 * N_LONG - 1), 6 * 77)
        assert answer["probability"] == 1.0
    else:
        probabilities = [float(v) for v in answer]
        assert len(probabilities) == 400 and math.isclose(sum(probabilities), 1.0, rel_tol=1e-12)
        assert math.isclose(probabilities[1] / probabilities[0], math.exp(1 / 7), rel_tol=1e-12)


def test_sigmoid_of_huge_exact_numbers_takes_the_float_formula() -> None:
    """SymPy's evalf of e^(-z) for 300-digit z took seconds an entry; the float now comes from the float formula.
    (``answer_exact`` of these is printed from the recipes, in order by their floats: SymPy evaluated e^(-z).)"""
    solved = budget.run(solve_document, [{"id": "p", "kind": "sigmoid", "input": [10**299 + i for i in range(400)]}],
                        budget=budget.Budget(120), unit=budget.Unit("sigmoid"))
    assert [float(v) for v in solved.solved[0].worked.value] == [1.0] * 400


def test_check_survives_unparsable_given_numbers(tmp_path: Path) -> None:
    from nnsteps.commands import run_check

    (tmp_path / "p.yaml").write_text("problems: [{id: m, kind: max_pool2d, input: '1 2; 3 4', kernel_size: 2}]")
    for answer in ("'1/0'", "'0/0'", "'1e999999999'", "{a: 1}", "[[[[1]]]]"):
        (tmp_path / "a.yaml").write_text(f"m: {answer}\n")
        _, code = budget.run(run_check, tmp_path / "p.yaml", tmp_path / "a.yaml", fmt="json",
                             budget=budget.Budget(60), unit=budget.Unit(answer))
        assert code == 1


def test_a_huge_roster_is_refused(tmp_path: Path) -> None:
    from nnsteps.generation.generate import generate

    with pytest.raises(NnstepsError, match=r"at most 500 problems in all \(students × count\), got 100,000 × 1"):
        generate("relu", 0, roster=[f"s{i}" for i in range(100_000)], out=tmp_path)


@pytest.mark.parametrize("body", [b"[]", b"null", b'"x"', b"{", b"\xff", b"[" * 5000, b'{"id": "a", "kind": "softmax",'
                                  b' "input": 0, "axis": 0}'])
@pytest.mark.parametrize("path", ["/api/solve", "/api/check", "/api/explain", "/api/grid", "/api/view"])
def test_web_answers_bad_bodies_without_a_500(path: str, body: bytes) -> None:
    from fastapi.testclient import TestClient

    from nnsteps.web.app import create_app

    client = TestClient(create_app(), raise_server_exceptions=False)
    reply = client.post(path, content=body, headers={"content-type": "application/json"})
    assert reply.status_code < 500
    if reply.status_code >= 400:
        assert "\n" not in reply.json()["error"]
