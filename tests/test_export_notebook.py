"""nnsteps export --to notebook: validated with nbformat, its cells run in order (in-process; with nbclient
when a Jupyter kernel is installed): the empty answers score 0, the key filled in scores full marks."""

from __future__ import annotations

import ast
import contextlib
import io
import json
from pathlib import Path

import pytest

from nnsteps.export import export
from nnsteps.export.items import load
from nnsteps.generation.generate import key_value

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "examples" / "assignment3.yaml"


@pytest.fixture(scope="module")
def notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    done = export(PROBLEMS, "notebook", tmp_path_factory.mktemp("nb"))
    assert done.warnings == [] and done.written[0].name == "problems.ipynb"
    return done.written[0]


def test_notebook_is_valid_nbformat_4_with_three_cells_per_problem(notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    ids = [i.id for i in load(PROBLEMS).items]
    assert nb.metadata["nnsteps"]["problems"] == ids and len(nb.metadata["nnsteps"]["sha256"]) == 64
    per_problem = [c for c in nb.cells if "problem" in c.metadata.get("nnsteps", {})]
    assert [c.metadata["nnsteps"]["problem"] for c in per_problem] == [i for i in ids for _ in range(3)]
    assert [c.cell_type for c in per_problem[:3]] == ["markdown", "code", "code"]
    assert "self_check(" in per_problem[2].source


def run_cells(nb: object, fill: dict[str, object] | None = None) -> dict[str, float]:
    """Run the code cells in order as a kernel would; answer cells replaced by ``fill`` where given."""
    namespace: dict[str, object] = {}
    scores: dict[str, float] = {}
    for cell in nb.cells:  # type: ignore[attr-defined]
        if cell.cell_type != "code":
            continue
        pid = cell.metadata.get("nnsteps", {}).get("problem")
        source = cell.source
        if fill is not None and cell.metadata["nnsteps"].get("role") == "answer" and pid in fill:
            source = f"answers[{json.dumps(pid)}] = {fill[pid]!r}"
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            value = eval(compile(source, "<cell>", "exec" if not source.startswith("self_check") else "eval"),
                         namespace)
        if source.startswith("self_check"):
            scores[pid] = value
    return scores


def test_the_cells_run_and_self_check_with_nnsteps(notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    ps = load(PROBLEMS)
    empty = run_cells(nb)
    assert set(empty) == {i.id for i in ps.items} and all(s == 0 for s in empty.values())
    keys = {i.id: key_value(i.key) for i in ps.items}
    keys = {pid: (str(v) if not isinstance(v, (list, dict, int, str, float)) else v) for pid, v in keys.items()}
    full = run_cells(nb, json.loads(json.dumps(keys, default=str)))
    assert full == {i.id: i.points for i in ps.items}


def test_the_embedded_problem_file_solves_to_the_same_keys(notebook: Path) -> None:
    from nnsteps.problems.load import loads

    nb = nbformat.read(notebook, as_version=4)
    setup = next(c for c in nb.cells if c.metadata.get("nnsteps", {}).get("role") == "setup").source
    yaml_text = ast.literal_eval(setup.split("YAML = ", 1)[1].split("\n", 1)[0])  # a Python literal, never code
    assert [i.key for i in load(loads(yaml_text)).items] == [i.key for i in load(PROBLEMS).items]


def test_runs_in_a_jupyter_kernel_when_one_is_installed(notebook: Path) -> None:
    nbclient = pytest.importorskip("nbclient")
    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" not in KernelSpecManager().find_kernel_specs():
        pytest.skip("no python3 Jupyter kernel installed")
    nb = nbformat.read(notebook, as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "q1a: 0/1" in outputs
