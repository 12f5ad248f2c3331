"""A kind's fields are declared once, in its record, and that declaration parses them: no kind module reads
a declared field outside its record (no ``get("stride", ...)``, no ``raw["stride"]``), and solving a file
parses each problem once into a frozen :class:`~nnsteps.problems.params.Params` that everything reads."""

from __future__ import annotations

import ast
from collections import Counter
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from nnsteps.errors import NnstepsError
from nnsteps.problems import params as params_module
from nnsteps.problems import registry
from nnsteps.problems.load import load_file
from nnsteps.problems.params import Field, FieldType, parse_params
from nnsteps.problems.registry import load_kinds
from nnsteps.problems.solve import solve_document

KINDS_DIR = Path(registry.__file__).resolve().parents[1] / "kinds"
RAW_NAMES = {"p", "raw", "raw_problem", "r", "params", "stage_raw"}  # a generator builds `problem`


def declared_fields() -> set[str]:
    return {f.name for kind in load_kinds().values() for f in kind.specs}


def raw_reads(source: str, declared: set[str]) -> list[str]:
    """Where the source reads a declared field around its record: a ``get(...)`` getter, ``X.get("name")``
    or ``X["name"]`` on a raw problem (``p``, ``raw``, ``r``, …), or ``X.raw`` at all."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr == "raw":
            found.append(f"{where}: .raw")
        if isinstance(node, ast.Call):
            func = node.func
            first = node.args[0] if node.args else None
            named = isinstance(first, ast.Constant) and first.value in declared
            if isinstance(func, ast.Name) and func.id == "get":
                found.append(f"{where}: get(...)")
            elif (isinstance(func, ast.Attribute) and func.attr in ("get", "has") and named
                  and isinstance(func.value, ast.Name) and func.value.id in RAW_NAMES - {"p", "params"}):
                found.append(f"{where}: {func.value.id}.{func.attr}({first.value!r})")  # type: ignore[union-attr]
            elif (isinstance(func, ast.Attribute) and func.attr == "get" and named
                  and isinstance(func.value, ast.Name) and func.value.id in ("p", "params")):
                found.append(f"{where}: {func.value.id}.get({first.value!r})")  # type: ignore[union-attr]
        if (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name)
                and node.value.id in RAW_NAMES - {"p", "params"}
                and isinstance(node.slice, ast.Constant) and node.slice.value in declared):
            found.append(f"{where}: {node.value.id}[{node.slice.value!r}]")
    return found


def test_the_checker_finds_a_field_read_around_its_record() -> None:
    bad = '''
def _conv(x, get):
    return get("stride", F.pair(1, "a stride"), (1, 1))
def _mistakes(raw):
    return raw.get("stride", 1) not in (1, [1, 1]) or raw["padding"]
def solve(p):
    return p.get("stride", F.pair(1), 1), p.raw["kernel"]
def generate(rng, options):
    problem = {"kind": "conv2d"}
    problem["stride"] = 2
    return problem
'''
    found = raw_reads(bad, {"stride", "padding", "kernel"})
    assert sorted(found) == ["line 3: get(...)", "line 5: raw.get('stride')", "line 5: raw['padding']",
                             "line 7: .raw", "line 7: p.get('stride')"]
    assert raw_reads("def gen(rng, options):\n    return options.get('stride')\n", {"stride"}) == []


@pytest.mark.parametrize("module", sorted(p.name for p in KINDS_DIR.glob("*.py")))
def test_no_kind_module_reads_a_declared_field_outside_its_record(module: str) -> None:
    assert raw_reads((KINDS_DIR / module).read_text(encoding="utf-8"), declared_fields()) == []


@pytest.mark.parametrize("name", sorted(load_kinds()))
def test_every_field_parses_its_own_example_and_default(name: str) -> None:
    for f in load_kinds()[name].specs:
        if f.example is not None:
            f.read(f.example)  # raises if the record's example is not what its parser takes
        f.default_value  # noqa: B018  (parsing the default raises if it is not)
    example = load_kinds()[name].example
    if example is not None:
        p = load_kinds()[name].parse({"id": "q", "kind": name, **example})
        assert set(p.keys()) == {f.name for f in load_kinds()[name].specs}


def test_a_file_is_parsed_once_per_problem_and_once_per_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    import nnsteps.kinds.pipeline as pipeline

    calls: Counter[tuple[str, str]] = Counter()
    real = params_module.parse_params

    def counting(specs: Any, raw: Any, pid: Any = None, **kw: Any) -> Any:
        calls[(str(pid), str(raw.get("kind", "stage")))] += 1
        return real(specs, raw, pid, **kw)

    monkeypatch.setattr(registry, "parse_params", counting)
    monkeypatch.setattr(pipeline, "parse_params", counting)
    document = load_file(files("nnsteps") / "examples" / "assignment3.yaml")
    solved = solve_document(document)
    entries = document["problems"]
    assert len(solved.solved) == len(entries)
    for entry in entries:
        assert calls[(str(entry["id"]), entry["kind"])] == 1, entry["id"]
        if entry["kind"] == "pipeline":
            assert calls[(str(entry["id"]), "stage")] == len(entry["steps"])
    stages = sum(len(e["steps"]) for e in entries if e["kind"] == "pipeline")
    assert sum(calls.values()) == len(entries) + stages


def test_params_are_read_only_filled_with_defaults_and_errors_name_problem_and_field() -> None:
    p = load_kinds()["conv2d"].parse({"id": "q1", "kind": "conv2d", "input": "1 2; 3 4", "kernel": "1",
                                      "stride": [1, 2], "padding": "SAME"})
    assert (p.stride, p["dilation"], p.padding, p.groups, p.flip, p.detail) == ((1, 2), (1, 1), "same", 1, False, "auto")
    assert p.has("stride") and not p.has("dilation") and p.kernel.tolist() == [[1]]
    with pytest.raises(AttributeError, match="read-only"):
        p.stride = (1, 1)
    with pytest.raises(NnstepsError, match=r"^problem q2, field stride: expected a stride >= 1, got 0$"):
        load_kinds()["conv2d"].parse({"id": "q2", "kind": "conv2d", "input": "1", "kernel": "1", "stride": 0})


def test_a_choice_field_checks_its_choices_with_a_hint() -> None:
    field = Field("cell", FieldType.CHOICE, "rnn, lstm or gru", choices=("rnn", "lstm", "gru"))
    with pytest.raises(NnstepsError) as err:
        parse_params([field], {"id": "q", "cell": "lstn"})
    assert str(err.value) == "problem q, field cell: expected one of rnn, lstm, gru, got 'lstn' (did you mean 'lstm'?)"


def test_a_pipeline_stage_option_error_names_the_stage_and_field() -> None:
    from nnsteps.problems.solve import solve_problem

    with pytest.raises(NnstepsError) as err:
        solve_problem({"id": "p", "kind": "pipeline", "input": "1 2; 3 4",
                       "steps": [{"conv2d": {"kernel": "1 0; 0 1", "stride": 0}}]})
    assert str(err.value) == "problem p, field steps[0].stride: expected a stride >= 1, got 0"
