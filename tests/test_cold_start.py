"""The hot path (nnsteps.hot, run by the `nnsteps` console script and `python -m nnsteps`) prints the
same bytes, writes the same files and exits with the same codes as the typer app, and imports neither
typer nor click, pydantic, rich or SymPy. Speed itself is measured in bench/bench_cold_start.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnsteps.hot import parse_solve

ROOT = Path(__file__).resolve().parents[1]
GRID = ROOT / "bench" / "reference_grid.yaml"
HOT = [sys.executable, "-m", "nnsteps"]
# The typer app, called by the name click gives `python -m nnsteps` (for usage lines handed to typer).
TYPER = [sys.executable, "-c", "from nnsteps.cli import app; app(prog_name='python -m nnsteps')"]


def run(prefix: list[str], args: list[str], cwd: Path, stdin: str | None = None) -> tuple[int, bytes, bytes]:
    done = subprocess.run([*prefix, *args], capture_output=True, cwd=cwd, input=None if stdin is None
                          else stdin.encode(), env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=120)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("args", [
    ["solve", str(GRID)],
    ["solve", str(GRID), "--brief"],
    ["solve", "--format", "json", str(GRID)],
    ["solve", str(GRID), "-f", "markdown", "--time-limit=30"],
    ["solve", str(GRID), "--format=jsn"],  # bad input: one error line, exit 2
    ["solve", "missing.yaml"],
    ["solve", str(GRID), "--time-limit", "0"],
    ["solve", str(GRID), "--time-limit", "soon"],  # typer's own error (the hot path hands it over)
    ["solve", str(GRID), "--help"],
    ["solve"],
])
def test_hot_path_prints_what_typer_prints(args: list[str], tmp_path: Path) -> None:
    assert run(HOT, args, tmp_path) == run(TYPER, args, tmp_path)


def test_hot_path_reads_stdin_and_writes_files_as_typer_does(tmp_path: Path) -> None:
    text = "problems: [{id: a, kind: relu, input: '1 -2 3'}]"
    assert run(HOT, ["solve", "-"], tmp_path, text) == run(TYPER, ["solve", "-"], tmp_path, text)
    for name in ("hot", "typer"):
        (tmp_path / name).mkdir()
    assert run(HOT, ["solve", str(GRID), "-o", "r.html"], tmp_path / "hot") == \
        run(TYPER, ["solve", str(GRID), "-o", "r.html"], tmp_path / "typer")
    hot, typer = (tmp_path / "hot" / "r.html").read_bytes(), (tmp_path / "typer" / "r.html").read_bytes()
    assert hot == typer and b"q1a" in hot
    assert run(HOT, ["solve", str(GRID), "-o", "r.docx"], tmp_path)[0] == 2


def test_hot_path_imports_no_typer_click_pydantic_rich_or_sympy(tmp_path: Path) -> None:
    probe = ("import atexit, sys\n"
             "heavy = ('typer', 'click', 'pydantic', 'rich', 'sympy', 'nnsteps.cli')\n"
             "atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith(heavy)),"
             " file=sys.stderr))\n"
             f"sys.argv = ['nnsteps', 'solve', {str(GRID)!r}, '--brief']\n"
             "from nnsteps.__main__ import main\nmain()\n")
    code, out, err = run([sys.executable, "-c", probe], [], tmp_path)
    assert code == 0 and b"q1a" in out
    assert err.decode().strip().splitlines()[-1] == "[]"


def test_time_limit_still_stops_a_hot_solve(tmp_path: Path) -> None:
    """The hot path solves under the same killable budget: a problem that cannot finish is stopped."""
    x = "; ".join(" ".join(f"0.{(i * 200 + j) * 7919 % 99991:05d}" for j in range(200)) for i in range(200))
    k = "; ".join(" ".join(f"0.{(i * 10 + j) * 104729 % 99991:05d}" for j in range(10)) for i in range(10))
    path = tmp_path / "slow.json"  # 3.6M multiply-accumulates of 5-digit decimals (under the exact-work limit): about a second of exact work
    path.write_text(json.dumps({"problems": [{"id": "q3", "kind": "conv2d", "input": x, "kernel": k}]}))
    code, out, err = run(HOT, ["solve", str(path), "--time-limit", "0.2"], tmp_path)
    assert (code, out) == (2, b"")
    assert err == b"error: problem q3: stopped after 0.2 s (time limit; --time-limit to change)\n"


def test_parse_solve_hands_typer_everything_it_does_not_read_exactly() -> None:
    assert parse_solve(["solve", "q.yaml", "--format", "json", "-o", "x.json", "--time-limit", "3"]) == {
        "fmt": "json", "out": Path("x.json"), "brief": False, "time_limit": 3.0, "digits": None, "only": None, "file": Path("q.yaml")}
    assert parse_solve(["solve", "q.yaml", "--digits", "4"])["digits"] == 4
    assert parse_solve(["solve", "-", "-o", "-"])["out"] == Path("-")  # an option's value may start with '-'
    for args in (["kinds"], ["--version"], ["solve"], ["solve", "a", "b"], ["solve", "a", "--brief=1"],
                 ["solve", "a", "-fjson"], ["solve", "a", "--", "b"], ["solve", "a", "-o"],
                 ["solve", "a", "--no-brief"], ["solve", "a", "--time-limit", "x"], ["solve", "a", "--digits", "4.5"]):
        assert parse_solve(args) is None, args
