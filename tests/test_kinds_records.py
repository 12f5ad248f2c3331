"""Kinds are records: each kind's name has one home, the schema and `nnsteps kinds` come from the records."""

from __future__ import annotations

import ast
import io
import json
import tokenize
from collections import defaultdict
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from nnsteps.cli import app
from nnsteps.problems.describe import describe_kinds, file_schema
from nnsteps.problems.registry import load_kinds

SRC = Path(__file__).resolve().parents[1] / "src" / "nnsteps"
EXAMPLES = sorted((SRC / "examples").glob("*.yaml"))


def _literal_homes() -> dict[str, set[str]]:
    """Every string literal (docstrings included, as whole strings) -> the modules it appears in."""
    homes: dict[str, set[str]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if tok.type != tokenize.STRING:
                continue
            try:
                value = ast.literal_eval(tok.string)
            except (ValueError, SyntaxError):
                continue  # f-strings
            if isinstance(value, str):
                homes[value].add(str(path.relative_to(SRC)))
    return homes


def test_every_kind_name_has_one_home() -> None:
    """The rule: a kind's name is a string literal in exactly one module under src/ — its own kind
    module, or ``names.py`` when ops, the layer-spec language or the public API spell it too (they
    and the kind record then use the constant from ``names.py``) — besides the kinds manifest, which
    lists it beside that module (``tests/test_kind_manifest.py`` keeps the two in step)."""
    homes = _literal_homes()
    kinds = load_kinds()
    assert len(kinds) >= 17
    for name, kind in kinds.items():
        own = kind.solve.__module__.removeprefix("nnsteps.").replace(".", "/") + ".py"
        assert "kinds/__init__.py" in homes[name], name
        assert homes[name] - {"kinds/__init__.py"} in ({own}, {"names.py"}), (name, sorted(homes[name]))


def test_the_kinds_manifest_lists_modules_without_importing_them() -> None:
    init = (SRC / "kinds" / "__init__.py").read_text(encoding="utf-8")
    assert "\nimport " not in init and "\nfrom " not in init
    assert {k.solve.__module__ for k in load_kinds().values()} >= {
        "nnsteps.kinds.conv", "nnsteps.kinds.pool", "nnsteps.kinds.rnn", "nnsteps.kinds.network"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_schema_validates_every_bundled_example(path: Path) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(document, dict) and "problems" not in document:
        pytest.skip("an answers file")
    jsonschema.Draft202012Validator(file_schema()).validate(document)


def test_schema_rejects_an_unknown_field() -> None:
    validator = jsonschema.Draft202012Validator(file_schema())
    good = {"problems": [{"id": "q", "kind": "max_pool2d", "input": "1 2; 3 4", "kernel_size": 2}]}
    validator.validate(good)
    bad = {"problems": [{**good["problems"][0], "kernel_sise": 2}]}
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(bad)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"problems": [{"id": "q", "kind": "max_pool2d", "input": "1 2"}]})  # kernel_size missing


def test_every_record_example_solves_and_validates() -> None:
    from nnsteps.problems.solve import solve_problem

    validator = jsonschema.Draft202012Validator(file_schema())
    for kind in describe_kinds():
        assert set(kind) >= {"name", "summary", "fields", "example"}
        assert all(set(f) >= {"name", "type", "default", "help", "example", "required"} for f in kind["fields"])
        validator.validate({"problems": [kind["example"]]})
        answer = solve_problem(kind["example"]).worked.answer
        if kind["answer"] and isinstance(answer, dict):
            assert set(answer) <= set(kind["answer"]), kind["name"]


def test_cli_kinds_and_schema() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["kinds"])
    assert listed.exit_code == 0
    assert all(any(line.startswith(name + " ") for line in listed.output.splitlines()) for name in load_kinds())
    rnn = runner.invoke(app, ["kinds", "rnn"])
    assert rnn.exit_code == 0
    assert "learning_rate  number" in rnn.output and "answer keys: h, y, loss, grads, updated" in rnn.output
    example = yaml.safe_load(rnn.output.split("example file:\n", 1)[1])
    assert example["problems"][0]["kind"] == "rnn"
    bad = runner.invoke(app, ["kinds", "rnnn"])
    assert bad.exit_code == 2 and "did you mean 'rnn'" in bad.output
    schema = runner.invoke(app, ["schema"])
    assert json.loads(schema.output)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
