"""Layer types are records: each type's spellings live in its record module only, every record builds its
example, exports it to PyTorch and shows in `nnsteps layers`."""

from __future__ import annotations

import ast
import io
import tokenize
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnsteps.arch.layers import describe, layer_types, spellings
from nnsteps.arch.table import summary
from nnsteps.cli import app
from nnsteps.errors import NnstepsError

ARCH = Path(__file__).resolve().parents[1] / "src" / "nnsteps" / "arch"
TYPES = layer_types()


def _literal_homes() -> dict[str, set[str]]:
    homes: dict[str, set[str]] = defaultdict(set)
    for path in ARCH.rglob("*.py"):
        for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if tok.type == tokenize.STRING:
                try:
                    value = ast.literal_eval(tok.string)
                except (ValueError, SyntaxError):
                    continue
                if isinstance(value, str):
                    homes[value].add(path.name)
    return homes


def test_a_layer_type_is_spelled_only_in_its_record_module() -> None:
    """Adding a layer type is adding one record: no other module of the spec language lists its names
    (names shared with ops live in names.py, outside arch/)."""
    homes = _literal_homes()
    assert len(TYPES) >= 30
    for name, lt in TYPES.items():
        own = Path(lt.build.__code__.co_filename).name if lt.build else "inputs.py"
        for word in (lt.name, *lt.aliases):
            assert homes[word] <= {own}, (name, word, sorted(homes[word]))


def test_spellings_are_unique_and_case_insensitive() -> None:
    words = spellings()
    assert words["conv2d"] == "conv" and words["convtranspose2d"] == "convT" and words["conv1d"] == "conv1d"
    assert sum(len(lt.aliases) + 1 for lt in TYPES.values()) == len(words)


@pytest.mark.parametrize("name", [n for n, lt in TYPES.items() if lt.build is not None])
def test_every_record_example_builds_a_row_of_its_type(name: str) -> None:
    lt = TYPES[name]
    table = summary(lt.example)
    assert table.rows[-1].type == name
    assert lt.to_torch is not None
    for option in lt.options:  # every documented option is accepted under its name and its aliases
        for key in (option.name, *option.aliases):
            assert lt.option(key) is option


def test_option_defaults_are_the_ones_the_builders_use() -> None:
    explicit = summary("input 1d 12x4\nconv1d 3x8 s=1 p=0 d=1 g=1 bias=true\nmaxpool1d 2 s=2 p=0 d=1 ceil=false")
    implicit = summary("input 1d 12x4\nconv1d 3x8\nmaxpool1d 2")
    assert [r.config for r in explicit.rows] == [r.config for r in implicit.rows]


def test_help_lists_every_type_and_shows_one() -> None:
    listed = describe()
    for lt in TYPES.values():
        assert lt.usage in listed
    one = describe("Conv3D")
    assert one.startswith("conv3d KxKxKxF — 3-d convolution") and "padding (p): integer or DxHxW, same or valid" in one
    runner = CliRunner()
    result = runner.invoke(app, ["layers", "separable"])
    assert result.exit_code == 0 and "pointwise" in result.stdout and "bias: true or false, default true" in result.stdout
    bad = runner.invoke(app, ["layers", "conv1"])
    assert bad.exit_code == 2
    assert bad.stderr == "error: expected a layer type of the spec language, got 'conv1' (did you mean 'conv1d'?)\n"


def test_unknown_option_lists_the_records_options() -> None:
    with pytest.raises(NnstepsError, match=r"unknown option 'groups' for separable \(it takes options: bias, "
                                           r"dilation, padding, stride\)"):
        summary("input 8x8x4\nseparable 3x3x8 groups=2")
