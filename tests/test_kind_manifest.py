"""The kinds manifest (``nnsteps.kinds.MANIFEST``) and what the kind modules register never drift
apart: every module of the package is listed, each listed module registers exactly the kinds listed
for it (in that order), every stage kind is listed as a stage, and a kind (or its generator) is found
by importing its one module."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import nnsteps.kinds
from nnsteps.kinds import MANIFEST, STAGES
from nnsteps.problems.registry import home_of, load_kinds

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

# In a fresh process: import each module alone, in turn, and note the kinds each import adds.
REGISTERS = """
import importlib, json
from nnsteps.kinds import MANIFEST
from nnsteps.problems.registry import KINDS
seen, out = set(), {}
for module in MANIFEST:
    importlib.import_module("nnsteps.kinds." + module)
    out[module] = [n for n in KINDS._records if n not in seen]
    seen.update(out[module])
print(json.dumps(out))
"""

FIND = """
import json, sys, tempfile
from pathlib import Path
from nnsteps.problems.registry import find_kind
from nnsteps.generation.generate import generate
name = sys.argv[1]
record = find_kind(name)
problems = generate(name, 0, count=1, out=Path(tempfile.mkdtemp())).problems  # what `nnsteps generate` runs
print(json.dumps([record.name, [p["kind"] for p in problems],
                  sorted(m for m in sys.modules if m.startswith("nnsteps.kinds."))]))
"""


def run(code: str, *args: str) -> object:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, check=True, env=ENV,
                          timeout=120, text=True)
    return json.loads(done.stdout)


def test_every_module_of_the_kinds_package_is_in_the_manifest() -> None:
    modules = {info.name for info in pkgutil.iter_modules(nnsteps.kinds.__path__)}
    assert {m for m in modules if not m.startswith("_")} == set(MANIFEST)


def test_each_listed_module_registers_exactly_the_kinds_listed_for_it() -> None:
    registered = run(REGISTERS)
    assert registered == {module: list(kinds) for module, kinds in MANIFEST.items()}


def test_the_registry_lists_the_manifest_kinds_and_nothing_else() -> None:
    listed = [kind for kinds in MANIFEST.values() for kind in kinds]
    assert len(listed) == len(set(listed))
    assert [k for k in load_kinds() if k in set(listed)] == listed
    assert set(load_kinds()) >= set(listed)


def test_the_stage_kinds_are_exactly_the_records_that_carry_a_stage() -> None:
    assert {name for name, record in load_kinds().items() if record.stage is not None} == STAGES


def test_home_of_names_the_module_of_every_kind() -> None:
    for module, kinds in MANIFEST.items():
        assert {home_of(k) for k in kinds} == {f"nnsteps.kinds.{module}"}
    assert home_of("conv2e") is None


def test_generating_a_kind_imports_only_its_module() -> None:
    assert run(FIND, "conv2d") == ["conv2d", ["conv2d"], ["nnsteps.kinds._grid", "nnsteps.kinds.conv"]]
    assert run(FIND, "rnn")[2] == ["nnsteps.kinds._backprop", "nnsteps.kinds.rnn"]


def test_every_generator_is_part_of_its_kind_record() -> None:
    from nnsteps.generation.generate import kinds

    records = load_kinds()
    assert "conv2d" in kinds() and records["conv2d"].generator_options[:2] == ("stride", "padding")
    assert all(records[k].generator is not None for k in kinds())
    assert {k for k, r in records.items() if r.generator is None} == {"stacked_filters", "size_inverse"}
