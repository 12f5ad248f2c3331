"""Every registered kind keeps one contract: its example checks cell by cell (one changed cell is flagged
where it is, and nothing else), its generator draws distinct variants whose key scores full marks, and it
has a web form from its record whose API solves its example as the engine does."""

from __future__ import annotations

import asyncio
import copy
import json
from fractions import Fraction
from typing import Any

import httpx
import pytest

from nnsteps.api_check import check, generate
from nnsteps.generation.generate import kinds as generated_kinds
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.problems.registry import load_kinds
from nnsteps.problems.solve import solve_problem

KINDS = sorted(load_kinds())
NOT_CELL_BY_CELL = {"network": "a row is found by its layer's name: a changed name is an unknown layer, refused"}
"""Kinds whose key holds names that identify its cells, so a changed cell is not a wrong value."""


def _example(kind: str) -> dict[str, Any]:
    return {**load_kinds()[kind].example, "id": "q", "kind": kind}


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*path, i))]
    return [(path, value)]


def _where(path: tuple[Any, ...]) -> str:
    """The grader's name of a cell: dict keys joined by dots, list indices in brackets."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "answer"  # a bare number is the cell ``answer``


def _changed(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return str(Fraction(value) + 1)
        except ValueError:
            return value + "x"  # a token of a sequence
    return value + 1


@pytest.mark.parametrize("kind", [k for k in KINDS if k not in NOT_CELL_BY_CELL])
def test_checks_cell_by_cell(kind: str) -> None:
    raw = _example(kind)
    key = plain(solve_problem(raw).worked.answer)
    assert check_problem(raw, key).correct
    cells = [(p, v) for p, v in _leaves(key) if not isinstance(v, bool) and v is not None]
    assert cells, kind
    for path, value in (cells[0], cells[len(cells) // 2], cells[-1]):
        given = copy.deepcopy(key)
        target = given
        for p in path[:-1]:
            target = target[p]
        if path:
            target[path[-1]] = _changed(value)
        else:
            given = _changed(value)
        result = check_problem(raw, given)
        assert not result.correct
        assert [c.where for c in result.cells if not c.credit] == [_where(path)], (kind, path)


@pytest.mark.parametrize("kind", generated_kinds())
def test_generates_distinct_variants_that_score_full_marks(kind: str) -> None:
    exercises = generate(kind, seed=14, count=8)
    distinct = {repr(sorted((k, repr(v)) for k, v in p.items() if k != "id")) for p in exercises.problems}
    assert len(distinct) >= 6, kind
    report = check(exercises.document(), exercises.answers)
    assert report.score == report.max_score == 8


def test_every_kind_has_a_web_form_from_its_record_and_the_api_solves_its_example() -> None:
    from nnsteps.web.app import create_app

    app = create_app()

    async def go() -> tuple[Any, list[Any]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            kinds = (await c.get("/api/kinds")).json()
            solved = [await c.post("/api/solve", json=json.loads(json.dumps(_example(k), default=str))) for k in KINDS]
            return kinds, solved

    kinds, solved = asyncio.run(go())
    by_name = {k["name"]: k for k in kinds}
    for kind, response in zip(KINDS, solved, strict=True):
        record = load_kinds()[kind]
        form = by_name[kind]
        assert [f["name"] for f in form["fields"]] == list(record.fields), kind
        assert form["example"]["kind"] == kind and form.get("form", record.form) == record.form
        assert response.status_code == 200, (kind, response.text)
        ours = [v for _, v in _leaves(plain(solve_problem(_example(kind)).worked.answer))]
        theirs = [v for _, v in _leaves(response.json()["answer"])]
        assert len(ours) == len(theirs), kind
        for a, b in zip(ours, theirs, strict=True):
            if isinstance(a, (int, float, Fraction)) and not isinstance(a, bool):
                assert float(Fraction(str(b))) == pytest.approx(float(a), rel=1e-15, abs=1e-300), (kind, a, b)
            else:
                assert a == b, (kind, a, b)
