"""What a solve imports: only the kind modules its problems use, and nothing heavy (SymPy, torch, the
web stack, the CLI framework); the text of every step is the same whether or not digits share a walk.
Deterministic (module sets and strings, never times); the speed is bench/bench_cold_start.py's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnsteps.problems import registry
from nnsteps.problems.registry import load_kinds

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sympy", "torch", "fastapi", "starlette", "uvicorn", "typer", "click", "pydantic", "rich", "jinja2",
         "matplotlib", "scipy", "nnsteps.cli", "nnsteps.web", "nnsteps.grading", "nnsteps.arch", "nnsteps.export")

# What the worker of `nnsteps solve` holds: the parent's modules (the hot path) and solve_task's.
PROBE = """
import json, sys
import nnsteps.__main__, nnsteps.hot
from nnsteps.jobs import solve_task
out = solve_task(sys.argv[1], sys.argv[2], None)
print(json.dumps({"out": out, "modules": sorted(sys.modules)}))
"""


def worker_modules(problems: list[dict[str, object]], fmt: str, tmp_path: Path) -> tuple[str, set[str]]:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"problems": problems}))
    done = subprocess.run([sys.executable, "-c", PROBE, str(path), fmt], capture_output=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=120)
    result = json.loads(done.stdout)
    return result["out"], set(result["modules"])


def kind_modules(modules: set[str]) -> set[str]:
    return {m.removeprefix("nnsteps.kinds.") for m in modules if m.startswith("nnsteps.kinds.")}


CONV = {"id": "q1a", "kind": "conv2d", "input": "1 1 2; 0 1 0; 3 1 1", "kernel": "1 0; 0 1"}
PIPELINE = {"id": "q5", "kind": "pipeline", "input": "-1 0 1; 2 3 4; 5 6 7",
            "steps": [{"conv2d": {"kernel": "2 1; 0 -1"}}, "relu", {"avg_pool2d": {"kernel_size": 2}}]}


def test_a_conv2d_solve_imports_its_kind_module_and_nothing_heavy(tmp_path: Path) -> None:
    out, modules = worker_modules([CONV], "text", tmp_path)
    assert "Answer:" in out and "[ 2  1 ]" in out
    assert kind_modules(modules) == {"_grid", "conv"}
    assert sorted(m for m in modules if m.startswith(HEAVY)) == []
    assert "numpy.random" not in modules and "secrets" not in modules and "multiprocessing" not in modules


def test_a_json_solve_does_not_load_the_latex_to_text_converter(tmp_path: Path) -> None:
    out, modules = worker_modules([CONV], "json", tmp_path)
    assert json.loads(out)["problems"][0]["answer"] == [[2, 1], [1, 2]]
    assert not any(m.startswith("pylatexenc") for m in modules)


def test_a_json_solve_of_backprop_prints_its_exact_forms_without_sympy(tmp_path: Path) -> None:
    """Every answer of the 2-2-2 sigmoid MLP leaves the rationals; answer_exact is printed from the recipes."""
    import yaml

    problems = yaml.safe_load((ROOT / "examples" / "backprop.yaml").read_text())["problems"]
    out, modules = worker_modules(problems, "json", tmp_path)
    assert json.loads(out)["problems"][0]["answer_exact"]["outputs"][0] == ["1/(exp(-151/400) + 1)",
                                                                          "1/(exp(-157/400) + 1)"]
    assert sorted(m for m in modules if m.startswith(HEAVY)) == []


def test_a_pipeline_imports_the_kinds_of_its_stages(tmp_path: Path) -> None:
    out, modules = worker_modules([PIPELINE], "text", tmp_path)
    assert "Stage 3: avg_pool2d" in out
    assert kind_modules(modules) == {"_grid", "_pipeline_learn", "pipeline", "conv", "activation", "pool"}
    assert sorted(m for m in modules if m.startswith(HEAVY)) == []


def test_an_unknown_kind_still_names_every_kind(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"problems": [{"id": "q", "kind": "conv2e"}]}))
    done = subprocess.run([sys.executable, "-m", "nnsteps", "solve", str(path)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=120)
    assert done.returncode == 2
    assert f"known kinds: {', '.join(sorted(load_kinds()))} (did you mean 'conv2d'?)" in done.stderr


def test_every_kind_is_found_without_importing_every_module() -> None:
    """The manifest names the module that registers each kind, so finding a kind never falls back to
    importing the whole package."""
    kinds = load_kinds()
    for name in kinds:
        assert registry.home_of(name) == kinds[name].solve.__module__, name
    assert registry.home_of("max_pool2d") == "nnsteps.kinds.pool"


def test_kinds_looked_up_first_are_listed_in_discovery_order() -> None:
    """A registry filled by lookups lists the kinds in the order a full discovery gives."""
    probe = ("import json\nfrom nnsteps.problems.registry import KINDS, find_kind\n"
             "first = [find_kind(n).name for n in ('rnn', 'max_pool2d', 'conv2d', 'pipeline')]\n"
             "print(json.dumps([first, list(KINDS)]))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    first, listed = json.loads(done.stdout)
    assert first == ["rnn", "max_pool2d", "conv2d", "pipeline"]
    fresh = subprocess.run([sys.executable, "-c", "import json\nfrom nnsteps.problems.registry import load_kinds\n"
                            "print(json.dumps(list(load_kinds())))\n"], capture_output=True, check=True,
                           timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert listed == json.loads(fresh.stdout)


@pytest.mark.parametrize("latex, text", [
    (r"1 \cdot 1 + 1 \cdot 4 + 0 \cdot 2", "1·1 + 1·4 + 0·2"),
    (r"3 \cdot 2 + 4 \cdot 1 + 6 \cdot 0 + 7 \cdot (-1)", "3·2 + 4·1 + 6·0 + 7·(-1)"),
    (r"\left\lfloor \frac{5 - 3 + 2 \cdot 1}{1} \right\rfloor + 1", "⌊(5 - 3 + 2·1)/1⌋ + 1"),
    (r"\frac12 + \frac{10}{3}", "1/2 + 10/3"),
    (r"X^{\text{pad}} \in \mathbb{R}^{7 \times 7}", "X^pad ∈ ℝ^(7 × 7)"),
    (r"\hspace{2em} 5", "5"),  # a digit the walker drops: converted on its own
])
def test_digits_put_back_in_a_shared_walk_give_the_walk_of_the_formula(latex: str, text: str) -> None:
    from nnsteps.render.latex_text import _walk, latex_to_text

    assert latex_to_text(latex) == _walk(latex)[1] == text


def test_every_formula_of_the_bundled_examples_reads_the_same_either_way() -> None:
    from nnsteps.problems.load import load_file
    from nnsteps.problems.solve import problems_of, solve_problem
    from nnsteps.render.latex_text import _walk, latex_to_text

    formulas: set[str] = set()

    def collect(steps: list) -> None:  # type: ignore[type-arg]
        for step in steps:
            formulas.update(x for x in (step.formula, step.substituted) if x)
            collect(step.steps)

    for path in sorted((ROOT / "src" / "nnsteps" / "examples").glob("*.yaml")) + [ROOT / "bench" / "reference_grid.yaml"]:
        document = load_file(path)
        if isinstance(document, dict) and "problems" in document:
            for i, raw in enumerate(problems_of(document)[1]):
                collect(solve_problem(raw, i).worked.steps)
    assert len(formulas) > 300
    assert [f for f in sorted(formulas) if latex_to_text(f) != _walk(f)[1]] == []
